/**
 * The coordinator side of the queue: a {@link TaskExecutor} that puts each task on a BullMQ queue in Redis and
 * waits for a `hwnas worker` process to run it. The coordinator's journal stays the record of the search; Redis
 * holds only work in flight: a job is removed as soon as its result is collected.
 *
 * Faults: job ids are derived from run, task and payload, so a resumed coordinator asking again for a trial finds
 * its job (still running, or finished while it was away) and a job that vanished (a Redis restarted without
 * persistence) is queued again; a worker that dies mid-job is BullMQ's stalled-job recovery (see worker.ts).
 * While Redis is unreachable the coordinator waits, and gives up with a clear error after `unreachableTimeoutMs`.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Job, Queue, QueueEvents } from 'bullmq';
import { HwnasError, WorkerError } from '../../errors.js';
import type { TaskExecutor, TaskOutput, WorkerInfo } from '../executor.js';
import type { TaskName, TaskPayload } from '../tasks.js';
import type { DatasetName } from '../../train/datasets/registry.js';
import { datasetDigest } from './datasets.js';
import { decodeJson, HWNAS_VERSION, jobIdFor, sealJob, type JobData, type JobResult } from './envelope.js';
import { closeWithin } from './close.js';
import { describeUrl, readSecret, redisOptions, type RedisExecutorConfig } from './options.js';

/** Options of {@link RedisExecutor}: the executor configuration plus the run's identity. */
export interface RedisExecutorOptions {
  readonly config: RedisExecutorConfig;
  /** Identity of the run in the queue (default: `config.runId`). */
  readonly runId: string;
  /** Trials in flight (`threads`). */
  readonly concurrency: number;
  /** Log lines (lost jobs re-queued, reconnections). */
  readonly log?: (line: string) => void;
}

interface Waiter {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

interface Pending {
  readonly jobId: string;
  readonly task: TaskName;
  readonly data: JobData;
  readonly waiters: Set<Waiter>;
  /** Times re-queued after it vanished from Redis. */
  requeued: number;
}

/** A run's identity in the queue when the configuration has none: its run directory. */
export function defaultRunId(out: string): string {
  return createHash('sha256').update(path.resolve(out)).digest('hex').slice(0, 16);
}

/** Runs tasks through a BullMQ queue served by `hwnas worker` processes. */
export class RedisExecutor implements TaskExecutor {
  readonly kind = 'redis' as const;
  readonly threads: number;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly secret: string;
  private readonly pending = new Map<string, Pending>();
  private readonly timer: NodeJS.Timeout;
  private readonly log: (line: string) => void;
  private downSince: number | null = null;
  private closed = false;
  private sweeping = false;
  private connected: Promise<void> | undefined;
  private client: { status: string } | undefined;
  private lastError = '';
  private readonly where: string;

  constructor(private readonly o: RedisExecutorOptions) {
    this.secret = readSecret(o.config.secretEnv);
    this.threads = o.concurrency;
    this.log = o.log ?? (() => {});
    this.where = describeUrl(o.config.url);
    const connection = redisOptions(o.config);
    this.queue = new Queue(o.config.queue, { connection });
    this.events = new QueueEvents(o.config.queue, { connection });
    // ioredis reports each failed reconnection; the last one explains an unreachable Redis (refused, TLS, auth).
    this.queue.on('error', (err: Error) => (this.lastError = err.message));
    this.events.on('error', (err: Error) => (this.lastError = err.message));
    // Completion events make results arrive at once; the sweep is the safety net for events missed while
    // disconnected and for jobs that vanished.
    this.events.on('completed', ({ jobId }) => void this.check(jobId));
    this.events.on('failed', ({ jobId }) => void this.check(jobId));
    this.timer = setInterval(() => {
      this.watch();
      void this.sweep();
    }, o.config.checkIntervalMs);
    this.timer.unref();
  }

  /** Resolves once both connections are up; rejects after `unreachableTimeoutMs` with a clear error. */
  async ready(): Promise<void> {
    const timeout = this.o.config.unreachableTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(this.unreachable(timeout)), timeout);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private unreachable(ms: number): HwnasError {
    return new HwnasError(
      'REDIS_UNREACHABLE',
      `Redis at ${this.where} has been unreachable for ${(ms / 1000).toFixed(1)} s${this.lastError ? ` (${this.lastError})` : ''}: start it (redis-server) or fix executor.url; the run can continue with --resume`,
    );
  }

  async run<N extends TaskName>(task: N, payload: TaskPayload<N>, signal?: AbortSignal): Promise<TaskOutput<N>> {
    if (this.closed) throw new WorkerError('the Redis executor is closed');
    signal?.throwIfAborted();
    // Fail fast and clearly when Redis is not there at all, instead of queueing into nothing.
    this.connected ??= this.ready();
    await this.connected;
    const jobId = jobIdFor(this.o.runId, task, payload);
    let p = this.pending.get(jobId);
    if (!p) {
      const datasets: Record<string, string> = {};
      const ds = task === 'train' ? (payload as { dataset?: DatasetName }).dataset : undefined;
      const digest = ds ? datasetDigest(ds) : null;
      if (ds && digest) datasets[ds] = digest;
      const data = sealJob(this.secret, { hwnas: HWNAS_VERSION, task, payload, runId: this.o.runId, jobId, datasets });
      p = { jobId, task, data, waiters: new Set(), requeued: 0 };
      this.pending.set(jobId, p);
    }
    const entry = p;
    const result = new Promise<unknown>((resolve, reject) => {
      const w: Waiter = { resolve, reject };
      entry.waiters.add(w);
      signal?.addEventListener(
        'abort',
        () => {
          entry.waiters.delete(w);
          if (entry.waiters.size === 0) this.drop(entry, true);
          reject(new WorkerError(`worker task "${task}" was cancelled`, signal.reason));
        },
        { once: true },
      );
    });
    // Not awaited: while Redis is away the add waits, and the watchdog may settle the job first.
    if (entry.waiters.size === 1) this.add(entry).catch((err: unknown) => this.settle(entry, err, undefined));
    return (await result) as TaskOutput<N>;
  }

  /** Adds a job (a no-op when a job with its id is already there: BullMQ keeps ids unique). */
  private async add(p: Pending): Promise<void> {
    await this.queue.add(p.task, p.data, { jobId: p.jobId, attempts: 1, removeOnComplete: false, removeOnFail: false });
    // It may have finished before we listened (a resumed coordinator): look now.
    await this.check(p.jobId);
  }

  /**
   * Collects a finished job's result, or re-queues a job that vanished. Never throws: a command that fails
   * (Redis going away) is tried again by the next sweep.
   */
  private async check(jobId: string): Promise<void> {
    try {
      await this.checkOnce(jobId);
    } catch (err) {
      this.log(`checking job ${jobId}: ${(err as Error).message}`);
    }
  }

  private async checkOnce(jobId: string): Promise<void> {
    const p = this.pending.get(jobId);
    if (!p || this.closed) return;
    // State first, then the job: a job read first could finish in between and show no return value yet.
    const state = await this.queue.getJobState(jobId);
    if (!this.pending.has(jobId)) return;
    if (state === 'unknown') {
      p.requeued++;
      this.log(`job ${jobId} (${p.task}) is no longer in Redis (restarted without persistence?): queued again`);
      await this.queue.add(p.task, p.data, { jobId, attempts: 1, removeOnComplete: false, removeOnFail: false });
      return;
    }
    if (state !== 'completed' && state !== 'failed') return;
    const job = await Job.fromId(this.queue, jobId);
    if (!job || !this.pending.has(jobId)) return;
    if (state === 'completed') {
      let out: JobResult;
      try {
        out = decodeJson(job.returnvalue as unknown as string) as JobResult;
      } catch (err) {
        this.settle(p, new WorkerError(`worker task "${p.task}" returned unreadable data: ${(err as Error).message}`), undefined);
        return;
      }
      this.settle(p, undefined, withWorker(out.result, out.worker));
      await job.remove().catch(() => {});
    } else if (state === 'failed') {
      const reason = job.failedReason || 'failed without a reason';
      // BullMQ keeps only a failure's text: a worker's refusal of the input (signature, payload, dataset) is
      // marked `[input]` there and becomes a typed input error again here.
      const input = /^\[input\] /.exec(reason);
      const cause = input ? new HwnasError('INPUT_REFUSED_BY_WORKER', reason.slice(input[0].length)) : new Error(reason);
      this.settle(p, new WorkerError(`worker task "${p.task}" failed: ${reason}`, cause), undefined);
      await job.remove().catch(() => {});
    }
  }

  private settle(p: Pending, err: unknown, value: unknown): void {
    if (this.pending.get(p.jobId) !== p) return;
    this.pending.delete(p.jobId);
    for (const w of p.waiters) (err ? w.reject(err) : w.resolve(value));
    p.waiters.clear();
  }

  /** Forgets a job nobody waits for; removes it from the queue when it has not started. */
  private drop(p: Pending, removeIfWaiting: boolean): void {
    if (this.pending.get(p.jobId) !== p) return;
    this.pending.delete(p.jobId);
    if (removeIfWaiting) {
      void Job.fromId(this.queue, p.jobId)
        .then(async (job) => {
          if (job && (await job.getState()) === 'waiting') await job.remove();
        })
        .catch(() => {});
    }
  }

  /**
   * Every check interval, without a Redis command (those wait while Redis is away): is the connection up? Jobs in
   * flight fail with a clear error once it has been down for `unreachableTimeoutMs`.
   */
  private watch(): void {
    if (this.closed) return;
    if (!this.client) {
      void (this.queue as unknown as { backend: { client: Promise<{ status: string }> } }).backend.client.then((c) => (this.client = c));
      return;
    }
    if (this.client.status !== 'ready') {
      this.downSince ??= Date.now();
      const down = Date.now() - this.downSince;
      if (down >= this.o.config.unreachableTimeoutMs && this.pending.size > 0) {
        const err = this.unreachable(down);
        for (const p of [...this.pending.values()]) this.settle(p, err, undefined);
      }
      return;
    }
    if (this.downSince !== null) this.log(`Redis at ${this.where} is back after ${((Date.now() - this.downSince) / 1000).toFixed(1)} s`);
    this.downSince = null;
  }

  /** Every check interval while connected: look at each job in flight (a check stuck in a reconnect ends with it). */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.closed || this.client?.status !== 'ready') return;
    this.sweeping = true;
    try {
      for (const id of [...this.pending.keys()]) await this.check(id);
    } catch {
      // A command failed mid-reconnect: the next sweep tries again.
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Removes this run's finished jobs left in Redis: results a killed coordinator had journaled but not yet
   * removed (the journal has them), so that the queue keeps only work in flight.
   */
  private async removeFinished(): Promise<void> {
    const prefix = `${this.o.runId}.`;
    try {
      const jobs = await this.queue.getJobs(['completed', 'failed']);
      await Promise.all(jobs.filter((j) => j.id?.startsWith(prefix)).map((j) => j.remove().catch(() => {})));
    } catch {
      // Best effort: a leftover result is harmless (a resumed run collects it, or it is never asked for).
    }
  }

  /** Jobs in flight (for tests and the progress line). */
  get inFlight(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    const err = new WorkerError('the Redis executor was closed');
    for (const p of [...this.pending.values()]) this.settle(p, err, undefined);
    // Bounded: Redis may have gone since the last check, and its commands would wait for it forever.
    if (this.client?.status === 'ready') await Promise.race([this.removeFinished(), new Promise((r) => setTimeout(r, 1000).unref())]);
    await closeWithin(2000, [this.events, this.queue]);
  }
}

/** The result with the worker that produced it (`worker` on object results; arrays stay as they are). */
function withWorker(result: unknown, worker: WorkerInfo): unknown {
  if (result && typeof result === 'object' && !Array.isArray(result)) return { ...(result as object), worker };
  return result;
}

