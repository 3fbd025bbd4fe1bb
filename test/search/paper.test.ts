/**
 * bench:paper's pieces: the lu2019-fmnist space, the premise of its specs (the largest architectures do not fit the
 * strict spec unquantized nor at 9 bits, small ones do), the configurable fixed architecture of quant-only, and
 * the best design's trial and run, which `hwnas train --run <run> --trial <n>` can read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOINT_SPACES } from '../../lib/config.js';
import { ProgressReporter } from '../../lib/cli/progress.js';
import { planRetrain } from '../../lib/cli/train.js';
import { architectureMacs, defaultFixedArchitecture, fixedArchitectureOf, floatTwin, medianArchitecture, widestQuantization } from '../../lib/search/baselines.js';
import { compareConfigIssues, parseCompareConfig, runCompare } from '../../lib/search/compare.js';
import { readRunConfig } from '../../lib/search/run-joint.js';
import { presetSpace } from '../../lib/space/index.js';
import { restrictSpace } from '../../lib/space/restrict.js';
import { Rng } from '../../lib/rng.js';
import { evaluateBatch, parseHardwareSpec } from '../../hardware/model.js';
import type { Genome } from '../../lib/space/genome.js';
import type { TrainingStage } from '../../lib/eval/two-stage.js';
import type { JointStages } from '../../lib/search/joint-stages.js';
import { withTrainingMemo, type TrainingMemo } from '../../lib/search/training-memo.js';
import { trialModelDir } from '../../lib/train/model-store.js';

const space = presetSpace('lu2019-fmnist');

describe('lu2019-fmnist: the paper\'s layer choices on Fashion-MNIST', () => {
  it('has the paper\'s filters and kernels, 28×28×1 input, pooling pinned after the first layer, and a float twin', () => {
    const f = space.gene('L2.filters');
    const k = space.gene('L4.kernel');
    expect(f.kind === 'choice' && f.choices).toEqual([24, 36, 48, 64]);
    expect(k.kind === 'choice' && k.choices).toEqual([1, 3, 5, 7]);
    expect(space.meta.input).toEqual([28, 28, 1]);
    expect(JOINT_SPACES).toContain('lu2019-fmnist');
    const rng = Rng.fromSeed(3);
    const pools = new Set<unknown>();
    for (let i = 0; i < 50; i++) {
      const g = space.sample(rng);
      expect(g['L1.pool']).toBe(true);
      pools.add(g['L2.pool']);
      expect(space.validate(g)).toEqual([]);
    }
    expect(pools).toEqual(new Set([true, false]));
    const twin = floatTwin(space);
    expect(twin.name).toBe('lu2019-fmnist-float');
    expect(twin.genesOf('quant')).toHaveLength(0);
    expect(twin.genesOf('arch').map((g) => g.name)).toEqual(space.genesOf('arch').map((g) => g.name));
  });

  it('under the strict spec the largest architectures fit neither unquantized nor at 9 bits, and the smallest do', () => {
    const rng = Rng.fromSeed(1);
    const sorted = Array.from({ length: 200 }, () => space.sample(rng)).sort((a, b) => architectureMacs(space, a) - architectureMacs(space, b));
    const wide = widestQuantization(space);
    const spec = parseHardwareSpec({ device: 'ep4ce115', lutBudget: 5000, minThroughput: 1000 });
    const fits = (gs: Genome[]) => evaluateBatch(space, gs.map((g) => ({ ...g, ...wide })), spec).filter((r) => r.feasible).length;
    const largest = sorted.slice(150);
    const smallest = sorted.slice(0, 50);
    expect(fits(largest)).toBe(0);
    expect(fits(smallest)).toBeGreaterThan(40);
    // Unquantized (the float twin) the largest fit no better.
    const twin = floatTwin(space);
    const asFloat = largest.map((g) => Object.fromEntries(twin.genes.map((t) => [t.name, g[t.name]])) as Genome);
    expect(evaluateBatch(twin, asFloat, spec).filter((r) => r.feasible)).toHaveLength(0);
  });
});

describe('quant-only\'s fixed architecture', () => {
  it('defaults to the median-size architecture of the space, the same on every call', () => {
    const a = medianArchitecture(space);
    expect(fixedArchitectureOf(space)).toEqual(a);
    expect(medianArchitecture(space)).toEqual(a);
    // Median: between the quartiles of an independent sample.
    const rng = Rng.fromSeed(99);
    const macs = Array.from({ length: 400 }, () => architectureMacs(space, space.sample(rng))).sort((x, y) => x - y);
    const pinned = restrictSpace(space, a, 'fixed').sample(Rng.fromSeed(1));
    const m = architectureMacs(space, pinned);
    expect(m).toBeGreaterThan(macs[100]);
    expect(m).toBeLessThan(macs[300]);
  });

  it('takes `mid` or the genes themselves, and names a gene that is not an architecture gene', () => {
    expect(fixedArchitectureOf(space, 'mid')).toEqual(defaultFixedArchitecture(space));
    const mine = fixedArchitectureOf(space, { depth: 2, 'L1.filters': 64, 'L2.kernel': 7 });
    expect(mine).toMatchObject({ depth: 2, 'L1.filters': 64, 'L2.kernel': 7 });
    expect(Object.keys(mine).sort()).toEqual(space.genesOf('arch').map((g) => g.name).sort());
    expect(() => fixedArchitectureOf(space, { 'L1.wInt': 2, nope: 1 })).toThrow(/"L1\.wInt", "nope" are not architecture genes/);
    expect(parseCompareConfig({}).fixedArchitecture).toBe('median');
    expect(parseCompareConfig({ fixedArchitecture: { depth: 2 } }).fixedArchitecture).toEqual({ depth: 2 });
    expect(() => parseCompareConfig({ fixedArchitecture: 'largest' })).toThrow(/fixedArchitecture/);
  });

  it('the pre-flight names a bad fixed architecture by its path', async () => {
    const c = parseCompareConfig({ dataset: 'fashion-mnist', space: 'lu2019-fmnist', methods: ['quant-only'], fixedArchitecture: { depth: 9 } });
    expect(await compareConfigIssues(c)).toContainEqual({ path: 'fixedArchitecture.depth', message: 'must be in [1, 4], got 9' });
    const ok = parseCompareConfig({ dataset: 'fashion-mnist', space: 'lu2019-fmnist', methods: ['quant-only'], fixedArchitecture: { depth: 3 } });
    expect((await compareConfigIssues(ok)).filter((i) => i.path.startsWith('fixedArchitecture'))).toEqual([]);
  });

  it('a bad fixed architecture fails the comparison before anything trains', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-paper-bad-'));
    const c = parseCompareConfig({ dataset: 'fashion-mnist', space: 'lu2019-fmnist', methods: ['quant-only'], strategies: ['random'], fixedArchitecture: { depth: 9 }, out });
    await expect(runCompare(c, new ProgressReporter('test', 'quiet'))).rejects.toThrow(/fixed\.depth/);
    expect(fs.existsSync(path.join(out, 'results.json'))).toBe(false);
  });
});

describe('the best design of a method run', () => {
  it('names its trial and study, which hwnas train can read', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-paper-'));
    const c = parseCompareConfig({
      dataset: 'fashion-mnist',
      space: 'lu2019-fmnist',
      specs: [{ name: 'loose', lutBudget: 20_000, minThroughput: 1000 }],
      methods: ['joint'],
      strategies: ['random'],
      strategyOptions: { random: { batchSize: 2 } },
      trained: 2,
      training: { trainSubset: 200, valSubset: 100, epochs: 1 },
      workers: 1,
      out,
    });
    const [row] = await runCompare(c, new ProgressReporter('test', 'quiet'));
    expect(row.best).not.toBeNull();
    const best = row.best!;
    expect(best.run).toBe(path.join(out, 'loose/joint/random-s1/joint'));
    expect(readRunConfig(best.run)).toMatchObject({ dataset: 'fashion-mnist', space: 'lu2019-fmnist', training: { trainSubset: 200 } });
    const plan = planRetrain(best.run, best.trial, { epochs: 1 });
    expect(plan.request.dataset).toBe('fashion-mnist');
    expect(plan.request.genome).toMatchObject({ 'L1.pool': true });
  }, 120_000);
});

describe('training memo of a comparison', () => {
  it('trains an identical child once, charges every asker, copies the model and retrains after a failure', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-memo-'));
    let calls = 0;
    let fail = false;
    const fake = (dir: string): TrainingStage => ({
      train: async (r) => {
        calls++;
        if (fail) throw new Error('worker died');
        const model = trialModelDir(dir, r.trialNumber);
        fs.mkdirSync(model, { recursive: true });
        fs.writeFileSync(path.join(model, 'model.json'), '{}');
        return { metrics: { accuracy: 0.5 + r.trialNumber / 100 }, extra: { model: trialModelDir('.', r.trialNumber) } };
      },
    });
    const stages = { trainingIn: (dir: string) => fake(dir), close: async () => {} } as unknown as JointStages;
    const memo: TrainingMemo = new Map();
    const twin = floatTwin(space);
    const g = twin.sample(Rng.fromSeed(5));
    const a = withTrainingMemo(stages, memo).trainingIn(path.join(root, 'strict/nas'), twin);
    const b = withTrainingMemo(stages, memo).trainingIn(path.join(root, 'loose/nas'), twin);
    const first = await a.train({ genome: g, trialNumber: 3, seed: '1/trial/3' });
    const again = await b.train({ genome: g, trialNumber: 3, seed: '1/trial/3' });
    expect(calls).toBe(1);
    expect(again.metrics).toEqual(first.metrics);
    expect(again.extra?.reusedFrom).toBe(`${path.join(root, 'strict/nas')}#3`);
    expect(fs.existsSync(path.join(trialModelDir(path.join(root, 'loose/nas'), 3), 'model.json'))).toBe(true);
    // Another seed or another space is another training.
    await b.train({ genome: g, trialNumber: 4, seed: '1/trial/4' });
    await withTrainingMemo(stages, memo).trainingIn(path.join(root, 'q'), restrictSpace(twin, { depth: 1 }, 'r')).train({ genome: { ...g, depth: 1 }, trialNumber: 3, seed: '1/trial/3' });
    expect(calls).toBe(3);
    fail = true;
    const g2 = twin.sample(Rng.fromSeed(6));
    await expect(a.train({ genome: g2, trialNumber: 7, seed: '1/trial/7' })).rejects.toThrow(/worker died/);
    fail = false;
    await b.train({ genome: g2, trialNumber: 7, seed: '1/trial/7' });
    expect(calls).toBe(5);
  });
});
