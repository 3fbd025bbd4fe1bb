/**
 * The one journal reader: parses a run's `journal.jsonl` into validated events, and replays them into trial
 * records. The storage (resume), the report and the export all read runs through here, so a damaged or
 * foreign journal fails the same way everywhere, with the line and what to do about it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { HwnasError } from '../errors.js';
import type { FinishedTrial, Trial } from '../trial/index.js';
import { JOURNAL_VERSION, type StudyEvent, type StudyRecord } from './events.js';

/** File names inside a run directory: only lib/study knows them. */
export const RUN_FILES = { journal: 'journal.jsonl', snapshot: 'strategy-snapshot.json', lock: 'journal.lock' } as const;

/** The journal file of run directory `dir`. */
export function journalFile(dir: string): string {
  return path.join(dir, RUN_FILES.journal);
}

const num = z.number();
// NaN and ±Infinity are written as null by JSON.stringify: a journal may hold them.
const metricsSchema = z.record(z.string(), z.union([num, z.null()]));
const genomeSchema = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]));
const resultSchema = z.looseObject({
  status: z.enum(['complete', 'infeasible', 'failed', 'pruned']),
  metrics: metricsSchema,
  violations: metricsSchema,
  error: z.string().optional(),
  timings: metricsSchema.optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});
const recordSchema = z.looseObject({
  space: z.looseObject({ name: z.string(), genes: z.array(z.unknown()) }),
  objectives: z.array(z.object({ metric: z.string(), direction: z.enum(['minimize', 'maximize']) })).min(1),
  constraints: z.array(z.looseObject({ metric: z.string(), max: num.optional(), min: num.optional() })),
  strategy: z.object({ name: z.string(), options: z.record(z.string(), z.unknown()) }),
  seed: num,
  meta: z.record(z.string(), z.unknown()),
});
const eventSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('create'), version: num, at: z.string(), study: recordSchema }),
  z.looseObject({
    type: z.literal('ask'),
    at: z.string(),
    trials: z.array(z.object({ number: z.number().int().min(0), genome: genomeSchema, key: z.string() })),
  }),
  z.looseObject({ type: z.literal('result'), at: z.string(), number: z.number().int().min(0), result: resultSchema }),
  z.looseObject({
    type: z.literal('rung'),
    at: z.string(),
    number: z.number().int().min(0),
    batch: z.number().int().min(0),
    rung: z.number().int().min(0),
    budget: z.number().gt(0).max(1),
    result: resultSchema,
  }),
  z.looseObject({ type: z.literal('tell'), at: z.string(), seq: z.number().int().min(1), numbers: z.array(z.number().int().min(0)) }),
]);

/** What {@link parseJournal} found. */
export interface ParsedJournal {
  readonly events: StudyEvent[];
  /** Bytes of the valid prefix: a torn last line starts here. */
  readonly goodBytes: number;
  /** Whether the last line was torn (an interrupted or ongoing write) and skipped. */
  readonly torn: boolean;
  /** Bytes of the torn line. */
  readonly tornBytes?: number;
}

function corrupt(file: string, line: number, what: string): HwnasError {
  return new HwnasError(
    'JOURNAL_CORRUPT',
    `${file}: line ${line} ${what}. The journal is append-only: to recover, keep the lines before it ` +
      `(\`head -n ${line - 1} ${file} > fixed.jsonl && mv fixed.jsonl ${file}\`) and resume; the trials after it run again`,
  );
}

/**
 * Parses journal text. A torn or unparsable LAST line is reported as `torn` (a kill cut the write); damage
 * anywhere else, or an event of the wrong shape, is a `JOURNAL_CORRUPT` error naming the line and the way out.
 */
export function parseJournal(text: string, file: string): ParsedJournal {
  const lines = text.split('\n');
  const events: StudyEvent[] = [];
  let goodBytes = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const isLast = i === lines.length - 1; // the element after the last newline: a write cut there
    if (line.trim() === '') {
      if (!isLast) goodBytes += Buffer.byteLength(line, 'utf8') + 1;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    const restEmpty = lines.slice(i + 1).every((l) => l.trim() === '');
    if (parsed === undefined || isLast) {
      if (!restEmpty) throw corrupt(file, i + 1, 'is not valid JSON and is not the last line');
      return { events, goodBytes, torn: true, tornBytes: Buffer.byteLength(line, 'utf8') };
    }
    const r = eventSchema.safeParse(parsed);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw corrupt(file, i + 1, `is not a journal event (${[...issue.path].join('.') || 'event'}: ${issue.message})`);
    }
    if (r.data.type === 'create' && events.length > 0) throw corrupt(file, i + 1, 'is a second create event');
    if (r.data.type === 'create' && r.data.version !== JOURNAL_VERSION) {
      throw new HwnasError('JOURNAL_VERSION', `${file} is journal version ${r.data.version}; this hwnas reads ${JOURNAL_VERSION}`);
    }
    events.push(r.data as StudyEvent);
    goodBytes += Buffer.byteLength(line, 'utf8') + 1;
  }
  return { events, goodBytes, torn: false };
}

/** Reads and parses the journal of run directory `dir` (read-only: nothing is repaired). */
export function readJournalFile(dir: string): ParsedJournal & { readonly file: string } {
  const file = journalFile(dir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new HwnasError('INPUT_NO_RUN', `${dir} holds no ${RUN_FILES.journal} (is it a run directory?)`);
  }
  if (!stat.isFile()) throw new HwnasError('INPUT_BAD_RUN', `${file} is not a file`);
  return { file, ...parseJournal(fs.readFileSync(file, 'utf8'), file) };
}

/** The study record of a journal's create event (every parsed journal with events starts with one). */
export function studyRecordOf(events: readonly StudyEvent[], file: string): StudyRecord {
  const first = events[0];
  if (!first || first.type !== 'create') throw new HwnasError('RUN_EMPTY', `${file} holds no study (no create event)`);
  return first.study;
}

/** The run's identity: a digest of its create event, which a strategy snapshot must carry to be restored. */
export function runIdentity(create: StudyEvent): string {
  return createHash('sha256').update(JSON.stringify(create)).digest('hex').slice(0, 16);
}

/** The trials of a journal, replayed as plain records (running ones included), in number order. */
export function replayTrials(events: readonly StudyEvent[], file: string): Trial[] {
  const trials: Trial[] = [];
  for (const e of events) {
    if (e.type === 'ask') {
      for (const t of e.trials) {
        if (t.number !== trials.length) throw new HwnasError('JOURNAL_CORRUPT', `${file}: trial ${t.number} asked out of order`);
        trials.push({ number: t.number, genome: t.genome, key: t.key, status: 'running', startedAt: e.at });
      }
    } else if (e.type === 'result') {
      const t = trials[e.number];
      if (!t) throw new HwnasError('JOURNAL_CORRUPT', `${file}: result for trial ${e.number}, which was never asked`);
      trials[e.number] = { ...t, ...e.result, finishedAt: e.at };
    }
  }
  return trials;
}

/** Finished trials of a replay. */
export function finishedOf(trials: readonly Trial[]): FinishedTrial[] {
  return trials.filter((t): t is Trial & FinishedTrial => t.status !== 'running');
}
