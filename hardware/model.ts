/**
 * HardwareModel: THE plug-in point between hardware cost models and the evaluators. A model takes a decoded
 * architecture, its quantization and a spec, and returns a {@link HardwareReport}; the registry below is a
 * closed const map, so `HardwareModelName` is a union the config and CLI can check. Later models (ASIC
 * dataflow templates, edge accelerator, latency predictors) are one more entry.
 */
import { ConfigError, HwnasError } from '../lib/errors.js';
import { decodeArchitecture, decodeQuantization, type Architecture, type Quantization } from '../lib/space/decode.js';
import type { Genome } from '../lib/space/genome.js';
import type { SearchSpace } from '../lib/space/search-space.js';
import { constraintViolations } from '../lib/trial/index.js';
import type { Device } from './device.js';
import { specConstraints, type HardwareMetric, type HardwareSpec } from './spec.js';

/** What the FPGA models report: the LUT pipeline counts LUTs; the tiling models DSPs, BRAM, energy and ports. */
const PIPELINE_METRICS: readonly HardwareMetric[] = ['luts', 'dsps', 'bramBits', 'cycles', 'throughput', 'latencyMs', 'energyNj', 'powerW', 'gopsPerW'];
const TILING_METRICS: readonly HardwareMetric[] = ['dsps', 'bramBits', 'cycles', 'throughput', 'latencyMs', 'energyNj', 'powerW', 'gopsPerW', 'portBits'];
import { reportMetrics, type EvaluateOptions, type HardwareModel, type HardwareReport, type StageReport, type FrontierRow } from './report.js';

// The spec and the report contract have modules of their own; the registry's users find them here too.
export * from './spec.js';
export * from './report.js';
import { describeReason, mapPipeline, type InfeasibleReason, type PipelineResult } from './fpga-pipeline.js';
import { DEFAULT_OPTION_SETTINGS, fpgaLayer, type MultiplierMode } from './layer-cost.js';
import { partitionLayers, type Partition } from './multi-fpga.js';
import { fromArchitecture, loopDims, layerMacs, layerParams, type HwLayer, type HwNetwork, type Word } from './network.js';
import { ortCpuModel } from './predictor/ort-cpu.js';
import { asicModel } from './asic/model.js';
import { edgeModel } from './edge-model.js';
import { hasHardwareGenes, decodeHardware, type HardwareDesign } from '../lib/space/decode-hardware.js';
import { evaluateDesign, type DesignItem } from './design-model.js';
import { imageEnergy, pipelineEnergy, type EnergyReport } from './fpga-energy.js';
import { bestLayerTiling, dspsPerMac, FNAS_PORTS, layerOps, tilingBramBlocks, tryFnasNetwork, type Precision, type TileLayer, type TilingSearch } from './tiling.js';

function violationsOf(spec: HardwareSpec, measured: readonly HardwareMetric[], m: { luts: number | null; dsps: number; bramBits: number; throughput: number; latencyMs: number }, feasible: boolean, devices?: readonly Device[]): Record<string, number> {
  const metrics: Record<string, number> = { dsps: m.dsps, bramBits: m.bramBits, throughput: m.throughput, latencyMs: m.latencyMs };
  if (m.luts !== null) metrics.luts = m.luts;
  const v = constraintViolations(specConstraints(spec, measured, devices), metrics);
  // The mapper decides feasibility on integer cycles; keep floating-point noise from showing as a violation.
  if (feasible) for (const k of Object.keys(v)) v[k] = Math.min(v[k], 0);
  return v;
}

function wordLabel(w: Word | 'wide'): string {
  return w === 'float32' ? 'f32' : w === 'wide' ? 'acc' : `${w}b`;
}

// ---------------------------------------------------------------------------------------------- lu2019-pipeline

function pipelineReport(net: HwNetwork, spec: HardwareSpec, options: EvaluateOptions): HardwareReport {
  const res: PipelineResult = mapPipeline(net, {
    device: spec.device,
    clockMHz: spec.clockMHz,
    lutBudget: spec.lutBudget,
    dspBudget: spec.dspBudget,
    bramBudgetBits: spec.bramBudgetBits,
    minThroughput: spec.minThroughput,
    maxLatencyMs: spec.maxLatencyMs,
    objective: spec.objective,
    options: { multipliers: spec.multipliers as MultiplierMode, maxUnroll: spec.maxUnroll },
  });
  const f = spec.clockMHz * 1e6;
  const m = res.mapping;
  if (!m) throw new HwnasError('HW_INTERNAL', 'pipeline mapper returned no mapping at all');
  const p = m.point;
  const figures = { luts: p.luts, dsps: p.dsps, bramBits: p.bram, throughput: m.throughput, latencyMs: m.latencyMs };
  const wbits = (w: Word | 'wide'): number => (w === 'float32' ? 32 : w === 'wide' ? 32 : w);
  const energy = pipelineEnergy(
    m.stages.map(({ stage, option }) => {
      const layer = fpgaLayer(stage.layer);
      return {
        macs: stage.figures.macs, tm: option.tm, mult: option.mult,
        bits: layer.kind === 'maxpool' ? 8 : layer.input === 'float32' || layer.weight === 'float32' ? 'float32' : Math.max(wbits(layer.input), wbits(layer.weight)),
      };
    }),
    spec.device, 1 / m.throughput, spec.staticPowerW,
  );
  const stages: StageReport[] | undefined = options.detail
    ? m.stages.map(({ stage, option }) => ({
        name: stage.name,
        kind: stage.layer.kind,
        macs: stage.figures.macs,
        params: stage.figures.params,
        cycles: option.cycles,
        luts: option.luts,
        dsps: option.dsps,
        bramBits: option.bram,
        config: ((layer) => layer.kind === 'maxpool'
          ? `units=${option.tm} ${wordLabel(layer.input)}`
          : `Tm=${option.tm} Tn=${option.tn} ${option.mult} ${wordLabel(layer.input)}×${wordLabel(layer.weight)}→${wordLabel(layer.output)}`)(fpgaLayer(stage.layer)),
      }))
    : undefined;
  const frontier: FrontierRow[] | undefined = options.detail
    ? res.frontier.map((q) => ({ throughput: f / q.bottleneck, cycles: q.bottleneck, luts: q.luts, dsps: q.dsps, bramBits: q.bram, latencyMs: (q.totalCycles / f) * 1000 }))
    : undefined;
  return {
    model: 'lu2019-pipeline',
    device: spec.device.name,
    // An energy bound is checked on the mapped design (the DP does not optimise energy).
    feasible: res.feasible && Object.values(energyViolations(spec, energy)).every((v) => v <= 0),
    luts: p.luts,
    dsps: p.dsps,
    bramBits: p.bram,
    cycles: p.bottleneck,
    latencyMs: m.latencyMs,
    throughputImgPerS: m.throughput,
    violations: { ...violationsOf(spec, PIPELINE_METRICS, figures, res.feasible), ...energyViolations(spec, energy) },
    energy,
    energyNj: energy.energyMj * 1e6,
    ...(res.reason ? { reason: res.reason, reasonText: describeReason(res.reason) } : {}),
    ...(stages ? { stages } : {}),
    ...(frontier ? { frontier, frontierScope: res.frontierScope } : {}),
  };
}

/** The paper's accelerator: one pipeline stage per layer, DP mapping (DESIGN §4). */
const lu2019Pipeline: HardwareModel = {
  name: 'lu2019-pipeline',
  description: 'Lu et al. 2019 layer-pipelined FPGA accelerator (LUT multipliers), DP mapper with Pareto pruning',
  metrics: PIPELINE_METRICS,
  evaluate: (arch, quant, spec, options = {}) => pipelineReport(fromArchitecture(arch, quant), spec, options),
  evaluateNetwork: (net, spec, options = {}) => pipelineReport(net, spec, options),
};

// ---------------------------------------------------------------------------------------------- tiling models

/** A network's MAC layers as the tiling model sees them; pooling is fused into the store of the layer before it. */
export function tileLayersOf(net: HwNetwork): { layer: TileLayer; source: HwLayer; precision: Precision; weightBits: number }[] {
  const out: { layer: TileLayer; source: HwLayer; precision: Precision; weightBits: number }[] = [];
  for (const anyLayer of net.layers) {
    const l = fpgaLayer(anyLayer);
    if (l.kind === 'maxpool') continue;
    const d = loopDims(l);
    const float = l.input === 'float32' || l.weight === 'float32';
    const precision: Precision = float ? 'float32' : Math.max(l.input as number, l.weight as number);
    const layer: TileLayer = l.kind === 'dense'
      ? { name: l.name, M: d.M, N: d.N, R: 1, C: 1, K: 1 }
      : { name: l.name, M: d.M, N: d.N, R: l.inShape[0], C: l.inShape[1], K: d.K, S: d.S, B: d.groups, Ro: d.R, Co: d.C };
    out.push({ layer, source: l, precision, weightBits: l.weight === 'float32' ? 32 : (l.weight as number) });
  }
  if (out.length === 0) throw new HwnasError('HW_EMPTY_NETWORK', `network "${net.name}" has no conv or dense layer to tile`);
  return out;
}

function searchFor(spec: HardwareSpec, precision: Precision, weightBits: number): TilingSearch {
  return { ports: spec.ports ?? FNAS_PORTS, bits: { weightBits: Math.min(weightBits, 16), portBits: 16 }, precision };
}

function refuseLuts(spec: HardwareSpec, model: string): void {
  if (spec.lutBudget !== undefined) {
    throw new ConfigError([{ path: 'hardware.lutBudget', message: `model "${model}" does not count LUTs (only DSPs and BRAM); drop lutBudget or use lu2019-pipeline` }], 'invalid hardware spec');
  }
}

function fnasReport(net: HwNetwork, spec: HardwareSpec, options: EvaluateOptions): HardwareReport {
  refuseLuts(spec, 'fnas-tiling');
  const items = tileLayersOf(net);
  const dev = spec.device;
  const f = spec.clockMHz * 1e6;
  const dspTotal = Math.min(spec.dspBudget ?? Infinity, dev.dsps);
  const bramBlocks = Math.min(Math.floor((spec.bramBudgetBits ?? Infinity) / dev.bramBlockBits), dev.bramBlocks);
  // FNAS allocates DSPs by MACs, then tiles each layer within its share (MODELS.md §2.3). Per layer, with its
  // own precision; BRAM is checked per layer against the whole device, then in total.
  const precision = widest(items.map((i) => i.precision));
  const result = tryFnasNetwork(items.map((i) => i.layer), dev, searchFor(spec, precision, 16), dspTotal, bramBlocks);
  if ('unfit' in result) {
    const u = result.unfit;
    const reason: InfeasibleReason = u.cause === 'dsps'
      ? { code: 'layer-cannot-fit', layer: u.name, resource: 'dsps', best: Math.ceil(u.dspsPerMac), limit: u.share }
      : u.totalMinBramBlocks !== undefined
        ? { code: 'budget', resource: 'bram', needed: u.totalMinBramBlocks * dev.bramBlockBits, budget: bramBlocks * dev.bramBlockBits, basis: 'smallest-tiles' }
        : { code: 'layer-cannot-fit', layer: u.name, resource: 'bram', best: u.minBramBlocks * dev.bramBlockBits, limit: bramBlocks * dev.bramBlockBits };
    return infeasibleEmpty('fnas-tiling', spec, reason);
  }
  const bramBits = result.bramBlocks * dev.bramBlockBits;
  const figures = { luts: null, dsps: result.dsps, bramBits, throughput: f / result.maxCycles, latencyMs: (result.totalCycles / f) * 1000 };
  const ports = spec.ports ?? FNAS_PORTS;
  const energy = imageEnergy(
    result.layers.map((l, i) => ({ layer: l.layer, tiling: l.tiling, latency: l.latency, precision: items[i].precision, ports })),
    [dev], result.maxCycles / f, spec.staticPowerW,
  );
  const violations = { ...violationsOf(spec, TILING_METRICS, figures, false), ...energyViolations(spec, energy) };
  const feasible = Object.values(violations).every((v) => v <= 0);
  const reason = feasible ? undefined : reasonFromViolations(spec, figures);
  return {
    model: 'fnas-tiling',
    device: dev.name,
    feasible,
    luts: null,
    dsps: result.dsps,
    bramBits,
    cycles: result.maxCycles,
    latencyMs: figures.latencyMs,
    throughputImgPerS: figures.throughput,
    violations,
    energy,
    energyNj: energy.energyMj * 1e6,
    ...(reason ? { reason, reasonText: describeReason(reason) } : {}),
    ...(options.detail
      ? {
          stages: result.layers.map((l, i) => ({
            name: items[i].source.name,
            kind: items[i].source.kind,
            macs: layerMacs(items[i].source),
            params: layerParams(items[i].source),
            cycles: l.latency.cycles,
            luts: null,
            dsps: l.dsps,
            bramBits: l.bramBlocks * dev.bramBlockBits,
            config: `Tm=${l.tiling.Tm} Tn=${l.tiling.Tn} Tr=${l.tiling.Tr} Tc=${l.tiling.Tc} share=${l.dspShare}`,
          })),
        }
      : {}),
  };
}

function widest(ps: readonly Precision[]): Precision {
  if (ps.includes('float32')) return 'float32';
  return Math.max(...(ps as number[]));
}

function reasonFromViolations(spec: HardwareSpec, m: { dsps: number; bramBits: number; throughput: number; latencyMs: number }): InfeasibleReason {
  if (spec.minThroughput !== undefined && m.throughput < spec.minThroughput) return { code: 'throughput', achievable: m.throughput, required: spec.minThroughput };
  if (spec.maxLatencyMs !== undefined && m.latencyMs > spec.maxLatencyMs) return { code: 'latency', achievableMs: m.latencyMs, maxMs: spec.maxLatencyMs };
  // The tiling models pick each layer's fastest tiling within its shares; no throughput/latency decided it.
  const dspCap = Math.min(spec.dspBudget ?? Infinity, spec.device.dsps);
  if (m.dsps > dspCap) return { code: 'budget', resource: 'dsps', needed: m.dsps, budget: dspCap, basis: 'fastest-tiling' };
  return { code: 'budget', resource: 'bram', needed: m.bramBits, budget: Math.min(spec.bramBudgetBits ?? Infinity, spec.device.bramBits), basis: 'fastest-tiling' };
}

/** An infeasible report without any design (nothing could be built at all). */
function infeasibleEmpty(model: HardwareModelName, spec: HardwareSpec, reason: InfeasibleReason): HardwareReport {
  // Nothing can be built: no throughput, no finite latency (a non-finite metric counts as violated by 1).
  const figures = { luts: null, dsps: 0, bramBits: 0, throughput: 0, latencyMs: Infinity };
  const violations = violationsOf(spec, TILING_METRICS, figures, false);
  // No design at all: the resource that blocked counts as violated by its shortfall.
  if (reason.code === 'layer-cannot-fit' && (reason.resource === 'dsps' || reason.resource === 'bram')) {
    const key = reason.resource === 'bram' ? 'bramBits' : 'dsps';
    // (reason.best and reason.limit are in bits for bram, blocks for dsps.)
    violations[key] = Math.max(violations[key] ?? 0, (reason.best - reason.limit) / Math.max(reason.limit, 1));
  }
  return {
    model,
    device: spec.device.name,
    feasible: false,
    luts: null,
    dsps: 0,
    bramBits: 0,
    cycles: Infinity,
    latencyMs: Infinity,
    throughputImgPerS: 0,
    violations,
    reason,
    reasonText: describeReason(reason),
  };
}

/** Energy constraints of a spec (normalised excess, as every violation). */
function energyViolations(spec: HardwareSpec, e: EnergyReport): Record<string, number> {
  const v: Record<string, number> = {};
  const nj = e.energyMj * 1e6;
  if (spec.maxEnergyNj !== undefined) v.energyNj = (nj - spec.maxEnergyNj) / spec.maxEnergyNj;
  if (spec.minGopsPerW !== undefined) v.gopsPerW = (spec.minGopsPerW - e.gopsPerW) / spec.minGopsPerW;
  return v;
}

/** A tiling model: the genome's own design when it has one, else the model's own search. */
function tilingReport(model: 'fnas-tiling' | 'multi-fpga', net: HwNetwork, spec: HardwareSpec, options: EvaluateOptions): HardwareReport {
  if (options.design) return designReport(model, net, options.design, spec, options);
  return model === 'fnas-tiling' ? fnasReport(net, spec, options) : multiReport(net, spec, options);
}

/** The genome's own hardware (design-model.ts): no search, every figure from its genes. */
function designReport(model: 'fnas-tiling' | 'multi-fpga', net: HwNetwork, design: HardwareDesign, spec: HardwareSpec, options: EvaluateOptions): HardwareReport {
  refuseLuts(spec, model);
  const items: DesignItem[] = tileLayersOf(net).map((it) => ({ layer: it.layer, name: it.source.name, precision: it.precision, weightBits: it.weightBits }));
  const r = evaluateDesign(items, design, {
    device: spec.device, second: spec.devices[1], clockMHz: spec.clockMHz, linkWordsPerCycle: spec.linkWordsPerCycle, staticPowerW: spec.staticPowerW,
  });
  const f = spec.clockMHz * 1e6;
  const dsps = r.dspsPerFpga.reduce((a, b) => a + b, 0);
  const bramBits = r.bramBlocksPerFpga.reduce((s, b, k) => s + b * r.devices[k].bramBlockBits, 0);
  const portBits = Math.max(...r.portBitsPerFpga);
  const throughput = f / r.intervalCycles;
  const latencyMs = (r.latencyCycles / f) * 1000;
  // Resources per FPGA against its device (and the spec's budgets): the worst FPGA is the violation.
  const capOf = (d: Device, which: 'dsps' | 'bramBits'): number =>
    which === 'dsps' ? Math.min(d.dsps, spec.dspBudget ?? Infinity) : Math.min(d.bramBits, spec.bramBudgetBits ?? Infinity);
  const worst = (used: readonly number[], which: 'dsps' | 'bramBits'): number =>
    Math.max(...used.map((u, k) => (u - capOf(r.devices[k], which)) / Math.max(1, capOf(r.devices[k], which))));
  const violations: Record<string, number> = {
    dsps: worst(r.dspsPerFpga, 'dsps'),
    bramBits: worst(r.bramBlocksPerFpga.map((b, k) => b * r.devices[k].bramBlockBits), 'bramBits'),
    ...(spec.portBitsBudget !== undefined ? { portBits: (portBits - spec.portBitsBudget) / spec.portBitsBudget } : {}),
    ...constraintViolations(
      [
        ...(spec.minThroughput !== undefined ? [{ metric: 'throughput', min: spec.minThroughput }] : []),
        ...(spec.maxLatencyMs !== undefined ? [{ metric: 'latencyMs', max: spec.maxLatencyMs }] : []),
      ],
      { throughput, latencyMs },
    ),
    ...energyViolations(spec, r.energy),
  };
  const feasible = Object.values(violations).every((v) => v <= 0);
  const reason = feasible ? undefined : designReason(violations, { dsps, bramBits, throughput, latencyMs }, spec, r.devices);
  return {
    model,
    device: r.devices.map((d) => d.name).join('+'),
    feasible,
    luts: null,
    dsps,
    bramBits,
    cycles: r.intervalCycles,
    latencyMs,
    throughputImgPerS: throughput,
    violations,
    energy: r.energy,
    energyNj: r.energy.energyMj * 1e6,
    portBits,
    ...(reason ? { reason, reasonText: describeReason(reason) } : {}),
    ...(!feasible && !reason ? { reasonText: `over the spec: ${Object.entries(violations).filter(([, x]) => x > 0).map(([k, x]) => `${k} +${(x * 100).toFixed(1)}%`).join(', ')}` } : {}),
    ...(options.detail
      ? {
          stages: r.layers.map((l, i) => ({
            name: l.name, kind: tileLayersOf(net)[i].source.kind, macs: layerOps(items[i].layer) / 2, params: layerParams(tileLayersOf(net)[i].source),
            cycles: l.cycles, luts: null, dsps: l.dsps, bramBits: l.bramBlocks * r.devices[l.fpgas[0]].bramBlockBits,
            config: `Tm=${l.tiling.Tm} Tn=${l.tiling.Tn} Tr=${l.tiling.Tr} Tc=${l.tiling.Tc} on FPGA ${l.fpgas.join('+')}`,
          })),
        }
      : {}),
  };
}

/** The largest violation of a design as a typed reason (undefined for port and energy violations: described in words). */
function designReason(
  v: Record<string, number>,
  m: { dsps: number; bramBits: number; throughput: number; latencyMs: number },
  spec: HardwareSpec,
  devices: readonly Device[],
): InfeasibleReason | undefined {
  const [key] = Object.entries(v).sort((a, b) => b[1] - a[1])[0];
  const sum = (f: (d: Device) => number) => devices.reduce((s, d) => s + f(d), 0);
  if (key === 'throughput') return { code: 'throughput', achievable: m.throughput, required: spec.minThroughput! };
  if (key === 'latencyMs') return { code: 'latency', achievableMs: m.latencyMs, maxMs: spec.maxLatencyMs! };
  if (key === 'dsps') return { code: 'budget', resource: 'dsps', needed: m.dsps, budget: Math.min(spec.dspBudget ?? Infinity, sum((d) => d.dsps)), basis: 'genome' };
  if (key === 'bramBits') return { code: 'budget', resource: 'bram', needed: m.bramBits, budget: Math.min(spec.bramBudgetBits ?? Infinity, sum((d) => d.bramBits)), basis: 'genome' };
  return undefined;
}

/** FNAS: tiling-based latency per layer (DSP shares by MACs), no training needed. */
const fnasTiling: HardwareModel = {
  name: 'fnas-tiling',
  description: 'FNAS performance abstraction (Zhang 2015 tiling, FNAS DSP allocation); counts DSPs and BRAM',
  metrics: TILING_METRICS,
  evaluate: (arch, quant, spec, options = {}) => tilingReport('fnas-tiling', fromArchitecture(arch, quant), spec, options),
  evaluateNetwork: (net, spec, options = {}) => tilingReport('fnas-tiling', net, spec, options),
};

function multiReport(net: HwNetwork, spec: HardwareSpec, options: EvaluateOptions): HardwareReport {
  refuseLuts(spec, 'multi-fpga');
  const items = tileLayersOf(net);
  const precision = widest(items.map((i) => i.precision));
  const search = searchFor(spec, precision, 16);
  const devices = spec.devices;
  const part: Partition | undefined = partitionLayers(items.map((i) => i.layer), devices, { search, linkWordsPerCycle: spec.linkWordsPerCycle });
  if (!part) {
    // Find a layer that fits no device even alone on a 1×1 engine.
    const bad = items.find((it) => devices.every((d) => !bestLayerTiling(it.layer, d, { dsps: d.dsps, bramBlocks: d.bramBlocks }, search)));
    // Even a 1×1 engine's buffers (its smallest BRAM) exceed every device: report that need against the largest device.
    const src = bad ?? items[0];
    const need = Math.min(...devices.map((d) => {
      const t = { Tm: 1, Tn: 1, Tr: 1, Tc: 1 };
      return tilingBramBlocks(src.layer, t, precision, d.bramBlockBits) * d.bramBlockBits;
    }));
    const reason: InfeasibleReason = { code: 'layer-cannot-fit', layer: src.source.name, resource: 'bram', best: need, limit: Math.max(...devices.map((d) => d.bramBits)) };
    return infeasibleEmpty('multi-fpga', spec, reason);
  }
  const f0 = devices[0].clockMHz * 1e6;
  const dsps = part.segments.reduce((s, g) => s + g.dsps, 0);
  const bramBits = part.segments.reduce((s, g) => s + g.bramBlocks * g.device.bramBlockBits, 0);
  const figures = { luts: null, dsps, bramBits, throughput: part.throughput, latencyMs: part.latencySeconds * 1000 };
  const violations = violationsOf(spec, TILING_METRICS, figures, false, devices);
  const feasible = Object.values(violations).every((v) => v <= 0);
  const reason = feasible ? undefined : reasonFromViolations(spec, figures);
  return {
    model: 'multi-fpga',
    device: devices.map((d) => d.name).join('+'),
    feasible,
    luts: null,
    dsps,
    bramBits,
    cycles: Math.round(part.bottleneckSeconds * f0),
    latencyMs: figures.latencyMs,
    throughputImgPerS: part.throughput,
    violations,
    ...(reason ? { reason, reasonText: describeReason(reason) } : {}),
    ...(options.detail
      ? {
          stages: part.segments.flatMap((g) =>
            g.tilings.map((t, k) => {
              const src = items[g.from + k].source;
              return {
                name: src.name, kind: src.kind, macs: layerMacs(src), params: layerParams(src), cycles: t.latency.cycles, luts: null,
                dsps: k === 0 ? g.dsps : 0, bramBits: k === 0 ? g.bramBlocks * g.device.bramBlockBits : 0,
                config: `${g.device.name} Tm=${g.Tm} Tn=${g.Tn} Tr=${t.tiling.Tr} Tc=${t.tiling.Tc}`,
              };
            }),
          ),
        }
      : {}),
  };
}

/** Co-exploration style: contiguous segments over several FPGAs, each tiled, DP over (layer, device). */
const multiFpga: HardwareModel = {
  name: 'multi-fpga',
  description: 'layers partitioned into pipeline segments over several FPGAs, each a tiled engine (DP over layer × device)',
  metrics: TILING_METRICS,
  evaluate: (arch, quant, spec, options = {}) => tilingReport('multi-fpga', fromArchitecture(arch, quant), spec, options),
  evaluateNetwork: (net, spec, options = {}) => tilingReport('multi-fpga', net, spec, options),
};

/** The registry: one const map, so the names form a closed union. */
export const HARDWARE_MODELS = {
  'lu2019-pipeline': lu2019Pipeline,
  'fnas-tiling': fnasTiling,
  'multi-fpga': multiFpga,
  'ort-cpu': ortCpuModel,
  asic: asicModel,
  edge: edgeModel,
} as const satisfies Record<string, HardwareModel>;

/** Names of the hardware models. */
export type HardwareModelName = keyof typeof HARDWARE_MODELS;

/** The model used when none is named: the LUT pipeline of Lu et al. 2019. */
export const DEFAULT_HARDWARE_MODEL: HardwareModelName = 'lu2019-pipeline';

/** All model names. */
export const HARDWARE_MODEL_NAMES = Object.keys(HARDWARE_MODELS) as HardwareModelName[];

/** The model called `name`; ConfigError listing the known names otherwise. */
export function hardwareModel(name: string): HardwareModel {
  const m = (HARDWARE_MODELS as Record<string, HardwareModel>)[name];
  if (!m) throw new ConfigError([{ path: 'hardware.model', message: `unknown hardware model "${name}"; known: ${HARDWARE_MODEL_NAMES.join(', ')}` }], 'invalid hardware spec');
  return m;
}

/** Report of one genome: validates it against the space, decodes it and runs the model. */
export function evaluateGenome(
  space: SearchSpace,
  genome: Genome,
  spec: HardwareSpec,
  model: HardwareModelName = DEFAULT_HARDWARE_MODEL,
  options: EvaluateOptions = {},
): HardwareReport {
  const issues = space.validate(genome);
  if (issues.length > 0) throw new ConfigError(issues, `genome does not fit space "${space.name}"`);
  return hardwareModel(model).evaluate(decodeArchitecture(space, genome), decodeQuantization(space, genome), spec, withDesign(space, genome, model, options));
}

/** Reports of a batch of genomes, in order (in-process; the worker task runs the same). */
export function evaluateBatch(
  space: SearchSpace,
  genomes: readonly Genome[],
  spec: HardwareSpec,
  model: HardwareModelName = DEFAULT_HARDWARE_MODEL,
  options: EvaluateOptions = {},
): HardwareReport[] {
  const m = hardwareModel(model);
  return genomes.map((g) => {
    const issues = space.validate(g);
    if (issues.length > 0) throw new ConfigError(issues, `genome does not fit space "${space.name}"`);
    return m.evaluate(decodeArchitecture(space, g), decodeQuantization(space, g), spec, withDesign(space, g, model, options));
  });
}

/** Models that evaluate a genome's own hardware genes. */
export const DESIGN_MODELS: readonly HardwareModelName[] = ['fnas-tiling', 'multi-fpga'];

/** The options with the genome's decoded design when its space has hardware genes (only tiling models read them). */
function withDesign(space: SearchSpace, genome: Genome, model: HardwareModelName, options: EvaluateOptions): EvaluateOptions {
  if (!hasHardwareGenes(space)) return options;
  if (!DESIGN_MODELS.includes(model)) {
    throw new ConfigError(
      [{ path: 'hardware.model', message: `space "${space.name}" carries hardware genes (tiling, ports, partition); model "${model}" cannot read them — use ${DESIGN_MODELS.join(' or ')}` }],
      'invalid hardware spec',
    );
  }
  return { ...options, design: decodeHardware(space, genome) };
}

