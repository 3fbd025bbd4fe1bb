/**
 * Reading a run directory for a report, read-only: the journal is parsed without taking its lock (a search
 * may still be appending to it), so this never repairs anything; a torn last line is skipped with a warning.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { HwnasError } from '../errors.js';
import { JOURNAL_VERSION, type StudyEvent, type StudyRecord } from '../study/events.js';
import type { HypervolumeSpec } from '../study/summary.js';
import type { FinishedTrial, Trial } from '../trial/index.js';

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

/** The journal's events, without repairing it; a torn or unparsable LAST line is skipped with a warning. */
export function readJournal(file: string, warn: (m: string) => void): StudyEvent[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const events: StudyEvent[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    // The element after the last newline has no newline: a write was cut (or is in progress) there.
    const last = lines.slice(i + 1).every((l) => l.trim() === '');
    let event: StudyEvent | null = null;
    try {
      event = JSON.parse(line) as StudyEvent;
    } catch {
      event = null;
    }
    if (event === null || i === lines.length - 1) {
      if (!last) throw new HwnasError('JOURNAL_CORRUPT', `${file}: line ${i + 1} is not valid JSON and is not the last line`);
      warn(`${file}: the last line (${line.length} bytes) is torn (an interrupted or ongoing write); skipping it`);
      break;
    }
    events.push(event);
  }
  return events;
}

/** Loads run directory `dir` for a report. Throws HwnasError `INPUT_NO_RUN` / `INPUT_BAD_RUN` for unusable input. */
export function loadRun(dir: string, options: LoadOptions = {}): LoadedRun {
  const warn = options.warn ?? ((m: string) => process.stderr.write(`hwnas: warning: ${m}\n`));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new HwnasError('INPUT_NO_RUN', `${dir} is not a directory`);
  const file = path.join(dir, 'journal.jsonl');
  if (!fs.existsSync(file)) throw new HwnasError('INPUT_NO_RUN', `${dir} holds no journal.jsonl (is it a run directory?)`);
  const events = readJournal(file, warn);
  const first = events[0];
  if (!first || first.type !== 'create') throw new HwnasError('INPUT_BAD_RUN', `${file} does not start with a create event`);
  if (first.version !== JOURNAL_VERSION) {
    throw new HwnasError('INPUT_BAD_RUN', `${file} is journal version ${first.version}; this hwnas reads ${JOURNAL_VERSION}`);
  }
  const record = first.study;
  // Replay asks and results, as Study.load does, but only into plain records.
  const trials: Trial[] = [];
  for (const e of events) {
    if (e.type === 'ask') for (const t of e.trials) trials[t.number] = { number: t.number, genome: t.genome, key: t.key, status: 'running', startedAt: e.at };
    else if (e.type === 'result') {
      const t = trials[e.number];
      if (!t) throw new HwnasError('INPUT_BAD_RUN', `${file}: result for trial ${e.number}, which was never asked`);
      trials[e.number] = { ...t, ...e.result, finishedAt: e.at };
    }
  }
  const finished = trials.filter((t): t is Trial & FinishedTrial => t !== undefined && t.status !== 'running');
  let hypervolume: HypervolumeSpec | null = null;
  if (record.meta.hypervolume !== undefined) {
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
    running: trials.filter((t) => t !== undefined && t.status === 'running').length,
    hypervolume,
  };
}
