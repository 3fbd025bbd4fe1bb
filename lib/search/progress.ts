/**
 * How runners report progress: through a sink they are given (the CLI passes its display; tests and library
 * users pass their own or nothing), never by importing the CLI.
 */

/** One progress update of a job. */
export interface ProgressUpdate {
  readonly done: number;
  readonly total?: number;
  /** Short figures to show, e.g. `{feasible: 12, best: '98.1%', hv: 0.71}`. */
  readonly fields?: Readonly<Record<string, string | number>>;
  readonly etaMs?: number;
}

/** Where a job's progress goes. */
export interface ProgressSink {
  /** A new count of work done. */
  update(u: ProgressUpdate): void;
  /** A one-off message (a stage change, a warning, a result). */
  message(text: string): void;
  /** The job ended. */
  stop(): void;
}

/** Makes the sink of a job, given the job's label (e.g. `search nb201/nsga2`). */
export type ProgressSinkFactory = (label: string) => ProgressSink;

/** A sink that drops everything (the default of library calls). */
export const SILENT: ProgressSink = { update: () => {}, message: () => {}, stop: () => {} };
