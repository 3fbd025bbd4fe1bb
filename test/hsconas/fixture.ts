/** A synthetic predictor file (no measurement): table entries from a known formula, so predictions can be checked. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture, decodeQuantization, presetSpace } from '../../lib/space/index.js';
import { fromArchitecture } from '../../hardware/network.js';
import { networkOps, opFeatures, opKey, type OpSpec } from '../../hardware/predictor/ops.js';
import { PREDICTOR_FORMAT, PREDICTOR_VERSION, type PredictorFile } from '../../hardware/predictor/predictor.js';

/** Known operator cost: 0.01 ms + 0.05 ms per MMAC + 0.002 ms per 10⁴ elements. */
export const opCost = (o: OpSpec): number => {
  const f = opFeatures(o);
  return 0.01 + 0.05 * f[1] + 0.002 * f[2];
};

export function syntheticPredictor(bias = 0.03): PredictorFile {
  const table: PredictorFile['table'] = {};
  for (const name of ['lu2019-mnist', 'lu2019-mnist-float'] as const) {
    const space = presetSpace(name);
    const rng = Rng.fromSeed(1);
    for (let i = 0; i < 3000; i++) {
      const g = space.sample(rng);
      for (const o of networkOps(fromArchitecture(decodeArchitecture(space, g), decodeQuantization(space, g)))) table[opKey(o)] = { ms: opCost(o), spread: 0 };
    }
  }
  return {
    format: PREDICTOR_FORMAT,
    version: PREDICTOR_VERSION,
    target: 'ort-cpu',
    createdAt: '2026-01-01T00:00:00.000Z',
    machine: { cpu: 'test cpu', cores: 2, arch: 'x64', platform: 'linux', node: 'v20', runtime: 'onnxruntime-node', runtimeVersion: '0', threads: 1, loadAvg: [0] },
    settings: { warmup: 1, repeats: 3, statistic: 'median', spaces: ['lu2019-mnist'], seed: 1, calibrationNetworks: 0 },
    overheadMs: 0.02,
    referenceMs: 1,
    referenceLevels: [1, 1, 1],
    table,
    regression: { 'conv:q8': [0.01, 0.05, 0.002, 0], 'conv:q16': [0.01, 0.05, 0.002, 0], 'conv:float': [0.01, 0.05, 0.002, 0], 'dense:q8': [0.01, 0.05, 0.002, 0], 'dense:q16': [0.01, 0.05, 0.002, 0], 'dense:float': [0.01, 0.05, 0.002, 0], maxpool: [0.01, 0.05, 0.002, 0] },
    correction: { kind: 'bias', coef: [bias], candidates: {} },
  };
}

/** Writes the synthetic predictor to a temporary file and points HWNAS_PREDICTOR_ORT_CPU at it. */
export function installSyntheticPredictor(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-pred-'));
  const file = path.join(dir, 'ort-cpu.json');
  fs.writeFileSync(file, JSON.stringify(syntheticPredictor()));
  process.env.HWNAS_PREDICTOR_ORT_CPU = file;
  return file;
}
