/** The Redis executor of a search configuration (`executor: {kind: "redis"}` or `hwnas search --redis`). */
import { HWNAS_VERSION } from './envelope.js';
import { defaultRunId, RedisExecutor } from './executor.js';
import { describeUrl, type RedisExecutorConfig } from './options.js';

/** A queue-backed training pool, as the joint search's stages use it. */
export interface RedisTrainingPool {
  readonly pool: RedisExecutor;
  /** Trials in flight. */
  readonly workers: number;
  /** wasm threads per training: decided by each worker from its own cores (this value is not used). */
  readonly threads: number;
  readonly description: string;
}

/** Creates the executor; `workers` (the config's) sets the trials in flight when the executor does not. */
export function createRedisTrainingPool(config: RedisExecutorConfig, workers: number | undefined, out: string, log?: (line: string) => void): RedisTrainingPool {
  const concurrency = config.concurrency ?? workers ?? 8;
  const pool = new RedisExecutor({ config, runId: config.runId ?? defaultRunId(out), concurrency, log });
  return {
    pool,
    workers: concurrency,
    threads: 1,
    description: `training: hwnas worker processes via Redis ${describeUrl(config.url)} queue "${config.queue}" (${concurrency} in flight, hwnas ${HWNAS_VERSION})`,
  };
}
