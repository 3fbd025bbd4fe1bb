/**
 * The lock of a run directory: a file created exclusively (`wx`) holding who took it — host, PID and the
 * process's start time — so a second search in the same directory is refused while the first lives.
 *
 * A PID alone is not an identity: after a crash or `kill -9` the PID can be reused by an unrelated process,
 * which would then "hold" the lock for as long as it lives. Linux gives each process a start time (field 22 of
 * /proc/<pid>/stat, in clock ticks since boot; proc(5)), and the pair (PID, start time) does not repeat within a
 * boot. So a lock is stale, and taken over with a warning, when its host is this one and its process is gone or
 * has another start time. A lock from another host (a shared file system) cannot be checked from here: it is
 * refused with the way out, `--force-unlock` ({@link forceUnlock}).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HwnasError } from '../errors.js';

/** What a lock file holds (one JSON object). */
export interface LockOwner {
  readonly host: string;
  readonly pid: number;
  /** Start time of the process (/proc/<pid>/stat field 22), or null where /proc is not available. */
  readonly start: string | null;
}

/** The start time of process `pid` from /proc/<pid>/stat, or null if it is gone or /proc is absent. */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 2 (comm) is in parentheses and may hold spaces or ')': the fields after it start after the LAST ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field 22 (starttime) is rest[19].
  return rest[19] ?? null;
}

/** Whether a process with this PID exists (EPERM: it exists but belongs to another user). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process as a lock owner. */
export function currentOwner(): LockOwner {
  return { host: os.hostname(), pid: process.pid, start: processStartTime(process.pid) };
}

/** Parses a lock file's text: the JSON owner, or a bare PID (locks written before hosts and start times). */
export function parseLock(text: string): LockOwner | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { host: os.hostname(), pid: Number(t), start: null };
  try {
    const o = JSON.parse(t) as Partial<LockOwner>;
    if (typeof o.host === 'string' && Number.isInteger(o.pid) && (o.pid as number) > 0) {
      return { host: o.host, pid: o.pid as number, start: typeof o.start === 'string' ? o.start : null };
    }
  } catch {
    // unreadable: treated as stale below
  }
  return null;
}

function describe(o: LockOwner): string {
  return `process ${o.pid} on ${o.host}${o.start !== null ? ` (started at tick ${o.start})` : ''}`;
}

/**
 * Whether the owner still holds the lock: 'held', 'stale' (gone, or its PID now belongs to another program),
 * or 'unknown' (another host: cannot be checked from here).
 */
export function ownerState(o: LockOwner): 'held' | 'stale' | 'unknown' {
  if (o.host !== os.hostname()) return 'unknown';
  if (o.pid === process.pid) return 'stale';
  if (!pidAlive(o.pid)) return 'stale';
  if (o.start === null) return 'held';
  const now = processStartTime(o.pid);
  // No /proc here (not Linux): the PID is alive, so assume it is the owner.
  if (now === null) return 'held';
  return now === o.start ? 'held' : 'stale';
}

/**
 * Takes the lock file `lockPath` for this process. A stale lock is taken over with a warning; a live one is
 * an HwnasError `RUN_LOCKED` naming the holder and the way out.
 */
export function takeLock(lockPath: string, warn: (m: string) => void): void {
  const dir = path.dirname(lockPath);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, `${JSON.stringify(currentOwner())}\n`);
      fs.closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let text: string;
    try {
      text = fs.readFileSync(lockPath, 'utf8');
    } catch (err) {
      // Released between our open and read: try again.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const owner = parseLock(text);
    // An empty file is a lock being written right now by a racing process: give it a moment.
    if (owner === null && text.trim() === '' && attempt < 2) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      continue;
    }
    const state = owner === null ? 'stale' : ownerState(owner);
    if (state === 'held') {
      throw new HwnasError(
        'RUN_LOCKED',
        `run directory ${dir} is in use by ${describe(owner!)}; wait for it to finish or stop that process ` +
          `(kill ${owner!.pid}), then add --resume`,
      );
    }
    if (state === 'unknown') {
      throw new HwnasError(
        'RUN_LOCKED',
        `run directory ${dir} is locked by ${describe(owner!)}, another host, whose process cannot be checked from here; ` +
          `if no search runs there, add --force-unlock`,
      );
    }
    warn(`taking over a stale lock in ${dir}: ${owner === null ? 'unreadable lock file' : `${describe(owner)} is no longer running`}`);
    releaseLock(lockPath);
  }
  throw new HwnasError('RUN_LOCKED', `could not take the lock ${lockPath}`);
}

/** Removes a lock file (missing is fine). */
export function releaseLock(lockPath: string): void {
  fs.rmSync(lockPath, { force: true });
}

/**
 * `--force-unlock`: removes the lock of run directory lock file `lockPath` whoever holds it (e.g. a search on
 * another host that is known to be dead), with a warning naming the holder. Returns whether there was one.
 */
export function forceUnlock(lockPath: string, warn: (m: string) => void): boolean {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const owner = parseLock(text);
  if (owner !== null && ownerState(owner) === 'held') {
    warn(`--force-unlock: removing the lock of ${describe(owner)}, which is STILL RUNNING; two searches now write ${path.dirname(lockPath)}`);
  } else {
    warn(`--force-unlock: removing the lock in ${path.dirname(lockPath)}${owner ? ` held by ${describe(owner)}` : ''}`);
  }
  releaseLock(lockPath);
  return true;
}
