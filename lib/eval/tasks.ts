/**
 * Named worker tasks: what a pool worker can run. Heavy modules (tfjs, onnxruntime) are imported lazily
 * inside their task so a worker that only maps hardware never loads them.
 * Adding a task = one entry here.
 */

/** A task: JSON-serialisable payload in, JSON-serialisable result out. */
export type TaskFn = (payload: unknown, context: { signal?: AbortSignal }) => Promise<unknown>;

export const TASKS = {
  /** Liveness check and pool tests: echoes its payload after `delayMs`. */
  ping: async (payload: unknown): Promise<unknown> => {
    const p = payload as { delayMs?: number; crash?: boolean };
    if (p?.delayMs) await new Promise((r) => setTimeout(r, p.delayMs));
    if (p?.crash) throw new Error('ping asked to crash');
    return payload;
  },
  /** Hardware mapping of a batch of genomes (hardware/task.ts). */
  hardware: async (payload: unknown): Promise<unknown> => (await import('../../hardware/task.js')).runHardwareTask(payload),
  /** Trains one genome (lib/train): payload a TrainRequest, result a TrainOutcome (failures included). */
  train: async (payload: unknown, context: { signal?: AbortSignal }): Promise<unknown> =>
    (await import('../train/task.js')).trainTask(payload, context),
} satisfies Record<string, TaskFn>;

/** Names of the worker tasks. */
export type TaskName = keyof typeof TASKS;
