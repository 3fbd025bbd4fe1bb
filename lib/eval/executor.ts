/**
 * The executor contract: something that runs named worker tasks (tasks.ts) and hands back their results. The
 * local piscina pool (pool.ts) and the Redis queue (redis/executor.ts) both implement it, so the evaluation
 * stages do not know where a task runs.
 */
import type { TaskName } from './tasks.js';

/** Who ran a task: recorded with every result that crossed machines. */
export interface WorkerInfo {
  /** Worker id (`--id`, default `<host>:<pid>`). */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** hwnas version of the worker. */
  readonly hwnas: string;
  /** Compute backend of the task, when it has one (e.g. `wasm+simd×1`). */
  readonly backend?: string;
}

/** Runs named tasks somewhere (worker threads here, or worker processes on other machines). */
export interface TaskExecutor {
  /** `local` (piscina threads) or `redis` (a queue served by `hwnas worker` processes). */
  readonly kind: 'local' | 'redis';
  /** Tasks it runs at once (pool threads; for a queue, the trials it keeps in flight). */
  readonly threads: number;
  /** Runs `task`; rejects with a WorkerError (cause = the task's error) on failure or abort. */
  run<T>(task: TaskName, payload: unknown, signal?: AbortSignal): Promise<T>;
  /** Releases threads and connections. */
  close(): Promise<void>;
}
