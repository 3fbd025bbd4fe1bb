/**
 * The worker side of the queue (`hwnas worker`): a BullMQ Worker taking jobs from Redis and running them in a
 * local piscina pool of `concurrency` threads. Before a job runs it must pass, in order: its HMAC signature
 * (shared secret), the coordinator's hwnas version, a known task name, the task's payload schema, and for a
 * training the dataset digest. A job that fails a check fails with its reason (the coordinator records a failed
 * trial); a job of another hwnas version goes back to the queue for a matching worker and this worker stops.
 * A worker killed outright loses its lock; after the stall timeout BullMQ gives the job to another worker.
 */
import os from 'node:os';
import { Worker, WaitingError, type Job } from 'bullmq';
import { HwnasError, WorkerError } from '../../errors.js';
import type { WorkerInfo } from '../executor.js';
import { WorkerPool } from '../pool.js';
import type { DatasetName } from '../../train/datasets/registry.js';
import { decodeJson, encodeJson, HWNAS_VERSION, verify, type JobData, type JobEnvelope, type JobResult } from './envelope.js';
import { closeWithin } from './close.js';
import { describeUrl, readSecret, redisOptions, type RedisConnectionConfig } from './options.js';
import { isQueueTask, payloadIssues } from './task-schemas.js';
import type { TaskPayload } from '../tasks.js';

/** Options of {@link QueueWorker}. */
export interface QueueWorkerOptions {
  readonly connection: RedisConnectionConfig;
  /** Jobs run at once (pool threads). */
  readonly concurrency: number;
  /** wasm threads per training (default: this machine's cores over `concurrency`). */
  readonly threads?: number;
  /** Worker id recorded with every result (default `<host>:<pid>`). */
  readonly id?: string;
  /**
   * A job whose worker stops renewing its lock (killed, frozen) goes back to the queue this long after (ms).
   * BullMQ's lockDuration; the stalled check runs every half of it.
   */
  readonly stallTimeoutMs?: number;
  /** A job stalling more often than this fails (e.g. a training that kills every worker it lands on). */
  readonly maxStalls?: number;
  /** Log lines (job started/finished/refused); default none. */
  readonly log?: (line: string) => void;
  /** Called when the worker stops by itself (version mismatch), with the reason. */
  readonly onFatal?: (reason: string) => void;
}

/** Default stall timeout: BullMQ's default lock duration. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** A running queue worker. */
export class QueueWorker {
  readonly info: WorkerInfo;
  private readonly secret: string;
  private readonly pool: WorkerPool;
  private readonly worker: Worker;
  private readonly log: (line: string) => void;
  private fatal: string | null = null;
  private lastError = '';

  constructor(private readonly o: QueueWorkerOptions) {
    this.secret = readSecret(o.connection.secretEnv);
    this.info = { id: o.id ?? `${os.hostname()}:${process.pid}`, host: os.hostname(), pid: process.pid, hwnas: HWNAS_VERSION };
    this.log = o.log ?? (() => {});
    this.pool = new WorkerPool({ threads: o.concurrency, maxOldGenerationSizeMb: 1536 });
    const stall = o.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    this.worker = new Worker(o.connection.queue, (job, token) => this.process(job, token), {
      connection: redisOptions(o.connection),
      concurrency: o.concurrency,
      lockDuration: stall,
      stalledInterval: Math.max(100, Math.floor(stall / 2)),
      maxStalledCount: o.maxStalls ?? 3,
      autorun: false,
    });
    this.worker.on('error', (err) => {
      // ioredis retries every few hundred ms: say each distinct error once.
      if (err.message !== this.lastError) this.log(`redis: ${err.message}`);
      this.lastError = err.message;
    });
  }

  /** Starts taking jobs; resolves once connected to Redis. */
  async start(): Promise<void> {
    void this.worker.run().catch((err: Error) => this.log(`worker stopped: ${err.message}`));
    await this.worker.waitUntilReady();
    this.log(`worker ${this.info.id} (hwnas ${this.info.hwnas}) serving queue "${this.o.connection.queue}" on ${describeUrl(this.o.connection.url)} with ${this.o.concurrency} slot(s)`);
  }

  /**
   * Calls `onDown` once when Redis has been unreachable for `timeoutMs` (ioredis reconnects by itself until
   * then; a notice is logged when the connection drops and when it is back). Returns the timer to clear.
   */
  watchConnection(timeoutMs: number, onDown: (reason: string) => void): NodeJS.Timeout {
    let since: number | null = null;
    // The client object is read once; its status is then read without a command (commands wait for Redis).
    let client: { status: string } | undefined;
    const backend = (this.worker as unknown as { backend: { client: Promise<{ status: string }> } }).backend;
    void backend.client.then((c) => (client = c));
    const timer = setInterval(() => {
      {
        const c = client ?? { status: 'connecting' };
        if (c.status === 'ready') {
          if (since !== null) this.log(`Redis is back after ${((Date.now() - since) / 1000).toFixed(1)} s`);
          since = null;
          return;
        }
        if (since === null) {
          since = Date.now();
          if (client) this.log(`Redis at ${describeUrl(this.o.connection.url)} unreachable; reconnecting`);
        } else if (Date.now() - since >= timeoutMs) {
          clearInterval(timer);
          onDown(
            `Redis at ${describeUrl(this.o.connection.url)} has been unreachable for ${Math.round((Date.now() - since) / 1000)} s${this.lastError ? ` (${this.lastError})` : ''}; worker stopped (start Redis, then the worker again)`,
          );
        }
      }
    }, Math.min(1000, Math.max(50, timeoutMs / 10)));
    timer.unref();
    return timer;
  }

  /** Why the worker stopped by itself, if it did. */
  get fatalReason(): string | null {
    return this.fatal;
  }

  private async process(job: Job, token?: string): Promise<string> {
    const data = job.data as Partial<JobData>;
    if (typeof data?.env !== 'string' || !verify(this.secret, data.env, data.sig)) {
      this.log(`job ${job.id} refused: bad signature`);
      throw new HwnasError('QUEUE_BAD_SIGNATURE', `[input] job ${job.id} is not signed with the shared secret of worker ${this.info.id} ($${this.o.connection.secretEnv}); refused`);
    }
    const env = decodeJson(data.env) as JobEnvelope;
    if (env.jobId !== job.id) throw new HwnasError('QUEUE_BAD_SIGNATURE', `[input] job ${job.id} carries the signed envelope of job ${env.jobId}; refused`);
    if (env.hwnas !== HWNAS_VERSION) {
      // Not this worker's job: back to the queue for a worker of the right version, and this one stops.
      const reason = `job ${job.id} comes from hwnas ${env.hwnas} but this worker runs hwnas ${HWNAS_VERSION}: install hwnas ${env.hwnas} on ${this.info.host} (coordinator and workers must run the same version); worker stopped`;
      this.log(reason);
      await job.moveToWait(token);
      this.stopFatal(reason);
      throw new WaitingError();
    }
    if (!isQueueTask(env.task)) throw new HwnasError('QUEUE_UNKNOWN_TASK', `[input] unknown task ${JSON.stringify(env.task)}; this worker runs ping, hardware, train`);
    const issues = payloadIssues(env.task, env.payload);
    if (issues) throw new HwnasError('QUEUE_BAD_PAYLOAD', `[input] invalid ${env.task} payload: ${issues}`);
    let payload = env.payload;
    if (env.task === 'train') {
      const p = payload as { dataset: DatasetName };
      // Loaded on the first training only: a worker serving hardware tasks never reads datasets.
      const { ensureDataset } = await import('./datasets.js');
      await ensureDataset(p.dataset, env.datasets?.[p.dataset], this.info.id);
      // Threads are this machine's business: its cores over its concurrency (as threadsPerWorker in lib/train).
      payload = { ...(payload as object), threads: this.o.threads ?? Math.max(1, Math.floor(os.availableParallelism() / this.o.concurrency)) };
    }
    this.log(`job ${job.id} ${env.task} started`);
    const t0 = performance.now();
    let result: unknown;
    try {
      result = await this.pool.run(env.task, payload as TaskPayload<typeof env.task>);
    } catch (err) {
      const cause = err instanceof WorkerError && err.cause instanceof Error ? err.cause : (err as Error);
      this.log(`job ${job.id} ${env.task} failed: ${cause.message}`);
      throw new Error(`${cause.message} (on worker ${this.info.id})`);
    }
    this.log(`job ${job.id} ${env.task} done in ${Math.round(performance.now() - t0)} ms`);
    // A training's outcome carries its backend (`result.backend` when complete).
    type Backend = { kind?: string; simd?: boolean; threads?: number };
    const r = result as { backend?: Backend; result?: { backend?: Backend } } | null;
    const backend = r?.backend ?? r?.result?.backend;
    const worker: WorkerInfo = backend?.kind
      ? { ...this.info, backend: `${backend.kind}${backend.simd ? '+simd' : ''}×${backend.threads ?? 1}` }
      : { ...this.info, backend: env.task === 'train' ? undefined : 'js' };
    const out: JobResult = { result, worker };
    return encodeJson(out);
  }

  private stopFatal(reason: string): void {
    if (this.fatal) return;
    this.fatal = reason;
    // Stop fetching at once; let the current call return first.
    setImmediate(() => {
      void this.close().then(() => this.o.onFatal?.(reason));
    });
  }

  /** Stops taking jobs, waits for running ones, closes the pool and the connections. */
  async close(force = false): Promise<void> {
    // A worker cut off from Redis cannot hand back its jobs: close what can be closed, in bounded time.
    await closeWithin(force ? 1000 : 60_000, [this.worker]);
    await this.pool.close();
  }
}
