/**
 * The genome's own hardware, evaluated as it is (no mapper): every conv/dense layer is one tiled engine with
 * the genome's ⟨Tm, Tn, Tr, Tc⟩ and ports (FNAS/hotNAS formulas, tiling.ts), the layers form a pipeline
 * (one image enters every slowest-stage cycles; MODELS.md §3.3 [inferred]), placed on one FPGA or partitioned
 * over two: a contiguous cut whose activations cross the inter-FPGA link, or every layer split over both at an
 * XFER level (xferSplitLatency). Figures: latency, throughput, DSPs, BRAM, port bandwidth and energy.
 */
import { HwnasError } from '../lib/errors.js';
import type { HardwareDesign } from '../lib/space/decode-hardware.js';
import { resolveDevice, type Device } from './device.js';
import { imageEnergy, type EnergyLayer, type EnergyReport } from './fpga-energy.js';
import { xferSplitLatency } from './multi-fpga.js';
import { compressItems, supportBramBlocks } from './compression.js';
import { dspsPerMac, tiledLatency, tilingBramBlocks, type Precision, type TileLayer } from './tiling.js';

/** A MAC layer with its word formats, as the tiling models see it. */
export interface DesignItem {
  readonly layer: TileLayer;
  readonly name: string;
  readonly precision: Precision;
  readonly weightBits: number;
}

/** Port word width (bits) of the authors' designs: 16-bit ports [code: FNAS/hotNAS PM_Config]. */
export const PORT_WORD_BITS = 16;

/** One engine of the design. */
export interface DesignLayer {
  readonly name: string;
  readonly tiling: { readonly Tm: number; readonly Tn: number; readonly Tr: number; readonly Tc: number };
  readonly cycles: number;
  readonly dsps: number;
  readonly bramBlocks: number;
  /** FPGAs holding this engine (both for an XFER split). */
  readonly fpgas: readonly number[];
}

/** The design's figures. */
export interface DesignResult {
  readonly devices: readonly Device[];
  readonly layers: readonly DesignLayer[];
  /** Cycles between two images: the slowest engine or link. */
  readonly intervalCycles: number;
  /** Cycles of one image through every engine and link. */
  readonly latencyCycles: number;
  readonly linkCycles: number;
  readonly dspsPerFpga: readonly number[];
  readonly bramBlocksPerFpga: readonly number[];
  /** Memory-port bits per cycle of all engines on each FPGA: Σ 16·(W_p + I_p + O_p) (hotNAS's port check). */
  readonly portBitsPerFpga: readonly number[];
  readonly energy: EnergyReport;
  readonly clockMHz: number;
}

/** What the evaluation needs beyond the design. */
export interface DesignContext {
  readonly device: Device;
  /** Second device of a two-FPGA design (default: the same part, as XFER's two ZCU102). */
  readonly second?: Device;
  readonly clockMHz: number;
  readonly linkWordsPerCycle: number;
  readonly staticPowerW?: number;
}

/** Evaluates a decoded design on its layers. */
export function evaluateDesign(items: readonly DesignItem[], design: HardwareDesign, ctx: DesignContext): DesignResult {
  if (items.length !== design.layers.length || items.some((it, i) => it.name !== design.layers[i].layer)) {
    throw new HwnasError(
      'HW_DESIGN_MISMATCH',
      `hardware genes name layers ${design.layers.map((l) => l.layer).join(',')}, the network has ${items.map((i) => i.name).join(',')}`,
    );
  }
  const first = design.device ? resolveDevice(design.device, 'genome.hw.device') : ctx.device;
  const devices = design.fpgas >= 2 ? [first, ctx.second ?? first] : [first];
  const part = design.partition;
  const ports = design.ports;
  const layers: DesignLayer[] = [];
  const energyLayers: EnergyLayer[] = [];
  // Pruned layers and packed weights as the hardware runs them (compression.ts); absent: the network as declared.
  const compressed = design.compression ? compressItems(items, design.compression) : undefined;
  items.forEach((it, i) => {
    const g = design.layers[i];
    const l = compressed ? compressed[i].layer : it.layer;
    const R = l.R + 2 * (l.P ?? 0), C = l.C + 2 * (l.P ?? 0);
    // Tiles larger than the loop they tile buy nothing: clamp, so DSPs and buffers count what is built.
    const t = { Tm: Math.min(g.Tm, l.M), Tn: Math.min(g.Tn, l.N), Tr: Math.min(g.Tr, R), Tc: Math.min(g.Tc, C) };
    const fpgas = part.kind === 'single' ? [0] : part.kind === 'xfer' ? [0, 1] : [i < part.cut ? 0 : 1];
    const dev = devices[fpgas[0]];
    const bits = { weightBits: compressed ? compressed[i].portWeightBits : Math.min(it.weightBits, PORT_WORD_BITS), portBits: PORT_WORD_BITS };
    const lat = tiledLatency(l, t, ports, bits);
    const cycles = part.kind === 'xfer'
      ? xferSplitLatency(l, t, { Pb: 1, Pr: part.level === 'Pr' ? 2 : 1, Pc: part.level === 'Pc' ? 2 : 1, Pm: part.level === 'Pm' ? 2 : 1 }, { ...ports, ap: ctx.linkWordsPerCycle })
      : lat.cycles;
    layers.push({
      name: it.name, tiling: t, cycles,
      dsps: Math.ceil(t.Tm * t.Tn * dspsPerMac(dev, it.precision)),
      bramBlocks: tilingBramBlocks(l, t, it.precision, dev.bramBlockBits) +
        (design.compression ? supportBramBlocks(l, t, it.precision, ports, dev.bramBlockBits, design.compression.support) : 0),
      fpgas,
    });
    energyLayers.push({ layer: l, tiling: t, latency: lat, precision: it.precision, ports });
  });
  // The activations at a pipeline cut cross the link once per image: a stage of its own.
  let linkCycles = 0;
  if (part.kind === 'pipeline' && part.cut < items.length) {
    // The input map of the first layer on FPGA 1 (a dense layer's: its flattened N inputs).
    const next = items[part.cut].layer;
    linkCycles = ((next.B ?? 1) * next.N * next.R * next.C) / ctx.linkWordsPerCycle;
  }
  const sumOn = (f: (d: DesignLayer) => number) => devices.map((_, k) => layers.filter((d) => d.fpgas.includes(k)).reduce((s, d) => s + f(d), 0));
  const intervalCycles = Math.max(linkCycles, ...layers.map((d) => d.cycles));
  const latencyCycles = layers.reduce((s, d) => s + d.cycles, 0) + linkCycles;
  const f = ctx.clockMHz * 1e6;
  return {
    devices,
    layers,
    intervalCycles,
    latencyCycles,
    linkCycles,
    dspsPerFpga: sumOn((d) => d.dsps),
    bramBlocksPerFpga: sumOn((d) => d.bramBlocks),
    portBitsPerFpga: sumOn(() => PORT_WORD_BITS * (ports.wp + ports.ip + ports.op)),
    energy: imageEnergy(energyLayers, devices, intervalCycles / f, ctx.staticPowerW),
    clockMHz: ctx.clockMHz,
  };
}
