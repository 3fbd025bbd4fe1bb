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
}

/** Options of one evaluate call. */
export interface EvaluateOptions {
  readonly signal?: AbortSignal;
  /** Called as soon as each request finishes, so a study can journal it before the batch ends. */
  readonly onResult?: (index: number, result: TrialResult) => void | Promise<void>;
}

/** Something that measures genomes. Results are in request order. */
export interface Evaluator {
  evaluate(requests: readonly EvalRequest[], options?: EvaluateOptions): Promise<TrialResult[]>;
  /** Release workers and other resources. */
  close?(): Promise<void>;
}
