/**
 * Training as a pool task, and the caller's side of it. A training that fails — NaN loss, bad input, out of
 * memory, a crashed worker, a cancelled search — is a failed trial with its reason, never the end of a search.
 *
 * Inside the worker ({@link trainTask}): failures reject with the reason in front of the message (an Error's
 * own fields do not survive the trip between threads). After a WebAssembly abort (e.g. its heap cannot grow)
 * the wasm runtime is dead, so the worker thread exits after answering and the pool starts a fresh one.
 * On the caller's side ({@link trainInPool}): every ending, including a worker that died (crash, V8 heap
 * limit) or a task cancelled through its AbortSignal (the pool terminates that worker), is an outcome.
 */
import { isMainThread } from 'node:worker_threads';
import { ConfigError, HwnasError } from '../errors.js';
import type { WorkerPool } from '../eval/pool.js';
import type { BackendInfo } from './backend.js';
import { isWasmRuntimeError } from './kernels/simd/wasm-api.js';
import { trainGenome, TrainingError, type TrainFailureReason, type TrainRequest, type TrainResult } from './train.js';

/** How one training ended. */
export type TrainOutcome =
  | { readonly status: 'complete'; readonly result: TrainResult }
  | {
      readonly status: 'failed';
      readonly reason: TrainFailureReason;
      readonly error: string;
      readonly backend?: BackendInfo;
    };

const TAG = /^\[(nan|aborted|oom|crash|input)\] /;

/**
 * The failure reason of an error thrown by a training, also after it crossed a thread boundary (only the
 * message survives that: {@link trainTask} puts the reason in front, `[nan] …`).
 */
export function failureReason(err: unknown): TrainFailureReason {
  if (err instanceof TrainingError) return err.reason;
  if (err instanceof ConfigError) return 'input';
  if (err instanceof HwnasError && (err.code.startsWith('INPUT_') || err.code.startsWith('DATASET_'))) return 'input';
  const msg = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  const tagged = (err instanceof Error ? err.message : String(err)).match(TAG);
  if (tagged) return tagged[1] as TrainFailureReason;
  if (/out of memory|OOM|allocation failed|ERR_WORKER_OUT_OF_MEMORY|Cannot enlarge memory|Array buffer allocation/i.test(msg)) {
    return 'oom';
  }
  return 'crash';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The body of the pool task `train`: the training's result, or a rejection whose message starts with the
 * failure reason (`[nan] loss became NaN at epoch 1, step 7`), so the caller can record a failed trial.
 */
export async function trainTask(payload: unknown, context: { signal?: AbortSignal } = {}): Promise<TrainResult> {
  try {
    return await trainGenome(payload as TrainRequest, { signal: context.signal });
  } catch (err) {
    const reason = failureReason(err);
    if (isWasmRuntimeError(err) && !isMainThread) {
      // The wasm instance aborted and cannot be used again: let the pool replace this worker.
      setImmediate(() => process.exit(1));
    }
    throw new TrainingError(reason, TAG.test(message(err)) ? message(err) : `[${reason}] ${message(err)}`, { cause: err });
  }
}

/**
 * Trains in a pool worker. Resolves with an outcome in every case: a failed training, a worker that crashed
 * or ran out of memory, and a cancellation (`signal`) come back as `failed` with their reason.
 */
export async function trainInPool(pool: WorkerPool, request: TrainRequest, signal?: AbortSignal): Promise<TrainOutcome> {
  try {
    return { status: 'complete', result: await pool.run<TrainResult>('train', request, signal) };
  } catch (err) {
    if (signal?.aborted) return { status: 'failed', reason: 'aborted', error: 'training was cancelled' };
    const cause = (err as { cause?: unknown }).cause ?? err;
    return { status: 'failed', reason: failureReason(cause), error: message(cause).replace(TAG, '') };
  }
}
