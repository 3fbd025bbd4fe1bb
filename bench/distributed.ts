/**
 * bench:distributed — trials across processes through Redis (BullMQ), over loopback on this machine.
 *  1. The same joint search (seeded, tiny MNIST training) with the local piscina pool and with `hwnas worker`
 *     processes through Redis, at 1 and at 2 workers: trials per minute; anchor = the local pool with as many
 *     threads, measured in this run. Target: the queue costs ≤ 5 % (ratio ≥ 0.95).
 *  2. The queue's own cost per task: round trip of an empty `ping` through Redis minus through the local pool,
 *     as a share of a training's mean time.
 *  3. A fault run: the same search with 2 workers while ≥ 10 random kill -9 hit worker processes (each replaced at
 *     once): trials lost and trials counted twice (target 0 and 0).
 * One JSON line per case (DESIGN §8). Scale with BENCH_TRIALS (default 16), BENCH_FAULT_TRIALS (60),
 * BENCH_KILLS (10), BENCH_TRAIN_SUBSET (4096).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSearchConfig, type SearchConfig } from '../lib/config.js';
import { WorkerPool } from '../lib/eval/pool.js';
import { RedisExecutor } from '../lib/eval/redis/executor.js';
import { redisExecutorConfigSchema } from '../lib/eval/redis/options.js';
import { Rng } from '../lib/rng.js';
import { runJointSearch } from '../lib/search/run-joint.js';
import { threadsPerWorker } from '../lib/train/backend.js';

const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
const TRIALS = env('BENCH_TRIALS', 16);
const FAULT_TRIALS = env('BENCH_FAULT_TRIALS', 60);
const KILLS = env('BENCH_KILLS', 10);
// Trainings of a few seconds each, so that a search is not just its start-up.
const TRAIN_SUBSET = env('BENCH_TRAIN_SUBSET', 4096);
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/hwnas.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-bench-distributed-'));
process.env.HWNAS_QUEUE_SECRET ??= 'bench-distributed-secret-0123456789';

function line(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ bench: 'distributed', ...o }) + '\n');
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (c) => reject(new Error(`redis-server exited (${c}); is it installed? (apt-get install redis-server)`)));
  });
  return { url: `redis://127.0.0.1:${port}`, child };
}

/** A `hwnas worker` process (the node process itself, so kill -9 hits it); resolves once it serves. */
async function startWorker(url: string, id: string, threads: number): Promise<ChildProcess> {
  const args = ['worker', '--redis', url, '--concurrency', '1', '--threads', String(threads), '--id', id, '--stall-timeout', '2000', '--max-stalls', '100'];
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('serving queue')) resolve();
    });
    child.once('exit', (c) => reject(new Error(`worker ${id} exited (${c}): ${out}`)));
  });
  child.stderr!.resume();
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

function config(name: string, workers: number, trials: number, redis?: string): SearchConfig {
  return parseSearchConfig({
    dataset: 'mnist',
    strategy: { name: 'random' },
    budget: { trials },
    training: { epochs: 1, trainSubset: TRAIN_SUBSET, valSubset: 100, batchSize: 64 },
    seed: 11,
    workers,
    out: path.join(tmp, name),
    ...(redis ? { executor: { kind: 'redis', url: redis, checkIntervalMs: 200 } } : {}),
  });
}

/** Runs a search; wall time and what its journal holds. */
async function search(c: SearchConfig): Promise<{ ms: number; results: number[]; trainMs: number[]; workers: Set<string>; failed: number }> {
  const t0 = performance.now();
  await runJointSearch(c, { resume: false });
  const ms = performance.now() - t0;
  const events = fs
    .readFileSync(path.join(c.out!, 'journal.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; number?: number; result?: { status: string; timings?: { train?: number }; extra?: { worker?: string } } });
  const results = events.filter((e) => e.type === 'result');
  return {
    ms,
    results: results.map((e) => e.number!),
    trainMs: results.map((e) => e.result?.timings?.train).filter((x): x is number => x !== undefined),
    workers: new Set(results.map((e) => e.result?.extra?.worker).filter((x): x is string => x !== undefined)),
    failed: results.filter((e) => e.result?.status === 'failed').length,
  };
}

async function pingRtt(run: (i: number) => Promise<unknown>, n = 40): Promise<number> {
  for (let i = 0; i < 5; i++) await run(-i - 1);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await run(i);
  return (performance.now() - t0) / n;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);

async function main(): Promise<void> {
  const redis = await startRedis();
  const workers: ChildProcess[] = [];
  try {
    // 1. Throughput at equal workers.
    let localTrainMs = NaN;
    for (const n of [1, 2]) {
      const local = await search(config(`local-${n}`, n, TRIALS));
      localTrainMs = Number.isNaN(localTrainMs) ? mean(local.trainMs) : localTrainMs;
      // Fresh worker processes, so that they start as cold as the local pool's new threads.
      await Promise.all(workers.splice(0).map(kill9));
      // As many wasm threads per training as the local pool gives each of its n threads (cores / n).
      for (let i = 0; i < n; i++) workers.push(await startWorker(redis.url, `bench-n${n}-w${i + 1}`, threadsPerWorker(n)));
      const remote = await search(config(`redis-${n}`, n, TRIALS, redis.url));
      const tpm = (s: { ms: number; results: number[] }) => s.results.length / (s.ms / 60_000);
      const ratio = tpm(remote) / tpm(local);
      line({
        case: `redis-${n}-worker${n > 1 ? 's' : ''}`,
        metric: 'trials_per_min',
        value: +tpm(remote).toFixed(2),
        anchor: `local-pool-${n}-thread${n > 1 ? 's' : ''}`,
        anchor_value: +tpm(local).toFixed(2),
        ratio: +ratio.toFixed(3),
        higher_is_better: true,
        overhead_pct: +((1 / ratio - 1) * 100).toFixed(1),
        target_overhead_pct: 5,
        met: 1 / ratio - 1 <= 0.05,
        trials: TRIALS,
        trained: remote.trainMs.length,
        wall_ms: Math.round(remote.ms),
        anchor_wall_ms: Math.round(local.ms),
        workers_seen: [...remote.workers],
        train_subset: TRAIN_SUBSET,
        cores: os.availableParallelism(),
        loadavg_1m: +os.loadavg()[0].toFixed(1),
      });
    }

    // 2. The queue's own cost per task.
    const pool = new WorkerPool({ threads: 1 });
    const localRtt = await pingRtt((i) => pool.run('ping', { value: i }));
    await pool.close();
    const ex = new RedisExecutor({ config: redisExecutorConfigSchema.parse({ kind: 'redis', url: redis.url }), runId: `bench-ping-${process.pid}`, concurrency: 1 });
    const redisRtt = await pingRtt((i) => ex.run('ping', { value: i }));
    await ex.close();
    line({
      case: 'queue-overhead-per-task',
      metric: 'overhead_ms',
      value: +(redisRtt - localRtt).toFixed(2),
      anchor: 'local-pool-ping',
      anchor_value: +localRtt.toFixed(3),
      ratio: +(redisRtt / localRtt).toFixed(2),
      higher_is_better: false,
      redis_ping_ms: +redisRtt.toFixed(2),
      mean_train_ms: Math.round(localTrainMs),
      overhead_pct_of_training: +(((redisRtt - localRtt) / localTrainMs) * 100).toFixed(3),
      target_overhead_pct: 5,
    });

    // 3. Faults: random kill -9 of workers during a search, each replaced at once.
    const rng = Rng.fromSeed(5).fork('kills');
    let kills = 0;
    let done = false;
    let nextId = 1;
    // Replacements start in the background (a worker takes seconds to start here), so kills keep their pace.
    const starting: Promise<void>[] = [];
    const killer = (async () => {
      while (!done && kills < KILLS) {
        await new Promise((r) => setTimeout(r, 600 + rng.next() * 1200));
        const alive = workers.filter((w) => w.exitCode === null && w.signalCode === null);
        if (done || alive.length === 0) continue;
        const victim = alive[Math.floor(rng.next() * alive.length)];
        await kill9(victim);
        kills++;
        workers.splice(workers.indexOf(victim), 1);
        starting.push(startWorker(redis.url, `bench-fault-w${nextId++}`, threadsPerWorker(2)).then((w) => void workers.push(w)));
      }
    })();
    const fault = await search(config('fault', 2, FAULT_TRIALS, redis.url));
    done = true;
    await killer;
    await Promise.allSettled(starting);
    const distinct = new Set(fault.results);
    const lost = Array.from({ length: FAULT_TRIALS }, (_, i) => i).filter((i) => !distinct.has(i)).length;
    const twice = fault.results.length - distinct.size;
    const common = {
      anchor: 'target',
      anchor_value: 0,
      ratio: null,
      higher_is_better: false,
      kills,
      kills_target: KILLS,
      trials: FAULT_TRIALS,
      failed_trials: fault.failed,
      wall_ms: Math.round(fault.ms),
      stall_timeout_ms: 2000,
      note: kills < KILLS ? `the search ended after ${kills} kills; raise BENCH_FAULT_TRIALS` : undefined,
    };
    line({ case: 'fault-kill9', metric: 'trials_lost', value: lost, ...common });
    line({ case: 'fault-kill9', metric: 'trials_counted_twice', value: twice, ...common });
  } finally {
    await Promise.all(workers.map(kill9));
    await kill9(redis.child);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
