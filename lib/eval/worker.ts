/** The piscina worker entry: dispatches a named task from tasks.ts. */
import { TASKS, type TaskName } from './tasks.js';

/** Message a pool sends to a worker. */
export interface WorkerMessage {
  readonly task: TaskName;
  readonly payload: unknown;
}

export default async function runTask(message: WorkerMessage): Promise<unknown> {
  const fn = TASKS[message.task] as ((p: unknown, c: object) => Promise<unknown>) | undefined;
  if (!fn) throw new Error(`unknown worker task "${String(message.task)}"`);
  return fn(message.payload, {});
}
