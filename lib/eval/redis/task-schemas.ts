/**
 * What a queue worker accepts: only the named worker tasks (lib/eval/tasks.ts), each payload checked with the
 * task's own schema before anything runs (datasets prepared, threads spent). Anything else fails its job with
 * the reason.
 */
import { zodIssues } from '../../validate.js';
import { isTaskName, TASKS, type TaskName } from '../tasks.js';

/** Whether `name` is a task the queue may carry: exactly the worker tasks. */
export const isQueueTask = isTaskName;

/** The issues of a payload, one line (empty when it is valid). */
export function payloadIssues(task: TaskName, payload: unknown): string {
  const r = TASKS[task].payload.safeParse(payload);
  if (r.success) return '';
  return zodIssues(r.error, task)
    .map((i) => `${i.path} ${i.message}`)
    .join('; ');
}
