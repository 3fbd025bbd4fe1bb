/**
 * What the `asic` hardware model reports for one network on one accelerator under a spec: latency, energy, area,
 * their normalised violations, and (on request) the per-layer table. Shaped to merge into hardware/model.ts's
 * HardwareReport, which this module does not import (the registry imports it).
 */
import { constraintViolations, describeViolations, type Constraint } from '../../lib/trial/index.js';
import type { HwLayer, HwNetwork } from '../network.js';
import { layerMacs, layerParams } from '../network.js';
import type { AsicAccelerator } from './accelerator.js';
import type { AreaBreakdown, EnergyBreakdown } from './cost.js';
import { specConstraints, type HardwareMetric } from '../spec.js';
import { l1Shortfall, networkCost, type NetworkCost } from './network-cost.js';

/** Spec of an ASIC evaluation (all bounds optional). */
export interface AsicSpec {
  /** Images per run (latency and energy are per run). */
  readonly batch: number;
  readonly maxLatencyMs?: number;
  readonly minThroughput?: number;
  readonly maxEnergyNj?: number;
  readonly maxAreaUm2?: number;
}

/** One per-layer row. */
export interface AsicStageRow {
  readonly name: string;
  readonly kind: HwLayer['kind'];
  readonly macs: number;
  readonly params: number;
  readonly cycles: number;
  readonly latencyMs: number;
  readonly energyNj: number;
  readonly utilisation: number;
  readonly bound: 'compute' | 'noc' | 'dram' | 'none';
  readonly mapping: string;
  readonly l2Words: number;
  readonly nocWords: number;
  readonly dramWords: number;
  readonly fits: boolean;
}

/** The ASIC part of a report. */
export interface AsicDetail {
  readonly accelerator: AsicAccelerator;
  readonly batch: number;
  readonly energy: EnergyBreakdown;
  readonly area: AreaBreakdown;
  readonly macs: number;
  readonly dramWords: number;
  readonly layers: readonly AsicStageRow[];
}

/** The report figures (merged into a HardwareReport by the registry). */
export interface AsicReportParts {
  readonly device: string;
  readonly feasible: boolean;
  readonly cycles: number;
  readonly latencyMs: number;
  readonly throughputImgPerS: number;
  readonly energyNj: number;
  readonly areaUm2: number;
  readonly violations: Readonly<Record<string, number>>;
  readonly reasonText?: string;
  readonly asic?: AsicDetail;
}

/** What an ASIC report measures: latency, throughput, energy and area (no FPGA resources). */
export const ASIC_METRICS: readonly HardwareMetric[] = ['cycles', 'throughput', 'latencyMs', 'energyNj', 'areaUm2'];

/** The constraints of an ASIC spec: hardware/spec.ts specConstraints over {@link ASIC_METRICS}. */
export function asicConstraints(spec: AsicSpec): Constraint[] {
  return specConstraints(spec, ASIC_METRICS);
}

function rows(cost: NetworkCost, net: HwNetwork): AsicStageRow[] {
  const f = cost.accelerator.clockMHz * 1e3;
  return cost.layers.map((r, i) => {
    const layer = net.layers[i];
    const c = r.cost;
    return {
      name: r.name,
      kind: r.kind,
      macs: layerMacs(layer) * cost.batch,
      params: layerParams(layer),
      cycles: c?.cycles ?? 0,
      latencyMs: (c?.cycles ?? 0) / f,
      energyNj: c?.energyNj.total ?? 0,
      utilisation: c?.utilisation ?? 0,
      bound: c?.bound ?? 'none',
      mapping: c ? c.mapping.description : 'output path (no MACs)',
      l2Words: c?.accesses.l2 ?? 0,
      nocWords: c?.accesses.noc ?? 0,
      dramWords: c?.accesses.dram ?? 0,
      fits: c?.fits ?? true,
    };
  });
}

/** Costs `net` on `a` under `spec`. A layer whose per-PE data exceed the L1 makes the design infeasible. */
export function asicReport(net: HwNetwork, a: AsicAccelerator, spec: AsicSpec, detail = false): AsicReportParts {
  const cost = networkCost(net, a, spec.batch);
  const throughput = cost.cycles > 0 ? (spec.batch * a.clockMHz * 1e6) / cost.cycles : Infinity;
  const metrics = { latencyMs: cost.latencyMs, throughput, energyNj: cost.energyNj.total, areaUm2: cost.area.total };
  const violations = constraintViolations(asicConstraints(spec), metrics);
  // The L1 shortfall of the worst layer, normalised like any other violation.
  if (cost.unfit.length > 0) violations.l1 = l1Shortfall(cost);
  const feasible = Object.values(violations).every((v) => v <= 0);
  const reasons: string[] = [];
  if (cost.unfit.length > 0) reasons.push(`layers ${cost.unfit.join(', ')} need more L1 than ${a.l1Bytes} B per PE`);
  const words = describeViolations(violations);
  if (!feasible && words) reasons.push(words);
  return {
    device: a.name,
    feasible,
    cycles: cost.cycles,
    latencyMs: cost.latencyMs,
    throughputImgPerS: throughput,
    energyNj: cost.energyNj.total,
    areaUm2: cost.area.total,
    violations,
    ...(feasible ? {} : { reasonText: reasons.join('; ') }),
    ...(detail
      ? { asic: { accelerator: a, batch: spec.batch, energy: cost.energyNj, area: cost.area, macs: cost.macs, dramWords: cost.dramWords, layers: rows(cost, net) } }
      : {}),
  };
}
