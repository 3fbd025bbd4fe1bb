/**
 * End to end from the command line: `hwnas worker` and `hwnas search --redis` as separate processes, one tiny
 * training (seed 1, random strategy: trials 0 and 1 are infeasible and end in stage 1, trial 2 is trained).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, SECRET, startRedis, startWorker, type RedisServer, type WorkerProcess } from './redis-fixtures/redis-server.js';

let redis: RedisServer;
let worker: WorkerProcess;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await worker?.kill9();
  await redis?.stop();
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, HWNAS_QUEUE_SECRET: SECRET } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

it('hwnas search --redis trains on a hwnas worker process and records the worker with the trial', async () => {
  worker = startWorker(redis.url, ['--id', 'box-a']);
  await worker.waitFor(/serving queue/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-redis-search-'));
  const config = path.join(dir, 'tiny.json');
  fs.writeFileSync(config, JSON.stringify({ training: { epochs: 1, trainSubset: 128, valSubset: 100 }, strategy: { name: 'random' }, seed: 1 }));
  const out = path.join(dir, 'run');
  const r = await run(['search', '--config', config, '--redis', redis.url, '--trials', '3', '--workers', '1', '--out', out, '--quiet']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const events = fs.readFileSync(path.join(out, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  // The run's configuration keeps the executor (for --resume) and its queue identity, never a secret.
  const created = events[0];
  expect(created.study.meta.config.executor).toMatchObject({ kind: 'redis', url: redis.url, runId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  expect(JSON.stringify(created)).not.toContain(SECRET);
  const results = events.filter((e) => e.type === 'result');
  expect(results.map((e) => e.number)).toEqual([0, 1, 2]);
  const trained = results.filter((e) => e.result.timings?.train !== undefined);
  expect(trained).toHaveLength(1);
  expect(trained[0].result.extra).toMatchObject({ worker: 'box-a', backend: expect.stringMatching(/^(wasm|tfjs-node|cpu)/) });
  expect(trained[0].result.metrics.accuracy).toBeGreaterThanOrEqual(0);
  expect(fs.existsSync(path.join(out, 'models/trial-2'))).toBe(true);
  // The queue held only work in flight: nothing is left.
  const u = new URL(redis.url);
  const q = new Queue('hwnas', { connection: { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null } });
  expect(await q.getJobCounts('waiting', 'active', 'completed', 'failed')).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0 });
  await q.close();
});

it('hwnas search --redis without the shared secret stops before any work, saying what to set', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-redis-search-'));
  const c = spawn(process.execPath, [BIN, 'search', '--redis', redis.url, '--trials', '2', '--out', path.join(dir, 'run'), '--quiet'], {
    env: { ...process.env, HWNAS_QUEUE_SECRET: '' },
  });
  let stderr = '';
  c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise((r) => c.once('exit', r));
  expect(code).toBe(2);
  expect(stderr).toMatch(/\$HWNAS_QUEUE_SECRET is not set/);
});
