/**
 * A search on a benchmark problem (nb201, ZDT, DTLZ): study + strategy + problem evaluator, journaled in a run
 * directory, resumable, ending with summary.json.
 */
import path from 'node:path';
import { HwnasError } from '../errors.js';
import { JournalStorage } from '../study/journal-storage.js';
import { createStudy, loadStudy, type Study } from '../study/study.js';
import { summarizeTrials, studyHypervolume, type StudySummary } from '../study/summary.js';
import { ProblemEvaluator } from '../../problems/problem.js';
import { problemByName } from '../../problems/index.js';
import { ProgressReporter, type ProgressMode } from '../cli/progress.js';
import { writeJsonAtomic } from './run-dir.js';
import type { SearchConfig } from '../config.js';

/** A validated problem search. */
export interface ProblemSearchConfig {
  readonly problem: string;
  readonly strategy: { readonly name: string; readonly options: Record<string, unknown> };
  readonly trials?: number;
  readonly minutes?: number;
  readonly seed: number;
  readonly out: string;
  readonly resume: boolean;
  readonly progress: ProgressMode;
  /** The whole validated configuration, kept in the run so --resume can rebuild it. */
  readonly config: SearchConfig;
}

/** Opens (resume) or creates the study of a problem search; checks a resumed run matches the request. */
async function openStudy(c: ProblemSearchConfig): Promise<Study> {
  const problem = problemByName(c.problem);
  const storage = JournalStorage.open(c.out);
  try {
    if (!c.resume) {
      return await createStudy({
        space: problem.space,
        objectives: problem.objectives,
        constraints: problem.constraints,
        strategy: c.strategy,
        seed: c.seed,
        meta: { kind: 'problem', problem: problem.name, hypervolume: problem.hypervolume, config: c.config },
        storage,
      });
    }
    const study = await loadStudy(storage);
    if (study.record.meta.problem !== c.problem) {
      throw new HwnasError('INPUT_RESUME_CONFLICT', `${c.out} is a search on "${String(study.record.meta.problem)}", not "${c.problem}"`);
    }
    return study;
  } catch (err) {
    await storage.close();
    throw err;
  }
}

/** Runs (or resumes) a problem search to its termination and writes `summary.json`. */
export async function runProblemSearch(c: ProblemSearchConfig, signal?: AbortSignal): Promise<StudySummary> {
  const problem = problemByName(c.problem);
  const study = await openStudy(c);
  const progress = new ProgressReporter(`search ${problem.name}/${study.strategyName}`, c.progress);
  const hvSpec = problem.hypervolume;
  if (c.resume) progress.message(`resuming ${c.out}: ${study.finishedTrials().length} trials finished, ${study.runningTrials().length} to re-run`);
  let lastHv = 0;
  try {
    await study.optimize({
      evaluator: new ProblemEvaluator(problem),
      termination: { trials: c.trials, minutes: c.minutes },
      signal,
      onProgress: (p) => {
        // Hypervolume over all trials is cheap for these problems, but not free: refresh every 10 trials.
        if (p.finished % 10 === 0 || p.finished === p.total) lastHv = studyHypervolume(study.finishedTrials(), study.objectives, hvSpec);
        progress.update({ done: p.finished, total: p.total, etaMs: p.etaMs, fields: { feasible: p.feasible, hv: lastHv.toFixed(4) } });
      },
    });
  } finally {
    progress.stop();
  }
  const summary = summarizeTrials(study.finishedTrials(), study.objectives, hvSpec);
  writeJsonAtomic(path.join(c.out, 'summary.json'), {
    ...summary,
    problem: problem.name,
    strategy: study.record.strategy,
    seed: study.seed,
  });
  await study.close();
  return summary;
}
