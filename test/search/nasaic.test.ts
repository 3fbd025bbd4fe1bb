import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { decodeHeteroDesign, decodeTasks, nasaicOptionsFor, nasaicSpace, withHardwareGenes } from '../../lib/space/nasaic.js';
import { decodeArchitecture } from '../../lib/space/decode.js';
import type { Genome } from '../../lib/space/genome.js';
import type { EvalRequest } from '../../lib/eval/evaluator.js';
import type { TrainingStage } from '../../lib/eval/two-stage.js';
import { heteroCost } from '../../hardware/asic/hetero.js';
import { genomeHeteroCost, heteroOutcome, taskNetworks } from '../../lib/search/nasaic/stages.js';
import { parseNasaicConfig } from '../../lib/search/nasaic/config.js';
import { nasaicReward } from '../../lib/search/nasaic/reward.js';
import { bestHardwareFor, specCost } from '../../lib/search/nasaic/successive.js';
import { NASAIC_OBJECTIVES, runNasaicSearch } from '../../lib/search/nasaic/run.js';
import { nasaicRatios, runNasaicCompare } from '../../lib/search/nasaic/compare.js';
import { ConfigError, HwnasError } from '../../lib/errors.js';
import { loadRun } from '../../lib/report/load.js';
import { taskRun } from '../../lib/onnx/task-view.js';
import { SearchSpace } from '../../lib/space/search-space.js';
import type { FinishedTrial } from '../../lib/trial/index.js';

const space = nasaicSpace();

function genome(over: Record<string, number | string | boolean>): Genome {
  const g = { ...space.sample(Rng.fromSeed(7)), ...over };
  expect(space.validate(g)).toEqual([]);
  return space.canonical(Object.freeze(g));
}

const SMALL = { 'a1.template': 'rs', 'a1.pes': 64, 'a1.nocBw': 16, 'a1.l1': 512, 'a1.l2': 64 } as const;
const OTHER = { 'a2.template': 'shi', 'a2.pes': 32, 'a2.nocBw': 8, 'a2.l1': 512, 'a2.l2': 32 } as const;

describe('NASAIC space and decoders', () => {
  it('holds each task network under its prefix and the accelerator genes in group hw', () => {
    expect(space.has('t1.depth') && space.has('t2.L1.filters') && space.has('subaccs') && space.has('a2.pes')).toBe(true);
    expect(space.gene('t2.L3.filters').when).toEqual({ gene: 't2.depth', min: 3 });
    expect(space.genesOf('hw').map((g) => g.name)).toEqual(expect.arrayContaining(['subaccs', 't1.acc', 't2.acc', 'a1.template', 'a2.l2']));
  });
  it('decodes both networks from their own genes', () => {
    const g = genome({ 't1.depth': 1, 't1.L1.filters': 24, 't2.depth': 2, 't2.L1.filters': 4, 't2.L2.filters': 8 });
    const [t1, t2] = decodeTasks(space, g);
    expect(t1.dataset).toBe('mnist');
    expect(t2.dataset).toBe('fashion-mnist');
    expect(decodeArchitecture(t1.space, t1.genome).layers.filter((l) => l.kind === 'conv').map((l) => l.outShape[2])).toEqual([24]);
    expect(decodeArchitecture(t2.space, t2.genome).layers.filter((l) => l.kind === 'conv').map((l) => l.outShape[2])).toEqual([4, 8]);
  });
  it('assigns tasks modulo the number of sub-accelerators built', () => {
    expect(decodeHeteroDesign(space, genome({ subaccs: 1, 't1.acc': 1, 't2.acc': 2, ...SMALL })).assignment).toEqual([0, 0]);
    const two = decodeHeteroDesign(space, genome({ subaccs: 2, 't1.acc': 2, 't2.acc': 1, ...SMALL, ...OTHER }));
    expect(two.assignment).toEqual([1, 0]);
    expect(two.subAccelerators[0]).toEqual({ template: 'rs', pes: 64, nocBw: 16, l1Bytes: 512, l2Bytes: 64 * 1024 });
  });
  it('shapes a CIFAR-10 task for 32×32×3 images (the option beside MNIST)', () => {
    const s = nasaicSpace(nasaicOptionsFor(['mnist', 'cifar10']));
    const g = s.sample(Rng.fromSeed(3));
    const [t1, t2] = decodeTasks(s, g);
    expect(t2.dataset).toBe('cifar10');
    expect(decodeArchitecture(t2.space, t2.genome).input).toEqual([32, 32, 3]);
    expect(decodeArchitecture(t1.space, t1.genome).input).toEqual([28, 28, 1]);
    expect(genomeHeteroCost(s, g).latencyMs).toBeGreaterThan(0);
  });
  it('replaces only the hardware genes', () => {
    const a = genome({ subaccs: 1, ...SMALL });
    const b = genome({ subaccs: 2, 't1.depth': 4, ...SMALL, ...OTHER });
    const c = withHardwareGenes(space, a, b);
    expect(c['t1.depth']).toBe(a['t1.depth']);
    expect(c.subaccs).toBe(2);
  });
});

describe('heterogeneous cost', () => {
  const base = genome({ 't1.depth': 2, 't2.depth': 2, ...SMALL, ...OTHER });
  const nets = taskNetworks(space, base);
  const shared = decodeHeteroDesign(space, { ...base, subaccs: 1 });
  const split = decodeHeteroDesign(space, { ...base, subaccs: 2, 't1.acc': 1, 't2.acc': 2 });
  it('runs networks sharing a sub-accelerator one after the other; separate ones in parallel', () => {
    const s = heteroCost(nets, shared);
    expect(s.built).toHaveLength(1);
    expect(s.latencyMs).toBeCloseTo(s.networks[0].latencyMs + s.networks[1].latencyMs, 9);
    expect(s.taskLatencyMs).toEqual([s.latencyMs, s.latencyMs]);
    expect(s.areaUm2).toBeCloseTo(s.networks[0].area.total, 6);
    const p = heteroCost(nets, split);
    expect(p.built).toHaveLength(2);
    expect(p.latencyMs).toBeCloseTo(Math.max(p.networks[0].latencyMs, p.networks[1].latencyMs), 9);
    expect(p.areaUm2).toBeCloseTo(p.networks[0].area.total + p.networks[1].area.total, 6);
    expect(p.energyNj).toBeCloseTo(p.networks[0].energyNj.total + p.networks[1].energyNj.total, 6);
  });
  it('turns the specs into normalised violations before any training', () => {
    const c = genomeHeteroCost(space, base);
    const tight = heteroOutcome(space, base, { latencyMs: c.latencyMs / 2, areaUm2: c.areaUm2 * 2 });
    expect(tight.feasible).toBe(false);
    expect(tight.violations.latencyMs).toBeCloseTo(1, 9);
    expect(tight.violations.areaUm2).toBeCloseTo(-0.5, 9);
    expect(heteroOutcome(space, base, { latencyMs: c.latencyMs * 2 }).feasible).toBe(true);
  });
  it('rejects a sub-accelerator whose L1 cannot hold a 5×5 window', () => {
    const g = genome({ 't1.depth': 1, 't1.L1.kernel': 5, subaccs: 1, ...SMALL, 'a1.template': 'dla', 'a1.l1': 64 });
    const o = heteroOutcome(space, g, {});
    expect(o.feasible).toBe(false);
    expect(o.violations.l1).toBeGreaterThan(0);
  });
});

describe('NASAIC reward and the successive baseline’s hardware phase', () => {
  const c = parseNasaicConfig({ specs: { latencyMs: 1 } });
  const trial = (status: FinishedTrial['status'], metrics: Record<string, number>, violations: Record<string, number>) =>
    ({ number: 0, key: 'k', genome: {}, status, metrics, violations }) as unknown as FinishedTrial;
  it('is the weighted accuracy when the specs hold, the penalty otherwise', () => {
    expect(nasaicReward(trial('complete', { accuracy: 0.9, 't1.accuracy': 1, 't2.accuracy': 0.8 }, { latencyMs: -0.5 }), NASAIC_OBJECTIVES, c)).toBe(0.9);
    expect(nasaicReward(trial('infeasible', {}, { latencyMs: 0.5 }), NASAIC_OBJECTIVES, c)).toBe(-1);
    const v = parseNasaicConfig({ reward: { infeasible: { mode: 'violation', scale: 2, offset: -0.5 } } });
    expect(nasaicReward(trial('infeasible', {}, { latencyMs: 0.5, areaUm2: 0.25, energyNj: -1 }), NASAIC_OBJECTIVES, v)).toBeCloseTo(-0.5 - 2 * 0.75, 12);
  });
  it('keeps the other specs at their defaults when one is set', () => {
    expect(parseNasaicConfig({ specs: { latencyMs: 2 } }).specs).toEqual({ latencyMs: 2, energyNj: 12_000, areaUm2: 8_000_000 });
  });
  it('validates the configuration with paths', () => {
    try {
      parseNasaicConfig({ reward: { weights: [0.7, 0.7] }, specs: { latencyMs: -1 } });
      expect.unreachable();
    } catch (e) {
      const paths = (e as ConfigError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['specs.latencyMs']));
    }
  });
  it('finds a design that meets the specs for fixed networks when one exists, and keeps the networks', () => {
    const nets = genome({ 't1.depth': 2, 't2.depth': 3 });
    const specs = { latencyMs: 0.5, energyNj: 12_000, areaUm2: 8_000_000 };
    const r = bestHardwareFor(space, nets, specs, 1, 1, 500);
    expect(r.outcome.feasible).toBe(true);
    for (const k of Object.keys(nets).filter((k) => k.startsWith('t1.L') || k.startsWith('t2.L') || k.endsWith('depth'))) expect(r.genome[k]).toBe(nets[k]);
    // No sampled feasible design is cheaper.
    const rng = Rng.fromSeed(1).fork('successive-hardware');
    for (let i = 0; i < 500; i++) {
      const o = heteroOutcome(space, withHardwareGenes(space, nets, space.sample(rng)), specs);
      if (o.feasible) expect(specCost(o.metrics, specs)).toBeGreaterThanOrEqual(specCost(r.outcome.metrics, specs) - 1e-12);
    }
  });
});

/** A stand-in for training: accuracy grows with the filters of each network (deterministic). */
const fakeTraining: TrainingStage = {
  async train(req: EvalRequest) {
    const [t1, t2] = decodeTasks(space, req.genome);
    const acc = (g: Genome, depth: string) => {
      let f = 0;
      for (let i = 1; i <= (g.depth as number); i++) f += g[`L${i}.filters`] as number;
      return Math.min(0.99, 0.5 + f / 200 + (depth === 't1' ? 0.01 : 0));
    };
    const a1 = acc(t1.genome, 't1');
    const a2 = acc(t2.genome, 't2');
    return { metrics: { 't1.accuracy': a1, 't2.accuracy': a2, accuracy: (a1 + a2) / 2 } };
  },
};

describe('NASAIC search end to end (training replaced by a deterministic stand-in)', () => {
  it('trains only designs that meet every spec, stops at the trained budget, and the successive baseline runs beside it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nasaic-'));
    const c = parseNasaicConfig({ trained: 6, seeds: [1, 2], strategy: { name: 'random' }, out: dir });
    const r = await runNasaicSearch(c, { seed: 1, out: path.join(dir, 'one'), training: fakeTraining });
    expect(r.trained).toBe(6);
    for (const t of r.trials) {
      if (t.status === 'complete') {
        expect(t.metrics.latencyMs).toBeLessThanOrEqual(0.5);
        expect(t.metrics.energyNj).toBeLessThanOrEqual(12_000);
        expect(t.metrics.areaUm2).toBeLessThanOrEqual(8_000_000);
      } else expect(t.metrics['t1.accuracy']).toBeUndefined();
    }
    expect(r.best).not.toBeNull();
    expect(fs.existsSync(path.join(dir, 'one', 'summary.json'))).toBe(true);
    // Each task of the run reads as an ordinary lu2019 run (what `hwnas export --task` exports).
    const run = loadRun(path.join(dir, 'one'), { warn: () => {} });
    expect(() => taskRun(run, undefined)).toThrow(HwnasError);
    const t2 = taskRun(run, 't2');
    expect(t2.dir).toBe(path.join(dir, 'one', 't2'));
    expect(t2.record.meta.dataset).toBe('fashion-mnist');
    const sub = new SearchSpace(t2.record.space);
    const done = t2.trials.find((t) => t.status === 'complete')!;
    expect(sub.validate(done.genome)).toEqual([]);
    expect(done.metrics.accuracy).toBe(r.trials.find((t) => t.number === done.number)!.metrics['t2.accuracy']);
    const rows = await runNasaicCompare(c, { training: fakeTraining });
    expect(rows.map((x) => `${x.method}/${x.seed}`)).toEqual(['nasaic/1', 'successive/1', 'nasaic/2', 'successive/2']);
    for (const row of rows.filter((x) => x.method === 'nasaic')) expect(row.meetsSpecs).toBe(true);
    const q = nasaicRatios(rows);
    expect(q.seeds).toBe(2);
    expect(q.accuracyLossPt).not.toBeNull();
    expect(fs.readFileSync(path.join(dir, 'table.md'), 'utf8')).toMatch(/paper −17\.77%/);
  });
  it('resumes: the trials of the first session are kept and the budget counts across sessions', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nasaic-resume-'));
    const first = await runNasaicSearch(parseNasaicConfig({ trained: 2, strategy: { name: 'random' } }), { seed: 4, out: dir, training: fakeTraining });
    const again = await runNasaicSearch(parseNasaicConfig({ trained: 4, strategy: { name: 'random' } }), { seed: 4, out: dir, resume: true, training: fakeTraining });
    expect(again.trained).toBe(4);
    expect(again.trials.slice(0, first.trials.length).map((t) => t.key)).toEqual(first.trials.map((t) => t.key));
  });
});
