/**
 * How a training uses more than one thread: `intra-op` (one network, XNNPACK's and our kernels' threads inside
 * every operator) or `data` (data-parallel.ts: one single-threaded replica per thread, each computing the
 * gradients of a share of the batch). Kept free of tfjs: request.ts reads it.
 */
import { ConfigError } from '../../errors.js';

/** What a request may ask for: `auto` = {@link DEFAULT_MULTI_THREAD} with ≥ 2 threads on wasm. */
export const PARALLEL_MODES = ['auto', 'intra-op', 'data'] as const;
/** One of {@link PARALLEL_MODES}. */
export type ParallelChoice = (typeof PARALLEL_MODES)[number];

/**
 * The mode `auto` picks for ≥ 2 threads on the wasm backend: data parallelism, faster on both of bench:train's
 * nets (README, bench:train: the cases speed-<net>-t2-<mode>-vs-t1).
 */
export const DEFAULT_MULTI_THREAD: 'intra-op' | 'data' = 'data';

/** How a training used its threads (every training result records it). */
export interface ParallelInfo {
  readonly mode: 'intra-op' | 'data';
  /** Threads the training asked for. */
  readonly threads: number;
  /** Replicas of the network (1 for intra-op). */
  readonly replicas: number;
  readonly note?: string;
}

/** The mode a request plans for, before its backend is known. */
export function planParallel(choice: ParallelChoice, threads: number): 'intra-op' | 'data' {
  if (threads < 2) return 'intra-op';
  return choice === 'auto' ? DEFAULT_MULTI_THREAD : choice;
}

/** The mode actually used once the backend is known: data parallelism runs on wasm only. */
export function settleParallel(choice: ParallelChoice, threads: number, backendKind: string, batchNorm = false): ParallelInfo {
  const plan = planParallel(choice, threads);
  if (plan === 'data' && backendKind !== 'wasm') {
    if (choice === 'data') {
      throw new ConfigError([
        { path: 'train.parallel', message: `data-parallel training runs on the wasm backend; this training uses "${backendKind}" (set backend "wasm" or parallel "intra-op")` },
      ]);
    }
    return { mode: 'intra-op', threads, replicas: 1, note: `data parallelism needs the wasm backend (${backendKind} in use)` };
  }
  if (plan === 'data') {
    return {
      mode: 'data',
      threads,
      replicas: threads,
      // As PyTorch's DistributedDataParallel without SyncBatchNorm (data-parallel.ts).
      ...(batchNorm ? { note: `BatchNorm normalises each replica's share of a batch with that share's statistics` } : {}),
    };
  }
  return { mode: 'intra-op', threads, replicas: 1 };
}
