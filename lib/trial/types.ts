/**
 * Objectives, constraints and trial records: what a Study keeps and a Strategy learns from.
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

/** Why a trial failed, as a closed set (training and evaluation failures alike). */
export const FAILURE_REASONS = ['nan', 'aborted', 'oom', 'crash', 'input', 'evaluator'] as const;
/** One failure reason. */
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Whether `x` is a failure reason. */
export function isFailureReason(x: unknown): x is FailureReason {
  return typeof x === 'string' && (FAILURE_REASONS as readonly string[]).includes(x);
}

/** What an evaluator measures for one genome. */
export interface TrialResult {
  readonly status: Exclude<TrialStatus, 'running'>;
  /** Measured metrics: objectives, hardware figures, anything worth keeping. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Normalised excess per constraint: ≤ 0 satisfied, > 0 violated by that fraction of the bound. */
  readonly violations: Readonly<Record<string, number>>;
  /** Why a failed trial failed, in words. */
  readonly error?: string;
  /** Why a failed trial failed, as a code (what the words say, for programs). */
  readonly failure?: FailureReason;
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
