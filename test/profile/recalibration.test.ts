import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture, decodeQuantization, presetSpace, type Genome } from '../../lib/space/index.js';
import { fromArchitecture } from '../../hardware/network.js';
import { correctionFeatures, loadPredictor, MeasuredLatencyPredictor, parsePredictorFile } from '../../hardware/predictor/predictor.js';
import { fitRecalibration, type Recalibration, type RecalibrationPoint } from '../../hardware/predictor/recalibration.js';
import { recalibrate } from '../../lib/profile/recalibrate.js';
import { validatePredictor } from '../../lib/profile/profile.js';
import { syntheticPredictor } from '../hsconas/fixture.js';

const meta = { referenceLevels: [1, 2], profileCreatedAt: 'p', loadAvg: 0 };

/** Points whose time now is `a · profile + b + x · delta` (+ relative noise), x three features and the intercept. */
function points(n: number, a: number, b: number, delta: readonly number[], noise: number, seed: number): RecalibrationPoint[] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: n }, () => {
    const x = [rng.uniform(0, 4), rng.uniform(0, 1), rng.uniform(0, 2)];
    const profileMs = rng.uniform(0.04, 0.3);
    const truth = a * profileMs + b + x.reduce((s, v, i) => s + v * delta[i], 0);
    return { profileMs, features: [...x, 1], measuredMs: truth * (1 + rng.uniform(-noise, noise)) };
  });
}

describe('use-time recalibration (fit)', () => {
  it('recovers a known map from the stored predictions to the speed now, per-group terms included', () => {
    const r = fitRecalibration(points(60, 0.8, 0.01, [0.004, 0, -0.003], 0, 1), { ...meta, lambda: 1e-9 });
    expect(r.a).toBeCloseTo(0.8, 4);
    expect(r.b).toBeCloseTo(0.01, 5);
    expect(r.delta.map((d) => +d.toFixed(5))).toEqual([0.004, 0, -0.003]);
    expect(r.after.within10).toBe(1);
    expect(r.after.rmsePct).toBeLessThan(1e-3);
    // Before: the stored predictions against the panel (off by the drift).
    expect(r.before.rmsePct).toBeGreaterThan(5);
    expect(r.panel).toBe(60);
  });

  it('keeps to the affine map when the per-group terms would only fit noise (chosen by leave-one-out)', () => {
    const pts = points(30, 1.3, 0.005, [0, 0, 0], 0.05, 2);
    const r = fitRecalibration(pts, meta);
    expect(r.lambda === null || r.lambda >= 0.3).toBe(true);
    expect(r.map).toBe(r.lambda === null ? 'affine' : 'ridge');
    const free = fitRecalibration(pts, { ...meta, lambda: 0.03 });
    expect(r.after.rmsePct).toBeLessThanOrEqual(free.after.rmsePct);
    expect(r.a).toBeGreaterThan(1.15);
    expect(r.a).toBeLessThan(1.45);
  });

  it('keeps the stored predictions when no fit predicts the panel better than they do (leave-one-out)', () => {
    const r = fitRecalibration(points(30, 1, 0, [0, 0, 0], 0.05, 5), meta);
    expect(r.map).toBe('identity');
    expect([r.a, r.b]).toEqual([1, 0]);
    expect(r.delta.every((d) => d === 0)).toBe(true);
    expect(r.after).toEqual(r.before);
    expect(fitRecalibration(points(30, 1.3, 0.005, [0, 0, 0], 0.05, 2), meta).map).not.toBe('identity');
  });

  it('refuses a panel too small to fit', () => {
    expect(() => fitRecalibration(points(3, 1, 0, [0, 0, 0], 0, 3), meta)).toThrow(/too few panel networks/);
  });
});

describe('a recalibrated predictor', () => {
  const space = presetSpace('lu2019-mnist');
  const genomes: Genome[] = Array.from({ length: 5 }, (_, i) => space.sample(Rng.fromSeed(10 + i)));
  const file = syntheticPredictor(0.02);
  const recal = (o: Partial<Recalibration> = {}): Recalibration => ({
    createdAt: '2026-12-01T22:00:00.000Z', profileCreatedAt: file.createdAt, panel: 10, map: 'affine', lambda: null, a: 1.5, b: 0.01, delta: [], referenceLevels: [7, 8],
    loadAvg: 1, before: { within10: 0.1, rmsePct: 30 }, after: { within10: 0.9, rmsePct: 5 }, ...o,
  });

  it('applies now = a · stored + b + x · δ to every prediction, and normalises measurements to its own speed', () => {
    const stored = new MeasuredLatencyPredictor(file);
    const p = stored.withRecalibration(recal());
    for (const g of genomes) {
      const [arch, quant] = [decodeArchitecture(space, g), decodeQuantization(space, g)];
      expect(p.predictMs(arch, quant)).toBeCloseTo(1.5 * stored.predictMs(arch, quant) + 0.01, 10);
    }
    expect(p.referenceLevels).toEqual([7, 8]);
    expect(stored.referenceLevels).toEqual(file.referenceLevels);
    expect(p.withRecalibration(null).predictMs(decodeArchitecture(space, genomes[0]), decodeQuantization(space, genomes[0]))).toBe(stored.predictMs(decodeArchitecture(space, genomes[0]), decodeQuantization(space, genomes[0])));
  });

  it('is read from the predictor file (so searches and pool workers use it); another profile\'s is refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-recal-'));
    const f1 = path.join(dir, 'a.json');
    fs.writeFileSync(f1, JSON.stringify({ ...file, recalibration: recal({ a: 2, b: 0 }) }));
    const p = loadPredictor(f1);
    const [arch, quant] = [decodeArchitecture(space, genomes[1]), decodeQuantization(space, genomes[1])];
    expect(p.recalibration?.a).toBe(2);
    expect(p.predictMs(arch, quant)).toBeCloseTo(2 * new MeasuredLatencyPredictor(file, null).predictMs(arch, quant), 10);
    const f2 = path.join(dir, 'b.json');
    fs.writeFileSync(f2, JSON.stringify({ ...file, recalibration: recal({ profileCreatedAt: '2020-01-01T00:00:00.000Z' }) }));
    expect(() => loadPredictor(f2)).toThrow(/belongs to the profile of 2020-01-01/);
    // A δ of the wrong length (another correction) is refused when applied, with what to run.
    const bad = new MeasuredLatencyPredictor(file, recal({ delta: [1, 2, 3] }));
    expect(() => bad.predictMs(arch, quant)).toThrow(/hwnas profile --recalibrate/);
  });

  it('a version-2 file is refused with what to run', () => {
    expect(() => parsePredictorFile({ ...file, version: 2 }, 'old.json')).toThrow(/version 2 is not supported.*re-run hwnas profile/);
  });
});

describe('the pool context group', () => {
  it('groups a pool after a fixed-point layer as maxpool:q and after a float convolution as maxpool', () => {
    const p = new MeasuredLatencyPredictor(syntheticPredictor());
    const sumsOf = (name: 'lu2019-mnist' | 'lu2019-mnist-float') => {
      const space = presetSpace(name);
      const rng = Rng.fromSeed(4);
      for (;;) {
        const g = space.sample(rng);
        const arch = decodeArchitecture(space, g);
        if (arch.layers.some((l) => l.kind === 'maxpool')) return p.sums(fromArchitecture(arch, decodeQuantization(space, g)));
      }
    };
    const q = sumsOf('lu2019-mnist');
    expect(q.kernels!['maxpool:q'][0]).toBeGreaterThan(0);
    expect(q.kernels!.maxpool).toBeUndefined();
    const fl = sumsOf('lu2019-mnist-float');
    expect(fl.kernels!.maxpool[0]).toBeGreaterThan(0);
    expect(fl.kernels!['maxpool:q']).toBeUndefined();
    expect(correctionFeatures('kernel', q)).toHaveLength(8 * 5 + 1);
  });
});

describe('recalibrate (real onnxruntime-node, tiny settings)', () => {
  it('times a panel now, fits the map and validates outside the panel, scoring the stored predictor on the same measurements', async () => {
    const file = { ...syntheticPredictor(0.02), settings: { ...syntheticPredictor().settings, spaces: ['lu2019-mnist-float'], warmup: 1, repeats: 3 } };
    const stored = new MeasuredLatencyPredictor(file);
    const r = await recalibrate(stored, { panel: 8 });
    expect(r.recalibration.panel).toBe(8);
    expect(r.panelKeys.size).toBe(8);
    expect(r.recalibration.referenceLevels).toHaveLength(8);
    expect(r.recalibration.referenceLevels.every((x) => x > 0)).toBe(true);
    expect(r.recalibration.profileCreatedAt).toBe(file.createdAt);
    const p = stored.withRecalibration(r.recalibration);
    const v = await validatePredictor(p, ['lu2019-mnist-float'], 4, { seed: 5, repeats: 3, warmup: 1, exclude: r.panelKeys });
    expect(v.points).toHaveLength(4);
    expect(v.points.every((x) => !r.panelKeys.has(x.key))).toBe(true);
    expect(v.stored?.rawAccuracy.n).toBe(4);
    expect(v.rawAccuracy.n).toBe(4);
  }, 60_000);
});

describe('validateInterleaved (real onnxruntime-node, tiny settings)', () => {
  it('recalibrates on a panel timed in the same chunks as the held-out networks, two independent passes', async () => {
    const { validateInterleaved } = await import('../../lib/profile/recalibrate.js');
    const file = { ...syntheticPredictor(0.02), settings: { ...syntheticPredictor().settings, spaces: ['lu2019-mnist-float'], warmup: 1, repeats: 3 } };
    const v = await validateInterleaved(new MeasuredLatencyPredictor(file), 4, { panel: 8, seed: 2 });
    expect(v.passes).toHaveLength(2);
    expect([v.panel, v.heldOut]).toEqual([8, 4]);
    for (const p of v.passes) {
      expect(p.recalibration.panel).toBe(8);
      expect(p.rawAccuracy.n).toBe(4);
      expect(p.stored.rawAccuracy.n).toBe(4);
      expect(p.rawMs.every((x) => x > 0)).toBe(true);
    }
    expect(v.repeatAgreement.raw).toBeGreaterThanOrEqual(0);
    expect(v.repeatAgreement.raw).toBeLessThanOrEqual(1);
  }, 60_000);
});

describe('per-operator departures learnt on whole networks', () => {
  it('recovers the operators whose cost in context differs from their lookup, and fits nothing to noise', async () => {
    const { fitOpDeltas } = await import('../../hardware/predictor/op-deltas.js');
    const rng = Rng.fromSeed(6);
    const truth: Record<string, number> = { a: 0.01, b: -0.005, c: 0, d: 0.002 };
    const keys = Object.keys(truth);
    const rows = Array.from({ length: 400 }, () => {
      const ops = Array.from({ length: rng.int(1, 5) }, () => keys[rng.int(0, keys.length - 1)]);
      const predictedMs = rng.uniform(0.05, 0.2);
      return { ops, predictedMs, measuredMs: predictedMs + ops.reduce((s, k) => s + truth[k], 0) };
    });
    const d = fitOpDeltas(rows)!;
    for (const k of keys) expect(d.ms[k]).toBeCloseTo(truth[k], 3);
    expect(d.looRmsePct).toBeLessThan(d.baseRmsePct / 5);
    const noise = rows.map((r) => ({ ...r, measuredMs: r.predictedMs * (1 + rng.uniform(-0.05, 0.05)) }));
    expect(fitOpDeltas(noise)).toBeNull();
  });
});
