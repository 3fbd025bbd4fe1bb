/**
 * Benchmark problems behind one interface, so strategies can be compared without training, and an
 * Evaluator over any Problem.
 */
import type { EvalRequest, EvaluateOptions, Evaluator } from '../lib/eval/evaluator.js';
import type { Genome } from '../lib/space/genome.js';
import type { SearchSpace } from '../lib/space/search-space.js';
import type { HypervolumeSpec } from '../lib/pareto.js';
import { constraintViolations, totalViolation, type Constraint, type Objective, type TrialResult } from '../lib/trial/index.js';

export type { HypervolumeSpec };

/** A benchmark problem: a space, objectives, optional constraints, and a cheap evaluation. */
export interface Problem {
  readonly name: string;
  readonly space: SearchSpace;
  readonly objectives: readonly Objective[];
  readonly constraints: readonly Constraint[];
  /** How the summary measures hypervolume; null when the problem has no normalisation of its own. */
  readonly hypervolume: HypervolumeSpec | null;
  /** Where a user's problem came from (file and digest), so a resumed run checks it did not change. */
  readonly source?: ProblemSource;
  /** The metrics of a genome (objectives by name, plus extras); may be async (e.g. a measurement). */
  evaluate(genome: Genome): Record<string, number> | Promise<Record<string, number>>;
}

/** A built-in benchmark problem: synchronous, with its own hypervolume normalisation. */
export interface BenchmarkProblem extends Problem {
  readonly hypervolume: HypervolumeSpec;
  evaluate(genome: Genome): Record<string, number>;
}

/** Origin of a user's problem. */
export interface ProblemSource {
  readonly kind: 'module' | 'table';
  readonly file: string;
  /** sha256 of the file's bytes (hex, 16 digits). */
  readonly digest: string;
}

/** An Evaluator that runs a Problem in-process. */
export class ProblemEvaluator implements Evaluator {
  constructor(private readonly problem: Problem) {}

  async evaluate(requests: readonly EvalRequest[], options: EvaluateOptions = {}): Promise<TrialResult[]> {
    const out: TrialResult[] = [];
    for (let i = 0; i < requests.length; i++) {
      options.signal?.throwIfAborted();
      const t0 = performance.now();
      let metrics: Record<string, number>;
      try {
        metrics = await this.problem.evaluate(requests[i].genome);
        if (typeof metrics !== 'object' || metrics === null) throw new Error(`evaluate returned ${String(metrics)}, not an object of metrics`);
      } catch (err) {
        // A user's evaluate that throws fails its trial, with the reason; the search goes on.
        const result: TrialResult = { status: 'failed', metrics: {}, violations: {}, error: err instanceof Error ? err.message : String(err), failure: 'evaluator' };
        out.push(result);
        await options.onResult?.(i, result);
        continue;
      }
      const violations = constraintViolations(this.problem.constraints, metrics);
      const result: TrialResult = {
        status: totalViolation(violations) > 0 ? 'infeasible' : 'complete',
        metrics,
        violations,
        timings: { evaluate: performance.now() - t0 },
      };
      out.push(result);
      await options.onResult?.(i, result);
    }
    return out;
  }
}
