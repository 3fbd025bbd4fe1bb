import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { hypervolume } from '../../lib/pareto.js';
import { Rng } from '../../lib/rng.js';
import { presetSpace, SearchSpace, vectorSpace, type Genome } from '../../lib/space/index.js';
import type { Constraint, FinishedTrial, Objective, TrialResult } from '../../lib/trial/index.js';
import { ProblemEvaluator, type Problem } from '../../problems/problem.js';
import { zdtProblem } from '../../problems/zdt.js';
import { createNsga2, nsga2OptionsSchema, type Nsga2Strategy } from '../../strategies/nsga2/index.js';
import { GeneClass, crossover, mutate, polynomialGene, sbxGene, vectorModel } from '../../strategies/nsga2/operators.js';
import { knnTruncate, selectSurvivors } from '../../strategies/nsga2/survival.js';
import { createStrategy, parseStrategyOptions } from '../../strategies/registry.js';

const twoMin: Objective[] = [
  { metric: 'f1', direction: 'minimize' },
  { metric: 'f2', direction: 'minimize' },
];

function make(space: SearchSpace, options: Record<string, unknown> = {}, seed = 1, objectives = twoMin, constraints: Constraint[] = []): Nsga2Strategy {
  return createNsga2({ space, objectives, constraints, rng: Rng.fromSeed(seed) }, nsga2OptionsSchema.parse(options));
}

let nextNumber = 0;
function finished(space: SearchSpace, genomes: readonly Genome[], result: (g: Genome) => TrialResult): FinishedTrial[] {
  return genomes.map((genome) => ({ number: nextNumber++, genome, key: space.key(genome), startedAt: '', ...result(genome) }));
}

/** Runs a problem for `generations` × `pop` evaluations with a plain ask/tell loop. */
async function runProblem(problem: Problem, s: Nsga2Strategy, evaluations: number, batch: number): Promise<void> {
  const ev = new ProblemEvaluator(problem);
  for (let done = 0; done < evaluations; done += batch) {
    const genomes = await s.ask(batch);
    const results = await ev.evaluate(genomes.map((genome, i) => ({ genome, trialNumber: done + i, seed: '' })));
    await s.tell(finished(problem.space, genomes, (g) => results[genomes.indexOf(g)]));
  }
}

describe('SBX and polynomial mutation', () => {
  it('SBX keeps children in bounds and, unclamped, centred on the parents', () => {
    const rng = Rng.fromSeed('sbx');
    const out = new Float64Array(2);
    for (let i = 0; i < 2000; i++) {
      const x1 = rng.uniform(0, 1);
      const x2 = rng.uniform(0, 1);
      sbxGene(x1, x2, 0, 1, 20, rng, out);
      expect(out[0]).toBeGreaterThanOrEqual(0);
      expect(out[0]).toBeLessThanOrEqual(1);
      expect(out[1]).toBeGreaterThanOrEqual(0);
      expect(out[1]).toBeLessThanOrEqual(1);
    }
    // Far from the bounds the bounded SBX is symmetric: the children's mean is the parents' mean.
    for (let i = 0; i < 200; i++) {
      sbxGene(0.49, 0.51, -100, 100, 20, rng, out);
      expect((out[0] + out[1]) / 2).toBeCloseTo(0.5, 9);
    }
    sbxGene(0.3, 0.3, 0, 1, 20, rng, out);
    expect([...out]).toEqual([0.3, 0.3]);
  });

  it('a larger η keeps SBX children and mutants closer to their parents', () => {
    const spread = (eta: number): [number, number] => {
      const rng = Rng.fromSeed('eta');
      const out = new Float64Array(2);
      let sx = 0;
      let sm = 0;
      for (let i = 0; i < 3000; i++) {
        sbxGene(0.4, 0.6, 0, 1, eta, rng, out);
        sx += Math.abs(out[0] - 0.5) + Math.abs(out[1] - 0.5);
        sm += Math.abs(polynomialGene(0.5, 0, 1, eta, rng) - 0.5);
      }
      return [sx, sm];
    };
    const [x2, m2] = spread(2);
    const [x50, m50] = spread(50);
    expect(x50).toBeLessThan(x2);
    expect(m50).toBeLessThan(m2 / 3);
  });

  it('polynomial mutation stays in bounds and can leave a bound', () => {
    const rng = Rng.fromSeed('pm');
    let moved = 0;
    for (let i = 0; i < 1000; i++) {
      const y = polynomialGene(0, 0, 1, 20, rng);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(1);
      if (y > 0) moved++;
    }
    expect(moved).toBeGreaterThan(300);
  });

  it('categorical genes are swapped or resampled to a different value, never interpolated', () => {
    const space = presetSpace('nb201');
    const model = vectorModel(space);
    expect([...model.classes]).toEqual(space.genes.map(() => GeneClass.Categorical));
    const rng = Rng.fromSeed('cat');
    for (let i = 0; i < 200; i++) {
      const a = Float64Array.from(space.toVector(space.sample(rng)));
      const b = Float64Array.from(space.toVector(space.sample(rng)));
      const [a0, b0] = [a.slice(), b.slice()];
      crossover(model, a, b, { eta: 20, geneProbability: 0.5 }, rng);
      for (let k = 0; k < a.length; k++) {
        expect([a0[k], b0[k]]).toContain(a[k]);
        expect(a[k] + b[k]).toBe(a0[k] + b0[k]);
      }
      const c = a.slice();
      mutate(model, c, 20, 1, rng);
      for (let k = 0; k < c.length; k++) {
        expect(Number.isInteger(c[k])).toBe(true);
        expect(c[k]).not.toBe(a[k]);
        expect(c[k]).toBeGreaterThanOrEqual(0);
        expect(c[k]).toBeLessThanOrEqual(4);
      }
    }
  });

  it('integer genes vary over the half-widened range, so every value stays reachable', () => {
    const space = new SearchSpace({
      name: 'ints',
      genes: [{ name: 'k', group: 'arch', kind: 'int', min: 1, max: 3 }],
      meta: { family: 'test' },
    });
    const model = vectorModel(space);
    expect(model.classes[0]).toBe(GeneClass.Integer);
    expect([model.lower[0], model.upper[0]]).toEqual([0.5, 3.5]);
  });
});

describe('survival', () => {
  it('takes whole fronts, cuts the last by crowding (extremes first) and records rank and crowding', () => {
    const pts = [
      [0, 10],
      [10, 0],
      [5, 5],
      [4.9, 5.2],
      [20, 20],
      [1, 9],
    ];
    const s = selectSurvivors(pts, [0, 0, 0, 0, 0, 0], 4, 'crowding');
    // Front 0 = {0, 1, 2, 3, 5}: 5 members for 4 slots; the most crowded (3 or 2) goes.
    expect(s.selected).toHaveLength(4);
    expect(s.selected).toContain(0);
    expect(s.selected).toContain(1);
    expect(s.selected).not.toContain(4);
    expect([...s.rank]).toEqual([0, 0, 0, 0]);
    const all = selectSurvivors(pts, [0, 0, 0, 0, 0, 0], 6, 'crowding');
    expect(all.rank[all.selected.indexOf(4)]).toBe(1);
  });

  it('ranks feasible before infeasible before failed', () => {
    const pts = [
      [0, 0],
      [NaN, NaN],
      [9, 9],
      [8, 1],
    ];
    const s = selectSurvivors(pts, [0.4, Infinity, 0, 0], 3, 'crowding');
    expect(s.selected.sort()).toEqual([0, 2, 3]);
    const t = selectSurvivors(pts, [0.4, Infinity, 0, 0], 4, 'knn');
    expect(t.selected[3]).toBe(1);
    expect(t.rank[3]).toBe(3);
  });

  it('knn pruning keeps the extremes, drops duplicates first and returns `keep` members in front order', () => {
    const rng = Rng.fromSeed('knn');
    const pts = Array.from({ length: 40 }, () => {
      const a = rng.uniform(0, Math.PI / 2);
      const b = rng.uniform(0, Math.PI / 2);
      return [Math.cos(a) * Math.cos(b), Math.cos(a) * Math.sin(b), Math.sin(a)];
    });
    pts.push([...pts[7]]); // a duplicate of point 7
    const front = pts.map((_, i) => i);
    const kept = knnTruncate(pts, front, 20);
    expect(kept).toHaveLength(20);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(kept.includes(7) && kept.includes(40)).toBe(false);
    for (let d = 0; d < 3; d++) {
      const lo = front.reduce((b, i) => (pts[i][d] < pts[b][d] ? i : b), 0);
      const hi = front.reduce((b, i) => (pts[i][d] > pts[b][d] ? i : b), 0);
      expect(kept).toContain(lo);
      expect(kept).toContain(hi);
    }
    // Better spread than a random subset of the same size: larger smallest pairwise distance.
    const minGap = (idx: number[]): number => {
      let g = Infinity;
      for (const i of idx) for (const j of idx) if (i < j) g = Math.min(g, Math.hypot(...pts[i].map((v, k) => v - pts[j][k])));
      return g;
    };
    expect(minGap(kept)).toBeGreaterThan(minGap(front.slice(0, 20)));
    expect(knnTruncate(pts, front, 0)).toEqual([]);
    expect(knnTruncate(pts, [3, 5], 5)).toEqual([3, 5]);
  });
});

describe('nsga2 strategy', () => {
  it('starts with uniform samples, breeds only after a full population is told, and queues across asks', async () => {
    const space = vectorSpace('box', 4);
    const s = make(space, { populationSize: 6 });
    const f = (g: Genome): TrialResult => {
      const x = space.toVector(g);
      return { status: 'complete', metrics: { f1: x[0], f2: 1 - x[0] + x[1] }, violations: {} };
    };
    const first = await s.ask(4);
    await s.tell(finished(space, first, f));
    expect(s.generation).toBe(0);
    expect(s.population()).toHaveLength(0);
    const more = await s.ask(5); // 2 left of the first random generation, then 3 of another random one
    expect(new Set([...first, ...more].map((g) => space.key(g))).size).toBe(9);
    await s.tell(finished(space, more, f));
    expect(s.generation).toBe(1);
    expect(s.population()).toHaveLength(6);
    expect(s.batchSize).toBe(6);
    const kids = await s.ask(13);
    expect(kids).toHaveLength(13);
    for (const g of kids) expect(space.validate(g)).toEqual([]);
  });

  it('converges on ZDT1 (population 40, 40 generations), far beyond random search with the same budget', async () => {
    const problem = zdtProblem('zdt1', 10);
    const s = make(problem.space, { populationSize: 40 }, 3, problem.objectives);
    await runProblem(problem, s, 40 * 40, 40);
    const hv = hypervolume(
      s.population().map((m) => m.objectives),
      [1.1, 1.1],
    );
    const rng = Rng.fromSeed('random');
    const randomPoints = Array.from({ length: 40 * 40 }, () => {
      const m = problem.evaluate(problem.space.sample(rng));
      return [m.f1, m.f2];
    });
    const randomHv = hypervolume(randomPoints, [1.1, 1.1]);
    // The true front's value is 0.8767.
    expect(hv).toBeGreaterThan(0.75);
    expect(hv).toBeGreaterThan(randomHv + 0.1);
    expect(s.population().every((m) => m.rank === 0)).toBe(true);
  });

  it('drives a constrained search into the feasible region and keeps failed trials out', async () => {
    const space = vectorSpace('box', 3);
    const s = make(space, { populationSize: 20 }, 4, twoMin, [{ metric: 'c', max: 0.3 }]);
    for (let gen = 0; gen < 15; gen++) {
      const genomes = await s.ask(20);
      await s.tell(
        finished(space, genomes, (g) => {
          const [a, b, c] = space.toVector(g);
          if (b > 0.9) return { status: 'failed', metrics: {}, violations: {}, error: 'boom' };
          const v = (c - 0.3) / 0.3;
          return { status: v > 0 ? 'infeasible' : 'complete', metrics: { f1: a, f2: 1 - a, c }, violations: { c: v } };
        }),
      );
    }
    const pop = s.population();
    expect(pop.every((m) => m.violation === 0)).toBe(true);
    expect(pop.every((m) => (space.toVector(m.genome)[2] ?? 1) <= 0.3)).toBe(true);
  });

  it('on nb201 asks no repeats (history dedupe) and beats random search at 1000 evaluations', async () => {
    const { nb201Problem } = await import('../../problems/nb201.js');
    const { normalisePoints } = await import('../../lib/pareto.js');
    const problem = nb201Problem();
    const s = make(problem.space, {}, 5, problem.objectives);
    const keys = new Set<string>();
    const pts: number[][] = [];
    for (let done = 0; done < 1000; done += 20) {
      const genomes = await s.ask(20);
      for (const g of genomes) keys.add(problem.space.key(g));
      await s.tell(
        finished(problem.space, genomes, (g) => {
          const m = problem.evaluate(g);
          pts.push([m.error, m.latencyMs]);
          return { status: 'complete', metrics: m, violations: {} };
        }),
      );
    }
    expect(keys.size).toBe(1000);
    // Random search: 0.7485 ± 0.0075 over 20 seeds (data/nb201/README.md); the true front 0.7770.
    const hv = hypervolume(normalisePoints(pts, problem.hypervolume), [1, 1]);
    expect(hv).toBeGreaterThan(0.76);
    expect(hv).toBeLessThanOrEqual(0.777025);
  });

  it('snapshots failed members (NaN, Infinity) through JSON and continues identically', async () => {
    const space = vectorSpace('box', 3);
    const a = make(space, { populationSize: 4 });
    const flaky = (g: Genome): TrialResult => {
      const x = space.toVector(g);
      return x[0] > 0.5
        ? { status: 'failed', metrics: {}, violations: {}, error: 'x' }
        : { status: 'complete', metrics: { f1: x[0], f2: x[1] }, violations: {} };
    };
    for (let i = 0; i < 3; i++) await a.tell(finished(space, await a.ask(4), flaky));
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    const b = make(space, { populationSize: 4 }, 42);
    b.restore(snap);
    expect(b.population().map((m) => m.violation)).toEqual(a.population().map((m) => m.violation));
    expect(b.population().map((m) => m.objectives.map(String))).toEqual(a.population().map((m) => m.objectives.map(String)));
    expect(b.population().map((m) => m.crowding)).toEqual(a.population().map((m) => m.crowding));
    for (let i = 0; i < 3; i++) {
      const ga = await a.ask(3);
      const gb = await b.ask(3);
      expect(gb).toEqual(ga);
      await a.tell(finished(space, ga, flaky));
      await b.tell(finished(space, gb, flaky));
    }
  });

  it('refuses malformed snapshots and leaves itself unchanged', async () => {
    const space = vectorSpace('box', 2);
    const s = make(space, { populationSize: 4 });
    const before = JSON.stringify(s.snapshot());
    expect(() => s.restore({ strategy: 'nsga2', version: 1, state: { rng: 1 } })).toThrow(/malformed/);
    const bad = JSON.parse(before);
    bad.state.queue = [{ x1: 7, x2: 0 }];
    expect(() => s.restore(bad)).toThrow(/does not fit/);
    expect(JSON.stringify(s.snapshot())).toBe(before);
  });

  it('validates options with paths', () => {
    expect(parseStrategyOptions('nsga2', {}).populationSize).toBe(20);
    try {
      parseStrategyOptions('nsga2', { populationSize: 1.5, crossoverProbability: 2, dedupe: 'never' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const paths = (err as ConfigError).issues.map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining(['strategy.options.populationSize', 'strategy.options.crossoverProbability', 'strategy.options.dedupe']),
      );
    }
    expect(() =>
      createStrategy('nsga2', { space: vectorSpace('b', 2), objectives: [], constraints: [], rng: Rng.fromSeed(1) }),
    ).toThrow(/objective/);
  });
});
