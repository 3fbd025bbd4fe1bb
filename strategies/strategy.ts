/**
 * The Strategy contract: a strategy only proposes genomes (ask) and learns from finished trials (tell).
 * It never evaluates, stores or schedules; its whole state round-trips through snapshot/restore as JSON.
 */
import type { z } from 'zod';
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
}

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

/** How a registry entry builds a strategy: a zod schema of its options (with defaults) and a factory. */
export interface StrategyDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** One line for `--help` and reports. */
  readonly summary: string;
  /** Options schema; `schema.parse({})` gives the defaults. */
  readonly schema: S;
  readonly create: (ctx: StrategyContext, options: z.output<S>) => Strategy;
}

/** Helper for strategy modules: keeps the schema type attached to the factory. */
export function defineStrategy<S extends z.ZodType>(def: StrategyDefinition<S>): StrategyDefinition<S> {
  return def;
}

/** Throws a clear error when a snapshot belongs to another strategy or version. */
export function checkSnapshot(snapshot: StrategySnapshot, name: string, version: number): void {
  if (snapshot.strategy !== name || snapshot.version !== version) {
    throw new Error(
      `cannot restore a "${snapshot.strategy}" v${snapshot.version} snapshot into strategy "${name}" v${version}`,
    );
  }
}
