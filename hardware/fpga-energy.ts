/**
 * Energy and power of the tiled FPGA accelerators (fnas-tiling, multi-fpga, the co-exploration designs):
 * per image, E = E_MAC·MACs + E_bram·on-chip words + E_dram·off-chip words + P_static·(time per image), and
 * energy efficiency = operations / E (GOP/J = GOPS/W), the figure Jiang et al. report (+54.05 %, MODELS.md §3.1).
 *
 * Constants (hardware/README.md, "Energy"):
 * - ASIC operation and memory energies at 45 nm, 0.9 V [paper: Horowitz, "Computing's energy problem",
 *   ISSCC 2014, recalled]: 32-bit integer multiply 3.1 pJ, 8-bit 0.2 pJ (we scale ∝ bits², which gives 0.19 pJ at
 *   8 bits [inferred]), 32-bit add 0.1 pJ; float32 multiply 3.7 pJ, add 0.9 pJ; an 8 KB SRAM 64-bit read 10 pJ;
 *   a DRAM 64-bit access 1.3–2.6 nJ (we take the midpoint, 1.95 nJ [inferred]).
 * - FPGA over ASIC [paper: Kuon & Rose, "Measuring the gap between FPGAs and ASICs", IEEE TCAD 26(2) 2007,
 *   recalled]: dynamic power about 14× in soft logic (LUTs); with hard multipliers and block RAM the gap is
 *   smaller — we take 7× for DSP and BRAM [inferred, half the soft-logic gap]. DRAM energy is the same chip
 *   whichever device reads it (no factor).
 * - Static power per device: not in any source we have; order-of-magnitude defaults [recall, low: vendor power
 *   estimators' idle figures], overridable per spec (`staticPowerW`). Treat absolute GOPS/W as a model figure;
 *   ratios between designs on the same device are what the search uses.
 */
import type { Device } from './device.js';
import type { Precision, TiledLatency, TileLayer, Tiling } from './tiling.js';

/** Horowitz ISSCC'14, 45 nm, pJ [paper, recalled]. */
export const HOROWITZ_45NM = {
  int32MulPj: 3.1,
  int8MulPj: 0.2,
  int32AddPj: 0.1,
  fp32MulPj: 3.7,
  fp32AddPj: 0.9,
  /** 64-bit read of an 8 KB SRAM. */
  sram8kb64bitPj: 10,
  /** 64-bit DRAM access, the midpoint of 1.3–2.6 nJ [inferred]. */
  dram64bitPj: 1950,
} as const;

/** FPGA/ASIC dynamic power ratios [paper: Kuon & Rose 2007, soft logic ≈ 14×; hard blocks 7× inferred]. */
export const FPGA_GAP = { softLogic: 14, hardBlock: 7 } as const;

/** Static power (W) of the catalog devices [recall, low]; `default` for custom devices. */
export const STATIC_POWER_W: Readonly<Record<string, number>> = {
  ep4ce6: 0.05, ep4ce10: 0.06, ep4ce15: 0.07, ep4ce22: 0.08, ep4ce30: 0.09, ep4ce40: 0.1, ep4ce55: 0.11, ep4ce75: 0.12, ep4ce115: 0.13,
  xc7a50t: 0.08, xc7z020: 0.12, xc7vx485t: 0.35, xczu9eg: 0.6, default: 0.2,
};

/** pJ of one fixed-point (or float32) multiply-accumulate on a DSP block or in LUTs. */
export function macEnergyPj(p: Precision, on: 'dsp' | 'lut'): number {
  const gap = on === 'dsp' ? FPGA_GAP.hardBlock : FPGA_GAP.softLogic;
  if (p === 'float32') return (HOROWITZ_45NM.fp32MulPj + HOROWITZ_45NM.fp32AddPj) * gap;
  return (HOROWITZ_45NM.int32MulPj * (p / 32) ** 2 + HOROWITZ_45NM.int32AddPj) * gap;
}

/** pJ of one on-chip (block RAM) access of a `bits`-bit word. */
export function bramWordPj(bits: number): number {
  return (HOROWITZ_45NM.sram8kb64bitPj / 64) * bits * FPGA_GAP.hardBlock;
}

/** pJ of one off-chip (DRAM) access of a `bits`-bit word. */
export function dramWordPj(bits: number): number {
  return (HOROWITZ_45NM.dram64bitPj / 64) * bits;
}

/** Static power of a device (W). */
export function staticPowerW(device: Device): number {
  return STATIC_POWER_W[device.name] ?? STATIC_POWER_W.default;
}

/** One tiled layer as the energy model sees it. */
export interface EnergyLayer {
  readonly layer: TileLayer;
  readonly tiling: Tiling;
  readonly latency: TiledLatency;
  readonly precision: Precision;
  readonly ports: { readonly wp: number; readonly ip: number; readonly op: number };
}

/** Energy figures of one image. */
export interface EnergyReport {
  /** mJ per image. */
  readonly energyMj: number;
  /** Average power at full throughput (W). */
  readonly powerW: number;
  /** Operations (2 per MAC) per joule / 1e9: GOPS/W. */
  readonly gopsPerW: number;
  /** GOP/s at the design's throughput. */
  readonly gops: number;
  /** Breakdown, mJ per image. */
  readonly macMj: number;
  readonly onChipMj: number;
  readonly offChipMj: number;
  readonly staticMj: number;
}

/**
 * MACs a tiled layer really performs (declared outputs; padding of partial tiles not counted): a pattern-pruned
 * layer on an engine that skips the pruned weights (`kept`, set only with pattern support) performs kept per kernel.
 */
function layerMacs(l: TileLayer): number {
  const S = l.S ?? 1;
  return (l.B ?? 1) * (l.Ro ?? Math.ceil(l.R / S)) * (l.Co ?? Math.ceil(l.C / S)) * l.M * l.N * (l.kept ?? l.K * l.K);
}

/**
 * Energy of one image through tiled layers. On-chip: per MAC the engine reads one weight, one input per Tm MACs
 * and reads + writes one partial sum per Tn MACs (Zhang 2015's Tm×Tn array) [inferred]. Off-chip: what the
 * tiles load and store, from the latency terms (tI·I_p input words, tW·W_p·packing weight words per input
 * step, tO·O_p output words per tile). Static energy: every device's static power for `secondsPerImage`.
 */
export function imageEnergy(layers: readonly EnergyLayer[], devices: readonly Device[], secondsPerImage: number, staticW?: number): EnergyReport {
  let macPj = 0, onPj = 0, offPj = 0, ops = 0;
  for (const e of layers) {
    const bits = e.precision === 'float32' ? 32 : e.precision;
    const macs = layerMacs(e.layer);
    ops += 2 * macs;
    macPj += macs * macEnergyPj(e.precision, 'dsp');
    const tm = Math.min(e.tiling.Tm, e.layer.M), tn = Math.min(e.tiling.Tn, e.layer.N);
    onPj += macs * (1 + 1 / tm + 2 / tn) * bramWordPj(bits);
    const steps = Math.ceil(e.layer.N / e.tiling.Tn);
    const lat = e.latency;
    const words = lat.tiles * (steps * (lat.tI * e.ports.ip + lat.tW * e.ports.wp) + lat.tO * e.ports.op);
    offPj += words * dramWordPj(bits);
  }
  const pStatic = staticW ?? devices.reduce((s, d) => s + staticPowerW(d), 0);
  return energyReport({ macPj, onPj, offPj, staticPj: pStatic * secondsPerImage * 1e12 }, ops, secondsPerImage);
}

/** The report of one image's energy parts (pJ), its operations and its time. */
function energyReport(pj: { macPj: number; onPj: number; offPj: number; staticPj: number }, ops: number, secondsPerImage: number): EnergyReport {
  const joules = (pj.macPj + pj.onPj + pj.offPj + pj.staticPj) * 1e-12;
  return {
    energyMj: joules * 1e3,
    powerW: joules / secondsPerImage,
    gopsPerW: ops / joules / 1e9,
    gops: ops / secondsPerImage / 1e9,
    macMj: pj.macPj * 1e-9,
    onChipMj: pj.onPj * 1e-9,
    offChipMj: pj.offPj * 1e-9,
    staticMj: pj.staticPj * 1e-9,
  };
}

/** One stage of the LUT/DSP layer pipeline (lu2019-pipeline) as the energy model sees it. */
export interface PipelineEnergyStage {
  readonly macs: number;
  /** Widest operand (bits; 32 for float). */
  readonly bits: Precision;
  /** Where its multipliers are: LUTs (the paper's) or DSP blocks. */
  readonly mult: 'lut' | 'dsp';
  /** Output lanes (Tm): one input word is read per Tm MACs. */
  readonly tm: number;
}

/**
 * Energy of one image through Lu et al.'s layer pipeline: every weight stays on chip (no off-chip traffic), so
 * per MAC one weight word and 1/Tm input word from block RAM [inferred], the MAC in LUTs (14×) or a DSP (7×),
 * and the device's static power for 1/throughput.
 */
export function pipelineEnergy(stages: readonly PipelineEnergyStage[], device: Device, secondsPerImage: number, staticW?: number): EnergyReport {
  let macPj = 0, onPj = 0, ops = 0;
  for (const s of stages) {
    if (s.macs === 0) continue;
    const bits = s.bits === 'float32' ? 32 : s.bits;
    ops += 2 * s.macs;
    macPj += s.macs * macEnergyPj(s.bits, s.mult);
    onPj += s.macs * (1 + 1 / Math.max(1, s.tm)) * bramWordPj(bits);
  }
  const staticPj = (staticW ?? staticPowerW(device)) * secondsPerImage * 1e12;
  return energyReport({ macPj, onPj, offPj: 0, staticPj }, ops, secondsPerImage);
}
