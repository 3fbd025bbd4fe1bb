/**
 * Benchmark problems behind one interface, so strategies can be compared without training, and an
 * Evaluator over any Problem.
 */
import type { EvalRequest, EvaluateOptions, Evaluator } from '../lib/eval/evaluator.js';
import type { Genome } from '../lib/space/genome.js';
import type { SearchSpace } from '../lib/space/search-space.js';
import type { HypervolumeSpec } from '../lib/study/summary.js';
import { constraintViolations, totalViolation, type Constraint, type Objective, type TrialResult } from '../lib/trial/index.js';

export type { HypervolumeSpec };

/** A benchmark problem: a space, objectives, optional constraints, and a cheap evaluation. */
export interface Problem {
  readonly name: string;
  readonly space: SearchSpace;
  readonly objectives: readonly Objective[];
  readonly constraints: readonly Constraint[];
  readonly hypervolume: HypervolumeSpec;
  /** The metrics of a genome (objectives by name, plus extras). */
  evaluate(genome: Genome): Record<string, number>;
}

/** An Evaluator that runs a Problem in-process. */
export class ProblemEvaluator implements Evaluator {
  constructor(private readonly problem: Problem) {}

  async evaluate(requests: readonly EvalRequest[], options: EvaluateOptions = {}): Promise<TrialResult[]> {
    const out: TrialResult[] = [];
    for (let i = 0; i < requests.length; i++) {
      options.signal?.throwIfAborted();
      const t0 = performance.now();
      const metrics = this.problem.evaluate(requests[i].genome);
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
