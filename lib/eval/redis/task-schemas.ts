/**
 * What a queue worker accepts: only these task names, each with a payload schema checked before the task runs
 * (the tasks validate again inside, with their own full schemas). Anything else fails its job with the reason.
 */
import { z } from 'zod';
import { zodIssues } from '../../validate.js';
import type { TaskName } from '../tasks.js';

const record = z.record(z.string(), z.unknown());
const spaceDecl = z.object({ name: z.string().min(1), genes: z.array(record), meta: record }).passthrough();
const genome = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]));

/** Payload schemas per task the queue may carry. */
export const QUEUE_TASK_SCHEMAS = {
  ping: z.object({ delayMs: z.number().int().min(0).max(3_600_000).optional(), crash: z.boolean().optional(), value: z.unknown().optional() }).strict(),
  hardware: z
    .object({ space: spaceDecl, genomes: z.array(genome).min(1).max(100_000), spec: record, model: z.string().optional(), detail: z.boolean().optional() })
    .strict(),
  // The full training request schema lives beside the training (lib/train/train.ts) and runs first thing in the task.
  train: z.object({ space: spaceDecl, genome, dataset: z.string() }).passthrough(),
} satisfies Record<TaskName, z.ZodType>;

/** Whether `name` is a task the queue may carry. */
export function isQueueTask(name: unknown): name is TaskName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(QUEUE_TASK_SCHEMAS, name);
}

/** The issues of a payload, one line (empty when it is valid). */
export function payloadIssues(task: TaskName, payload: unknown): string {
  const r = QUEUE_TASK_SCHEMAS[task].safeParse(payload);
  if (r.success) return '';
  return zodIssues(r.error, task)
    .map((i) => `${i.path} ${i.message}`)
    .join('; ');
}
