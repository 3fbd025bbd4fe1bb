/**
 * A heterogeneous accelerator (NASAIC, MODELS-ACCELERATORS §4.2): sub-accelerators from dataflow templates, each
 * running the networks assigned to it one after the other (each network's layers in sequence), all sub-accelerators
 * in parallel. Latency = the slowest sub-accelerator; energy and area = sums. A sub-accelerator with no network is
 * not built (no area).
 */
import type { HeteroDesign, SubAcceleratorGenes } from '../../lib/space/nasaic.js';
import type { HwNetwork } from '../network.js';
import type { AsicAccelerator } from './accelerator.js';
import { networkCost, type NetworkCost } from './network-cost.js';

/** Fixed facts of the sub-accelerators the genes do not choose [inferred: Eyeriss' 16-bit words and 200 MHz]. */
export const SUB_ACCELERATOR_DEFAULTS = { simdLanes: 1, nocHopLatency: 1, wordBytes: 2, clockMHz: 200, energyTable: 'maestro' } as const;

/** The accelerator of decoded sub-accelerator genes. */
export function subAccelerator(g: SubAcceleratorGenes, index: number): AsicAccelerator {
  return {
    name: `sub${index + 1}-${g.template}`,
    template: g.template,
    pes: g.pes,
    nocBw: g.nocBw,
    l1Bytes: g.l1Bytes,
    l2Bytes: g.l2Bytes,
    ...SUB_ACCELERATOR_DEFAULTS,
    source: 'NASAIC sub-accelerator genes',
  };
}

/** The cost of several networks on a heterogeneous accelerator. */
export interface HeteroCost {
  /** Latency of each network: the end of its sub-accelerator's sequence. */
  readonly taskLatencyMs: readonly number[];
  readonly latencyMs: number;
  readonly energyNj: number;
  readonly areaUm2: number;
  /** Per network: its cost on its sub-accelerator. */
  readonly networks: readonly NetworkCost[];
  /** The sub-accelerators built (those running a network), with their total latency. */
  readonly built: readonly { readonly index: number; readonly accelerator: AsicAccelerator; readonly latencyMs: number; readonly areaUm2: number }[];
  /** Networks with a layer that does not fit its sub-accelerator's L1. */
  readonly unfit: readonly { readonly task: number; readonly layers: readonly string[] }[];
}

/** Costs `nets[i]` on sub-accelerator `design.assignment[i]`; `batch` images per network. */
export function heteroCost(nets: readonly HwNetwork[], design: HeteroDesign, batch = 1): HeteroCost {
  if (nets.length !== design.assignment.length) throw new RangeError(`${nets.length} networks but ${design.assignment.length} assignments`);
  const accs = design.subAccelerators.map(subAccelerator);
  const networks = nets.map((net, i) => networkCost(net, accs[design.assignment[i]], batch));
  const busy = new Map<number, number>();
  design.assignment.forEach((j, i) => busy.set(j, (busy.get(j) ?? 0) + networks[i].latencyMs));
  const built = [...busy.entries()].sort((a, b) => a[0] - b[0]).map(([index, latencyMs]) => {
    const accelerator = accs[index];
    const areaUm2 = networks[design.assignment.indexOf(index)].area.total;
    return { index, accelerator, latencyMs, areaUm2 };
  });
  return {
    taskLatencyMs: design.assignment.map((j) => busy.get(j)!),
    latencyMs: Math.max(...busy.values()),
    energyNj: networks.reduce((s, n) => s + n.energyNj.total, 0),
    areaUm2: built.reduce((s, b) => s + b.areaUm2, 0),
    networks,
    built,
    unfit: networks.map((n, task) => ({ task, layers: n.unfit })).filter((u) => u.layers.length > 0),
  };
}
