/** The run directory's lock: who holds it (host, PID, start time), stale and reused-PID take-over, --force-unlock. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HwnasError } from '../../lib/errors.js';
import { JournalStorage } from '../../lib/study/journal-storage.js';
import { forceUnlock, parseLock, processStartTime, takeLock } from '../../lib/study/run-lock.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-lock-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A live process that is not a search (stands for an unrelated program that got a reused PID). */
function otherProgram(): number {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}

/** A PID that no process has right now. */
function deadPid(): number {
  for (let pid = 4_000_000; ; pid--) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}

const hasProc = fs.existsSync('/proc/self/stat');

describe('run lock', () => {
  it('records host, PID and process start time, and is released on close', async () => {
    const dir = tmp();
    const s = JournalStorage.open(dir, { warn: () => {} });
    const owner = JSON.parse(fs.readFileSync(path.join(dir, 'journal.lock'), 'utf8'));
    expect(owner).toEqual({ host: os.hostname(), pid: process.pid, start: processStartTime(process.pid) });
    if (hasProc) expect(owner.start).toMatch(/^\d+$/);
    await s.close();
    expect(fs.existsSync(path.join(dir, 'journal.lock'))).toBe(false);
  });

  it('refuses a lock whose process is alive with the recorded start time, naming it', () => {
    const dir = tmp();
    const pid = otherProgram();
    const lock = path.join(dir, 'journal.lock');
    fs.writeFileSync(lock, JSON.stringify({ host: os.hostname(), pid, start: processStartTime(pid) }));
    const err = (() => {
      try {
        takeLock(lock, () => {});
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(HwnasError);
    expect((err as HwnasError).message).toMatch(new RegExp(`in use by process ${pid} on ${os.hostname()}`));
  });

  it.runIf(hasProc)('takes over, with a warning, a lock whose PID now belongs to another program', () => {
    const dir = tmp();
    const pid = otherProgram();
    const lock = path.join(dir, 'journal.lock');
    // The same PID, but the recorded holder started at another time: the PID was reused.
    fs.writeFileSync(lock, JSON.stringify({ host: os.hostname(), pid, start: String(Number(processStartTime(pid)) - 1000) }));
    const warnings: string[] = [];
    takeLock(lock, (m) => warnings.push(m));
    expect(warnings.join('\n')).toMatch(new RegExp(`stale lock.*process ${pid}.*no longer running`));
    expect(parseLock(fs.readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('takes over the lock of a process that is gone (bare-PID locks of older versions too)', () => {
    for (const text of [JSON.stringify({ host: os.hostname(), pid: deadPid(), start: '1' }), String(deadPid())]) {
      const dir = tmp();
      const lock = path.join(dir, 'journal.lock');
      fs.writeFileSync(lock, text);
      const warnings: string[] = [];
      takeLock(lock, (m) => warnings.push(m));
      expect(warnings).toHaveLength(1);
      expect(parseLock(fs.readFileSync(lock, 'utf8'))!.pid).toBe(process.pid);
    }
  });

  it('refuses a lock from another host with the way out, which forceUnlock takes', () => {
    const dir = tmp();
    const lock = path.join(dir, 'journal.lock');
    fs.writeFileSync(lock, JSON.stringify({ host: `not-${os.hostname()}`, pid: 1234, start: '5' }));
    expect(() => takeLock(lock, () => {})).toThrow(/another host.*--force-unlock/);
    const warnings: string[] = [];
    expect(forceUnlock(lock, (m) => warnings.push(m))).toBe(true);
    expect(warnings.join('')).toMatch(/process 1234 on not-/);
    takeLock(lock, () => {});
    expect(parseLock(fs.readFileSync(lock, 'utf8'))!.pid).toBe(process.pid);
    expect(forceUnlock(path.join(dir, 'none.lock'), () => {})).toBe(false);
  });

  it('hwnas search --resume: a foreign lock is refused naming --force-unlock; with it the run continues', async () => {
    const cwd = tmp();
    const bin = path.resolve(import.meta.dirname, '../../bin/hwnas.js');
    const cli = (...args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const c = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        c.stderr.on('data', (d) => (err += d));
        c.on('close', (code) => resolve({ code, err }));
      });
    const args = ['search', '--problem', 'zdt1', '--strategy', 'random', '--seed', '1', '--out', 'run', '--quiet'];
    expect((await cli(...args, '--trials', '20')).code).toBe(0);
    fs.writeFileSync(path.join(cwd, 'run', 'journal.lock'), JSON.stringify({ host: 'elsewhere', pid: 4242, start: '9' }));
    const refused = await cli(...args, '--trials', '30', '--resume');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/locked by process 4242 on elsewhere.*--force-unlock/);
    const forced = await cli(...args, '--trials', '30', '--resume', '--force-unlock');
    expect(forced.err).toMatch(/--force-unlock: removing the lock .* held by process 4242 on elsewhere/);
    expect(forced.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(cwd, 'run', 'summary.json'), 'utf8')).trials).toBe(30);
    expect(fs.existsSync(path.join(cwd, 'run', 'journal.lock'))).toBe(false);
  });
});
