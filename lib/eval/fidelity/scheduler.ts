/**
 * Multi-fidelity evaluation: children are trained on a small budget first (rung 0) and only the best 1/η of a
 * rung — by the study's primary objective, among feasible children — are trained again on an η-times larger
 * budget, up to the full one. Children that stop early end `pruned`, with the metrics of their last rung.
 *
 * Three methods, one engine:
 * - `sha`: synchronous successive halving (Jamieson & Talwalkar 2016; Li et al. 2018) within each batch the
 *   Study asks. The batch is the cohort: rung r+1 starts once every child of the batch has finished rung r. This
 *   fits the ask/tell Study best — a strategy is told a whole batch at once anyway — and its result does not depend
 *   on which training ends first. Its cost: on the upper rungs few trainings are left for the pool's workers.
 * - `hyperband`: SHA whose starting rung varies across batches (Li et al. 2018): batch b runs bracket
 *   b mod B, which starts at rung b mod B (B = floor(log_η(1/minBudget)) + 1, as Optuna's HyperbandPruner counts
 *   them); bracket 0 is the most aggressive, the last trains every child at the top rungs only. Our brackets keep the
 *   strategy's batch size instead of Hyperband's n_i per bracket (the strategy, not the evaluator, decides how many
 *   children a batch has).
 * - `asha`: asynchronous successive halving (Li et al. 2020), as Optuna's SuccessiveHalvingPruner decides it: a
 *   child finishing rung r is promoted when its value is among the best max(1, ⌊n/η⌋) of the n children of the
 *   whole study that reached rung r before it *in trial-number order*. Deciding in trial order (not in order of
 *   completion) is what keeps a search reproducible by seed and its resume exact; rungs of different children still
 *   train in parallel as soon as those decisions allow, the highest rung first. With one worker it is exactly
 *   Optuna's pruner run with n_jobs = 1 (test/eval/fidelity-golden.test.ts compares both on the same values).
 *
 * Promotion follows Optuna's `_is_trial_promotable_to_next_rung`: with n competing values, the best
 * max(1, ⌊n/η⌋) go on, ties included. A rung is retrained from scratch on the larger budget (same seed), so every
 * rung's result stands alone and resume never needs a checkpoint. Every rung is reported through `onRung` (the
 * Study journals it) before anything depends on it, and rungs found in `history` are reused, never retrained.
 */
import { totalViolation, type Objective, type TrialResult } from '../../trial/index.js';
import type { EvalRequest, RungRecord } from '../evaluator.js';
import { TRAINING_METRICS } from '../training-metrics.js';
import { bracketCount, rungBudgets, type FidelityConfig, type FidelityMethod } from './options.js';

/** A fidelity configuration made concrete for one study. */
export interface FidelityPlan {
  readonly method: Exclude<FidelityMethod, 'none'>;
  readonly eta: number;
  /** Budget of each rung, fractions of the full budget, the last 1. */
  readonly budgets: readonly number[];
  /** Hyperband brackets (1 for the other methods). */
  readonly brackets: number;
  /** The objective that ranks a rung (the study's first). */
  readonly objective: Objective;
}

/**
 * The objective that ranks a rung: the first one training measures (accuracy, loss, …). A hardware metric
 * would rank children by what no training budget changes, so with none of these there is nothing to halve on.
 */
export function rungObjective(objectives: readonly Objective[]): Objective | null {
  return objectives.find((o) => (TRAINING_METRICS as readonly string[]).includes(o.metric)) ?? null;
}

/** The plan of a configuration, or null for `none`. */
export function fidelityPlan(c: FidelityConfig, objective: Objective): FidelityPlan | null {
  if (c.method === 'none') return null;
  return { method: c.method, eta: c.eta, budgets: rungBudgets(c), brackets: c.method === 'hyperband' ? bracketCount(c) : 1, objective };
}

/** The rung a batch starts at: its Hyperband bracket, or 0. */
export function startRung(plan: FidelityPlan, batch: number): number {
  return plan.method === 'hyperband' ? batch % plan.brackets : 0;
}

/**
 * Optuna's promotion rule (optuna/pruners/_successive_halving.py, `_is_trial_promotable_to_next_rung`):
 * `value` goes on when it is at least as good as the max(1, ⌊n/η⌋)-th best of `competing` (which includes it).
 */
export function isPromotable(value: number, competing: readonly number[], eta: number, direction: Objective['direction']): boolean {
  const sorted = [...competing].sort((a, b) => a - b);
  const idx = Math.max(0, Math.floor(sorted.length / eta) - 1);
  return direction === 'maximize' ? value >= sorted[sorted.length - 1 - idx] : value <= sorted[idx];
}

/** The value a rung result competes with: its primary objective when it is feasible, else null. */
export function rungValue(r: TrialResult, objective: Objective): number | null {
  const v = r.metrics[objective.metric];
  if (r.status !== 'complete' || totalViolation(r.violations) > 0 || typeof v !== 'number' || !Number.isFinite(v)) return null;
  return v;
}

/** What {@link runFidelity} needs. */
export interface FidelityRun {
  /** The children to train (they passed stage 1), each with its trial number and batch. */
  readonly items: readonly EvalRequest[];
  /** Rungs finished before (a resumed study): reused, and the competitors of these children. */
  readonly history: readonly RungRecord[];
  /** Trainings at once. */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  /** Trains child `item` at `rung`: complete, infeasible or failed; rejects only when aborted. */
  trainRung(item: number, rung: number, budget: number): Promise<TrialResult>;
  /** A rung just ended (journal it). */
  onRung?(record: RungRecord): void | Promise<void>;
  /** Child `item` is finished: complete at the top rung, pruned, failed or infeasible. */
  onFinal(item: number, result: TrialResult): void | Promise<void>;
}

interface Part {
  readonly number: number;
  readonly batch: number;
  /** Index in `items`, or -1 for a child known from the history only (already finished). */
  readonly item: number;
  readonly start: number;
  readonly results: Map<number, TrialResult>;
  /** Promotion decided at a rung: true = promoted to the next. */
  readonly decided: Map<number, boolean>;
  /** Rung being obtained (trained or read from the history), if any. */
  pending: number | null;
  final: boolean;
}

/** Runs the rungs of `run.items` under `plan`; resolves once every item has had its final result. */
export async function runFidelity(plan: FidelityPlan, run: FidelityRun): Promise<void> {
  const top = plan.budgets.length - 1;
  const byKey = new Map<string, RungRecord>();
  for (const h of run.history) byKey.set(`${h.number}/${h.rung}`, h);
  const parts = new Map<number, Part>();
  run.items.forEach((req, item) => {
    const batch = req.batch ?? 0;
    parts.set(req.trialNumber, { number: req.trialNumber, batch, item, start: startRung(plan, batch), results: new Map(), decided: new Map(), pending: null, final: false });
  });
  // The finished competitors: SHA compares within the batch, ASHA with every earlier child of the study.
  const batches = new Set([...parts.values()].map((p) => p.batch));
  for (const h of run.history) {
    let p = parts.get(h.number);
    if (p && p.item >= 0) continue; // a child to run: its rungs are read from the history as it gets to them
    if (plan.method !== 'asha' && !batches.has(h.batch)) continue;
    if (!p) parts.set(h.number, (p = { number: h.number, batch: h.batch, item: -1, start: 0, results: new Map(), decided: new Map(), pending: null, final: true }));
    p.results.set(h.rung, h.result);
  }
  const ordered = [...parts.values()].sort((a, b) => a.number - b.number);
  const items = ordered.filter((p) => p.item >= 0);

  /** Whether `q` trains at rung r: true, false, or undefined while its promotion is undecided. */
  const reaches = (q: Part, r: number): boolean | undefined => {
    if (q.item < 0) return q.results.has(r);
    if (r <= q.start) return r === q.start;
    for (let k = q.start; k < r; k++) {
      const res = q.results.get(k);
      if (res && res.status !== 'complete') return false; // it ended there (failed, infeasible)
      const d = q.decided.get(k);
      if (d !== true) return d; // false: pruned at k; undefined: not decided yet
    }
    return true;
  };

  /** Promotion of `p` after rung r, or undefined while a competitor's rung r is still to come. */
  const decide = (p: Part, r: number): boolean | undefined => {
    const own = rungValue(p.results.get(r)!, plan.objective);
    const competing: number[] = [];
    for (const q of ordered) {
      if (plan.method === 'asha' ? q.number > p.number : q.batch !== p.batch) continue;
      const reached = reaches(q, r);
      if (reached === undefined) return undefined;
      if (!reached) continue;
      const res = q.results.get(r);
      if (!res) {
        if (q.item < 0) continue;
        return undefined;
      }
      const v = rungValue(res, plan.objective);
      if (v !== null) competing.push(v);
    }
    if (own === null) return false;
    return isPromotable(own, competing, plan.eta, plan.objective.direction);
  };

  /** The final result of `p`, ending at rung `r`. */
  const finalResult = (p: Part, r: number): TrialResult => {
    const last = p.results.get(r)!;
    let train = 0;
    let images = 0;
    let anyImages = false;
    for (let k = p.start; k <= r; k++) {
      const x = p.results.get(k);
      if (!x) continue;
      train += x.timings?.train ?? 0;
      const n = x.extra?.trainedImages;
      if (typeof n === 'number') {
        images += n;
        anyImages = true;
      }
    }
    // Complete below the top rung means it was not promoted.
    const pruned = last.status === 'complete' && r < top;
    return {
      ...last,
      status: pruned ? 'pruned' : last.status,
      timings: { ...last.timings, train },
      extra: {
        ...last.extra,
        rung: r,
        budget: plan.budgets[r],
        ...(anyImages ? { trainedImages: images } : {}),
        ...(plan.method === 'hyperband' ? { bracket: p.start } : {}),
        fidelity: plan.method,
      },
    };
  };

  const queue: { part: Part; rung: number }[] = [];
  const finals: { item: number; result: TrialResult }[] = [];

  /** Asks for rung r of p: from the history when it is there, else queued for training. */
  const obtain = (p: Part, r: number): boolean => {
    const h = byKey.get(`${p.number}/${r}`);
    if (h) {
      p.results.set(r, h.result);
      return true;
    }
    p.pending = r;
    queue.push({ part: p, rung: r });
    return false;
  };

  /** Moves every item as far as the results allow (synchronously: no await between reading and changing state). */
  const advance = (): void => {
    for (let changed = true; changed; ) {
      changed = false;
      for (const p of items) {
        if (p.final || p.pending !== null) continue;
        let r = -1;
        for (let k = top; k >= p.start; k--) if (p.results.has(k)) { r = k; break; }
        if (r < 0) {
          if (obtain(p, p.start)) changed = true;
          continue;
        }
        const res = p.results.get(r)!;
        if (res.status !== 'complete' || r === top) {
          p.final = true;
          finals.push({ item: p.item, result: finalResult(p, r) });
          changed = true;
          continue;
        }
        if (p.decided.has(r)) continue; // promoted: the next rung is pending or obtained
        const d = decide(p, r);
        if (d === undefined) continue;
        p.decided.set(r, d);
        changed = true;
        if (!d) {
          p.final = true;
          finals.push({ item: p.item, result: finalResult(p, r) });
        } else obtain(p, r + 1);
      }
    }
  };

  let running = 0;
  let failure: unknown = null;
  await new Promise<void>((resolve, reject) => {
    const flushFinals = async (): Promise<void> => {
      while (finals.length > 0) {
        const f = finals.shift()!;
        await run.onFinal(f.item, f.result);
      }
    };
    const pump = (): void => {
      if (failure !== null) return;
      // The highest rung first (ASHA's rule; under SHA a batch has one rung in flight at a time), then trial order.
      queue.sort((a, b) => b.rung - a.rung || a.part.number - b.part.number);
      while (running < Math.max(1, run.concurrency) && queue.length > 0) launch(queue.shift()!);
      if (running === 0 && queue.length === 0) {
        if (items.every((p) => p.final)) resolve();
        else reject(new Error(`multi-fidelity (${plan.method}): no rung left to train but ${items.filter((p) => !p.final).length} children undecided`));
      }
    };
    const fail = (err: unknown): void => {
      if (failure === null) {
        failure = err;
        reject(err);
      }
    };
    const launch = (job: { part: Part; rung: number }): void => {
      running++;
      void (async () => {
        run.signal?.throwIfAborted();
        const result = await run.trainRung(job.part.item, job.rung, plan.budgets[job.rung]);
        if (failure !== null) return;
        await run.onRung?.({ number: job.part.number, batch: job.part.batch, rung: job.rung, budget: plan.budgets[job.rung], result });
        job.part.results.set(job.rung, result);
        job.part.pending = null;
        advance();
        await flushFinals();
        running--;
        pump();
      })().catch(fail);
    };
    try {
      advance();
      void flushFinals()
        .then(() => pump())
        .catch(fail);
    } catch (err) {
      fail(err);
    }
  });
}
