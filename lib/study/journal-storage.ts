/**
 * JournalStorage: one JSON line per event in `<dir>/journal.jsonl`, fsync'd for finished trials and tells,
 * so a search killed with SIGKILL loses nothing it had finished. A lock file keeps a second process out;
 * a torn last line (a write cut by the kill) is detected, reported and cut off before new appends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HwnasError } from '../errors.js';
import type { StoredSnapshot, StudyEvent, StudyStorage } from './events.js';
import { journalFile, parseJournal, RUN_FILES } from './journal.js';
import { releaseLock, takeLock } from './run-lock.js';

/** Options of {@link JournalStorage.open}. */
export interface JournalOptions {
  /** Called with warnings (torn line skipped, stale lock taken over). Default: stderr. */
  readonly warn?: (message: string) => void;
}

export class JournalStorage implements StudyStorage {
  readonly location: string;
  private fd: number | null;
  private readonly lockPath: string;
  private events: StudyEvent[];

  private constructor(file: string, fd: number, lockPath: string, events: StudyEvent[]) {
    this.location = file;
    this.fd = fd;
    this.lockPath = lockPath;
    this.events = events;
  }

  /** The journal file of a run directory. */
  static file(dir: string): string {
    return journalFile(dir);
  }

  /** Whether `dir` holds a journal. */
  static exists(dir: string): boolean {
    return fs.existsSync(JournalStorage.file(dir));
  }

  /**
   * Opens (creating if needed) the journal of run directory `dir` and takes its lock.
   * Throws HwnasError `RUN_LOCKED` when another live process holds it, `RUN_UNWRITABLE` when `dir` can't be written.
   */
  static open(dir: string, options: JournalOptions = {}): JournalStorage {
    const warn = options.warn ?? ((m: string) => process.stderr.write(`hwnas: warning: ${m}\n`));
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
    } catch (err) {
      throw new HwnasError('RUN_UNWRITABLE', `cannot write to run directory ${dir}: ${(err as Error).message}`);
    }
    const lockPath = path.join(dir, RUN_FILES.lock);
    takeLock(lockPath, warn);
    const file = JournalStorage.file(dir);
    try {
      const events = JournalStorage.readAndRepair(file, warn);
      const fd = fs.openSync(file, 'a');
      return new JournalStorage(file, fd, lockPath, events);
    } catch (err) {
      releaseLock(lockPath);
      throw err;
    }
  }

  /** Parses the journal (lib/study/journal.ts); a torn LAST line is cut off with a warning, damage elsewhere is an error. */
  private static readAndRepair(file: string, warn: (m: string) => void): StudyEvent[] {
    let text: string;
    try {
      if (!fs.statSync(file).isFile()) throw new HwnasError('INPUT_BAD_RUN', `${file} is not a file`);
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const parsed = parseJournal(text, file);
    if (parsed.torn) {
      warn(`${file}: the last line (${parsed.tornBytes} bytes) was torn by an interrupted write; skipping it, its trial will run again`);
      fs.truncateSync(file, parsed.goodBytes);
    }
    return parsed.events;
  }

  async read(): Promise<StudyEvent[]> {
    return this.events.slice();
  }

  async append(event: StudyEvent, durable: boolean): Promise<void> {
    if (this.fd === null) throw new HwnasError('JOURNAL_CLOSED', `journal ${this.location} is closed`);
    // One write per line: a kill can tear at most the line being written.
    fs.writeSync(this.fd, JSON.stringify(event) + '\n');
    if (durable) fs.fsyncSync(this.fd);
    this.events.push(event);
  }

  /** The strategy snapshot file of a run directory. */
  static snapshotFile(dir: string): string {
    return path.join(dir, RUN_FILES.snapshot);
  }

  async writeSnapshot(stored: StoredSnapshot): Promise<void> {
    const file = JournalStorage.snapshotFile(path.dirname(this.location));
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify(stored));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    // rename is atomic: a kill leaves either the previous snapshot or this one, never half of one.
    fs.renameSync(tmp, file);
  }

  async readSnapshot(): Promise<StoredSnapshot | null> {
    const file = JournalStorage.snapshotFile(path.dirname(this.location));
    if (!fs.existsSync(file)) return null;
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as StoredSnapshot;
    } catch (err) {
      throw new HwnasError('SNAPSHOT_CORRUPT', `${file} is not valid JSON (${(err as Error).message}); delete it to replay the journal from the start`);
    }
  }

  async close(): Promise<void> {
    if (this.fd === null) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
    releaseLock(this.lockPath);
  }
}
