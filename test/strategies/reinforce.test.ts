/**
 * The REINFORCE strategy beyond the contract suite: it learns, its gradient is the gradient, inactive genes stay
 * out of the log-probability, the baseline follows FGNAS's order, rewards follow the configuration, and it
 * continues exactly after snapshot/restore with a partly filled batch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { ConfigError, HwnasError } from '../../lib/errors.js';
import { Rng } from '../../lib/rng.js';
import { SearchSpace, presetSpace, type Gene, type Genome } from '../../lib/space/index.js';
import { JournalStorage } from '../../lib/study/journal-storage.js';
import { createStudy, loadStudy } from '../../lib/study/study.js';
import type { FinishedTrial, Objective, TrialResult } from '../../lib/trial/index.js';
import { ProblemEvaluator, type Problem } from '../../problems/problem.js';
import { createStrategy, parseStrategyOptions } from '../../strategies/registry.js';
import { ControllerLayout, PARAM_NAMES, initParams, onCpu, policyGradient } from '../../strategies/reinforce/controller.js';
import { ReinforceStrategy, reinforceOptionsSchema } from '../../strategies/reinforce/index.js';
import { resolveRewardRule } from '../../strategies/reinforce/options.js';
import { rewardOf } from '../../strategies/reinforce/reward.js';
import { TokenView } from '../../strategies/reinforce/tokens.js';
import type { Strategy } from '../../strategies/strategy.js';

const ACC: Objective[] = [{ metric: 'acc', direction: 'maximize' }];

/** n choice genes of four values each. */
function choiceSpace(n: number): SearchSpace {
  const genes: Gene[] = Array.from({ length: n }, (_, i) => ({
    name: `g${i}`,
    group: 'arch' as const,
    kind: 'choice' as const,
    choices: ['a', 'b', 'c', 'd'],
  }));
  return new SearchSpace({ name: `choice${n}`, genes, meta: { family: 'toy' } });
}

function make(space: SearchSpace, seed: number, options: unknown = {}, objectives: Objective[] = ACC): ReinforceStrategy {
  return createStrategy('reinforce', { space, objectives, constraints: [], rng: Rng.fromSeed(seed).fork('strategy/reinforce') }, options) as ReinforceStrategy;
}

let nextNumber = 0;
function trial(space: SearchSpace, genome: Genome, r: TrialResult): FinishedTrial {
  return { number: nextNumber++, genome, key: space.key(genome), startedAt: '', ...r };
}
function complete(space: SearchSpace, genome: Genome, acc: number): FinishedTrial {
  return trial(space, genome, { status: 'complete', metrics: { acc }, violations: {} });
}

const mean = (a: readonly number[]): number => a.reduce((s, x) => s + x, 0) / a.length;

/** Runs `rounds` ask/tell rounds of `n` with `score` deciding each trial; returns the rewards' source values. */
async function run(
  s: Strategy,
  space: SearchSpace,
  rounds: number,
  n: number,
  score: (g: Genome) => TrialResult,
): Promise<{ genomes: Genome[]; results: TrialResult[] }> {
  const genomes: Genome[] = [];
  const results: TrialResult[] = [];
  for (let r = 0; r < rounds; r++) {
    const asked = await s.ask(n);
    const told = asked.map((g) => {
      const res = score(g);
      genomes.push(g);
      results.push(res);
      return trial(space, g, res);
    });
    await s.tell(told);
  }
  return { genomes, results };
}

describe('reinforce: learning', () => {
  it('raises the mean reward clearly within 200 children, without leaking tensors', async () => {
    const space = choiceSpace(8);
    // Reward = fraction of genes at value "c": random search averages 0.25.
    const score = (g: Genome): TrialResult => ({
      status: 'complete',
      metrics: { acc: space.genes.filter((x) => g[x.name] === 'c').length / space.genes.length },
      violations: {},
    });
    const s = make(space, 1);
    await onCpu(() => undefined); // backend initialised before counting
    const before = tf.memory().numTensors;
    const { results } = await run(s, space, 40, 5, score);
    expect(tf.memory().numTensors).toBe(before);
    const acc = results.map((r) => r.metrics.acc);
    expect(mean(acc.slice(0, 25))).toBeLessThan(0.45);
    expect(mean(acc.slice(-50))).toBeGreaterThan(0.7);
    expect(s.getStats().updates).toBe(40);
  });

  it('learns to avoid infeasible children under a −1 penalty', async () => {
    const space = choiceSpace(6);
    // Half the space (g0 ∈ {a, b}) is infeasible; feasible children all score the same.
    const score = (g: Genome): TrialResult =>
      g.g0 === 'a' || g.g0 === 'b'
        ? { status: 'infeasible', metrics: {}, violations: { luts: 0.5 } }
        : { status: 'complete', metrics: { acc: 0.5 }, violations: {} };
    const s = make(space, 2, { reward: { infeasible: -1 } });
    const { results } = await run(s, space, 30, 5, score);
    const infeasible = results.map((r) => (r.status === 'infeasible' ? 1 : 0));
    expect(mean(infeasible.slice(0, 25))).toBeGreaterThan(0.3);
    expect(mean(infeasible.slice(-40))).toBeLessThan(0.15);
  });

  it('learns over conditional genes (lu2019): deeper nets with 3×3 kernels in every active layer', async () => {
    const space = presetSpace('lu2019-mnist');
    const depthGene = space.gene('depth') as Extract<Gene, { kind: 'int' }>;
    const score = (g: Genome): TrialResult => {
      const depth = space.num(g, 'depth');
      let k3 = 0;
      for (let i = 1; i <= depth; i++) if (g[`L${i}.kernel`] === 3) k3 += 1;
      return { status: 'complete', metrics: { acc: 0.5 * (depth / depthGene.max) + 0.5 * (k3 / depth) }, violations: {} };
    };
    const s = make(space, 3);
    const { genomes, results } = await run(s, space, 30, 5, score);
    const acc = results.map((r) => r.metrics.acc);
    expect(mean(acc.slice(-25))).toBeGreaterThan(mean(acc.slice(0, 25)) + 0.2);
    const deepest = genomes.slice(-25).filter((g) => g.depth === depthGene.max).length;
    expect(deepest).toBeGreaterThan(15);
  }, 30_000);
});

describe('reinforce: the controller', () => {
  it('asked genomes are canonical and their token view is what was sampled (inactive genes at their default)', async () => {
    const space = presetSpace('lu2019-mnist');
    const view = new TokenView(space);
    const s = make(space, 4);
    const genomes = await s.ask(30);
    const depths = new Set(genomes.map((g) => g.depth));
    expect(depths.size).toBeGreaterThan(1);
    for (const g of genomes) {
      expect(space.canonical(g)).toEqual(g);
      expect(space.fromTokens(space.toTokens(g))).toEqual(g);
      const { tokens, active } = view.ofGenome(g);
      tokens.forEach((t, i) => {
        if (!active[i]) expect(t).toBe(view.defaultTokens[i]);
        expect(view.activeAt(tokens.slice(0, i), i)).toBe(active[i]);
      });
    }
  });

  it('splitting an ask does not change what is proposed; the same seed proposes the same, another seed not', async () => {
    const space = presetSpace('nb201');
    const whole = await make(space, 5).ask(10);
    const a = make(space, 5);
    const split = [...(await a.ask(4)), ...(await a.ask(6))];
    expect(split.map((g) => space.key(g))).toEqual(whole.map((g) => space.key(g)));
    const other = await make(space, 6).ask(10);
    expect(other.map((g) => space.key(g))).not.toEqual(whole.map((g) => space.key(g)));
    expect(await a.ask(0)).toEqual([]);
    await expect(a.ask(-1)).rejects.toThrow(RangeError);
    await expect(a.ask(1.5)).rejects.toThrow(RangeError);
  });

  it('computes on the cpu backend and puts back the backend that was current', async () => {
    tf.registerBackend('reinforce-test-other', () => new MathBackendCPU(), -1);
    try {
      await tf.setBackend('reinforce-test-other');
      const space = presetSpace('nb201');
      const s = make(space, 1, { batchSize: 2 });
      let seen = '';
      await onCpu(() => {
        seen = tf.getBackend();
      });
      expect(seen).toBe('cpu');
      const g = await s.ask(2);
      await s.tell(g.map((x) => complete(space, x, 0.5)));
      expect(s.getStats().updates).toBe(1);
      expect(tf.getBackend()).toBe('reinforce-test-other');
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('reinforce-test-other');
    }
  });

  it('its gradient matches finite differences of its loss', async () => {
    const space = presetSpace('lu2019-mnist');
    const view = new TokenView(space);
    const layout = new ControllerLayout(8, 4, view.vocabularies);
    const params = initParams(layout, Rng.fromSeed(7), 0.5);
    const rng = Rng.fromSeed(8);
    const seqs = Array.from({ length: 3 }, () => view.ofGenome(space.sample(rng)));
    const adv = [0.7, -0.4, 0.2];
    const at = (p: typeof params) => onCpu(() => policyGradient(layout, p, seqs, adv, 0.05));
    const base = await at(params);
    const pick = Rng.fromSeed(9);
    for (const name of PARAM_NAMES) {
      for (let k = 0; k < 4; k++) {
        const j = pick.int(0, params[name].length - 1);
        const eps = 1e-2;
        const plus = { ...params, [name]: Float32Array.from(params[name]) };
        const minus = { ...params, [name]: Float32Array.from(params[name]) };
        plus[name][j] += eps;
        minus[name][j] -= eps;
        const numeric = ((await at(plus)).loss - (await at(minus)).loss) / (2 * eps);
        expect(Math.abs(numeric - base.grads[name][j])).toBeLessThan(2e-3 + 0.02 * Math.abs(numeric));
      }
    }
  });

  it('counts only active genes in the log-probability', async () => {
    // g1 is active only when n ≥ 2; it is the last gene, so its token feeds no later step.
    const space = new SearchSpace({
      name: 'cond',
      meta: { family: 'toy' },
      genes: [
        { name: 'n', group: 'arch', kind: 'int', min: 1, max: 2 },
        { name: 'g1', group: 'arch', kind: 'choice', choices: ['a', 'b', 'c'], when: { gene: 'n', min: 2 } },
      ],
    });
    const view = new TokenView(space);
    const layout = new ControllerLayout(6, 3, view.vocabularies);
    const params = initParams(layout, Rng.fromSeed(1), 1);
    const logp = async (tokens: number[], active: boolean[]) =>
      (await onCpu(() => policyGradient(layout, params, [{ tokens, active }], [1], 0))).logProb;
    // Inactive: the value of the last token does not matter.
    expect(await logp([0, 1], [true, false])).toBe(await logp([0, 2], [true, false]));
    // Active: it does, and the sequence's log-probability is lower than its prefix's.
    const full = await logp([1, 1], [true, true]);
    const prefix = await logp([1, 1], [true, false]);
    expect(full).not.toBe(await logp([1, 2], [true, true]));
    expect(full).toBeLessThan(prefix);
  });
});

describe('reinforce: rewards and baseline', () => {
  const rule = resolveRewardRule(reinforceOptionsSchema.parse({}), ACC);
  const space = choiceSpace(2);
  const g = space.sample(Rng.fromSeed(1));

  it('rewards a feasible child with its metric, direction-aware, and penalises the rest as configured', () => {
    expect(rewardOf(complete(space, g, 0.8), rule)).toBe(0.8);
    const minRule = resolveRewardRule(reinforceOptionsSchema.parse({}), [{ metric: 'latency', direction: 'minimize' }, ...ACC]);
    expect(minRule.metric).toBe('latency');
    expect(rewardOf(trial(space, g, { status: 'complete', metrics: { latency: 12 }, violations: {} }), minRule)).toBe(-12);
    // Another metric than the first objective, when configured.
    const accRule = resolveRewardRule(reinforceOptionsSchema.parse({ reward: { metric: 'acc' } }), [{ metric: 'latency', direction: 'minimize' }, ...ACC]);
    expect(accRule.direction).toBe('maximize');
    const infeasible = trial(space, g, { status: 'infeasible', metrics: { acc: 0.9 }, violations: { luts: 0.5, fps: 0.25, ok: -1 } });
    expect(rewardOf(infeasible, rule)).toBe(0);
    // A complete trial that violates a constraint is not feasible either.
    const violating = trial(space, g, { status: 'complete', metrics: { acc: 0.9 }, violations: { luts: 0.1 } });
    expect(rewardOf(violating, resolveRewardRule(reinforceOptionsSchema.parse({ reward: { infeasible: -1 } }), ACC))).toBe(-1);
    const viol = resolveRewardRule(reinforceOptionsSchema.parse({ reward: { infeasible: { mode: 'violation', scale: 2 } } }), ACC);
    expect(rewardOf(infeasible, viol)).toBe(-1.5);
    const failedRule = resolveRewardRule(reinforceOptionsSchema.parse({ reward: { failed: -0.5 } }), ACC);
    expect(rewardOf(trial(space, g, { status: 'failed', metrics: {}, violations: {}, error: 'x' }), failedRule)).toBe(-0.5);
    // A pruned child (multi-fidelity) is rewarded with its low-fidelity metric; without it, as a failed one.
    expect(rewardOf(trial(space, g, { status: 'pruned', metrics: { acc: 0.3 }, violations: {} }), failedRule)).toBe(0.3);
    expect(rewardOf(trial(space, g, { status: 'pruned', metrics: {}, violations: {} }), failedRule)).toBe(-0.5);
    expect(() => rewardOf(trial(space, g, { status: 'complete', metrics: {}, violations: {} }), rule)).toThrow(HwnasError);
  });

  it('updates the EMA baseline per reward, after computing the advantage (FGNAS order)', async () => {
    const s = make(space, 1, { batchSize: 5 });
    await s.tell([complete(space, g, 1), complete(space, g, 0), complete(space, g, 0.5)]);
    // b: first reward 1 → 1; r=0: A=−1, b=0.9; r=0.5: A=−0.4, b=0.86.
    expect(s.getBaseline()).toBeCloseTo(0.86, 12);
    const queue = (s.snapshot().state as { queue: { advantage: number }[] }).queue.map((q) => q.advantage);
    expect(queue[0]).toBe(0);
    expect(queue[1]).toBeCloseTo(-1, 12);
    expect(queue[2]).toBeCloseTo(-0.4, 12);
    expect(s.getStats().updates).toBe(0);
    // From a fixed initial baseline (FGNAS: 0), the first advantage is the reward itself.
    const f = make(space, 1, { initialBaseline: 0, baselineDecay: 0.5 });
    await f.tell([complete(space, g, 0.6)]);
    expect((f.snapshot().state as { queue: { advantage: number }[] }).queue[0].advantage).toBeCloseTo(0.6, 12);
    expect(f.getBaseline()).toBeCloseTo(0.3, 12);
  });

  it('learns from every full batch; a partial batch waits; foreign genomes count, genomes of another space are refused', async () => {
    const s = make(space, 2, { batchSize: 4 });
    // Never asked: resumed or foreign trials of this space are valid genomes.
    const rng = Rng.fromSeed(3);
    await s.tell(Array.from({ length: 6 }, () => complete(space, space.sample(rng), 0.5)));
    expect(s.getStats()).toMatchObject({ told: 6, updates: 1 });
    await s.tell([trial(space, g, { status: 'failed', metrics: {}, violations: {}, error: 'boom' })]);
    await s.tell([trial(space, g, { status: 'infeasible', metrics: {}, violations: { luts: 1 } })]);
    expect(s.getStats()).toMatchObject({ told: 8, updates: 2 });
    const other = presetSpace('nb201');
    await expect(s.tell([complete(other, other.sample(rng), 0.5)])).rejects.toThrow(/does not fit space/);
    expect(s.getStats().told).toBe(8);
  });
});

describe('reinforce: snapshot and restore', () => {
  it('continues exactly with a half-filled batch, Adam moments and baseline included', async () => {
    const space = presetSpace('lu2019-mnist');
    const score = (g: Genome): TrialResult => ({ status: 'complete', metrics: { acc: space.num(g, 'depth') / 4 }, violations: {} });
    const a = make(space, 11, { entropyWeight: 0.01 });
    await run(a, space, 3, 5, score);
    const asked = await a.ask(3);
    await a.tell(asked.map((g) => trial(space, g, score(g)))); // 3 of 5 queued
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    expect((snap.state as { queue: unknown[] }).queue).toHaveLength(3);
    const b = make(space, 999, { entropyWeight: 0.01 });
    b.restore(snap);
    expect(b.snapshot()).toEqual(a.snapshot());
    for (let r = 0; r < 3; r++) {
      const ga = await a.ask(4);
      const gb = await b.ask(4);
      expect(gb).toEqual(ga);
      await a.tell(ga.map((g) => trial(space, g, score(g))));
      await b.tell(gb.map((g) => trial(space, g, score(g))));
    }
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.getStats().updates).toBeGreaterThan(4);
  });

  it('resumes a journaled study (killed mid-batch) exactly as an uninterrupted run', async () => {
    const space = presetSpace('nb201');
    const problem: Problem = {
      name: 'toy-nb201',
      space,
      objectives: [{ metric: 'err', direction: 'minimize' }],
      constraints: [{ metric: 'err', max: 0.9 }],
      hypervolume: { reference: [1] },
      evaluate: (g) => ({ err: space.genes.filter((x) => g[x.name] !== 'conv_3x3').length / space.genes.length }),
    };
    const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-reinforce-'));
    const mk = (dir: string) =>
      createStudy({ ...problem, strategy: { name: 'reinforce', options: { batchSize: 4 } }, seed: 3, storage: JournalStorage.open(dir) });
    const a = await mk(tmp());
    await a.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 22 } });
    const keysA = a.trials().map((t) => t.key);
    await a.close();
    const dirB = tmp();
    const b = await mk(dirB);
    await b.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 9 } }); // 4 + 4 + 1: one queued
    await b.close();
    const b2 = await loadStudy(JournalStorage.open(dirB));
    await b2.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 22 } });
    expect(b2.trials().map((t) => t.key)).toEqual(keysA);
    await b2.close();
  });

  it('refuses a snapshot of a controller of another shape and stays as it was', async () => {
    const space = presetSpace('nb201');
    const small = make(space, 1, { hiddenUnits: 8 });
    const s = make(space, 1);
    const before = s.snapshot();
    expect(() => s.restore(small.snapshot())).toThrow(/does not match/);
    const broken = JSON.parse(JSON.stringify(before));
    broken.state.params.headKernel = 'AAAA';
    expect(() => s.restore(broken)).toThrow(/expected \d+ float32 values/);
    expect(s.snapshot()).toEqual(before);
  });
});

describe('reinforce: options', () => {
  it('has our defaults (Adam, auto reward), and the `paper` preset is exactly FGNAS', () => {
    const o = reinforceOptionsSchema.parse({});
    expect(o).toMatchObject({ batchSize: 5, baselineDecay: 0.9, learningRate: 0.01, optimizer: 'adam', hiddenUnits: 64 });
    expect(o.entropyWeight).toBeUndefined();
    expect(o.reward).toEqual({ kind: 'auto', alpha: 0.5, infeasible: 0, failed: 0 });
    expect(o.adam).toEqual({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    expect(o.fastExploration).toEqual({ tries: 10, mode: 'tune' });
    const p = reinforceOptionsSchema.parse({ preset: 'paper' });
    expect(p).toMatchObject({ hiddenUnits: 100, embeddingSize: 10, optimizer: 'sgd', learningRate: 0.01, batchSize: 5, baselineDecay: 0.9, initialBaseline: 0, entropyWeight: 0 });
    expect(p.reward.kind).toBe('fgnas');
    // Explicit options override the preset.
    expect(reinforceOptionsSchema.parse({ preset: 'paper', hiddenUnits: 35, reward: { infeasible: -1 } })).toMatchObject({ hiddenUnits: 35, reward: { kind: 'fgnas', infeasible: -1 } });
  });

  it('rejects bad options with their paths', () => {
    let err: unknown;
    try {
      parseStrategyOptions('reinforce', {
        baselineDecay: 1,
        hiddenUnits: 0,
        reward: { infeasible: { mode: 'violation', scale: -1 }, failed: Number.NaN },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = (err as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['strategy.options.baselineDecay', 'strategy.options.hiddenUnits', 'strategy.options.reward.failed']),
    );
    expect(paths.some((p) => p.startsWith('strategy.options.reward.infeasible'))).toBe(true);
  });

  it('needs a metric to reward when the study has no objectives', () => {
    const space = choiceSpace(2);
    expect(() => make(space, 1, {}, [])).toThrow(/reward\.metric/);
    expect(make(space, 1, { reward: { metric: 'acc' } }, [])).toBeInstanceOf(ReinforceStrategy);
  });
});
