/**
 * One task of a NASAIC run seen as an ordinary lu2019-family run, so `hwnas export --task t1` exports that task's
 * network: the task's own space and dataset, each trial's genome decoded to the task's network, its accuracy as
 * `accuracy`, its trained weights under `<run>/<task>/models/trial-N/` (where the NASAIC training stage saves them).
 */
import path from 'node:path';
import { HwnasError } from '../errors.js';
import type { LoadedRun } from '../report/load.js';
import type { Genome } from '../space/genome.js';
import { decodeTasks, nasaicTasks } from '../space/nasaic.js';
import { SearchSpace } from '../space/search-space.js';

/** `run` itself unless it is a NASAIC run; then the view of `task` (required, named in the error otherwise). */
export function taskRun(run: LoadedRun, task: string | undefined): LoadedRun {
  const space = new SearchSpace(run.record.space);
  if (space.meta.family !== 'nasaic') {
    if (task !== undefined) throw new HwnasError('INPUT_UNSUPPORTED_SPACE', `${run.dir} is not a NASAIC run (space family "${String(space.meta.family)}"): --task applies to NASAIC runs only`);
    return run;
  }
  const tasks = nasaicTasks(space);
  const i = tasks.findIndex((t) => t.name === task);
  if (i < 0) {
    throw new HwnasError('INPUT_UNSUPPORTED_SPACE', `${run.dir} is a NASAIC run of ${tasks.length} networks: choose one with --task (${tasks.map((t) => `${t.name} = ${t.dataset}`).join(', ')})${task !== undefined ? `; got "${task}"` : ''}`);
  }
  const t = tasks[i];
  const trials = run.trials.map((tr) => {
    const m = tr.metrics ?? {};
    const metrics: Record<string, number> = { ...m };
    delete metrics.accuracy;
    delete metrics.testAccuracy;
    if (m[`${t.name}.accuracy`] !== undefined) metrics.accuracy = m[`${t.name}.accuracy`];
    if (m[`${t.name}.testAccuracy`] !== undefined) metrics.testAccuracy = m[`${t.name}.testAccuracy`];
    return { ...tr, genome: decodeTasks(space, tr.genome as Genome)[i].genome, metrics };
  });
  return {
    ...run,
    dir: path.join(run.dir, t.name),
    record: { ...run.record, space: t.space.toJSON(), meta: { ...run.record.meta, dataset: t.dataset } },
    trials,
  };
}
