/**
 * A search on a problem (a registered benchmark — nb201, ZDT, DTLZ — or the user's own, defined in code or
 * read from a table): study + strategy + problem evaluator on the one run skeleton, journaled in a run
 * directory, resumable, ending with summary.json.
 */
import { HwnasError } from '../errors.js';
import type { StudySummary } from '../study/summary.js';
import { ProblemEvaluator, type Problem } from '../../problems/problem.js';
import { problemByName } from '../../problems/index.js';
import { loadProblemFile } from '../../problems/define.js';
import { tableProblem } from '../../problems/table.js';
import { studyHypervolume } from '../study/summary.js';
import type { SearchConfig } from '../config.js';
import type { ProgressSinkFactory } from './progress.js';
import { runStudy } from './run-study.js';

/** The problem a configuration names (a registered one, a module or a table), or null for the joint search. */
export async function problemOfConfig(c: SearchConfig): Promise<Problem | null> {
  if (c.problem !== undefined) return problemByName(c.problem);
  if (c.problemFile !== undefined) return loadProblemFile(c.problemFile, 'problemFile');
  if (c.table !== undefined) return tableProblem(c.table);
  return null;
}

/** A validated problem search. */
export interface ProblemSearchOptions {
  readonly problem: Problem;
  readonly strategy: { readonly name: string; readonly options: Record<string, unknown> };
  readonly trials?: number;
  readonly minutes?: number;
  readonly seed: number;
  readonly out: string;
  readonly resume: boolean;
  /** Where progress goes (default: nowhere). */
  readonly progress?: ProgressSinkFactory;
  readonly signal?: AbortSignal;
  /** The whole validated configuration, kept in the run so --resume can rebuild it. */
  readonly config?: SearchConfig;
}

/** Runs (or resumes) a problem search to its termination and writes `summary.json`. */
export async function runProblemSearch(c: ProblemSearchOptions): Promise<StudySummary> {
  const problem = c.problem;
  const hvSpec = problem.hypervolume;
  let lastHv = 0;
  const { summary } = await runStudy({
    dir: c.out,
    resume: c.resume,
    create: {
      space: problem.space,
      objectives: problem.objectives,
      constraints: problem.constraints,
      strategy: c.strategy,
      seed: c.seed,
      meta: { kind: 'problem', problem: problem.name, ...(problem.source ? { source: problem.source } : {}), hypervolume: hvSpec, config: c.config },
    },
    checkResumed: (study) => {
      if (study.record.meta.problem !== problem.name) {
        throw new HwnasError('INPUT_RESUME_CONFLICT', `${c.out} is a search on "${String(study.record.meta.problem)}", not "${problem.name}"`);
      }
      const was = study.record.meta.source as { digest?: string } | undefined;
      if (was?.digest !== undefined && was.digest !== problem.source?.digest) {
        throw new HwnasError('INPUT_RESUME_CONFLICT', `${c.out}: problem "${problem.name}" changed since the run started (digest ${was.digest}, now ${problem.source?.digest ?? 'none'})`);
      }
    },
    evaluator: () => new ProblemEvaluator(problem),
    termination: { trials: c.trials, minutes: c.minutes },
    signal: c.signal,
    label: (study) => `search ${problem.name}/${study.strategyName}`,
    progress: c.progress,
    opening: (study) =>
      c.resume ? `resuming ${c.out}: ${study.trialCounts().finished} trials finished, ${study.trialCounts().running} to re-run` : '',
    fields: (p, study): Record<string, string | number> => {
      // Hypervolume over all trials is cheap for these problems, but not free: refresh every 10 trials.
      if (hvSpec && (p.finished % 10 === 0 || p.finished === p.total)) lastHv = studyHypervolume(study.finishedTrials(), study.objectives, hvSpec);
      return hvSpec ? { feasible: p.feasible, hv: lastHv.toFixed(4) } : { feasible: p.feasible };
    },
    hypervolume: () => hvSpec,
    summaryExtra: () => ({ problem: problem.name }),
  });
  return summary;
}
