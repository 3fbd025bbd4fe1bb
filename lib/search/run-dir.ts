/**
 * Run directories: where a search keeps its journal and summary. Opening one checks, before any work,
 * that it can be written, that a new run does not overwrite an old one, and that a resume has something to resume.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HwnasError } from '../errors.js';
import { JournalStorage } from '../study/journal-storage.js';

/** A timestamped default run directory under `runs/`. */
export function defaultRunDir(label: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.join('runs', `${label}-${stamp}`);
}

/** Checks that a run directory can be used, without creating anything. */
export function checkRunDir(dir: string, resume: boolean): void {
  const hasJournal = JournalStorage.exists(dir);
  if (resume && !hasJournal) {
    throw new HwnasError('INPUT_NO_RUN', `--resume: ${dir} holds no journal to resume (run without --resume to start it)`);
  }
  if (!resume && hasJournal) {
    throw new HwnasError('RUN_EXISTS', `${dir} already holds a search; add --resume to continue it, or choose another --out`);
  }
  // The nearest existing ancestor must be a writable directory.
  let probe = path.resolve(dir);
  while (!fs.existsSync(probe)) probe = path.dirname(probe);
  const st = fs.statSync(probe);
  if (!st.isDirectory()) throw new HwnasError('INPUT_UNWRITABLE', `cannot create ${dir}: ${probe} is a file`);
  try {
    fs.accessSync(probe, fs.constants.W_OK);
  } catch {
    throw new HwnasError('INPUT_UNWRITABLE', `cannot write to ${probe} (needed for ${dir})`);
  }
}

export { writeJsonAtomic } from '../fs-atomic.js';
