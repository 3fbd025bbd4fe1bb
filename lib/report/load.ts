/**
 * Reading a run directory for a report, read-only: the journal is parsed without taking its lock (a search
 * may still be appending to it), so this never repairs anything; a torn last line is skipped with a warning.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { HwnasError } from '../errors.js';
import type { StudyRecord } from '../study/events.js';
import { finishedOf, readJournalFile, replayTrials, studyRecordOf } from '../study/journal.js';
import type { HypervolumeSpec } from '../study/summary.js';
import type { FinishedTrial } from '../trial/index.js';

/** A run as the report sees it. */
export interface LoadedRun {
  /** The run directory, as given. */
  readonly dir: string;
  /** "strategy (seed N)": how the run is named in plots and tables. */
  readonly label: string;
  readonly record: StudyRecord;
  /** Finished trials (any status), in trial-number order. */
  readonly trials: readonly FinishedTrial[];
  /** Trials asked but without a result yet (a search still running, or killed). */
  readonly running: number;
  /** The hypervolume measure of the run's meta, when it declares a valid one. */
  readonly hypervolume: HypervolumeSpec | null;
}

/** Options of {@link loadRun}. */
export interface LoadOptions {
  /** Called with warnings (torn last line, ignored meta). Default: stderr. */
  readonly warn?: (message: string) => void;
}

const hvSchema = z.object({
  reference: z.array(z.number()),
  ideal: z.array(z.number()).optional(),
  nadir: z.array(z.number()).optional(),
});

/** Loads run directory `dir` for a report. Throws HwnasError `INPUT_NO_RUN` / `INPUT_BAD_RUN` for unusable input. */
export function loadRun(dir: string, options: LoadOptions = {}): LoadedRun {
  const warn = options.warn ?? ((m: string) => process.stderr.write(`hwnas: warning: ${m}\n`));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new HwnasError('INPUT_NO_RUN', `${dir} is not a directory`);
  const { file, events, torn, tornBytes } = readJournalFile(dir);
  if (torn) warn(`${file}: the last line (${tornBytes} bytes) is torn (an interrupted or ongoing write); skipping it`);
  const record = studyRecordOf(events, file);
  const trials = replayTrials(events, file);
  const finished = finishedOf(trials);
  let hypervolume: HypervolumeSpec | null = null;
  if (record.meta.hypervolume !== undefined && record.meta.hypervolume !== null) {
    const r = hvSchema.safeParse(record.meta.hypervolume);
    const n = record.objectives.length;
    const ok = r.success && r.data.reference.length === n && (r.data.ideal?.length ?? n) === n && (r.data.nadir?.length ?? n) === n;
    if (ok) hypervolume = r.data;
    else warn(`${dir}: meta.hypervolume is not a spec for ${n} objectives; ignoring it`);
  }
  return {
    dir,
    label: `${record.strategy.name} (seed ${record.seed})`,
    record,
    trials: finished,
    running: trials.length - finished.length,
    hypervolume,
  };
}
