/**
 * Trials across machines on Redis, with real processes: a redis-server on a free loopback port, `hwnas worker`
 * processes (node bin/hwnas.js, compiled), and the coordinator side (RedisExecutor) in this process or in a child.
 * Tasks are tiny (`ping`, `hardware`) and stall timeouts short, so faults are seen in about a second.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisExecutor } from '../../lib/eval/redis/executor.js';
import { HWNAS_VERSION, jobIdFor, sealJob } from '../../lib/eval/redis/envelope.js';
import { redisExecutorConfigSchema, type RedisExecutorConfig } from '../../lib/eval/redis/options.js';
import { parseSearchConfig } from '../../lib/config.js';
import { ConfigError } from '../../lib/errors.js';
import { JournalStorage } from '../../lib/study/journal-storage.js';
import { presetSpace } from '../../lib/space/index.js';
import { Rng } from '../../lib/rng.js';
import { makeTlsFiles, ROOT, SECRET, startRedis, startWorker, type RedisServer, type WorkerProcess } from './redis-fixtures/redis-server.js';

process.env.HWNAS_QUEUE_SECRET = SECRET;
let redis: RedisServer;
const workers: WorkerProcess[] = [];
const executors: RedisExecutor[] = [];
let runSeq = 0;

function executor(over: Partial<RedisExecutorConfig> = {}, url = redis.url, queue = 'hwnas'): RedisExecutor {
  const config = redisExecutorConfigSchema.parse({ kind: 'redis', url, queue, checkIntervalMs: 100, unreachableTimeoutMs: 10_000, ...over });
  const e = new RedisExecutor({ config, runId: `t${process.pid}r${runSeq++}`, concurrency: 4 });
  executors.push(e);
  return e;
}

function worker(args: string[] = [], env: Record<string, string> = {}, url = redis.url): WorkerProcess {
  const w = startWorker(url, ['--stall-timeout', '1000', ...args], env);
  workers.push(w);
  return w;
}

function queueOf(name = 'hwnas', url = redis.url): Queue {
  const u = new URL(url);
  return new Queue(name, { connection: { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null } });
}

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(executors.splice(0).map((e) => e.close()));
  await Promise.all(workers.splice(0).map((w) => w.kill9()));
});
afterAll(async () => {
  await redis?.stop();
});

describe('Redis executor and hwnas worker', () => {
  describe('one worker serving', () => {
    let shared: WorkerProcess;
    const sharedWorker = async () => {
      if (!shared || shared.child.exitCode !== null) {
        shared = startWorker(redis.url, ['--id', 'w-one', '--concurrency', '2']);
        await shared.waitFor(/serving queue/);
      }
      return shared;
    };
    afterAll(async () => {
      await shared?.kill9();
    });

    it('runs ping and hardware tasks on a worker process; results name the worker; the queue keeps nothing', async () => {
      await sharedWorker();
      const ex = executor();
      const echo = await ex.run('ping', { value: 7 });
      expect(echo.value).toBe(7);
      expect(echo.worker.id).toBe('w-one');
      expect(echo.worker.hwnas).toBe(HWNAS_VERSION);

      // A hardware batch through the queue equals the in-process mapping (of the same build the worker runs).
      const { evaluateBatch, parseHardwareSpec } = (await import(path.join(ROOT, 'dist/hardware/model.js'))) as typeof import('../../hardware/model.js');
      const space = presetSpace('lu2019-mnist');
      const rng = Rng.fromSeed(3);
      const genomes = Array.from({ length: 5 }, () => space.sample(rng));
      const spec = { device: 'ep4ce115', lutBudget: 10_000, minThroughput: 10_000 };
      const remote = await ex.run('hardware', { space: space.toJSON(), genomes, spec });
      expect(remote).toEqual(JSON.parse(JSON.stringify(evaluateBatch(space, genomes, parseHardwareSpec(spec), 'lu2019-pipeline'))));

      const q = queueOf();
      const counts = await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
      await q.close();
      expect(counts).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    });

    it('fails a task whose payload fails validation on the worker, with the reason; a task error likewise', async () => {
      await sharedWorker();
      const ex = executor();
      await expect(ex.run('ping', { delayMs: -5 })).rejects.toThrow(/\[input\] invalid ping payload: ping\.delayMs/);
      await expect(ex.run('hardware', { space: { name: 'x' }, genomes: [], spec: {} })).rejects.toThrow(/invalid hardware payload/);
      await expect(ex.run('ping', { crash: true })).rejects.toThrow(/ping asked to crash \(on worker/);
      // The worker is still serving.
      expect((await ex.run('ping', { value: 'ok' })).value).toBe('ok');
    });

    it('refuses jobs not signed with the shared secret, unknown task names, and data that differs from the coordinator\'s', async () => {
      await sharedWorker();
      const q = queueOf();
      const stray = await q.add('ping', { env: JSON.stringify({ task: 'ping', payload: {} }), sig: 'f'.repeat(64) }, { jobId: 'stray-1' });
      const wrongKey = sealJob('another-secret-0123456789', { hwnas: HWNAS_VERSION, task: 'ping', payload: {}, runId: 'x', jobId: 'stray-2' });
      await q.add('ping', wrongKey, { jobId: 'stray-2' });
      const unknown = sealJob(SECRET, { hwnas: HWNAS_VERSION, task: 'shell', payload: { cmd: 'rm -rf /' }, runId: 'x', jobId: 'stray-3' });
      await q.add('shell', unknown, { jobId: 'stray-3' });
      // A training whose coordinator has another copy of MNIST (digest) fails before it trains.
      const space = presetSpace('lu2019-mnist');
      const train = { space: space.toJSON(), genome: space.sample(Rng.fromSeed(1)), dataset: 'mnist', epochs: 1, trainSubset: 64, valSubset: 100 };
      const otherData = sealJob(SECRET, { hwnas: HWNAS_VERSION, task: 'train', payload: train, runId: 'x', jobId: 'stray-4', datasets: { mnist: '0'.repeat(64) } });
      await q.add('train', otherData, { jobId: 'stray-4' });
      const failed = async (id: string) => {
        for (;;) {
          const j = await q.getJob(id);
          if (j && (await j.getState()) === 'failed') return j.failedReason;
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      expect(stray.id).toBe('stray-1');
      expect(await failed('stray-1')).toMatch(/not signed with the shared secret/);
      expect(await failed('stray-2')).toMatch(/not signed with the shared secret/);
      expect(await failed('stray-3')).toMatch(/unknown task "shell"/);
      expect(await failed('stray-4')).toMatch(/^\[input\] mnist on worker w-one has sha256 [0-9a-f]{16}…, the coordinator's has 0{16}…/);
      await q.obliterate({ force: true });
      await q.close();
    });

  });

  it('a worker of another hwnas version puts the job back and stops with a clear message', async () => {
    const q = queueOf('versions');
    const jobId = jobIdFor('v', 'ping', { value: 1 });
    await q.add('ping', sealJob(SECRET, { hwnas: '99.0.0', task: 'ping', payload: { value: 1 }, runId: 'v', jobId }), { jobId });
    const w = worker(['--queue', 'versions']);
    expect(await w.exited()).toBe(2);
    expect(w.output()).toMatch(/comes from hwnas 99\.0\.0 but this worker runs hwnas .*: install hwnas 99\.0\.0/);
    const job = await q.getJob(jobId);
    expect(await job!.getState()).toBe('waiting');
    await q.obliterate({ force: true });
    await q.close();
  });

  it('worker killed with kill -9 mid-task: the job goes to another worker after the stall timeout, once', async () => {
    // Two workers start together; the one that takes the job is killed, the other must finish it.
    const pair = [worker(['--id', 'wa']), worker(['--id', 'wb'])];
    await Promise.all(pair.map((w) => w.waitFor(/serving queue/)));
    const ex = executor({}, redis.url);
    const result = ex.run('ping', { delayMs: 1500, value: 'survived' });
    const victim = await Promise.any(pair.map((w, i) => w.waitFor(/ping started/).then(() => i)));
    await pair[victim].kill9();
    const rescuer = pair[1 - victim];
    const r = await result;
    expect(r.value).toBe('survived');
    expect(r.worker.id).toBe(victim === 0 ? 'wb' : 'wa');
    expect(rescuer.output().match(/ping started/g)).toHaveLength(1);
    expect(rescuer.output().match(/ping done/g)).toHaveLength(1);
  });

  it('Redis restarted empty mid-task: worker and coordinator reconnect and the lost job is queued again', async () => {
    const own = await startRedis();
    try {
      const w = worker(['--id', 'steady'], {}, own.url);
      await w.waitFor(/serving queue/);
      const ex = executor({}, own.url);
      const result = ex.run('ping', { delayMs: 800, value: 5 });
      await w.waitFor(/ping started/);
      await own.restart(300);
      const r = await result;
      expect(r.value).toBe(5);
      expect(r.worker.id).toBe('steady');
    } finally {
      await own.stop();
    }
  });

  it('Redis gone for good: the coordinator and the worker stop with a clear error instead of hanging', async () => {
    const own = await startRedis();
    const w = worker(['--give-up-after', '1.5'], {}, own.url);
    await w.waitFor(/serving queue/);
    const ex = executor({ unreachableTimeoutMs: 1500 }, own.url);
    await ex.run('ping', {});
    const pending = ex.run('ping', { delayMs: 5000 });
    await w.waitFor(/ping started/);
    await own.stop();
    await expect(pending).rejects.toThrow(/Redis at redis:\/\/127\.0\.0\.1:\d+ has been unreachable for .* s/);
    expect(await w.exited()).toBe(1);
    expect(w.output()).toMatch(/unreachable for \d+ s .*; worker stopped/);
    // And a coordinator that starts while Redis is down says so after its timeout.
    const late = executor({ unreachableTimeoutMs: 500 }, own.url);
    await expect(late.run('ping', {})).rejects.toThrow(/unreachable/);
  });

  it('authenticates with a password from the environment and says so when it is wrong', async () => {
    const own = await startRedis(['--requirepass', 'pa55word-for-test']);
    try {
      const bad = worker(['--give-up-after', '1'], { HWNAS_REDIS_PASSWORD: 'wrong' }, own.url);
      expect(await bad.exited()).not.toBe(0);
      expect(bad.output()).toMatch(/WRONGPASS|invalid username-password|NOAUTH|unreachable/i);
      const w = worker([], { HWNAS_REDIS_PASSWORD: 'pa55word-for-test' }, own.url);
      await w.waitFor(/serving queue/);
      process.env.HWNAS_REDIS_PASSWORD = 'pa55word-for-test';
      const ex = executor({}, own.url);
      expect((await ex.run('ping', { value: 3 })).value).toBe(3);
    } finally {
      delete process.env.HWNAS_REDIS_PASSWORD;
      await own.stop();
    }
  });

  it('talks TLS (rediss://) with a CA file, and refuses a server its CA did not sign', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-redis-tls-'));
    const tls = makeTlsFiles(dir);
    const own = await startRedis([], tls);
    try {
      const w = worker(['--id', 'tls-w', '--tls-ca', tls.ca], {}, own.url);
      await w.waitFor(/serving queue on rediss:|serving queue "hwnas" on rediss:/);
      const ex = executor({ tls: { ca: tls.ca, rejectUnauthorized: true } }, own.url);
      expect((await ex.run('ping', {})).worker.id).toBe('tls-w');
      // Without the CA the certificate is not trusted: a clear error, no hang.
      const untrusting = executor({ unreachableTimeoutMs: 1000 }, own.url);
      await expect(untrusting.run('ping', {})).rejects.toThrow(/unreachable for .* s \(.*(certificate|self.signed|CERT)/i);
    } finally {
      await own.stop();
    }
  });

  it('coordinator killed: --resume collects jobs that ran meanwhile, re-queues lost ones, counts each trial once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-redis-coord-'));
    const w = worker(['--id', 'w1', '--concurrency', '3']);
    await w.waitFor(/serving queue/);
    const fixture = path.join(ROOT, 'test/eval/redis-fixtures/coordinator.mjs');
    const env = { ...process.env, HWNAS_QUEUE_SECRET: SECRET };
    const child = spawn(process.execPath, [fixture, dir, redis.url, '12', '400', '3'], { env, stdio: 'ignore' });
    const journal = JournalStorage.file(dir);
    const results = () => (fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('"type":"result"').length - 1 : 0);
    while (results() < 4) await new Promise((r) => setTimeout(r, 10));
    await w.waitFor(/(ping started[\s\S]*){6}/);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = results();
    expect(before).toBeLessThan(12);
    // Jobs of the dead coordinator finish meanwhile; one of them then vanishes from Redis: resume must queue it again.
    const q = queueOf();
    const toldBefore = new Set(
      fs.readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'result').map((e) => e.number as number),
    );
    const untold = async () =>
      (await q.getJobs(['completed'])).filter((j) => !toldBefore.has(JSON.parse(j.data.env).payload.value.trial as number));
    while ((await untold()).length < 2) await new Promise((r) => setTimeout(r, 20));
    const [lost, ...kept] = await untold();
    await lost.remove();
    // Asynchronously: a synchronous spawn would stop this process reading the worker's log meanwhile.
    const again = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [fixture, dir, redis.url, '12', '400', '3'], { env });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.once('exit', () => resolve({ stdout, stderr }));
    });
    await w.waitFor(/(ping done[\s\S]*){13}/);
    expect(again.stdout).toContain('done');
    const lines = fs.readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const told = lines.filter((e) => e.type === 'result').map((e) => e.number);
    expect(told.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // Each job ran once on the worker (a running job is picked up, not started again), and nothing is left in Redis.
    // Each job ran once on the worker (those finished while the coordinator was away were collected, not run
    // again), except the lost one, run again; and nothing is left in Redis.
    const started = [...w.output().matchAll(/job (\S+) ping started/g)].map((m) => m[1]);
    const twice = started.filter((id, i) => started.indexOf(id) !== i);
    expect(twice).toEqual([lost.id]);
    expect(kept.every((j) => started.filter((id) => id === j.id).length === 1)).toBe(true);

    const counts = await q.getJobCounts('waiting', 'active', 'completed', 'failed');
    expect(counts).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0 });
    await q.close();
  });

  it('config: executor.kind redis validates its url and keeps passwords out of the configuration', () => {
    const ok = parseSearchConfig({ executor: { kind: 'redis', url: 'rediss://cache.example:6380/2', tls: { ca: '/etc/ca.pem' } } });
    expect(ok.executor).toMatchObject({ kind: 'redis', queue: 'hwnas', secretEnv: 'HWNAS_QUEUE_SECRET' });
    const bad = (raw: unknown) => {
      try {
        parseSearchConfig(raw);
      } catch (err) {
        return (err as ConfigError).issues.map((i) => `${i.path} ${i.message}`).join('\n');
      }
      return '';
    };
    expect(bad({ executor: { kind: 'redis', url: 'redis://:secret@host:6379' } })).toMatch(/executor\.url must not hold a password .*HWNAS_REDIS_PASSWORD/);
    expect(bad({ executor: { kind: 'redis', url: 'http://host' } })).toMatch(/executor\.url must start with redis:\/\//);
    expect(bad({ executor: { kind: 'redis', url: 'redis://h', queue: 'a b' } })).toMatch(/executor\.queue/);
  });
});
