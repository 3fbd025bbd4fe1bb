/**
 * What a hardware model is and what it reports: the HardwareModel contract every cost model implements
 * (FPGA pipeline and tiling, ASIC dataflows, edge accelerator, measured CPU latency), and its report.
 */
import type { Architecture, Quantization } from '../lib/space/decode.js';
import type { HardwareDesign } from '../lib/space/decode-hardware.js';
import type { InfeasibleReason } from './fpga-pipeline.js';
import type { HwLayer, HwNetwork } from './network.js';
import type { EnergyReport } from './fpga-energy.js';
import type { AsicDetail } from './asic/report.js';
import type { HardwareMetric, HardwareSpec } from './spec.js';

/** One row of the per-layer table. */
export interface StageReport {
  readonly name: string;
  readonly kind: HwLayer['kind'];
  readonly macs: number;
  readonly params: number;
  readonly cycles: number;
  /** null when the model does not count LUTs. */
  readonly luts: number | null;
  readonly dsps: number;
  readonly bramBits: number;
  /** The implementation chosen, e.g. `Tm=8 Tn=4 lut` or `Tm=5 Tn=36 Tr=20 Tc=20`. */
  readonly config: string;
}

/** One point of a frontier (throughput against resources). */
export interface FrontierRow {
  readonly throughput: number;
  readonly cycles: number;
  readonly luts: number | null;
  readonly dsps: number;
  readonly bramBits: number;
  readonly latencyMs: number;
}

/** What a hardware model reports for one network. JSON-serialisable (it crosses worker boundaries). */
export interface HardwareReport {
  /** The model's registry name (hardware/model.ts). */
  readonly model: string;
  readonly device: string;
  readonly feasible: boolean;
  /** null when the model does not count LUTs (tiling models count DSPs and BRAM). */
  readonly luts: number | null;
  readonly dsps: number;
  readonly bramBits: number;
  /** Cycles between two images (the bottleneck stage / initiation interval). */
  readonly cycles: number;
  /** One image through the design. */
  readonly latencyMs: number;
  readonly throughputImgPerS: number;
  /** Normalised excess per constraint (≤ 0 satisfied), keyed `luts`, `dsps`, `bramBits`, `throughput`, `latencyMs`. */
  readonly violations: Readonly<Record<string, number>>;
  /** Why it is infeasible (typed) and in words. For an infeasible report the figures are the closest design found. */
  readonly reason?: InfeasibleReason;
  readonly reasonText?: string;
  /** Per-layer table (when asked for). */
  readonly stages?: readonly StageReport[];
  /** Frontier (lu2019-pipeline, when asked for): within the spec, or within the budgets alone when infeasible. */
  readonly frontier?: readonly FrontierRow[];
  readonly frontierScope?: 'spec' | 'budgets';
  /** Energy per run, nJ (models that count it: asic; tiling models, per image). */
  readonly energyNj?: number;
  /** Tiling models: energy per image, power and efficiency (GOPS/W), fpga-energy.ts. */
  readonly energy?: EnergyReport;
  /** Memory-port bits per cycle of the most loaded FPGA (designs from hardware genes). */
  readonly portBits?: number;
  /** Chip area, µm² (models that count it: asic). */
  readonly areaUm2?: number;
  /** asic: the accelerator, energy/area breakdowns and the per-layer table (when asked for). */
  readonly asic?: AsicDetail;
}

/** Options of an evaluation. */
export interface EvaluateOptions {
  /** Include the per-layer table and the frontier (CLI); off for bulk search. */
  readonly detail?: boolean;
  /** The genome's own hardware (decoded from its `hw` genes): evaluated as it is instead of searched. */
  readonly design?: HardwareDesign;
}

/** A hardware cost model. */
export interface HardwareModel {
  readonly name: string;
  readonly description: string;
  /** The metrics its reports carry: a spec may bound only these (a LUT budget needs `luts`). */
  readonly metrics: readonly HardwareMetric[];
  evaluate(arch: Architecture, quant: Quantization, spec: HardwareSpec, options?: EvaluateOptions): HardwareReport;
  /** The same on a hardware network (reference architectures the spaces cannot express). */
  evaluateNetwork(net: HwNetwork, spec: HardwareSpec, options?: EvaluateOptions): HardwareReport;
  /** What the designs run on under `spec`, for the run's opening line (default: the spec's FPGA device). */
  target?(spec: HardwareSpec): string;
}

/** The metrics of a report as a trial records them (`throughput` in img/s; `luts` only when counted). */
export function reportMetrics(r: HardwareReport): Record<string, number> {
  const all: Record<string, number | null> = { luts: r.luts, dsps: r.dsps, bramBits: r.bramBits, cycles: r.cycles, latencyMs: r.latencyMs, throughput: r.throughputImgPerS, energyNj: r.energyNj ?? null, areaUm2: r.areaUm2 ?? null };
  if (r.energy) Object.assign(all, { powerW: r.energy.powerW, gopsPerW: r.energy.gopsPerW });
  if (r.portBits !== undefined) all.portBits = r.portBits;
  const m: Record<string, number> = {};
  // Not counted (null) or not defined (no design: infinite) metrics are left out; the violations carry them.
  for (const [k, v] of Object.entries(all)) if (v !== null && Number.isFinite(v)) m[k] = v;
  return m;
}
