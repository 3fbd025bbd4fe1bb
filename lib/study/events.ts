/**
 * The journal's event types: one JSON object per line. A study is exactly the replay of its events.
 */
import type { SpaceDeclaration } from '../space/search-space.js';
import type { Genome } from '../space/genome.js';
import type { StrategySnapshot } from '../../strategies/strategy.js';
import type { Constraint, Objective, TrialResult } from '../trial/index.js';
import type { RungRecord } from '../eval/evaluator.js';

/** Everything needed to rebuild a study: stored in its first event. */
export interface StudyRecord {
  readonly space: SpaceDeclaration;
  readonly objectives: readonly Objective[];
  readonly constraints: readonly Constraint[];
  readonly strategy: { readonly name: string; readonly options: Record<string, unknown> };
  readonly seed: number;
  /** Free-form description of what is evaluated (problem, dataset, spec…), for loaders, reports and resume checks. */
  readonly meta: Readonly<Record<string, unknown>>;
  /** Genomes asked first, before the strategy's (StudyOptions.enqueue). */
  readonly enqueued?: readonly Genome[];
}

/** Journal format version; bump on incompatible changes. */
export const JOURNAL_VERSION = 1;

export type StudyEvent =
  | { readonly type: 'create'; readonly version: number; readonly at: string; readonly study: StudyRecord }
  | {
      readonly type: 'ask';
      readonly at: string;
      readonly trials: readonly { readonly number: number; readonly genome: Genome; readonly key: string }[];
    }
  | { readonly type: 'result'; readonly at: string; readonly number: number; readonly result: TrialResult }
  /** One rung of a running trial under multi-fidelity evaluation (lib/eval/fidelity): reused on resume. */
  | ({ readonly type: 'rung'; readonly at: string } & RungRecord)
  | {
      readonly type: 'tell';
      readonly at: string;
      /** 1-based count of tells: the snapshot written after this tell carries the same number. */
      readonly seq: number;
      /** Trial numbers told to the strategy in this event. */
      readonly numbers: readonly number[];
    };

/** A strategy snapshot with the tell it follows. */
export interface StoredSnapshot {
  readonly seq: number;
  /** The identity of the run it belongs to (lib/study/journal.ts runIdentity); absent in snapshots of older runs. */
  readonly run?: string;
  readonly snapshot: StrategySnapshot;
}

/** Where a study's events live. */
export interface StudyStorage {
  /** Every event stored so far, in order (a torn last line is skipped with a warning). */
  read(): Promise<StudyEvent[]>;
  /** Appends one event; `durable` forces it to disk before resolving (finished trials, tells). */
  append(event: StudyEvent, durable: boolean): Promise<void>;
  /**
   * Keeps the strategy's state after tell `seq` (only the latest is kept: a strategy's weights can be large,
   * so they stay out of the journal). Written after the tell event, replacing the previous one atomically.
   */
  writeSnapshot(stored: StoredSnapshot): Promise<void>;
  /** The latest snapshot written, if any. */
  readSnapshot(): Promise<StoredSnapshot | null>;
  /** Releases the storage (file handles, locks). */
  close(): Promise<void>;
  /** Human-readable location, for messages. */
  readonly location: string;
}
