/**
 * Eyeriss-like co-design (issue 13; MODELS-ACCELERATORS §1 and §5): a row-stationary accelerator's configuration
 * (PEs, per-PE scratchpad, global buffer, NoC bandwidth) searched with each layer's mapping, on AlexNet's five
 * convolutions, with the ASIC model of hardware/asic (MAESTRO-style access counts, the shared per-access energies of
 * hardware/energy-constants.ts, MAESTRO's area model).
 *
 * The per-layer mapping gene is the row-stationary logical PE set of Eyeriss (JSSC'17 §IV: each layer is mapped
 * with its own PE-set shape, folded or replicated onto the physical array): `L{i}.rowsPerPe` filter rows per PE,
 * so a cluster of ⌈R / rowsPerPe⌉ PEs computes one output row, and the spare clusters take other rows or filters.
 * Fewer PEs per cluster mean more clusters in parallel but a larger filter slice per PE, which must fit its
 * scratchpad.
 *
 * Objective: EDP = (Σ latency, ms)·(Σ energy, nJ), minimised. Output constraint: latency ≤ 1.25 × Eyeriss' own (with its
 * default mapping), learned by the strategy. Known constraints on the space (never evaluated when broken):
 * - area ≤ Eyeriss' area under the same model (MAESTRO's polynomial in PEs, buffer bytes and NoC width);
 * - per layer, at least one filter slice fits the scratchpad: rowsPerPe·S + S inputs + 1 psum ≤ L1 words.
 * The hypervolume spec reads EDP relative to Eyeriss with its default mapping (nadir), so it is the fraction saved.
 */
import { alexnetConvs, BITS8 } from '../hardware/architectures.js';
import { ACCELERATORS, type AsicAccelerator } from '../hardware/asic/accelerator.js';
import { acceleratorArea, layerCost } from '../hardware/asic/cost.js';
import { convShapeOf } from '../hardware/asic/network-cost.js';
import type { ConvShape } from '../hardware/asic/templates.js';
import { MAESTRO_AREA } from '../hardware/energy-constants.js';
import type { KnownConstraint } from '../lib/space/constraints.js';
import type { Gene } from '../lib/space/gene.js';
import type { Genome } from '../lib/space/genome.js';
import { SearchSpace } from '../lib/space/search-space.js';
import type { BenchmarkProblem } from './problem.js';

const EYERISS: AsicAccelerator = ACCELERATORS.eyeriss;

/** Hardware grid around Eyeriss' 168 PEs, 520 B scratchpads, 108 KB buffer, 14 words/cycle NoC [inferred ranges]. */
const HW_GENES: readonly Gene[] = [
  { name: 'hw.pes', group: 'hw', kind: 'choice', choices: [64, 96, 128, 168, 192, 256] },
  { name: 'hw.l1Bytes', group: 'hw', kind: 'choice', choices: [256, 384, 520, 768, 1024] },
  { name: 'hw.l2KB', group: 'hw', kind: 'choice', choices: [32, 64, 108, 192, 256] },
  { name: 'hw.nocBw', group: 'hw', kind: 'choice', choices: [4, 8, 14, 24, 32] },
];

/** AlexNet's convolutions (batch 1) as the dataflow sees them. */
export function eyerissWorkload(): { name: string; shape: ConvShape }[] {
  return alexnetConvs(BITS8).layers.flatMap((l) => {
    const shape = convShapeOf(l);
    return shape ? [{ name: l.name, shape }] : [];
  });
}

/** Distinct filter rows per PE a layer with R filter rows can use: ⌈R / c⌉ for clusters of c = 1…R PEs. */
export function rowsPerPeChoices(R: number): number[] {
  const set = new Set<number>();
  for (let c = 1; c <= R; c++) set.add(Math.ceil(R / c));
  return [...set].sort((a, b) => a - b);
}

/** The accelerator a genome's hardware genes describe (Eyeriss' other parameters). */
export function eyerissHardwareOf(genome: Genome): AsicAccelerator {
  return {
    ...EYERISS,
    name: 'searched-rs',
    pes: genome['hw.pes'] as number,
    l1Bytes: genome['hw.l1Bytes'] as number,
    l2Bytes: (genome['hw.l2KB'] as number) * 1024,
    nocBw: genome['hw.nocBw'] as number,
  };
}

/**
 * Area ≤ Eyeriss' area, as MAESTRO's polynomial (hardware/asic/cost.ts acceleratorArea; one lane per PE):
 * P·mac + P·L1·sram + L2·sram + bus·(c1·P + c0)·bw + arbiter·(a2·P² + a1·P + a0).
 */
function areaConstraint(budget: number): KnownConstraint {
  const A = MAESTRO_AREA;
  return {
    name: 'area',
    lhs: [
      { coef: A.mac, genes: ['hw.pes'] },
      { coef: A.sramPerByte, genes: ['hw.pes', 'hw.l1Bytes'] },
      { coef: 1024 * A.sramPerByte, genes: ['hw.l2KB'] },
      { coef: A.busUnit * A.busC1, genes: ['hw.pes', 'hw.nocBw'] },
      { coef: A.busUnit * A.busC0, genes: ['hw.nocBw'] },
      { coef: A.arbiterUnit * A.arbC2, genes: ['hw.pes', 'hw.pes'] },
      { coef: A.arbiterUnit * A.arbC1, genes: ['hw.pes'] },
      { coef: A.arbiterUnit * A.arbC0 },
    ],
    rhs: budget,
    why: `chip area ≤ Eyeriss' ${(budget / 1e6).toFixed(2)} mm² (MAESTRO area model)`,
  };
}

/** Layer `i`'s filter slice (rowsPerPe·S weights), S inputs and one psum fit the scratchpad (16-bit words). */
function slotConstraint(shape: ConvShape, i: number, name: string): KnownConstraint {
  return {
    name: `L${i}.slice-fits-l1`,
    lhs: [{ coef: shape.S, genes: [`L${i}.rowsPerPe`] }, { coef: shape.S + 1 }],
    rhs: [{ coef: 1 / EYERISS.wordBytes, genes: ['hw.l1Bytes'] }],
    why: `layer ${name}: one filter slice fits the PE scratchpad`,
  };
}

/** Cost of AlexNet's convolutions on `hw` with per-layer rows per PE (1 = Eyeriss' default: a cluster of R PEs). */
export function eyerissNetworkCost(hw: AsicAccelerator, rowsPerPe: readonly number[]): { latencyMs: number; energyNj: number; edp: number; unfitLayers: number; areaMm2: number } {
  let cycles = 0;
  let energy = 0;
  let unfit = 0;
  eyerissWorkload().forEach(({ shape }, i) => {
    const cluster = Math.ceil(shape.R / rowsPerPe[i]);
    const c = layerCost(shape, { ...hw, clusterSize: cluster }, 'rs');
    cycles += c.cycles;
    energy += c.energyNj.total;
    if (!c.fits) unfit++;
  });
  const latencyMs = cycles / (hw.clockMHz * 1e3);
  return { latencyMs, energyNj: energy, edp: latencyMs * energy, unfitLayers: unfit, areaMm2: acceleratorArea(hw).total / 1e6 };
}

/**
 * Latency target: 1.25 × Eyeriss' own latency [inferred: at 1× only 0.3 % of the valid designs meet it, at 1.25×
 * about 11 %, which leaves the strategies something to learn].
 */
export const EYERISS_LATENCY_SLACK = 1.25;

/** The Eyeriss-like co-design problem. */
export function eyerissCodesignProblem(): BenchmarkProblem {
  const layers = eyerissWorkload();
  const base = eyerissNetworkCost(EYERISS, layers.map(() => 1));
  const space = new SearchSpace({
    name: 'eyeriss-codesign-alexnet',
    meta: { family: 'eyeriss-codesign', workload: 'alexnet-convs' },
    genes: [
      ...HW_GENES,
      ...layers.map(({ shape }, i): Gene => ({ name: `L${i}.rowsPerPe`, group: 'arch', kind: 'choice', choices: rowsPerPeChoices(shape.R) })),
    ],
    constraints: [areaConstraint(acceleratorArea(EYERISS).total), ...layers.map(({ shape, name }, i) => slotConstraint(shape, i, name))],
  });
  return {
    name: 'eyeriss-codesign',
    space,
    objectives: [{ metric: 'edp', direction: 'minimize' }],
    constraints: [
      { metric: 'latencyMs', max: EYERISS_LATENCY_SLACK * base.latencyMs },
      // Never violated when the known constraints hold; kept so a broken mapping shows as infeasible.
      { metric: 'unfitLayers', max: 0 },
    ],
    hypervolume: { reference: [1], ideal: [0], nadir: [base.edp] },
    evaluate(genome) {
      const c = eyerissNetworkCost(
        eyerissHardwareOf(genome),
        layers.map((_, i) => genome[`L${i}.rowsPerPe`] as number),
      );
      return { ...c };
    },
  };
}
