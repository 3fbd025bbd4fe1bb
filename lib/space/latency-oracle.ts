/**
 * Latency oracles: hardware models that can predict a genome's latency without a spec (the measured `ort-cpu`
 * predictor) register here when their module loads, so a strategy can repair candidates against a latency target
 * (channel scaling) without importing hardware/ — strategies only propose (DESIGN §2). A process that runs a
 * search has loaded the hardware models before it creates the strategy.
 */
import type { Genome } from './genome.js';
import type { SearchSpace } from './search-space.js';

/** Predicted latency of a genome of `space`, ms. */
export type LatencyOracle = (space: SearchSpace, genome: Genome) => number;

/** What an oracle offers: the prediction and, when known, its relative error on held-out measurements. */
export interface LatencyOracleEntry {
  readonly predict: LatencyOracle;
  /** RMSE of the prediction in % (from the predictor's validation), when known. */
  readonly rmsePct?: () => number | undefined;
}

const ORACLES = new Map<string, LatencyOracleEntry>();

/** Registers (or replaces) the oracle called `name`. */
export function registerLatencyOracle(name: string, entry: LatencyOracleEntry): void {
  ORACLES.set(name, entry);
}

/** The oracle called `name`, or undefined when no loaded module registered it. */
export function latencyOracle(name: string): LatencyOracleEntry | undefined {
  return ORACLES.get(name);
}
