/**
 * The Evaluator contract: measures genomes, never proposes or stores. A Study hands it requests and journals
 * what comes back.
 */
import type { Genome } from '../space/genome.js';
import type { TrialResult } from '../trial/index.js';

/** One genome to evaluate, with the trial it belongs to and that trial's seed label. */
export interface EvalRequest {
  readonly genome: Genome;
  readonly trialNumber: number;
  /** Seed label for anything random in the evaluation (weight init, data order), e.g. `1/trial/17`. */
  readonly seed: string;
  /** Ordinal of the ask that proposed the trial (0-based): the cohort of synchronous successive halving. */
  readonly batch?: number;
  /** Multi-fidelity: the rung to train at and its budget as a fraction of the full training (absent: full). */
  readonly fidelity?: { readonly rung: number; readonly budget: number };
}

/**
 * One rung of one trial (multi-fidelity evaluation, lib/eval/fidelity): what training at `budget` measured.
 * Journaled as soon as it ends, so a resumed search reuses it instead of training it again.
 */
export interface RungRecord {
  readonly number: number;
  /** The ask ordinal of the trial (its cohort). */
  readonly batch: number;
  readonly rung: number;
  /** Fraction of the full training budget. */
  readonly budget: number;
  readonly result: TrialResult;
}

/** Options of one evaluate call. */
export interface EvaluateOptions {
  readonly signal?: AbortSignal;
  /** Called as soon as each request finishes, so a study can journal it before the batch ends. */
  readonly onResult?: (index: number, result: TrialResult) => void | Promise<void>;
  /** Multi-fidelity: every rung finished so far in the study (a resumed search reuses them). */
  readonly history?: readonly RungRecord[];
  /** Multi-fidelity: called as soon as a rung of a trial ends, before any decision depends on it (journal it). */
  readonly onRung?: (record: RungRecord) => void | Promise<void>;
}

/** Something that measures genomes. Results are in request order. */
export interface Evaluator {
  evaluate(requests: readonly EvalRequest[], options?: EvaluateOptions): Promise<TrialResult[]>;
  /** Release workers and other resources. */
  close?(): Promise<void>;
}
