/**
 * Multi-FPGA partition in the spirit of the hardware/software co-exploration work (Jiang et al., TCAD 2020;
 * MODELS.md §3.3): a chain of layers is cut into contiguous pipeline segments placed on a list of FPGAs, in
 * order (a device may stay unused). Each segment runs layer after layer on one tiled engine of its device
 * (one ⟨Tm, Tn⟩ for the segment, Tr × Tc per layer; see tiling.ts), and sends its output map to the next
 * device over an inter-FPGA link. Throughput = 1 / the slowest segment or link [inferred, MODELS.md §3.3:
 * "the slowest stage sets the rate"]. A dynamic program over (device, layer) finds the partition with the
 * highest throughput under each device's DSP and BRAM; brute force checks it in the tests.
 */
import { HwnasError } from '../lib/errors.js';
import type { Device } from './device.js';
import { unrollCandidates } from './layer-cost.js';
import {
  bestLayerTiling, checkTileLayer, dspsPerMac, tiledLatency, type LayerTiling, type TileLayer, type TilingSearch,
} from './tiling.js';

/** Options of the partition search. */
export interface MultiFpgaOptions {
  readonly search: TilingSearch;
  /**
   * Inter-FPGA link words per cycle (A_p of XFER_FPGA's Aurora model). No value is given in the sources; the
   * default 2 matches the memory ports [inferred].
   */
  readonly linkWordsPerCycle: number;
  /** Require every device to hold at least one layer. */
  readonly useAllDevices?: boolean;
}

/** One pipeline segment. */
export interface Segment {
  readonly device: Device;
  readonly deviceIndex: number;
  /** Layers [from, to). */
  readonly from: number;
  readonly to: number;
  readonly Tm: number;
  readonly Tn: number;
  readonly tilings: readonly LayerTiling[];
  readonly cycles: number;
  readonly seconds: number;
  /** Time to receive the input map from the previous device (0 for the first segment). */
  readonly linkSeconds: number;
  readonly dsps: number;
  /** BRAM blocks of the engine: its largest layer tiling. */
  readonly bramBlocks: number;
}

/** A partition and its figures. */
export interface Partition {
  readonly segments: readonly Segment[];
  /** The slowest segment or link, in seconds per image. */
  readonly bottleneckSeconds: number;
  readonly throughput: number;
  /** One image through every segment and link. */
  readonly latencySeconds: number;
}

/** Output words a layer hands to the next one. */
function outputWords(l: TileLayer): number {
  const S = l.S ?? 1;
  return (l.B ?? 1) * l.M * Math.ceil(l.R / S) * Math.ceil(l.C / S);
}

interface DeviceTable {
  /** Candidate engines ⟨Tm, Tn⟩ that fit the device's DSPs. */
  readonly engines: readonly { Tm: number; Tn: number }[];
  /** best[l][e]: lowest cycles of layer l on engine e (Infinity: no Tr, Tc fits the BRAM). */
  readonly best: readonly Float64Array[];
  /** prefix[e][i]: Σ_{l<i} best[l][e]. */
  readonly prefix: readonly Float64Array[];
}

function deviceTable(layers: readonly TileLayer[], device: Device, search: TilingSearch): DeviceTable {
  const perMac = dspsPerMac(device, search.precision);
  const tms = [...new Set(layers.flatMap((l) => unrollCandidates(l.M, l.M)))].sort((a, b) => a - b);
  const tns = [...new Set(layers.flatMap((l) => unrollCandidates(l.N, l.N)))].sort((a, b) => a - b);
  const engines = tms.flatMap((Tm) => tns.filter((Tn) => Math.ceil(Tm * Tn * perMac) <= device.dsps).map((Tn) => ({ Tm, Tn })));
  const limits = { dsps: device.dsps, bramBlocks: device.bramBlocks };
  const best = layers.map((l) => Float64Array.from(engines, (e) => bestLayerTiling(l, device, limits, search, e)?.latency.cycles ?? Infinity));
  const prefix = engines.map((_, e) => {
    const p = new Float64Array(layers.length + 1);
    for (let i = 0; i < layers.length; i++) p[i + 1] = p[i] + best[i][e];
    return p;
  });
  return { engines, best, prefix };
}

/** Cheapest engine for layers [j, i) on a device: its index and cycles. */
function segmentCost(t: DeviceTable, j: number, i: number): { engine: number; cycles: number } {
  let engine = -1, cycles = Infinity;
  for (let e = 0; e < t.engines.length; e++) {
    const c = t.prefix[e][i] - t.prefix[e][j];
    if (c < cycles) {
      cycles = c;
      engine = e;
    }
  }
  return { engine, cycles };
}

function checkInputs(layers: readonly TileLayer[], devices: readonly Device[], o: MultiFpgaOptions): void {
  if (layers.length === 0) throw new HwnasError('HW_EMPTY_NETWORK', 'no layers to partition');
  if (devices.length === 0) throw new HwnasError('HW_NO_DEVICES', 'multi-FPGA partition needs at least one device');
  if (!(o.linkWordsPerCycle > 0)) throw new HwnasError('HW_BAD_LINK', `linkWordsPerCycle must be > 0, got ${o.linkWordsPerCycle}`);
  layers.forEach(checkTileLayer);
}

/** Evaluates cost tables once for both the DP and brute force. */
export interface PartitionProblem {
  readonly layers: readonly TileLayer[];
  readonly devices: readonly Device[];
  readonly options: MultiFpgaOptions;
  /** Seconds of layers [j, i) on device d, and the engine achieving it. */
  segment(j: number, i: number, d: number): { engine: number; cycles: number; seconds: number };
  /** Seconds to bring the output of layer j − 1 into device d (0 for j = 0). */
  link(j: number, d: number): number;
  build(parts: readonly { from: number; to: number; device: number }[]): Partition;
}

/** Precomputes each device's per-layer, per-engine latencies. */
export function partitionProblem(layers: readonly TileLayer[], devices: readonly Device[], options: MultiFpgaOptions): PartitionProblem {
  checkInputs(layers, devices, options);
  const tables = devices.map((d) => deviceTable(layers, d, options.search));
  const hz = devices.map((d) => d.clockMHz * 1e6);
  const segment = (j: number, i: number, d: number) => {
    const c = segmentCost(tables[d], j, i);
    return { ...c, seconds: c.cycles / hz[d] };
  };
  const link = (j: number, d: number) => (j === 0 ? 0 : outputWords(layers[j - 1]) / options.linkWordsPerCycle / hz[d]);
  const build = (parts: readonly { from: number; to: number; device: number }[]): Partition => {
    const segments = parts.map(({ from, to, device }) => {
      const dev = devices[device];
      const { engine, cycles, seconds } = segment(from, to, device);
      const { Tm, Tn } = tables[device].engines[engine];
      const limits = { dsps: dev.dsps, bramBlocks: dev.bramBlocks };
      const tilings = layers.slice(from, to).map((l) => bestLayerTiling(l, dev, limits, options.search, { Tm, Tn })!);
      return {
        device: dev, deviceIndex: device, from, to, Tm, Tn, tilings, cycles, seconds, linkSeconds: link(from, device),
        dsps: Math.ceil(Tm * Tn * dspsPerMac(dev, options.search.precision)),
        bramBlocks: Math.max(...tilings.map((t) => t.bramBlocks)),
      };
    });
    const bottleneck = Math.max(...segments.map((s) => Math.max(s.seconds, s.linkSeconds)));
    return {
      segments,
      bottleneckSeconds: bottleneck,
      throughput: 1 / bottleneck,
      latencySeconds: segments.reduce((s, g) => s + g.seconds + g.linkSeconds, 0),
    };
  };
  return { layers, devices, options, segment, link, build };
}

/**
 * The partition with the smallest bottleneck: dp[d][i] = best bottleneck covering layers [0, i) with the
 * first d devices = min(dp[d−1][i] (device d−1 unused), min_j max(dp[d−1][j], seg(j, i, d−1), link(j, d−1))).
 * Undefined when no partition fits (a layer has no tiling on any device it could go to).
 */
export function partitionLayers(layers: readonly TileLayer[], devices: readonly Device[], options: MultiFpgaOptions): Partition | undefined {
  return solvePartition(partitionProblem(layers, devices, options));
}

/** The DP on a precomputed problem. */
export function solvePartition(p: PartitionProblem): Partition | undefined {
  const L = p.layers.length;
  const D = p.devices.length;
  const all = p.options.useAllDevices ?? false;
  const dp: Float64Array[] = Array.from({ length: D + 1 }, () => new Float64Array(L + 1).fill(Infinity));
  const from: Int32Array[] = Array.from({ length: D + 1 }, () => new Int32Array(L + 1).fill(-2));
  dp[0][0] = 0;
  for (let d = 1; d <= D; d++) {
    for (let i = 0; i <= L; i++) {
      if (!all && dp[d - 1][i] < dp[d][i]) {
        dp[d][i] = dp[d - 1][i];
        from[d][i] = -1; // device d − 1 unused
      }
      for (let j = 0; j < i; j++) {
        if (dp[d - 1][j] === Infinity) continue;
        const seg = p.segment(j, i, d - 1).seconds;
        const v = Math.max(dp[d - 1][j], seg, p.link(j, d - 1));
        if (v < dp[d][i]) {
          dp[d][i] = v;
          from[d][i] = j;
        }
      }
    }
  }
  if (dp[D][L] === Infinity) return undefined;
  const parts: { from: number; to: number; device: number }[] = [];
  let i = L;
  for (let d = D; d > 0; d--) {
    const j = from[d][i];
    if (j === -1) continue;
    parts.unshift({ from: j, to: i, device: d - 1 });
    i = j;
  }
  return p.build(parts);
}

/** Every partition, exhaustively (tests): the smallest bottleneck found. */
export function bruteForcePartition(p: PartitionProblem): Partition | undefined {
  const L = p.layers.length;
  const D = p.devices.length;
  const all = p.options.useAllDevices ?? false;
  let best = Infinity;
  let bestParts: { from: number; to: number; device: number }[] | undefined;
  const parts: { from: number; to: number; device: number }[] = [];
  const rec = (i: number, nextDevice: number): void => {
    if (i === L) {
      if (all && parts.length !== D) return;
      let v = 0;
      for (const s of parts) v = Math.max(v, p.segment(s.from, s.to, s.device).seconds, p.link(s.from, s.device));
      if (v < best) {
        best = v;
        bestParts = parts.slice();
      }
      return;
    }
    for (let d = nextDevice; d < D; d++) {
      if (all && d !== nextDevice) break;
      for (let k = i + 1; k <= L; k++) {
        parts.push({ from: i, to: k, device: d });
        rec(k, d + 1);
        parts.pop();
      }
    }
  };
  rec(0, 0);
  return bestParts && best < Infinity ? p.build(bestParts) : undefined;
}

/**
 * XFER_FPGA's split of ONE layer over two FPGAs [code: XFER_FPGA PARA.py] (MODELS.md §3.3): levels Pb (batch),
 * Pr (rows), Pc (cols), Pm (output channels); A_p link words per cycle. With every level 1 it is the
 * single-FPGA tiled latency.
 */
export function xferSplitLatency(
  l: TileLayer,
  t: { Tm: number; Tn: number; Tr: number; Tc: number },
  split: { Pb: number; Pr: number; Pc: number; Pm: number },
  ports: { wp: number; ip: number; op: number; ap: number },
): number {
  checkTileLayer(l);
  const B = l.B ?? 1;
  const K2 = l.K * l.K;
  const tW = (t.Tm * t.Tn * K2) / ports.wp;
  const tI = (t.Tn * t.Tr * t.Tc) / ports.ip;
  const tO = (t.Tm * t.Tr * t.Tc) / ports.op;
  const tComp = K2 * t.Tr * t.Tc;
  const tWnet = (t.Tm * t.Tn * K2) / ports.ap;
  const tInet = (t.Tn * t.Tr * t.Tc) / ports.ap;
  const p = split.Pb * split.Pr * split.Pc;
  let lat1: number;
  if (split.Pm > 1 && p === 1) lat1 = Math.max(tI / split.Pm, tInet / split.Pm, tW, tComp);
  else if (split.Pm === 1 && p > 1) lat1 = Math.max(tI, tW / p, tWnet / p, tComp);
  else if (split.Pm > 1 && p > 1) lat1 = Math.max(tI / split.Pm, tInet / split.Pm, tW / p, tWnet / p, tComp);
  else lat1 = Math.max(tI, tW, tComp);
  const lat2 = Math.max(Math.ceil(l.N / t.Tn) * lat1, tO);
  return (
    Math.ceil(B / split.Pb) *
    Math.ceil(Math.ceil(l.R / split.Pr) / t.Tr) *
    Math.ceil(Math.ceil(l.C / split.Pc) / t.Tc) *
    Math.ceil(Math.ceil(l.M / split.Pm) / t.Tm) *
    lat2
  );
}

/** Re-export for callers that tile a single layer. */
export { tiledLatency };
