/**
 * The one run skeleton shared by the problem search, the joint search and the baselines' phases: open the run
 * directory's journal, create the study or resume it, optimise until the termination holds, report progress
 * through the sink, and write `summary.json`.
 */
import path from 'node:path';
import type { Evaluator } from '../eval/evaluator.js';
import { JournalStorage } from '../study/journal-storage.js';
import { createStudy, loadStudy, type Progress, type Study, type StudyOptions } from '../study/study.js';
import { summarizeTrials, type HypervolumeSpec, type StudySummary } from '../study/summary.js';
import type { Termination } from '../study/termination.js';
import { SILENT, type ProgressSinkFactory, type ProgressSink } from './progress.js';
import { writeJsonAtomic } from './run-dir.js';

/** What {@link runStudy} needs. */
export interface RunStudyOptions {
  /** The run directory (journal, snapshot, summary). */
  readonly dir: string;
  readonly resume: boolean;
  /** The study of a new run (everything but its storage). */
  readonly create: Omit<StudyOptions, 'storage'>;
  /** On resume: throws when the stored run is not the one asked for. */
  readonly checkResumed?: (study: Study) => void;
  /** The evaluator, once the study is open (e.g. primed with the finished trials). */
  readonly evaluator: (study: Study) => Evaluator;
  readonly termination: Termination;
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** The job's label for the progress display. */
  readonly label: (study: Study) => string;
  readonly progress?: ProgressSinkFactory;
  /** Figures shown with each progress update. */
  readonly fields?: (p: Progress, study: Study) => Readonly<Record<string, string | number>>;
  /** The first message, once the study is open. */
  readonly opening?: (study: Study) => string;
  /** Hypervolume measure of the summary (null: none). */
  readonly hypervolume: (study: Study) => HypervolumeSpec | null;
  /** More fields for `summary.json`. */
  readonly summaryExtra?: (study: Study, summary: StudySummary) => Record<string, unknown>;
  /** The last message, with the summary. */
  readonly closing?: (study: Study, summary: StudySummary) => string | null;
}

/** Opens the journal of `dir` and creates or resumes its study (the storage is closed again on failure). */
export async function openStudy(dir: string, resume: boolean, create: Omit<StudyOptions, 'storage'>, check?: (s: Study) => void): Promise<Study> {
  const storage = JournalStorage.open(dir);
  try {
    if (!resume) return await createStudy({ ...create, storage });
    const study = await loadStudy(storage, { precheck: create.precheck });
    check?.(study);
    return study;
  } catch (err) {
    await storage.close();
    throw err;
  }
}

/** Runs (or resumes) one study to its termination and writes `summary.json`; returns the summary. */
export async function runStudy(o: RunStudyOptions): Promise<{ readonly summary: StudySummary; readonly study: Study }> {
  const study = await openStudy(o.dir, o.resume, o.create, o.checkResumed);
  let sink: ProgressSink = SILENT;
  try {
    sink = o.progress?.(o.label(study)) ?? SILENT;
    const opening = o.opening?.(study);
    if (opening) sink.message(opening);
    await study.optimize({
      evaluator: o.evaluator(study),
      termination: o.termination,
      concurrency: o.concurrency,
      signal: o.signal,
      // A silent run computes no figures (some, like a hypervolume, are not free).
      onProgress: sink === SILENT ? undefined : (p) => sink.update({ done: p.finished, total: p.total, etaMs: p.etaMs, fields: o.fields?.(p, study) }),
    });
    sink.stop();
    const summary = summarizeTrials(study.finishedTrials(), study.objectives, o.hypervolume(study));
    writeJsonAtomic(path.join(o.dir, 'summary.json'), {
      ...summary,
      strategy: study.record.strategy,
      seed: study.seed,
      ...o.summaryExtra?.(study, summary),
    });
    const closing = o.closing?.(study, summary);
    if (closing) sink.message(closing);
    return { summary, study };
  } finally {
    sink.stop();
    await study.close();
  }
}
