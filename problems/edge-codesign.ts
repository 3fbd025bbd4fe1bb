/**
 * Edge-accelerator co-design problems (issue 13; MODELS-ACCELERATORS §1 and §2) on the analytical template of
 * hardware/edge-accelerator.ts. Objective: the network's energy-delay product, (Σ latency)·(Σ energy) in nJ·ms,
 * minimised; an output constraint on latency (known only after evaluation: the strategy must learn it);
 * known constraints declared on the space (so no evaluation is spent on them):
 * - area ≤ budget (MAESTRO unit areas, a sum of products of the hardware genes);
 * - the register file holds every lane's 32-bit accumulator (SIMD·lanes·4 B ≤ RF);
 * - joint problem only: each layer's tile (weights, input rows with halo, outputs) fits the PE's local memory.
 *
 * `edge-codesign`: hardware genes and per-layer mapping genes searched together (flat joint space; the reduced
 * MobileNet-like workload keeps it at 56 genes). `edge-codesign-nested`: hardware genes only; each hardware
 * candidate is evaluated with its best mapping per layer, found by the exact per-layer mapper (every mapping
 * that fits, 72 per layer), on the full MobileNetV2 workload: the nested hardware → software search.
 *
 * The hypervolume spec reads EDP relative to the Edge-TPU-like baseline with its best mappings: ideal 0, nadir =
 * the baseline's EDP, reference 1, so the hypervolume is the fraction of the baseline's EDP saved.
 */
import { SearchSpace } from '../lib/space/search-space.js';
import type { Gene } from '../lib/space/gene.js';
import type { Genome } from '../lib/space/genome.js';
import type { ConstraintTerm, KnownConstraint } from '../lib/space/constraints.js';
import {
  bestEdgeMappings,
  EDGE_ACCELERATORS,
  edgeNetworkCost,
  TILE_K_CHOICES,
  TILE_ROWS_CHOICES,
  type EdgeAccelerator,
  type EdgeLayer,
  type EdgeMapping,
} from '../hardware/edge-accelerator.js';
import { MAESTRO_AREA } from '../hardware/energy-constants.js';
import { EDGE_WORKLOADS } from '../hardware/edge-workloads.js';
import type { BenchmarkProblem } from './problem.js';

/** The hardware grid of MODELS-ACCELERATORS §2.2 [recall, lo], local memory scaled down to per-PE KiB [inferred]. */
const HW_GENES: readonly Gene[] = [
  { name: 'hw.pesX', group: 'hw', kind: 'choice', choices: [1, 2, 4, 6, 8] },
  { name: 'hw.pesY', group: 'hw', kind: 'choice', choices: [1, 2, 4, 6, 8] },
  { name: 'hw.simd', group: 'hw', kind: 'choice', choices: [16, 32, 64, 128] },
  { name: 'hw.lanes', group: 'hw', kind: 'choice', choices: [1, 2, 4, 8] },
  { name: 'hw.registerFileKB', group: 'hw', kind: 'choice', choices: [8, 16, 32, 64, 128] },
  { name: 'hw.localMemoryKB', group: 'hw', kind: 'choice', choices: [32, 64, 128, 256, 512] },
  { name: 'hw.globalMemoryKB', group: 'hw', kind: 'choice', choices: [256, 512, 1024, 2048, 4096] },
  { name: 'hw.ioGBps', group: 'hw', kind: 'choice', choices: [5, 10, 15, 20, 25] },
];

/** Chip area budget, µm²: 2.5 mm², about 1.2× the Edge-TPU-like baseline's 2.09 mm² under the same unit areas [inferred]. */
export const EDGE_AREA_BUDGET_UM2 = 2.5e6;

/** Area ≤ budget, as a sum of products of the hardware genes (hardware/edge-accelerator.ts edgeArea). */
const AREA_CONSTRAINT: KnownConstraint = {
  name: 'area',
  lhs: [
    { coef: MAESTRO_AREA.mac, genes: ['hw.pesX', 'hw.pesY', 'hw.simd', 'hw.lanes'] },
    { coef: 1024 * MAESTRO_AREA.sramPerByte, genes: ['hw.pesX', 'hw.pesY', 'hw.localMemoryKB'] },
    { coef: 1024 * MAESTRO_AREA.sramPerByte, genes: ['hw.pesX', 'hw.pesY', 'hw.registerFileKB'] },
    { coef: 1024 * MAESTRO_AREA.sramPerByte, genes: ['hw.globalMemoryKB'] },
  ],
  rhs: EDGE_AREA_BUDGET_UM2,
  why: `chip area ≤ ${EDGE_AREA_BUDGET_UM2 / 1e6} mm² (MAESTRO 28 nm unit areas)`,
};

/** 4-byte accumulators of every lane live in the register file. */
const RF_CONSTRAINT: KnownConstraint = {
  name: 'rf-accumulators',
  lhs: [{ coef: 4, genes: ['hw.simd', 'hw.lanes'] }],
  rhs: [{ coef: 1024, genes: ['hw.registerFileKB'] }],
  why: 'one 32-bit accumulator per lane in the register file',
};

/** The accelerator a genome's hardware genes describe. */
export function edgeHardwareOf(genome: Genome): EdgeAccelerator {
  const n = (k: string): number => genome[k] as number;
  return {
    name: 'searched',
    pesX: n('hw.pesX'),
    pesY: n('hw.pesY'),
    simd: n('hw.simd'),
    lanes: n('hw.lanes'),
    registerFileKB: n('hw.registerFileKB'),
    localMemoryKB: n('hw.localMemoryKB'),
    globalMemoryKB: n('hw.globalMemoryKB'),
    ioGBps: n('hw.ioGBps'),
    clockMHz: 500,
  };
}

/** Mapping genes of layer `i`: the split and the tile, choices clipped to the layer's dimensions. */
function mappingGenes(l: EdgeLayer, i: number): Gene[] {
  const tk = TILE_K_CHOICES.filter((t, j) => t <= l.k || j === 0);
  const tr = TILE_ROWS_CHOICES.filter((t, j) => t <= l.h || j === 0);
  return [
    { name: `L${i}.split`, group: 'arch', kind: 'choice', choices: ['k', 'rows'] },
    { name: `L${i}.tileK`, group: 'arch', kind: 'choice', choices: tk },
    { name: `L${i}.tileRows`, group: 'arch', kind: 'choice', choices: tr },
  ];
}

/** Layer `i`'s tile ≤ local memory, the sum of products of edgeTileBytes (int8 words). */
function tileConstraint(l: EdgeLayer, i: number): KnownConstraint {
  const k = `L${i}.tileK`;
  const rows = `L${i}.tileRows`;
  const win = (l.w - 1) * l.stride + l.r;
  const dw = l.kind === 'depthwise';
  const lhs: ConstraintTerm[] = [
    { coef: dw ? l.r * l.r : l.c * l.r * l.r, genes: [k] },
    // input rows (rows − 1)·s + r, all input channels (depthwise: the tile's channels)
    { coef: l.stride * win * (dw ? 1 : l.c), genes: dw ? [rows, k] : [rows] },
    { coef: (l.r - l.stride) * win * (dw ? 1 : l.c), genes: dw ? [k] : [] },
    { coef: l.w, genes: [rows, k] },
  ];
  return { name: `L${i}.tile-fits-local`, lhs, rhs: [{ coef: 1024, genes: ['hw.localMemoryKB'] }], why: `layer ${l.name}: tile ≤ local memory` };
}

/** Latency targets, ms [inferred: about 1.5× the Edge-TPU-like baseline with its best mappings]. */
const LATENCY_TARGET_MS = { 'mobilenet-reduced': 0.01, 'mobilenet-v2': 0.7 } as const;

function hypervolumeSpec(layers: readonly EdgeLayer[]): { reference: number[]; ideal: number[]; nadir: number[] } {
  const base = EDGE_ACCELERATORS['edgetpu-like'];
  const m = bestEdgeMappings(layers, base);
  const edp = m ? edgeNetworkCost(layers, m, base).edp : 1;
  return { reference: [1], ideal: [0], nadir: [edp] };
}

const metricsOf = (c: ReturnType<typeof edgeNetworkCost>): Record<string, number> => ({
  edp: c.edp,
  latencyMs: c.latencyMs,
  energyNj: c.energyNj,
  areaMm2: c.areaMm2,
  overflowingLayers: c.overflowing,
});

/** Joint hardware + per-layer mapping problem on the reduced MobileNet-like workload. */
export function edgeCodesignProblem(workload: keyof typeof EDGE_WORKLOADS = 'mobilenet-reduced'): BenchmarkProblem {
  const layers = EDGE_WORKLOADS[workload]();
  const space = new SearchSpace({
    name: `edge-codesign-${workload}`,
    meta: { family: 'edge-codesign', workload },
    genes: [...HW_GENES, ...layers.flatMap(mappingGenes)],
    constraints: [AREA_CONSTRAINT, RF_CONSTRAINT, ...layers.map(tileConstraint)],
  });
  return {
    name: 'edge-codesign',
    space,
    objectives: [{ metric: 'edp', direction: 'minimize' }],
    constraints: [
      { metric: 'latencyMs', max: LATENCY_TARGET_MS[workload] },
      // Never violated when the known constraints hold; kept so a broken mapping shows as infeasible.
      { metric: 'overflowingLayers', max: 0 },
    ],
    hypervolume: hypervolumeSpec(layers),
    evaluate(genome) {
      const hw = edgeHardwareOf(genome);
      const mappings: EdgeMapping[] = layers.map((_, i) => ({
        split: genome[`L${i}.split`] as 'k' | 'rows',
        tileK: genome[`L${i}.tileK`] as number,
        tileRows: genome[`L${i}.tileRows`] as number,
      }));
      return metricsOf(edgeNetworkCost(layers, mappings, hw));
    },
  };
}

/** Nested problem: hardware genes outside, the exact per-layer mapper inside, on full MobileNetV2. */
export function edgeCodesignNestedProblem(workload: keyof typeof EDGE_WORKLOADS = 'mobilenet-v2'): BenchmarkProblem {
  const layers = EDGE_WORKLOADS[workload]();
  const space = new SearchSpace({
    name: `edge-hw-${workload}`,
    meta: { family: 'edge-codesign', workload, inner: 'exact per-layer mapper' },
    genes: HW_GENES,
    constraints: [AREA_CONSTRAINT, RF_CONSTRAINT],
  });
  return {
    name: 'edge-codesign-nested',
    space,
    objectives: [{ metric: 'edp', direction: 'minimize' }],
    constraints: [
      { metric: 'latencyMs', max: LATENCY_TARGET_MS[workload] },
      { metric: 'unmappableLayers', max: 0 },
    ],
    hypervolume: hypervolumeSpec(layers),
    evaluate(genome): Record<string, number> {
      const hw = edgeHardwareOf(genome);
      const mappings = bestEdgeMappings(layers, hw);
      // A layer no mapping fits (local memory too small even for the smallest tile) makes the design infeasible.
      if (!mappings) return { edp: Number.MAX_VALUE, latencyMs: Number.MAX_VALUE, energyNj: Number.MAX_VALUE, areaMm2: edgeNetworkCost([], [], hw).areaMm2, unmappableLayers: 1 };
      return { ...metricsOf(edgeNetworkCost(layers, mappings, hw)), unmappableLayers: 0 };
    },
  };
}
