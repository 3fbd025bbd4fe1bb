/**
 * REINFORCE for co-exploration (issue 18): fast exploration of hardware tokens through the runner's precheck,
 * exact resume with it, the named rewards (fgnas, rl-interface, fnas, chebyshev) and plain gradient ascent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { presetSpace, type Genome } from '../../lib/space/index.js';
import { JournalStorage } from '../../lib/study/journal-storage.js';
import { createStudy, loadStudy } from '../../lib/study/study.js';
import type { FinishedTrial, Objective, TrialResult } from '../../lib/trial/index.js';
import { ProblemEvaluator, type Problem } from '../../problems/problem.js';
import { createStrategy } from '../../strategies/registry.js';
import { ReinforceStrategy, reinforceOptionsSchema } from '../../strategies/reinforce/index.js';
import { resolveRewardRule } from '../../strategies/reinforce/options.js';
import { chebyshevOutcome, chebyshevRewards, freshRewardState, tellReward } from '../../strategies/reinforce/shaped-reward.js';
import { Sgd } from '../../strategies/reinforce/sgd.js';
import type { HardwarePrecheck } from '../../strategies/strategy.js';

const space = presetSpace('coexplore-mnist');
const ACC: Objective[] = [{ metric: 'acc', direction: 'maximize' }];
/** A toy hardware check on hardware genes only: L1's engine at least 16 wide and the dense engine narrow. */
const ok = (g: Genome): boolean => (g['L1.Tm'] as number) >= 16 && (g['fc.Tn'] as number) <= 2;
const precheck: HardwarePrecheck = async (gs) => gs.map((g) => ({ feasible: ok(g), violations: { hw: ok(g) ? -1 : 1 } }));
const SMALL = { hiddenUnits: 16, embeddingSize: 8 };

function make(seed: number, options: unknown, check?: HardwarePrecheck): ReinforceStrategy {
  return createStrategy('reinforce', { space, objectives: ACC, constraints: [], rng: Rng.fromSeed(seed).fork('strategy/reinforce'), ...(check ? { precheck: check } : {}) }, options) as ReinforceStrategy;
}

const notHw = (g: Genome): Record<string, unknown> => Object.fromEntries(space.genes.filter((x) => x.group !== 'hw').map((x) => [x.name, g[x.name]]));

describe('reinforce: fast exploration of hardware tokens', () => {
  it('first-feasible: re-samples only the hardware tokens of children that miss the spec, and counts what it avoided', async () => {
    const plain = await make(5, SMALL).ask(10);
    const fast = make(5, { ...SMALL, fastExploration: { mode: 'first-feasible' } }, precheck);
    const asked = await fast.ask(10);
    // Same architecture and quantization as the controller without a precheck: only hardware genes moved.
    expect(asked.map(notHw)).toEqual(plain.map(notHw));
    const st = fast.getStats().fast!;
    const firstMissed = plain.filter((g) => !ok(g)).length;
    expect(firstMissed).toBeGreaterThan(0);
    expect(st.children).toBe(10);
    expect(st.rescued + st.declaredInfeasible).toBe(firstMissed);
    expect(asked.filter((g) => !ok(g)).length).toBe(st.declaredInfeasible);
    expect(st.rescued).toBeGreaterThan(0);
    // Every design checked is either the one kept or a rejected one (a training avoided).
    expect(st.checked).toBe(st.rejected + (10 - st.declaredInfeasible));
    // tries: 0 turns it off.
    const off = make(5, { ...SMALL, fastExploration: { tries: 0 } }, precheck);
    expect((await off.ask(10)).map((g) => space.key(g))).toEqual(plain.map((g) => space.key(g)));
  });

  it('tune: every child keeps its best feasible design on the hardware objectives the precheck measures', async () => {
    const objectives: Objective[] = [{ metric: 'acc', direction: 'maximize' }, { metric: 'thr', direction: 'maximize' }];
    const withThr: HardwarePrecheck = async (gs) => gs.map((g) => ({ feasible: ok(g), violations: {}, metrics: { thr: (g['L1.Tm'] as number) - (g['fc.Tn'] as number) } }));
    const mk = (check?: HardwarePrecheck) =>
      createStrategy('reinforce', { space, objectives, constraints: [], rng: Rng.fromSeed(9).fork('strategy/reinforce'), ...(check ? { precheck: check } : {}) }, SMALL) as ReinforceStrategy;
    const plain = await mk().ask(10);
    const s = mk(withThr);
    const asked = await s.ask(10);
    expect(asked.map(notHw)).toEqual(plain.map(notHw));
    const thr = (g: Genome) => (g['L1.Tm'] as number) - (g['fc.Tn'] as number);
    asked.forEach((g, b) => {
      if (ok(plain[b])) expect(thr(g)).toBeGreaterThanOrEqual(thr(plain[b]));
    });
    const st = s.getStats().fast!;
    expect(st.checked).toBe(10 * 11);
    expect(st.tuned).toBeGreaterThan(0);
    expect(asked.filter(ok).length).toBe(10 - st.declaredInfeasible);
  });

  it('a journaled study with fast exploration resumes exactly (precheck given again on load)', async () => {
    const problem: Problem = {
      name: 'toy-coexplore',
      space,
      objectives: ACC,
      constraints: [{ metric: 'hw', max: 0 }],
      hypervolume: { reference: [0] },
      evaluate: (g) => ({ acc: (g.depth as number) / 3 + ((g['L1.filters'] as number) / 100), hw: ok(g) ? -1 : 1 }),
    };
    const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-coexplore-'));
    const mk = (dir: string) =>
      createStudy({ ...problem, strategy: { name: 'reinforce', options: { ...SMALL, batchSize: 4 } }, seed: 2, storage: JournalStorage.open(dir), precheck });
    const a = await mk(tmp());
    await a.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 14 } });
    const keysA = a.trials().map((t) => t.key);
    await a.close();
    const dirB = tmp();
    const b = await mk(dirB);
    // Stopped at a batch boundary, so the resumed run asks and tells in the same order as the uninterrupted one.
    await b.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 8 } });
    await b.close();
    const b2 = await loadStudy(JournalStorage.open(dirB), { precheck });
    await b2.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 14 } });
    expect(b2.trials().map((t) => t.key)).toEqual(keysA);
    await b2.close();
    // Killed mid-batch (as kill -9 leaves it: a batch asked, half of it told, the journal cut there): the
    // resumed run re-evaluates the running trials and goes on exactly as the uninterrupted one.
    const dirC = tmp();
    const c = await mk(dirC);
    await c.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 4 } });
    const half = await c.ask(4);
    const ev = new ProblemEvaluator(problem);
    for (const t of half.slice(0, 2)) await c.tell(t.number, (await ev.evaluate([{ genome: t.genome, trialNumber: t.number, seed: '' }]))[0]);
    await c.close();
    const c2 = await loadStudy(JournalStorage.open(dirC), { precheck });
    expect(c2.trialCounts()).toMatchObject({ asked: 8, finished: 6, running: 2 });
    await c2.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 14 } });
    expect(c2.trials().map((t) => t.key)).toEqual(keysA);
    await c2.close();
  });
});

let n = 0;
const trial = (r: TrialResult): FinishedTrial => ({ number: n++, genome: {}, key: String(n), startedAt: '', ...r });
const feasible = (metrics: Record<string, number>) => trial({ status: 'complete', metrics, violations: { latencyMs: -0.5 } });
const infeasible = trial({ status: 'infeasible', metrics: { latencyMs: 3 }, violations: { latencyMs: 2 } });

describe('reinforce: named rewards with their sources', () => {
  const objectives: Objective[] = [{ metric: 'accuracy', direction: 'maximize' }];
  const constraints = [{ metric: 'latencyMs', max: 1 }];
  const rule = (reward: object) => resolveRewardRule(reinforceOptionsSchema.parse({ reward }), objectives, constraints);

  it('fgnas: 0 when infeasible, else the accuracy', () => {
    const r = rule({ kind: 'fgnas' });
    const s = freshRewardState(objectives);
    expect(tellReward(infeasible, r, s)).toBe(0);
    expect(tellReward(feasible({ accuracy: 0.8, latencyMs: 0.5 }), r, s)).toBe(0.8);
  });

  it('rl-interface: −1 when infeasible, else max(α·acc + (1−α)·(target − hw)/target, −1)', () => {
    const r = rule({ kind: 'rl-interface', alpha: 0.7 });
    const s = freshRewardState(objectives);
    expect(tellReward(infeasible, r, s)).toBe(-1);
    expect(tellReward(feasible({ accuracy: 0.9, latencyMs: 0.4 }), r, s)).toBeCloseTo(0.7 * 0.9 + 0.3 * 0.6, 12);
  });

  it('fnas: −0.1 over the spec; else clip(acc − ema + lat/(10·spec), ±0.1), ema ← 0.8·ema + 0.2·acc', () => {
    const r = rule({ kind: 'fnas' });
    const s = freshRewardState(objectives);
    expect(tellReward(infeasible, r, s)).toBe(-0.1);
    // First feasible child: the EMA starts at its accuracy (bias-corrected), so only the latency term counts.
    expect(tellReward(feasible({ accuracy: 0.5, latencyMs: 0.5 }), r, s)).toBeCloseTo(0.05, 12);
    expect(s.emaAcc).toBeCloseTo(0.5, 12);
    // 0.56 − 0.5 + 0.02 = 0.08; then ema = 0.8·0.5 + 0.2·0.56 = 0.512.
    expect(tellReward(feasible({ accuracy: 0.56, latencyMs: 0.2 }), r, s)).toBeCloseTo(0.08, 12);
    expect(s.emaAcc).toBeCloseTo(0.512, 12);
    expect(tellReward(feasible({ accuracy: 0.9, latencyMs: 0.9 }), r, s)).toBe(0.1);
    expect(() => resolveRewardRule(reinforceOptionsSchema.parse({ reward: { kind: 'fnas' } }), objectives, [])).toThrow(/needs a constraint on latencyMs/);
  });

  it('chebyshev: every objective, normalised over the feasible children; auto picks it with several objectives', () => {
    const two: Objective[] = [{ metric: 'err', direction: 'minimize' }, { metric: 'thr', direction: 'maximize' }];
    const r = resolveRewardRule(reinforceOptionsSchema.parse({}), two, []);
    expect(r.kind).toBe('chebyshev');
    const s = freshRewardState(two);
    const outs = [
      chebyshevOutcome(feasible({ err: 0.1, thr: 10 }), r, two, s),
      chebyshevOutcome(feasible({ err: 0.3, thr: 30 }), r, two, s),
      chebyshevOutcome(feasible({ err: 0.2, thr: 20 }), r, two, s),
      chebyshevOutcome(infeasible, r, two, s),
    ];
    // Only the error counts: best error → 1, worst → 0; the infeasible child gets `infeasible` (0).
    const e = chebyshevRewards(outs, [1, 0], s);
    [1, 0, 0.5, 0].forEach((x, i) => expect(e[i]).toBeCloseTo(x, 12));
    // Only throughput counts (maximised): the reverse order.
    const t = chebyshevRewards(outs, [0, 1], s);
    expect(t[0]).toBeCloseTo(0, 12);
    expect(t[1]).toBeCloseTo(1, 12);
    expect(t[2]).toBeCloseTo(0.5, 12);
    // A single-objective study keeps the plain metric reward.
    expect(resolveRewardRule(reinforceOptionsSchema.parse({}), ACC, []).kind).toBe('metric');
  });
});

describe('reinforce: plain gradient ascent (FGNAS)', () => {
  it('θ ← θ − lr·∇loss, nothing else', () => {
    const p = { w: Float32Array.from([1, -2, 0.5]) };
    new Sgd(0.01).apply(p, { w: Float32Array.from([10, 0, -5]) });
    expect(Array.from(p.w)).toEqual(Array.from(Float32Array.from([0.9, -2, 0.55])));
  });

  it('the paper preset builds FGNAS’s controller and learns from a batch of 5 with a plain step', async () => {
    const s = make(1, { preset: 'paper' });
    const before = JSON.stringify(s.snapshot().state);
    const asked = await s.ask(5);
    await s.tell(asked.map((g, i) => ({ number: 1000 + i, genome: g, key: space.key(g), startedAt: '', status: 'complete', metrics: { acc: i / 5 }, violations: {} }) as FinishedTrial));
    const snap = s.snapshot().state as { layout: { hidden: number; embedding: number }; adam: unknown; sgd: { step: number } };
    expect(snap.layout).toMatchObject({ hidden: 100, embedding: 10 });
    expect(snap.adam).toBeNull();
    expect(snap.sgd.step).toBe(1);
    expect(JSON.stringify(snap)).not.toBe(before);
  });
});
