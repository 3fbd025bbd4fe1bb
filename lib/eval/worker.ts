/** The piscina worker entry: dispatches a named task from tasks.ts. */
import { runTask, type TaskName } from './tasks.js';

/** Message a pool sends to a worker. */
export interface WorkerMessage {
  readonly task: TaskName;
  readonly payload: unknown;
}

export default async function runWorkerTask(message: WorkerMessage): Promise<unknown> {
  return runTask(message.task, message.payload);
}
