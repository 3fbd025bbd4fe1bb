/**
 * `hwnas export` on a small edge-mbnet-reduced run over CIFAR-10, in the joint search's layout (journal, summary,
 * models/trial-N): one network trained for real (briefly, with BatchNorm) and one with seeded random weights
 * (no BatchNorm) whose recorded accuracy is our own inference's. Every written model takes 3-channel NCHW
 * input, agrees with our own inference, carries the edge space's metadata and passes the ONNX checker.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../lib/onnx/proto.js';
import { compareLogits, onnxLogits, ourLogits } from '../../lib/onnx/verify.js';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture } from '../../lib/space/decode.js';
import { edgeMbnetSpace, EDGE_MBNET_REDUCED } from '../../lib/space/index.js';
import { JOURNAL_VERSION, type StudyEvent } from '../../lib/study/events.js';
import { summarizeTrials } from '../../lib/study/summary.js';
import type { FinishedTrial, Objective } from '../../lib/trial/index.js';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { loadDataset, toFloat } from '../../lib/train/datasets/registry.js';
import { loadTrainedModel, saveTrainedModel, trialModelDir } from '../../lib/train/model-store.js';
import { trainGenome } from '../../lib/train/train.js';
import { randomTrained } from './edge-reference.js';
import { expectChecker, listFiles, exportCli } from './helpers.js';

const space = edgeMbnetSpace(EDGE_MBNET_REDUCED);
const VAL_SUBSET = 100;
const OBJECTIVES: Objective[] = [
  { metric: 'accuracy', direction: 'maximize' },
  { metric: 'latencyMs', direction: 'minimize' },
];
let root: string;
let run: string;

const cli = exportCli;

beforeAll(async () => {
  await initTrainingBackend({ backend: 'wasm', threads: 1 });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-edge-export-'));
  run = path.join(root, 'run');
  const rng = Rng.fromSeed('edge-cli-export');
  // Small genomes (narrow, few blocks) keep the training short.
  const small = (g: Record<string, unknown>) =>
    space.canonical({ ...g, ...Object.fromEntries([1, 2, 3, 4, 5].flatMap((i) => [[`S${i}.blocks`, 1], [`S${i}.width`, 0.75], [`S${i}.expansion`, i === 2 ? 3 : 1]])), 'S2.op': 'ibn', 'S3.op': 'fused' } as never);
  const g0 = small(space.sample(rng));
  // A different network for trial 1 (the last stage's kernel differs at least).
  const genomes = [g0, small({ ...space.sample(rng), 'S5.kernel': g0['S5.kernel'] === 3 ? 5 : 3 })];
  const at = new Date(0).toISOString();
  const events: StudyEvent[] = [
    {
      type: 'create',
      version: JOURNAL_VERSION,
      at,
      study: {
        space: space.toJSON(),
        objectives: OBJECTIVES,
        constraints: [],
        strategy: { name: 'random', options: {} },
        seed: 1,
        meta: { kind: 'joint', dataset: 'cifar10', config: { training: { valSubset: VAL_SUBSET, epochs: 1 } } },
      },
    },
    { type: 'ask', at, trials: genomes.map((genome, number) => ({ number, genome, key: space.key(genome) })) },
  ];
  const finished: FinishedTrial[] = [];
  // Trial 0: trained for real (a few steps), BatchNorm.
  const r = await trainGenome({
    space: space.toJSON(),
    genome: genomes[0],
    dataset: 'cifar10',
    epochs: 1,
    batchSize: 32,
    trainSubset: 64,
    valSubset: VAL_SUBSET,
    batchNorm: true,
    seed: 1,
    backend: 'wasm',
    threads: 1,
    returnWeights: true,
  });
  saveTrainedModel(trialModelDir(run, 0), r.weights!);
  // Trial 1: seeded random weights, no BatchNorm; its accuracy is what our own inference measures on the validation subset.
  const random = randomTrained(decodeArchitecture(space, genomes[1]), 'cli', false);
  saveTrainedModel(trialModelDir(run, 1), random);
  const val = loadDataset('cifar10', { split: 'val', subset: VAL_SUBSET, seed: 0 });
  const logits = ourLogits(random, toFloat(val, 0, val.count), val.count);
  const acc = compareLogits(logits, logits, val.labels, val.count, 10).ourAccuracy;
  const results = [
    { accuracy: r.valAccuracy, latencyMs: 0.02 },
    { accuracy: acc, latencyMs: 0.01 },
  ];
  results.forEach((metrics, number) => {
    const result = { status: 'complete' as const, metrics, violations: {}, extra: { hardwareModel: 'edge', device: 'edgetpu-like' } };
    events.push({ type: 'result', at, number, result });
    finished.push({ number, genome: genomes[number], key: space.key(genomes[number]), startedAt: at, finishedAt: at, ...result });
  });
  events.push({ type: 'tell', at, seq: 1, numbers: [0, 1] });
  fs.writeFileSync(path.join(run, 'journal.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  fs.writeFileSync(path.join(run, 'summary.json'), JSON.stringify({ ...summarizeTrials(finished, OBJECTIVES, null), dataset: 'cifar10' }, null, 2));
}, 300_000);

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('hwnas export of edge-mbnet-reduced networks (CIFAR-10)', () => {
  it('--trial N writes a verified model: 3-channel NCHW input, edge metadata, checker passed, same logits as ours', async (ctx) => {
    const out = path.join(root, 'out');
    fs.mkdirSync(out);
    const ds = loadDataset('cifar10', { split: 'val', subset: 150, seed: 'another-order' });
    const x = toFloat(ds, 0, ds.count);
    for (const trial of [0, 1]) {
      const file = path.join(out, `trial-${trial}.onnx`);
      const r = await cli('--run', run, '--trial', String(trial), '--out', file, '--test-images', '200');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`trial ${trial} → .*trial-${trial}\\.onnx .*opset 13, float`));
      expect(r.out).toMatch(/cifar10\/val: same class on 100\.00 % of 100,.*recorded/);
      const model = decodeModel(fs.readFileSync(file));
      const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
      expect(meta['hwnas.space']).toBe('edge-mbnet-reduced');
      expect(meta['hwnas.dataset']).toBe('cifar10');
      expect(JSON.parse(meta['hwnas.hardware'])).toMatchObject({ model: 'edge' });
      expect(model.graph.input[0].type.tensorType.shape.dim.slice(1).map((d) => Number(d.dimValue))).toEqual([3, 32, 32]);
      expect(model.graph.node.map((n) => n.opType)).toEqual(expect.arrayContaining(['Conv', 'GlobalAveragePool', 'Gemm']));
      // The written file, run on its own, agrees with our inference on images the export did not see.
      const trained = loadTrainedModel(trialModelDir(run, trial));
      const session = await ort.InferenceSession.create(file);
      const theirs = await onnxLogits(session, x, ds.count, [3, 32, 32], 10);
      await session.release();
      const ours = ourLogits(trained, x, ds.count);
      const c = compareLogits(ours, theirs, ds.labels, ds.count, 10);
      expect(c.agreement).toBe(1);
      expect(c.inexactImages).toBe(0);
      // The logits differ between images: the comparison is not one of constants.
      let spread = 0;
      for (let i = 1; i < ds.count; i++) for (let k = 0; k < 10; k++) spread = Math.max(spread, Math.abs(ours[i * 10 + k] - ours[k]));
      expect(spread).toBeGreaterThan(1e-3);
      await expectChecker(file, ctx);
    }
    expect(listFiles(out)).toEqual(['trial-0.onnx', 'trial-1.onnx']);
  });

  it('refuses a model that is not the network its genome encodes (another edge genome), writing nothing', async () => {
    const copy = path.join(root, 'swapped');
    fs.cpSync(run, copy, { recursive: true });
    fs.rmSync(trialModelDir(copy, 1), { recursive: true });
    fs.cpSync(trialModelDir(copy, 0), trialModelDir(copy, 1), { recursive: true });
    const dir = fs.mkdtempSync(path.join(root, 'bad-'));
    const r = await cli('--run', copy, '--trial', '1', '--out', path.join(dir, 'm.onnx'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not the network trial 1's genome encodes/);
    expect(listFiles(dir)).toEqual([]);
  });
});
