import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture, decodeQuantization, presetSpace } from '../../lib/space/index.js';
import { evaluateGenome, parseHardwareSpec } from '../../hardware/model.js';
import { fromArchitecture } from '../../hardware/network.js';
import { kendallTau, leastSquares, predictionAccuracy } from '../../hardware/predictor/fit.js';
import { latencyPredictorOf } from '../../hardware/predictor/index.js';
import { networkOps } from '../../hardware/predictor/ops.js';
import { applyCorrection, chooseCorrection, fitCorrection, loadPredictor, MeasuredLatencyPredictor, parsePredictorFile, type NetworkSums } from '../../hardware/predictor/predictor.js';
import { installSyntheticPredictor, opCost, syntheticPredictor } from './fixture.js';
import { latencyOracle } from '../../lib/space/latency-oracle.js';
import os from 'node:os';
import path from 'node:path';

const file = installSyntheticPredictor();
afterAll(() => {
  delete process.env.HWNAS_PREDICTOR_ORT_CPU;
});

describe('fit helpers', () => {
  it('least squares recovers a known line; Kendall τ and ±10 % count as defined', () => {
    const X = [[1, 1], [2, 1], [3, 1], [4, 1]];
    const coef = leastSquares(X, [3, 5, 7, 9])!;
    expect(coef[0]).toBeCloseTo(2, 6); // the tiny ridge (1e-9 × trace) shifts the last digits
    expect(coef[1]).toBeCloseTo(1, 6);
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(kendallTau([1, 2, 3, 4], [40, 30, 20, 10])).toBeCloseTo(-1, 12);
    const a = predictionAccuracy([1.05, 2.5, 3], [1, 2, 3]);
    expect(a.within10).toBeCloseTo(2 / 3, 12);
    expect(a.rmsePct).toBeCloseTo(100 * Math.sqrt((0.05 ** 2 + 0.25 ** 2) / 3), 9);
  });

  it('chooses the correction that generalises: an affine truth is found as affine', () => {
    const rng = Rng.fromSeed(1);
    const sums: NetworkSums[] = Array.from({ length: 30 }, () => ({ lookupMs: rng.uniform(0.05, 1), ops: rng.int(2, 9), mmacs: rng.next(), elems: rng.next() }));
    const y = sums.map((s) => 0.6 * s.lookupMs + 0.04);
    const c = chooseCorrection(sums, y);
    expect(['affine', 'affine-ops', 'per-kind']).toContain(c.kind);
    expect(c.candidates.affine.looRmsePct).toBeLessThan(1e-6);
    expect(c.candidates.bias.looRmsePct).toBeGreaterThan(5);
  });
});

describe('the kernel correction (per-group costs learnt on whole networks)', () => {
  it('recovers a network latency that is not a scaled sum of the isolated-operator lookups, where the simpler corrections cannot', () => {
    // The "runtime" runs q8 convs at 0.5× their isolated time plus 0.02 ms per op, float convs at 1.3× plus 0.01 ms
    // per 10⁴ activations, pools for free, plus 0.02 ms per network: no affine map of the sums reproduces it.
    const p = new MeasuredLatencyPredictor(syntheticPredictor());
    const sums: NetworkSums[] = [];
    const y: number[] = [];
    for (const name of ['lu2019-mnist', 'lu2019-mnist-float'] as const) {
      const space = presetSpace(name);
      const rng = Rng.fromSeed(12);
      for (let i = 0; i < 60; i++) {
        const g = space.sample(rng);
        const net = fromArchitecture(decodeArchitecture(space, g), decodeQuantization(space, g));
        const s = p.sums(net);
        sums.push(s);
        const k = s.kernels!;
        const at = (grp: string, j: number): number => k[grp]?.[j] ?? 0;
        y.push(0.02 + 0.5 * at('conv:q8', 1) + 0.02 * at('conv:q8', 0) + 1.3 * at('conv:float', 1) + 0.01 * at('conv:float', 3) + at('conv:q16', 1) + at('dense:q8', 1) + at('dense:q16', 1) + at('dense:float', 1));
      }
    }
    const c = chooseCorrection(sums, y);
    expect(c.kind).toBe('kernel');
    // Not exactly 0: a held-out network can be the only one with a rare group (a q16 dense), which the others cannot fit.
    expect(c.candidates.kernel.looRmsePct).toBeLessThan(c.candidates['per-group'].looRmsePct / 2);
    expect(c.candidates.affine.looRmsePct).toBeGreaterThan(5);
    expect(c.candidates.kernel.looWithin10).toBeGreaterThan(0.95);
  });
});

describe('the kernel correction on a group the calibration never saw', () => {
  it('keeps that group\'s measured lookups (a departure from the sum, not a coefficient of 0)', () => {
    const rng = Rng.fromSeed(3);
    const zero = [0, 0, 0, 0, 0];
    const net = (lut: number, n: number, q16Dense = 0): NetworkSums => ({
      lookupMs: lut + q16Dense, ops: n + (q16Dense ? 1 : 0), mmacs: 0, elems: 0,
      kernels: { 'conv:q8': [n, lut, lut * 3, lut * 7 + n, 0.5 * n], ...(q16Dense ? { 'dense:q16': [1, q16Dense, 0.2, 2, 19] } : {}), maxpool: zero },
    });
    const sums = Array.from({ length: 60 }, () => net(rng.uniform(0.02, 0.2), rng.int(1, 4)));
    const y = sums.map((s) => 0.8 * s.kernels!['conv:q8'][1] + 0.005 * s.kernels!['conv:q8'][0] + 0.01);
    const coef = fitCorrection('kernel', sums, y)!;
    const probe = net(0.1, 2, 0.12);
    expect(applyCorrection('kernel', coef, probe)).toBeCloseTo(0.8 * 0.1 + 0.005 * 2 + 0.01 + 0.12, 6);
  });
});

describe('measured predictor and the ort-cpu hardware model', () => {
  const space = presetSpace('lu2019-mnist');
  it('predicts Σ table + bias, and the ort-cpu model reports it with the latency constraint', () => {
    const p = loadPredictor(file);
    const rng = Rng.fromSeed(5);
    const spec = parseHardwareSpec({ device: 'ep4ce115', maxLatencyMs: 0.1 });
    let feasible = 0;
    for (let i = 0; i < 30; i++) {
      const g = space.sample(rng);
      const arch = decodeArchitecture(space, g);
      const quant = decodeQuantization(space, g);
      const expected = networkOps(fromArchitecture(arch, quant)).reduce((a, o) => a + opCost(o), 0) + 0.03;
      expect(p.predictMs(arch, quant)).toBeCloseTo(expected, 12);
      const r = evaluateGenome(space, g, spec, 'ort-cpu');
      expect(r.model).toBe('ort-cpu');
      expect(r.latencyMs).toBeCloseTo(expected, 12);
      expect(r.luts).toBeNull();
      expect(r.feasible).toBe(expected <= 0.1);
      expect(r.violations.latencyMs).toBeCloseTo((expected - 0.1) / 0.1, 9);
      if (r.feasible) feasible++;
      expect(latencyPredictorOf('ort-cpu', spec).predictMs(arch, quant)).toBeCloseTo(expected, 12);
    }
    expect(feasible).toBeGreaterThan(0);
    expect(feasible).toBeLessThan(30);
  });

  it('the analytical FPGA models answer through the same predictor interface', () => {
    const spec = parseHardwareSpec({ device: 'ep4ce115' });
    const g = space.sample(Rng.fromSeed(2));
    const ms = latencyPredictorOf('lu2019-pipeline', spec).predictMs(decodeArchitecture(space, g), decodeQuantization(space, g));
    expect(ms).toBe(evaluateGenome(space, g, spec, 'lu2019-pipeline').latencyMs);
    expect(ms).toBeGreaterThan(0);
  });

  it('an operator outside the table falls back to its group regression; an unknown group is an error naming it', () => {
    const p = new MeasuredLatencyPredictor(syntheticPredictor());
    const o = { op: 'conv' as const, cin: 3, cout: 5, k: 7, stride: 2, h: 9, w: 9, groups: 1, precision: 'float' as const };
    expect(p.opMs(o)).toBeCloseTo(opCost(o), 12);
    expect(() => p.opMs({ op: 'sigmoid', elements: 10 })).toThrow(/sigmoid/);
  });

  it('tells channel scaling its validated error: the held-out RMSE, else the chosen correction\'s leave-one-out RMSE', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-pred-'));
    const f = path.join(dir, 'ort-cpu.json');
    const base = syntheticPredictor();
    const loo = { ...base, correction: { kind: 'affine' as const, coef: [1, 0], candidates: { bias: { looRmsePct: 20, looWithin10: 0.3 }, affine: { looRmsePct: 7.5, looWithin10: 0.8 } } } };
    const saved = process.env.HWNAS_PREDICTOR_ORT_CPU;
    try {
      process.env.HWNAS_PREDICTOR_ORT_CPU = f;
      fs.writeFileSync(f, JSON.stringify(loo));
      expect(latencyOracle('ort-cpu')!.rmsePct!()).toBe(7.5);
      const accuracy = { n: 100, within10: 0.9, rmsePct: 6.25, kendallTau: 0.9, pearson: 0.99, maePct: 5 };
      fs.writeFileSync(f, JSON.stringify({ ...loo, validation: { networks: 100, accuracy, rawAccuracy: accuracy, noise: 0.1, seed: 1 } }));
      fs.utimesSync(f, new Date(), new Date(Date.now() + 5000)); // a new mtime: the loader's cache re-reads
      expect(latencyOracle('ort-cpu')!.rmsePct!()).toBe(6.25);
    } finally {
      process.env.HWNAS_PREDICTOR_ORT_CPU = saved;
    }
  });

  it('refuses a file of another version or with bad fields, with the path of the bad value', () => {
    const good = syntheticPredictor();
    expect(() => parsePredictorFile({ ...good, version: 99 })).toThrow(/version 99/);
    expect(() => parsePredictorFile({ ...good, overheadMs: 'x' })).toThrow(/overheadMs/);
    expect(() => loadPredictor(`${file}.missing`)).toThrow(/hwnas profile --target ort-cpu/);
    expect(fs.existsSync(file)).toBe(true);
  });
});
