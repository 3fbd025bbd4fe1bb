/**
 * The one meaning of "feasible" and of "trained", used by the Study, the evaluators, the strategies' rewards,
 * the Pareto tools, the summaries, the reports and the export.
 */
import type { FinishedTrial, Objective, TrialResult } from './types.js';
import { minimisedObjectives, totalViolation } from './violations.js';

/**
 * A feasible trial: it completed and meets every constraint. With `objectives`, it must also have measured
 * every one of them (a design without an objective value cannot stand on a front).
 */
export function isFeasible(t: Pick<TrialResult, 'status' | 'violations' | 'metrics'>, objectives?: readonly Objective[]): boolean {
  if (t.status !== 'complete' || totalViolation(t.violations) > 0) return false;
  return objectives === undefined || minimisedObjectives(t, objectives).every(Number.isFinite);
}

/**
 * A trained trial: its child was trained for this trial. A repeat answered from the evaluator's cache
 * (`extra.cached`) reused another trial's training and is not trained again, so budgets of trained children
 * count each training once.
 */
export function wasTrained(t: Pick<FinishedTrial, 'timings' | 'extra'>): boolean {
  return t.timings?.train !== undefined && t.extra?.cached !== true;
}

/** The feasible trial with the highest finite accuracy (the first such on ties), or null: what `--best` picks. */
export function mostAccurateFeasible<T extends Pick<TrialResult, 'status' | 'violations' | 'metrics'>>(trials: Iterable<T>): T | null {
  let best: T | null = null;
  for (const t of trials) {
    const a = t.metrics?.accuracy;
    if (!isFeasible(t) || a === undefined || !Number.isFinite(a)) continue;
    if (!best || a > best.metrics.accuracy) best = t;
  }
  return best;
}
