/**
 * Named worker tasks: what a pool worker (or a queue worker) can run, each with its payload schema beside it.
 * A worker validates the payload before running anything; the result types follow from the task bodies.
 * Heavy modules (tfjs, onnxruntime) are imported lazily inside their task so a worker that only maps hardware
 * never loads them. Adding a task = one entry here.
 */
import { z } from 'zod';
import { hardwareTaskPayloadSchema, type HardwareTaskPayload } from '../../hardware/task.js';
import { trainRequestSchema, type TrainRequest } from '../train/request.js';
import { parseOrThrow } from '../validate.js';
import { ConfigError } from '../errors.js';
import type { TrainOutcome } from '../train/task.js';

/** A task: a payload schema and a body (JSON-serialisable payload in, JSON-serialisable result out). */
export interface TaskDefinition<P extends z.ZodType, R> {
  readonly payload: P;
  readonly run: (payload: z.output<P>, context: { signal?: AbortSignal }) => Promise<R>;
  /** How the task answers a payload that fails its schema, when it answers with data instead of an error. */
  readonly invalid?: (error: ConfigError) => R;
}

const defineTask = <P extends z.ZodType, R>(d: TaskDefinition<P, R>): TaskDefinition<P, R> => d;

/** The payload of `ping`: liveness checks and pool tests. */
export const pingPayloadSchema = z
  .object({ delayMs: z.number().int().min(0).max(3_600_000).optional(), crash: z.boolean().optional(), value: z.unknown().optional() })
  .strict();

export const TASKS = {
  /** Liveness check and pool tests: echoes its payload after `delayMs`. */
  ping: defineTask({
    payload: pingPayloadSchema,
    run: async (p) => {
      if (p.delayMs) await new Promise((r) => setTimeout(r, p.delayMs));
      if (p.crash) throw new Error('ping asked to crash');
      return p;
    },
  }),
  /** Hardware mapping of a batch of genomes (hardware/task.ts): one report per genome, in order. */
  hardware: defineTask({
    payload: hardwareTaskPayloadSchema,
    run: async (p) => (await import('../../hardware/task.js')).runHardwareTask(p),
  }),
  /** Trains one genome (lib/train): payload a TrainRequest, result a TrainOutcome (failures included, as data). */
  train: defineTask({
    payload: trainRequestSchema,
    run: async (p, context) => (await import('../train/task.js')).trainTask(p, context),
    // A request that fails validation is a failed trial with reason `input`, like any other failed training.
    invalid: (error): TrainOutcome => ({ status: 'failed', reason: 'input', error: error.message }),
  }),
};

/** Names of the worker tasks. */
export type TaskName = keyof typeof TASKS;
/** What each task takes, as its callers write it (each schema accepts it; the schemas check it at run time). */
interface TaskPayloads {
  readonly ping: z.input<typeof pingPayloadSchema>;
  readonly hardware: HardwareTaskPayload;
  readonly train: TrainRequest;
}
/** What task `N` takes. */
export type TaskPayload<N extends TaskName> = TaskPayloads[N];
/** What task `N` returns. */
export type TaskResult<N extends TaskName> = Awaited<ReturnType<(typeof TASKS)[N]['run']>>;

/** Whether `name` is a known task. */
export function isTaskName(name: unknown): name is TaskName {
  return typeof name === 'string' && Object.hasOwn(TASKS, name);
}

/** Validates the payload of task `name` (a ConfigError naming every bad path) and runs it. */
export async function runTask(name: string, payload: unknown, context: { signal?: AbortSignal } = {}): Promise<unknown> {
  if (!isTaskName(name)) throw new Error(`unknown worker task "${name}"`);
  const def = TASKS[name] as TaskDefinition<z.ZodType, unknown>;
  let parsed: unknown;
  try {
    parsed = parseOrThrow(def.payload, payload, name, `invalid ${name} payload`);
  } catch (err) {
    if (err instanceof ConfigError && def.invalid) return def.invalid(err);
    throw err;
  }
  return def.run(parsed, context);
}
