/**
 * Objectives, constraints and trials: the records a Study keeps and a Strategy learns from.
 */
import type { Genome } from '../space/genome.js';

/** An objective: a metric and whether to minimise or maximise it. */
export interface Objective {
  readonly metric: string;
  readonly direction: 'minimize' | 'maximize';
}

/** A constraint on a metric: `value ≤ max` and/or `value ≥ min`. */
export interface Constraint {
  readonly metric: string;
  readonly max?: number;
  readonly min?: number;
}

/** How a trial ended. `running` only in the journal, between ask and result. */
export type TrialStatus = 'running' | 'complete' | 'infeasible' | 'failed' | 'pruned';

/** What an evaluator measures for one genome. */
export interface TrialResult {
  readonly status: Exclude<TrialStatus, 'running'>;
  /** Measured metrics: objectives, hardware figures, anything worth keeping. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Normalised excess per constraint: ≤ 0 satisfied, > 0 violated by that fraction of the bound. */
  readonly violations: Readonly<Record<string, number>>;
  /** Why a failed trial failed. */
  readonly error?: string;
  /** Wall times of the stages, in ms (e.g. `hardware`, `train`). */
  readonly timings?: Readonly<Record<string, number>>;
  /** Anything else the evaluator wants kept with the trial (JSON-serialisable). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** An immutable trial record: the genome asked and, once finished, its result. */
export interface Trial extends Partial<Omit<TrialResult, 'status'>> {
  /** 0-based, dense, in ask order. */
  readonly number: number;
  readonly genome: Genome;
  readonly key: string;
  readonly status: TrialStatus;
  readonly startedAt: string;
  readonly finishedAt?: string;
}

/** A trial that has a result. */
export type FinishedTrial = Omit<Trial, 'status'> & TrialResult;

/** True when the trial has finished, whatever its outcome. */
export function isFinished(t: Trial): t is Trial & FinishedTrial {
  return t.status !== 'running';
}

/** Normalised violation of each constraint for `metrics`; a missing metric counts as violated by 1. */
export function constraintViolations(
  constraints: readonly Constraint[],
  metrics: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of constraints) {
    const v = metrics[c.metric];
    if (v === undefined || !Number.isFinite(v)) {
      out[c.metric] = 1;
      continue;
    }
    let excess = -Infinity;
    if (c.max !== undefined) excess = Math.max(excess, (v - c.max) / Math.max(Math.abs(c.max), 1e-12));
    if (c.min !== undefined) excess = Math.max(excess, (c.min - v) / Math.max(Math.abs(c.min), 1e-12));
    out[c.metric] = excess === -Infinity ? 0 : excess;
  }
  return out;
}

/** Sum of the positive violations: 0 for a feasible trial (Deb's constraint violation). */
export function totalViolation(violations: Readonly<Record<string, number>> | undefined): number {
  let s = 0;
  for (const v of Object.values(violations ?? {})) if (v > 0) s += v;
  return s;
}

/** Objective values of a finished trial in minimisation form (maximised metrics negated); NaN when missing. */
export function minimisedObjectives(t: { metrics?: Readonly<Record<string, number>> }, objectives: readonly Objective[]): number[] {
  return objectives.map((o) => {
    const v = t.metrics?.[o.metric];
    if (v === undefined) return NaN;
    return o.direction === 'minimize' ? v : -v;
  });
}
