/**
 * The `edge` HardwareModel: a network on the edge-accelerator template (hardware/edge-accelerator.ts), each layer
 * mapped by the exact per-layer mapper; reports latency, energy (per image) and area against the spec's bounds
 * (`maxLatencyMs`, `minThroughput`, `maxEnergyNj`, `maxAreaUm2`). The accelerator is `spec.accelerator` when it
 * names an edge catalog entry (`edgetpu-like`, `edge-small`, `edge-large`), else `edgetpu-like`.
 */
import { ConfigError } from '../lib/errors.js';
import { constraintViolations, type Constraint } from '../lib/trial/index.js';
import { bestEdgeMappings, EDGE_ACCELERATORS, edgeNetworkCost, type EdgeAccelerator, type EdgeLayer } from './edge-accelerator.js';
import type { EvaluateOptions, HardwareModel, HardwareReport } from './report.js';
import { specConstraints, type HardwareMetric, type HardwareSpec } from './spec.js';

/** What the edge accelerator model measures. */
const EDGE_METRICS: readonly HardwareMetric[] = ['cycles', 'throughput', 'latencyMs', 'energyNj', 'areaUm2'];
import { fromArchitecture, isMacLayer, loopDims, type HwNetwork } from './network.js';

/** The edge accelerator a spec names (default: the Edge-TPU-like baseline). */
export function specEdgeAccelerator(spec: HardwareSpec): EdgeAccelerator {
  const ref = spec.accelerator;
  if (typeof ref === 'string' && Object.hasOwn(EDGE_ACCELERATORS, ref)) return EDGE_ACCELERATORS[ref as keyof typeof EDGE_ACCELERATORS];
  if (ref !== undefined) {
    throw new ConfigError([{ path: 'hardware.accelerator', message: `model "edge" takes one of ${Object.keys(EDGE_ACCELERATORS).join(', ')}; got ${JSON.stringify(ref)}` }], 'invalid hardware spec');
  }
  return EDGE_ACCELERATORS['edgetpu-like'];
}

/** The MAC layers of a hardware network as edge layers (pooling has no MACs and is left out). */
export function edgeLayersOf(net: HwNetwork): EdgeLayer[] {
  const out: EdgeLayer[] = [];
  for (const l of net.layers) {
    // Pooling, residual additions and global pooling run on the SIMD units' output path: no MACs [inferred].
    if (!isMacLayer(l)) continue;
    const d = loopDims(l);
    if (l.kind === 'dense') out.push({ name: l.name, kind: 'dense', h: 1, w: 1, c: d.N, k: d.M, r: 1, stride: 1 });
    else if (d.groups > 1 && d.N === 1 && d.M === 1) out.push({ name: l.name, kind: 'depthwise', h: d.R, w: d.C, c: d.groups, k: d.groups, r: d.K, stride: d.S });
    else out.push({ name: l.name, kind: 'conv', h: d.R, w: d.C, c: d.N * d.groups, k: d.M * d.groups, r: d.K, stride: d.S });
  }
  return out;
}

function report(net: HwNetwork, spec: HardwareSpec, options: EvaluateOptions): HardwareReport {
  if (spec.lutBudget !== undefined || spec.dspBudget !== undefined || spec.bramBudgetBits !== undefined) {
    throw new ConfigError([{ path: 'hardware', message: 'model "edge" counts latency, energy and area, not LUTs, DSPs or BRAM; drop those budgets' }], 'invalid hardware spec');
  }
  const hw = specEdgeAccelerator(spec);
  const layers = edgeLayersOf(net);
  const mappings = bestEdgeMappings(layers, hw);
  const constraints: Constraint[] = specConstraints(spec, EDGE_METRICS);
  if (!mappings) {
    return {
      model: 'edge', device: hw.name, feasible: false, luts: null, dsps: 0, bramBits: 0, cycles: Infinity, latencyMs: Infinity, throughputImgPerS: 0,
      violations: Object.fromEntries(constraints.map((c) => [c.metric, 1])), reasonText: `a layer's smallest tile does not fit ${hw.localMemoryKB} KiB of local memory`,
    };
  }
  const c = edgeNetworkCost(layers, mappings, hw);
  const cycles = c.layers.reduce((s, l) => s + l.cycles, 0);
  const metrics = { latencyMs: c.latencyMs, throughput: 1000 / c.latencyMs, energyNj: c.energyNj, areaUm2: c.areaMm2 * 1e6 };
  const violations = constraintViolations(constraints, metrics);
  return {
    model: 'edge',
    device: hw.name,
    feasible: Object.values(violations).every((v) => v <= 0),
    luts: null,
    dsps: 0,
    bramBits: 0,
    cycles,
    latencyMs: c.latencyMs,
    throughputImgPerS: metrics.throughput,
    violations,
    energyNj: c.energyNj,
    areaUm2: metrics.areaUm2,
    ...(options.detail
      ? {
          stages: c.layers.map((l, i) => ({
            name: layers[i].name, kind: layers[i].kind === 'dense' ? ('dense' as const) : ('conv' as const), macs: l.macs, params: 0, cycles: l.cycles, luts: null, dsps: 0, bramBits: 0,
            config: `${mappings[i].split} tileK=${mappings[i].tileK} rows=${mappings[i].tileRows} (${l.bound}-bound, util ${(l.utilisation * 100).toFixed(0)}%)`,
          })),
        }
      : {}),
  };
}

/** Edge accelerator template (PE array, SIMD, RF, local/global memory, I/O): roofline latency, per-access energy, area. */
export const edgeModel: HardwareModel = {
  name: 'edge',
  description: 'edge accelerator template (PE array × SIMD × lanes, RF, local/global memory, I/O): roofline latency, per-access energy, area',
  metrics: EDGE_METRICS,
  evaluate: (arch, quant, spec, options = {}) => report(fromArchitecture(arch, quant), spec, options),
  evaluateNetwork: (net, spec, options = {}) => report(net, spec, options),
  target: (spec) => `the ${specEdgeAccelerator(spec).name} accelerator`,
};
