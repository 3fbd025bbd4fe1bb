/** What the mapper takes and returns: stages, limits, cost vectors, frontier results and why nothing fits. */
import { HwnasError } from '../../lib/errors.js';
import type { StageCost } from '../layer-cost.js';

/**
 * A stage's options packed into one array, option k at `values[k · stride …]`: cycles, LUTs, DSPs, BRAM (further
 * slots are the caller's, e.g. layer-cost.ts's OptionTable). A stage may carry them so the mapper reads numbers
 * instead of option objects (which can then be built on demand).
 */
export interface PackedOptions {
  readonly count: number;
  /** Numbers per option (≥ 4). */
  readonly stride: number;
  readonly values: ArrayLike<number>;
}

/** A stage as the mapper sees it. */
export interface MapperStage<O extends StageCost = StageCost> {
  readonly name: string;
  readonly options: readonly O[];
  /** The same options packed; when present the mapper reads these and never touches `options`. */
  readonly packed?: PackedOptions;
}

/** Limits a mapping must respect. Use Infinity for "no limit"; every value must be ≥ 0. */
export interface MapperLimits {
  readonly luts: number;
  readonly dsps: number;
  readonly bram: number;
  /** Largest allowed bottleneck, in cycles (f / minimum throughput). */
  readonly maxCycles: number;
  /** Largest allowed sum of stage cycles (latency bound). When finite, latency is a frontier dimension. */
  readonly maxTotalCycles: number;
}

/** No limits at all. */
export const NO_LIMITS: MapperLimits = { luts: Infinity, dsps: Infinity, bram: Infinity, maxCycles: Infinity, maxTotalCycles: Infinity };

/** Resource keys of a stage cost, in the order the mapper uses. */
export const RESOURCES = ['luts', 'dsps', 'bram'] as const;
/** One of the summed resources. */
export type Resource = (typeof RESOURCES)[number];

/** The cost vector of a complete mapping. */
export interface CostVector {
  readonly bottleneck: number;
  readonly luts: number;
  readonly dsps: number;
  readonly bram: number;
  /** Σ stage cycles: the latency of one image through an idle pipeline. */
  readonly totalCycles: number;
}

/** A complete mapping: its cost vector and the option index chosen for each stage. */
export interface MappingPoint extends CostVector {
  readonly choice: readonly number[];
}

/** A frontier point of the DP: its cost vector and its index in the final frontier. */
export interface FrontierPoint extends CostVector {
  readonly id: number;
}

/** Why no mapping exists under the limits. */
export type Blocked =
  | { readonly kind: 'no-stages' }
  | {
      /** One stage alone cannot meet a limit at any option. */
      readonly kind: 'stage';
      readonly stage: number;
      readonly name: string;
      readonly limit: 'cycles' | Resource;
      /** The stage's best value for that limit (fewest cycles / least resource over its options). */
      readonly minimum: number;
      /** The limit it exceeds (for resources: what is left after the other stages' minima). */
      readonly allowed: number;
    }
  | {
      /** Every stage fits alone, but even their cheapest options together exceed a limit. */
      readonly kind: 'sum';
      readonly limit: 'cycles' | Resource;
      readonly minimum: number;
      readonly allowed: number;
    }
  | { readonly kind: 'combination' };

/** The two questions a frontier answers. */
export type MapperObjective = 'max-throughput' | 'min-luts';

/** What the DP returns. */
export interface FrontierResult {
  /** The Pareto frontier of feasible mappings, by bottleneck ascending; empty when infeasible (built on first use). */
  readonly points: FrontierPoint[];
  /** Number of frontier points. */
  readonly size: number;
  /**
   * The fastest point (as {@link bestThroughput}) or the cheapest (as {@link fewestLuts}), optionally among the
   * points within `within`; undefined when there is none.
   */
  best(objective: MapperObjective, within?: MapperLimits): FrontierPoint | undefined;
  /** Set when `points` is empty. */
  readonly blocked?: Blocked;
  /** Largest intermediate frontier (for benchmarks). */
  readonly maxFrontier: number;
  /** The options chosen for a frontier point (follows the back-pointers). */
  choice(point: FrontierPoint): number[];
  /** A frontier point with its choice. */
  mapping(point: FrontierPoint): MappingPoint;
}

const LIMIT_KEYS = ['luts', 'dsps', 'bram', 'maxCycles', 'maxTotalCycles'] as const;

/** Checks limits: typed error on NaN, negative or missing values. */
export function checkLimits(limits: MapperLimits): void {
  for (let q = 0; q < LIMIT_KEYS.length; q++) {
    const k = LIMIT_KEYS[q];
    const v = (limits as unknown as Record<string, unknown>)[k];
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
      throw new HwnasError('HW_BAD_LIMIT', `mapper limit "${k}" must be a number ≥ 0 (Infinity for none), got ${String(v)}`);
    }
  }
}
