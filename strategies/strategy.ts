/**
 * The Strategy contract: a strategy only proposes genomes (ask) and learns from finished trials (tell).
 * It never evaluates, stores or schedules; its whole state round-trips through snapshot/restore as JSON.
 */
import type { z } from 'zod';
import { HwnasError } from '../lib/errors.js';
import type { Rng } from '../lib/rng.js';
import type { Genome } from '../lib/space/genome.js';
import type { SearchSpace } from '../lib/space/search-space.js';
import type { Constraint, FinishedTrial, Objective } from '../lib/trial/index.js';

/** What a strategy is given at creation. */
export interface StrategyContext {
  readonly space: SearchSpace;
  readonly objectives: readonly Objective[];
  readonly constraints: readonly Constraint[];
  /** The strategy's own stream (forked from the study seed with the strategy's name). */
  readonly rng: Rng;
  /**
   * A training-free hardware check the runner may provide (stage 1 of the two-stage evaluator, deterministic):
   * whether each genome's hardware meets the spec, with its normalised violations. Strategies that search
   * hardware genes use it for fast exploration (REINFORCE: re-sample a child's hardware tokens before
   * declaring it infeasible). Absent in problem searches and tests.
   */
  readonly precheck?: HardwarePrecheck;
}

/** What a {@link StrategyContext.precheck} says about one genome. */
export interface PrecheckResult {
  readonly feasible: boolean;
  readonly violations: Readonly<Record<string, number>>;
  /** The hardware metrics (throughput, energy, …) when known: fast exploration compares designs on them. */
  readonly metrics?: Readonly<Record<string, number>>;
}

/** The runner's hardware check: one result per genome, in order. */
export type HardwarePrecheck = (genomes: readonly Genome[]) => Promise<readonly PrecheckResult[]>;

/** A strategy's saved state: plain JSON (weights as base64 strings). */
export interface StrategySnapshot {
  readonly strategy: string;
  readonly version: number;
  readonly state: unknown;
}

/** A search strategy. */
export interface Strategy {
  readonly name: string;
  /** How many genomes the strategy likes to be asked for at once (a generation, an RL batch). */
  readonly batchSize: number;
  /** `n` new genomes, each valid and canonical in the space. */
  ask(n: number): Promise<Genome[]>;
  /** Finished trials (complete, infeasible, failed or pruned), in trial-number order. */
  tell(trials: readonly FinishedTrial[]): Promise<void>;
  /** The whole state as JSON. */
  snapshot(): StrategySnapshot;
  /** Continue exactly from a snapshot taken by a strategy of the same name and options. */
  restore(snapshot: StrategySnapshot): void;
  /** Release resources (tfjs tensors, …). */
  dispose?(): void;
}

/**
 * How a registry entry builds a strategy — the one shape every strategy has: a zod schema of its options (with
 * defaults), the version and zod schema of its snapshot's state, and a factory.
 */
export interface StrategyDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** One line for `--help` and reports. */
  readonly summary: string;
  /** Options schema; `schema.parse({})` gives the defaults. */
  readonly schema: S;
  /**
   * The snapshot's format: restore() is handed only a snapshot of this strategy and version whose state passes
   * `state`, so a foreign or damaged snapshot is refused with its path before anything changes.
   */
  readonly snapshot: { readonly version: number; readonly state: z.ZodType };
  readonly create: (ctx: StrategyContext, options: z.output<S>) => Strategy;
}

/** Declares a strategy: its factory's strategies check every snapshot against the declared format first. */
export function defineStrategy<S extends z.ZodType>(def: StrategyDefinition<S>): StrategyDefinition<S> {
  return {
    ...def,
    create: (ctx, options) => {
      const strategy = def.create(ctx, options);
      const restore = strategy.restore.bind(strategy);
      strategy.restore = (snapshot: StrategySnapshot): void => restore(validSnapshot(snapshot, def.name, def.snapshot.version, def.snapshot.state));
      return strategy;
    },
  };
}

/** The snapshot with its state parsed by `state`, or a SNAPSHOT_INVALID error naming every bad path. */
export function validSnapshot(snapshot: StrategySnapshot, name: string, version: number, state: z.ZodType): StrategySnapshot {
  if (typeof snapshot !== 'object' || snapshot === null) throw new HwnasError('SNAPSHOT_INVALID', `${name}: a snapshot must be an object, got ${String(snapshot)}`);
  checkSnapshot(snapshot, name, version);
  const r = state.safeParse(snapshot.state);
  if (!r.success) {
    throw new HwnasError('SNAPSHOT_INVALID', `${name}: malformed snapshot state: ${r.error.issues.slice(0, 5).map((i) => `state.${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { ...snapshot, state: r.data };
}

/** Throws a clear error when a snapshot belongs to another strategy or version. */
export function checkSnapshot(snapshot: StrategySnapshot, name: string, version: number): void {
  if (snapshot.strategy !== name || snapshot.version !== version) {
    throw new HwnasError(
      'SNAPSHOT_FOREIGN',
      `cannot restore a "${snapshot.strategy}" v${snapshot.version} snapshot into strategy "${name}" v${version}`,
    );
  }
}
