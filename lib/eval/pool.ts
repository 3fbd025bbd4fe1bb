/**
 * The worker pool (piscina): runs named tasks (hardware mapping, training) on worker threads.
 * Workers load the compiled worker from dist/, also when the caller runs from TypeScript sources (tests).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { WorkerError } from '../errors.js';
import type { TaskExecutor, TaskOutput } from './executor.js';
import type { TaskName, TaskPayload } from './tasks.js';
import type { WorkerMessage } from './worker.js';

/** Options of {@link WorkerPool}. */
export interface PoolOptions {
  /** Worker threads (default: available cores). */
  readonly threads?: number;
  /** Per-worker old-generation heap limit in MB (a runaway training job fails its trial, not the search). */
  readonly maxOldGenerationSizeMb?: number;
  /** Environment for workers (e.g. wasm thread counts). */
  readonly env?: Record<string, string>;
}

/** Path of the compiled worker entry. */
export function workerFilename(): string {
  const here = fileURLToPath(import.meta.url);
  const compiled = here.replace(/\.ts$/, '.js').replace(/pool\.js$/, 'worker.js');
  if (here.endsWith('.js') && existsSync(compiled)) return compiled;
  // Running from sources (vitest): use the build in dist/ of the same package.
  const dist = here.replace(/[\\/]lib[\\/]eval[\\/]pool\.ts$/, '/dist/lib/eval/worker.js');
  if (!existsSync(dist)) {
    throw new WorkerError(`compiled worker not found at ${dist}: run "npm run build" first`);
  }
  return dist;
}

/** A pool of worker threads running named tasks (the local {@link TaskExecutor}). */
export class WorkerPool implements TaskExecutor {
  readonly kind = 'local' as const;
  private readonly piscina: Piscina;

  constructor(options: PoolOptions = {}) {
    const threads = options.threads ?? os.availableParallelism();
    this.piscina = new Piscina({
      filename: workerFilename(),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      resourceLimits: options.maxOldGenerationSizeMb
        ? { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb }
        : undefined,
      env: options.env ? { ...process.env, ...options.env } : undefined,
    });
  }

  /** Number of worker threads. */
  get threads(): number {
    return this.piscina.options.maxThreads;
  }

  /** Runs `task` in a worker. Rejects with a WorkerError (cause = the worker's error) on failure or abort. */
  async run<N extends TaskName>(task: N, payload: TaskPayload<N>, signal?: AbortSignal): Promise<TaskOutput<N>> {
    const message: WorkerMessage = { task, payload };
    try {
      return (await this.piscina.run(message, { signal })) as TaskOutput<N>;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new WorkerError(`worker task "${task}" failed: ${msg}`, err);
    }
  }

  /** Stops all workers. */
  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
