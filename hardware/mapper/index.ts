/**
 * The hardware mapper: a dynamic program with Pareto-frontier pruning over the stages of a layer pipeline
 * (DESIGN §4; MODELS.md §1.5 — reconstructed, the paper only states "DP with frontier pruning").
 *
 * Each stage has implementation options (cycles, LUTs, DSPs, BRAM). A mapping picks one option per stage; its
 * bottleneck is the max of the cycles (throughput = f / bottleneck), its resources are the sums, its latency
 * the sum of the cycles. Stages are processed in order, keeping the Pareto frontier of partial mappings over
 * (bottleneck, resource sums[, latency]) and dropping states over any limit. The final frontier answers
 * "highest throughput under the budgets" and "fewest LUTs meeting a throughput", exactly as brute force does
 * (see brute-force.ts and test/hardware/mapper.test.ts).
 *
 * Two exact speed-ups: a resource whose value is the same for every option of every stage is a constant and
 * left out of the dominance test; and when a single resource varies (the paper's LUT-only case), the frontier
 * is a staircase merged with each stage in linear time (dp-2d.ts). Otherwise dp-general.ts.
 *
 * Modules: types.ts (what goes in and out), stage-table.ts (options as flat columns), bounds.ts (what the
 * least values rule out, per-stage allowances), dp-2d.ts and dp-general.ts (the two DPs), frontier.ts (the
 * result: vectors, back-pointers, answers).
 */
import { blockedByLeast, stageAllowances } from './bounds.js';
import { staircaseDp } from './dp-2d.js';
import { generalDp } from './dp-general.js';
import { BlockedFrontier } from './frontier.js';
import { StageTable } from './stage-table.js';
import type { StageCost } from '../layer-cost.js';
import { checkLimits, RESOURCES, type FrontierResult, type MapperLimits, type MapperStage, type Resource } from './types.js';

export * from './types.js';
export { bestThroughput, costOf, fewestLuts } from './frontier.js';

// One table reused by every call (calls are synchronous; results copy what they keep).
const table = new StageTable();

/** Which summed dimensions vary between options (the others are constants of the problem). */
export function activeResources(stages: readonly MapperStage[]): Resource[] {
  if (stages.length === 0) return [];
  table.load(stages);
  return RESOURCES.filter((r) => table.varies[r]);
}

/** Per stage, the least cycles and the least of each resource over its options (not necessarily one option). */
export function leastPerStage(stages: readonly MapperStage[]): StageCost[] {
  if (stages.length === 0) return [];
  table.load(stages);
  const { cycles, luts, dsps, bram } = table.least;
  return stages.map((_, i) => ({ cycles: cycles[i], luts: luts[i], dsps: dsps[i], bram: bram[i] }));
}

/**
 * The Pareto frontier of all mappings within `limits` (DESIGN §4). Dimensions: bottleneck, every resource that
 * varies, and the latency when `limits.maxTotalCycles` is finite.
 */
export function mapFrontier(stages: readonly MapperStage[], limits: MapperLimits): FrontierResult {
  checkLimits(limits);
  if (stages.length === 0) return new BlockedFrontier({ kind: 'no-stages' });
  table.load(stages);
  const blocked = blockedByLeast(stages, table, limits);
  if (blocked) return new BlockedFrontier(blocked);
  const allowance = stageAllowances(table, limits);
  const trackLatency = Number.isFinite(limits.maxTotalCycles);
  const { varies } = table;
  const activeCount = +varies.luts + +varies.dsps + +varies.bram;
  if (activeCount <= 1 && !trackLatency) return staircaseDp(stages, table, allowance, limits, varies.dsps ? 'dsps' : varies.bram ? 'bram' : 'luts');
  return generalDp(stages, table, allowance, limits, RESOURCES.filter((r) => varies[r]), trackLatency);
}
