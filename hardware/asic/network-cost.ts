/**
 * A whole network on one ASIC accelerator: its layers run one after the other (MAESTRO's layer-by-layer
 * model), so latency and energy are sums over layers; pooling runs in the output path and costs nothing here
 * [inferred]. Also the hardware network → dataflow shapes conversion.
 */
import type { HwLayer, HwNetwork } from '../network.js';
import { isMacLayer, loopDims } from '../network.js';
import type { AsicAccelerator, Template } from './accelerator.js';
import { acceleratorArea, layerCost, type AreaBreakdown, type EnergyBreakdown, type LayerCost } from './cost.js';
import type { ConvShape } from './templates.js';

/** The dataflow shape of a conv or dense layer for a batch of `batch` images; null for pooling. */
export function convShapeOf(layer: HwLayer, batch = 1): ConvShape | null {
  if (!isMacLayer(layer)) return null;
  const d = loopDims(layer);
  // loopDims: M outputs, N inputs (per group), K×K kernel, R×C output map, S stride.
  return { N: batch, K: d.M, C: d.N, Y: d.R, X: d.C, R: d.K, S: d.K, stride: d.S, groups: d.groups };
}

/** One layer's row. */
export interface AsicLayerRow {
  readonly name: string;
  readonly kind: HwLayer['kind'];
  readonly shape: ConvShape | null;
  /** null for a layer that runs outside the PE array (pooling). */
  readonly cost: LayerCost | null;
}

/** A network's cost on one accelerator. */
export interface NetworkCost {
  readonly accelerator: AsicAccelerator;
  readonly template: Template;
  readonly batch: number;
  readonly cycles: number;
  readonly latencyMs: number;
  readonly energyNj: EnergyBreakdown;
  readonly area: AreaBreakdown;
  readonly macs: number;
  readonly dramWords: number;
  /** Layers whose per-PE data do not fit the L1 (the design cannot run them as mapped). */
  readonly unfit: readonly string[];
  readonly layers: readonly AsicLayerRow[];
}

const ZERO: EnergyBreakdown = { mac: 0, l1: 0, l2: 0, noc: 0, dram: 0, total: 0 };

function addEnergy(a: EnergyBreakdown, b: EnergyBreakdown): EnergyBreakdown {
  return { mac: a.mac + b.mac, l1: a.l1 + b.l1, l2: a.l2 + b.l2, noc: a.noc + b.noc, dram: a.dram + b.dram, total: a.total + b.total };
}

/** Costs `net` on `a` (its template unless `template`), `batch` images per run. */
export function networkCost(net: HwNetwork, a: AsicAccelerator, batch = 1, template: Template = a.template): NetworkCost {
  let cycles = 0;
  let energy = ZERO;
  let macs = 0;
  let dram = 0;
  const unfit: string[] = [];
  const layers: AsicLayerRow[] = net.layers.map((layer) => {
    const shape = convShapeOf(layer, batch);
    if (!shape) return { name: layer.name, kind: layer.kind, shape: null, cost: null };
    const cost = layerCost(shape, a, template);
    cycles += cost.cycles;
    energy = addEnergy(energy, cost.energyNj);
    macs += cost.accesses.macs;
    dram += cost.accesses.dram;
    if (!cost.fits) unfit.push(layer.name);
    return { name: layer.name, kind: layer.kind, shape, cost };
  });
  return {
    accelerator: a,
    template,
    batch,
    cycles,
    latencyMs: cycles / (a.clockMHz * 1e3),
    energyNj: energy,
    area: acceleratorArea(a),
    macs,
    dramWords: dram,
    unfit,
    layers,
  };
}

/** How far the most demanding layer's per-PE data exceed the L1, normalised (≤ 0: every layer fits). */
export function l1Shortfall(cost: NetworkCost): number {
  const words = Math.floor(cost.accelerator.l1Bytes / cost.accelerator.wordBytes);
  let worst = -Infinity;
  for (const l of cost.layers) if (l.cost) worst = Math.max(worst, (l.cost.mapping.l1Words - words) / words);
  return Number.isFinite(worst) ? worst : -1;
}
