/**
 * The executor contract: something that runs named worker tasks (tasks.ts) and hands back their results. The
 * local piscina pool (pool.ts) and the Redis queue (redis/executor.ts) both implement it, so the evaluation
 * stages do not know where a task runs.
 */
import type { TaskName, TaskPayload, TaskResult } from './tasks.js';

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

/** What task `N` returns through an executor: its result, and which worker ran it when that was not this process. */
export type TaskOutput<N extends TaskName> = TaskResult<N> & { readonly worker?: WorkerInfo };

/** Runs named tasks somewhere (worker threads here, or worker processes on other machines). */
export interface TaskExecutor {
  /** `local` (piscina threads) or `redis` (a queue served by `hwnas worker` processes). */
  readonly kind: 'local' | 'redis';
  /** Tasks it runs at once (pool threads; for a queue, the trials it keeps in flight). */
  readonly threads: number;
  /** Runs `task`; rejects with a WorkerError (cause = the task's error) on failure or abort. */
  run<N extends TaskName>(task: N, payload: TaskPayload<N>, signal?: AbortSignal): Promise<TaskOutput<N>>;
  /** Releases threads and connections. */
  close(): Promise<void>;
}
