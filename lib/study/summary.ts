/**
 * What a finished (or interrupted) study amounts to: counts, the Pareto front of its feasible trials, and
 * the hypervolume of that front measured as the problem prescribes.
 */
import { hypervolume, normalisePoints, paretoFront, type HypervolumeSpec } from '../pareto.js';

export type { HypervolumeSpec };
import type { Genome } from '../space/genome.js';
import { isFeasible, minimisedObjectives, type FinishedTrial, type Objective } from '../trial/index.js';

/** One point of the front. */
export interface FrontEntry {
  readonly number: number;
  readonly key: string;
  readonly genome: Genome;
  readonly metrics: Readonly<Record<string, number>>;
}

/** The summary written to `summary.json`. */
export interface StudySummary {
  readonly trials: number;
  readonly complete: number;
  readonly infeasible: number;
  readonly failed: number;
  /** Trials stopped on a low training budget by multi-fidelity evaluation: never on the front (not complete). */
  readonly pruned: number;
  readonly objectives: readonly Objective[];
  readonly pareto: readonly FrontEntry[];
  readonly hypervolume: number | null;
  readonly hypervolumeSpec: HypervolumeSpec | null;
  /** What makes the figures doubtful, e.g. a metric beyond the ideal point of the normalisation. */
  readonly warnings: readonly string[];
}

/**
 * Points beyond the ideal of a normalisation: a metric outside the range the problem declares (an edited
 * journal, a broken evaluator) would inflate the normalised hypervolume silently.
 */
function rangeWarnings(trials: readonly FinishedTrial[], points: readonly number[][], objectives: readonly Objective[], spec: HypervolumeSpec | null): string[] {
  if (!spec?.ideal || !spec.nadir) return [];
  const out: string[] = [];
  points.forEach((p, i) => {
    objectives.forEach((o, k) => {
      const span = Math.abs(spec.nadir![k] - spec.ideal![k]) || 1;
      if (p[k] < spec.ideal![k] - 1e-9 * span) {
        const shown = o.direction === 'minimize' ? spec.ideal![k] : -spec.ideal![k];
        out.push(`trial #${trials[i].number}: ${o.metric} ${trials[i].metrics[o.metric]} lies beyond the best value the hypervolume normalisation allows (${shown}); the hypervolume is not comparable (an edited journal or a broken evaluator?)`);
      }
    });
  });
  return out.slice(0, 10);
}

/** Hypervolume of the feasible trials' objective points under `spec`. */
export function studyHypervolume(trials: readonly FinishedTrial[], objectives: readonly Objective[], spec: HypervolumeSpec): number {
  const pts = trials.filter((t) => isFeasible(t, objectives)).map((t) => minimisedObjectives(t, objectives));
  return hypervolume(normalisePoints(pts, spec), spec.reference);
}

/** Summarises finished trials. */
export function summarizeTrials(
  trials: readonly FinishedTrial[],
  objectives: readonly Objective[],
  spec: HypervolumeSpec | null,
): StudySummary {
  const feasible = trials.filter((t) => isFeasible(t, objectives));
  const points = feasible.map((t) => minimisedObjectives(t, objectives));
  const front = paretoFront(points)
    .map((i) => feasible[i])
    .sort((a, b) => a.number - b.number);
  // One entry per distinct design: repeats of a genome add nothing to the front.
  const seen = new Set<string>();
  const pareto = front
    .filter((t) => (seen.has(t.key) ? false : (seen.add(t.key), true)))
    .map((t) => ({ number: t.number, key: t.key, genome: t.genome, metrics: t.metrics }));
  return {
    trials: trials.length,
    complete: trials.filter((t) => t.status === 'complete').length,
    infeasible: trials.filter((t) => t.status === 'infeasible').length,
    failed: trials.filter((t) => t.status === 'failed').length,
    pruned: trials.filter((t) => t.status === 'pruned').length,
    objectives,
    pareto,
    hypervolume: spec ? hypervolume(normalisePoints(points, spec), spec.reference) : null,
    hypervolumeSpec: spec,
    warnings: rangeWarnings(feasible, points, objectives, spec),
  };
}
