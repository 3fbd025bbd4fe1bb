/**
 * Bayesian optimisation: the acquisition maths, the GP and its believer updates, the encoding and warp, that it
 * learns (beats random search and avoids an infeasible region on the same budget), and exact resume through the
 * Study (journal + snapshot, and after kill -9).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { SearchSpace, vectorSpace, type Genome } from '../../lib/space/index.js';
import { JournalStorage } from '../../lib/study/journal-storage.js';
import { createStudy, loadStudy } from '../../lib/study/study.js';
import type { Constraint, FinishedTrial, Objective } from '../../lib/trial/index.js';
import { ProblemEvaluator, type Problem } from '../../problems/problem.js';
import { ehvi2d, ehvi2dNodes, front2d, gaussHermite, hvi2d } from '../../strategies/bo/acquisition.js';
import { makeEncoding } from '../../strategies/bo/encoding.js';
import { Gp } from '../../strategies/bo/gp.js';
import { copulaWarp } from '../../strategies/bo/warp.js';
import { createStrategy } from '../../strategies/registry.js';

const FAST = { candidates: 200, mutants: 200, fitBudget: 15, initialTrials: 10 };

describe('bo acquisition', () => {
  it('exact 2-D EHVI equals a Monte-Carlo estimate of the expected hypervolume improvement', () => {
    const front = front2d([
      [0.1, 0.9],
      [0.4, 0.5],
      [0.8, 0.2],
      [0.5, 0.6], // dominated
    ]);
    expect(front).toHaveLength(3);
    const ref: [number, number] = [1.1, 1.1];
    const rng = Rng.fromSeed(1);
    for (const [m0, s0, m1, s1] of [
      [0.3, 0.1, 0.4, 0.2],
      [0.9, 0.3, 0.9, 0.3],
      [0.05, 0.02, 1.0, 0.1],
    ]) {
      let mc = 0;
      const S = 200_000;
      for (let s = 0; s < S; s++) mc += hvi2d(front, ref, m0 + s0 * rng.normal(), m1 + s1 * rng.normal());
      mc /= S;
      expect(ehvi2d(front, ref, m0, s0, m1, s1)).toBeCloseTo(mc, 3);
    }
    // With no uncertainty it is the plain improvement.
    expect(ehvi2d(front, ref, 0.3, 0, 0.4, 0)).toBeCloseTo(hvi2d(front, ref, 0.3, 0.4), 12);
    expect(hvi2d(front, ref, 0.5, 0.6)).toBe(0);
  });

  it('EHVI at Gauss-Hermite nodes matches the exact Gaussian one, and Monte Carlo through a warp', () => {
    const { z, w } = gaussHermite(32);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(z.reduce((a, v, k) => a + w[k] * v * v, 0)).toBeCloseTo(1, 12);
    const front = front2d([
      [0.1, 0.9],
      [0.4, 0.5],
      [0.8, 0.2],
    ]);
    const ref: [number, number] = [1.5, 1.5];
    const at = (f: (x: number) => number, m: number, s: number): Float64Array => z.map((v) => f(m + s * v));
    const id = (x: number): number => x;
    for (const [m0, s0, m1, s1] of [
      [0.3, 0.1, 0.4, 0.2],
      [0.9, 0.3, 0.9, 0.3],
    ]) {
      const exact = ehvi2d(front, ref, m0, s0, m1, s1);
      expect(Math.abs(ehvi2dNodes(front, ref, at(id, m0, s0), at(id, m1, s1), w) - exact)).toBeLessThan(0.03 * exact);
    }
    // A skewed objective: Y0 = exp(W) − 1.2 with W ~ N(0.2, 0.5²), the kind of law a warped GP predicts.
    const warp = (x: number): number => Math.exp(x) - 1.2;
    const rng = Rng.fromSeed(2);
    let mc = 0;
    const S = 200_000;
    for (let s = 0; s < S; s++) mc += hvi2d(front, ref, warp(0.2 + 0.5 * rng.normal()), 0.6 + 0.2 * rng.normal());
    mc /= S;
    const quad = ehvi2dNodes(front, ref, at(warp, 0.2, 0.5), at(id, 0.6, 0.2), w);
    expect(Math.abs(quad - mc)).toBeLessThan(0.02 * mc);
  });
});

describe('bo gp', () => {
  const kinds = ['ordinal'] as const;
  const X = [0, 0.15, 0.3, 0.5, 0.7, 0.85, 1].map((x) => Float64Array.of(x));
  const f = (x: number): number => Math.sin(6 * x) + x;
  const y = X.map((x) => f(x[0]));

  it('interpolates a smooth function and is confident only near its data', () => {
    const gp = Gp.fit(X, y, kinds, null, 40);
    const test = [0.1, 0.4, 0.6, 0.95].map((x) => Float64Array.of(x));
    const post = gp.posterior([...test, X[3]], 0);
    test.forEach((x, i) => expect(Math.abs(post.mean(i) - f(x[0]))).toBeLessThan(0.15));
    expect(post.std(4)).toBeLessThan(post.std(1));
  });

  it('a believer update equals refitting with the believed point at its mean (same hyperparameters)', () => {
    const gp = Gp.fit(X, y, kinds, null, 40);
    const pts = [0.05, 0.4, 0.6, 0.93].map((x) => Float64Array.of(x));
    const post = gp.posterior(pts, 1);
    const believedMean = post.mean(1);
    post.believe(1);
    const refit = Gp.fit([...X, pts[1]], [...y, believedMean], kinds, gp.hyper, 0).posterior(pts, 0);
    // Standardisation changes with the added point; variances are compared relative to it.
    for (let i = 0; i < pts.length; i++) expect(post.std(i) / refit.std(i)).toBeCloseTo(post.std(0) / refit.std(0), 3);
    expect(post.std(1)).toBeLessThan(0.3 * gp.posterior(pts, 0).std(1));
  });
});

describe('bo encoding and warp', () => {
  it('treats ints and monotonic numeric choices as ordinal, other choices and bools as categorical, inactive as NaN', () => {
    const space = new SearchSpace({
      name: 'enc',
      meta: { family: 'vector' },
      genes: [
        { name: 'depth', group: 'arch', kind: 'int', min: 1, max: 3 },
        { name: 'filters', group: 'arch', kind: 'choice', choices: [16, 32, 64] },
        { name: 'op', group: 'arch', kind: 'choice', choices: ['conv', 'pool'] },
        { name: 'odd', group: 'arch', kind: 'choice', choices: [3, 1, 2] },
        { name: 'pool', group: 'arch', kind: 'bool' },
        { name: 'L3.k', group: 'arch', kind: 'int', min: 1, max: 5, when: { gene: 'depth', min: 3 } },
      ],
    });
    const e = makeEncoding(space);
    expect(e.kinds).toEqual(['ordinal', 'ordinal', 'categorical', 'categorical', 'categorical', 'ordinal']);
    const v = e.encode(space.canonical({ depth: 2, filters: 64, op: 'pool', odd: 2, pool: true, 'L3.k': 1 }));
    expect(Array.from(v.slice(0, 5))).toEqual([0.5, 1, 1, 2, 1]);
    expect(Number.isNaN(v[5])).toBe(true);
    expect(makeEncoding(space, false).kinds[1]).toBe('categorical');
  });

  it('the copula warp is monotonic and inverts on and beyond the data', () => {
    const raw = [5.6, 90, 7.1, 7.1, 12, 6.2, 40, 8];
    const w = copulaWarp(raw);
    const order = raw.map((_, i) => i).sort((a, b) => raw[a] - raw[b]);
    for (let k = 1; k < order.length; k++) expect(w.warped[order[k]]).toBeGreaterThanOrEqual(w.warped[order[k - 1]]);
    raw.forEach((r, i) => expect(w.inverse(w.warped[i])).toBeCloseTo(r, 9));
    for (const x of [3, 6.5, 20, 200]) expect(w.inverse(w.forward(x))).toBeCloseTo(x, 9);
    expect(w.inverse(Math.min(...w.warped) - 1)).toBeLessThan(5.6); // a predicted new best stays a new best
  });
});

/** Runs `strategy` for `budget` evaluations of `evaluate` and returns the told trials. */
async function drive(
  name: string,
  space: SearchSpace,
  objectives: Objective[],
  constraints: Constraint[],
  budget: number,
  seed: number,
  evaluate: (g: Genome) => { metrics: Record<string, number>; violations: Record<string, number> },
  options: Record<string, unknown> = {},
): Promise<FinishedTrial[]> {
  const s = createStrategy(name, { space, objectives, constraints, rng: Rng.fromSeed(seed).fork(name) }, name === 'bo' ? { ...FAST, ...options } : options);
  const trials: FinishedTrial[] = [];
  while (trials.length < budget) {
    const genomes = await s.ask(Math.min(s.batchSize, budget - trials.length));
    const told = genomes.map((genome, i): FinishedTrial => {
      const r = evaluate(genome);
      const infeasible = Object.values(r.violations).some((v) => v > 0);
      return { number: trials.length + i, genome, key: space.key(genome), startedAt: '', status: infeasible ? 'infeasible' : 'complete', ...r };
    });
    trials.push(...told);
    await s.tell(told);
  }
  return trials;
}

describe('bo learns', () => {
  const space = vectorSpace('box', 4);
  const x = (g: Genome): number[] => space.genes.map((gene) => g[gene.name] as number);

  it('finds a better minimum of a smooth function than random search on the same budget', async () => {
    const objectives: Objective[] = [{ metric: 'f', direction: 'minimize' }];
    const f = (g: Genome) => ({ metrics: { f: x(g).reduce((s, v, i) => s + (v - 0.2 - 0.15 * i) ** 2, 0) }, violations: {} });
    const best = (ts: FinishedTrial[]): number => Math.min(...ts.map((t) => t.metrics.f));
    let wins = 0;
    for (const seed of [1, 2, 3]) {
      if (best(await drive('bo', space, objectives, [], 30, seed, f)) < best(await drive('random', space, objectives, [], 30, seed, f))) wins++;
    }
    expect(wins).toBe(3);
  });

  it('through a power or copula warp (EHVI at Gauss-Hermite nodes) it proposes new designs, is deterministic and beats random', async () => {
    const objectives: Objective[] = [
      { metric: 'f1', direction: 'minimize' },
      { metric: 'f2', direction: 'minimize' },
    ];
    // A heavy upper tail on f1 (what the warps are for).
    const ev = (g: Genome) => {
      const v = x(g);
      return { metrics: { f1: Math.exp(4 * (v[0] + v[3] ** 2)), f2: 1 - v[0] + (v[1] - 0.3) ** 2 + v[2] ** 2 }, violations: {} };
    };
    const sum = (ts: FinishedTrial[]): number => ts.slice(10).reduce((acc, t) => acc + Math.log(t.metrics.f1) / 4 + t.metrics.f2, 0);
    const rnd = sum(await drive('random', space, objectives, [], 30, 7, ev));
    for (const warp of ['power', 'copula']) {
      const a = await drive('bo', space, objectives, [], 30, 7, ev, { warp });
      const b = await drive('bo', space, objectives, [], 30, 7, ev, { warp });
      expect(a.map((t) => t.key)).toEqual(b.map((t) => t.key));
      expect(new Set(a.map((t) => t.key)).size).toBe(30);
      expect(sum(a)).toBeLessThan(rnd);
    }
  });

  it('learns an output constraint: fewer infeasible evaluations than random search after its initial design', async () => {
    const objectives: Objective[] = [
      { metric: 'f1', direction: 'minimize' },
      { metric: 'f2', direction: 'minimize' },
    ];
    const constraints: Constraint[] = [{ metric: 'g', max: 0.25 }];
    const ev = (g: Genome) => {
      const v = x(g);
      const gv = v[0] + v[1];
      return { metrics: { f1: v[0], f2: 1 - v[0] + v[2] ** 2, g: gv }, violations: { g: (gv - 0.25) / 0.25 } };
    };
    const infeasible = (ts: FinishedTrial[]): number => ts.slice(10).filter((t) => t.status === 'infeasible').length;
    const bo = infeasible(await drive('bo', space, objectives, constraints, 40, 5, ev));
    const rnd = infeasible(await drive('random', space, objectives, constraints, 40, 5, ev));
    expect(rnd).toBeGreaterThan(20);
    expect(bo).toBeLessThan(rnd / 2);
  });
});

describe('bo resumes exactly through the Study', () => {
  const space = vectorSpace('sphere', 3);
  const problem: Problem = {
    name: 'sphere',
    space,
    objectives: [
      { metric: 'f1', direction: 'minimize' },
      { metric: 'f2', direction: 'minimize' },
    ],
    constraints: [{ metric: 'f1', max: 1.2 }],
    hypervolume: { reference: [2, 2] },
    evaluate(g) {
      const v = space.genes.map((gene) => g[gene.name] as number);
      return { f1: v.reduce((s, a) => s + a * a, 0), f2: v.reduce((s, a) => s + (a - 1) ** 2, 0) };
    },
  };
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-bo-'));
  const mk = (dir: string) => createStudy({ ...problem, strategy: { name: 'bo', options: FAST }, seed: 3, storage: JournalStorage.open(dir) });

  it('from the journal and its snapshot, as the uninterrupted run', async () => {
    const a = await mk(tmp());
    await a.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 24 } });
    const keysA = a.trials().map((t) => t.key);
    await a.close();
    const dirB = tmp();
    const b = await mk(dirB);
    // Stopped at a batch boundary (3 × 5): a batch strategy's batches depend on how many genomes are asked at once.
    await b.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 15 } });
    await b.close();
    const b2 = await loadStudy(JournalStorage.open(dirB));
    await b2.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 24 } });
    expect(b2.trials().map((t) => t.key)).toEqual(keysA);
    await b2.close();
  });

  it('after kill -9 (child process, compiled code in dist/)', async () => {
    const fixture = path.resolve(__dirname, '../fixtures/slow-search.mjs');
    // `npm test` builds dist/ first; without it this case cannot run, and must say so by failing.
    expect(fs.existsSync(path.resolve(__dirname, '../../dist/strategies/bo/index.js')), 'dist/ has no bo strategy: run `npm run build` first').toBe(true);
    const reference = tmp();
    expect(spawnSync(process.execPath, [fixture, reference, '24', 'bo', '0']).stdout.toString()).toContain('done');
    const ref = await loadStudy(JournalStorage.open(reference));
    const refKeys = ref.finishedTrials().map((t) => t.key);
    await ref.close();
    const dir = tmp();
    const child = spawn(process.execPath, [fixture, dir, '24', 'bo', '20'], { stdio: 'ignore' });
    const journal = JournalStorage.file(dir);
    const results = () => (fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('"type":"result"').length - 1 : 0);
    while (results() < 13) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(results()).toBeLessThan(24);
    expect(spawnSync(process.execPath, [fixture, dir, '24', 'bo', '0']).stdout.toString()).toContain('done');
    const s = await loadStudy(JournalStorage.open(dir));
    expect(s.finishedTrials().map((t) => t.key)).toEqual(refKeys);
    await s.close();
  }, 120_000);
});
