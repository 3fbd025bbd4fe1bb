/**
 * An ASIC accelerator built from a dataflow template (MAESTRO's `shi`, `dla`, `rs`; MODELS-ACCELERATORS §5.1):
 * its PEs, per-PE (L1) and shared (L2) buffers, NoC bandwidth and clock; a small catalog of instances, each
 * figure with its source; a zod schema for users' own instances.
 */
import { z } from 'zod';
import { ConfigError } from '../../lib/errors.js';
import { parseOrThrow } from '../../lib/validate.js';
import { ENERGY_TABLES, type EnergyTableName } from '../energy-constants.js';

/** The dataflow templates: output-, weight- and row-stationary. */
export const TEMPLATES = ['shi', 'dla', 'rs'] as const;

/** A dataflow template (MAESTRO's names). */
export type Template = (typeof TEMPLATES)[number];

/** What each template is, in words. */
export const TEMPLATE_DESCRIPTIONS: Readonly<Record<Template, string>> = {
  shi: 'output-stationary, ShiDianNao-like: output rows across clusters × 8 output columns inside',
  dla: 'weight-stationary, NVDLA-like: filters (K) across clusters × input channels (C) inside',
  rs: 'row-stationary, Eyeriss-like: output rows across clusters × filter rows (R PEs) inside, replicated over filters',
};

/** One accelerator instance. */
export interface AsicAccelerator {
  readonly name: string;
  readonly template: Template;
  readonly pes: number;
  /** MAC lanes per PE (MAESTRO `num_simd_lanes`). */
  readonly simdLanes: number;
  /** Bytes of each PE's local buffer. */
  readonly l1Bytes: number;
  /** Bytes of the shared on-chip buffer. */
  readonly l2Bytes: number;
  /** NoC words per cycle between L2 and the PEs (MAESTRO `noc_bw`). */
  readonly nocBw: number;
  /** Cycles of one NoC hop (MAESTRO `noc_hop_latency`). */
  readonly nocHopLatency: number;
  /** Bytes per data word (2 = 16-bit, as Eyeriss). */
  readonly wordBytes: number;
  readonly clockMHz: number;
  /** PEs per cluster; default per template (shi 8, dla 64, rs: the layer's filter height). */
  readonly clusterSize?: number;
  /** Off-chip words per cycle; unbounded (no DRAM stall) when absent. */
  readonly offchipWordsPerCycle?: number;
  readonly energyTable: EnergyTableName;
  readonly source: string;
}

/** The catalog. */
export const ACCELERATORS = {
  /**
   * Eyeriss (JSSC'17): 168 PEs (12×14), row-stationary [abstract]; 200 MHz, 16-bit, 108 KB global buffer,
   * per-PE scratchpads 12 + 224 + 24 words = 520 B [recall, hi-med; MODELS-ACCELERATORS §5.4]; NoC 14 words/cycle,
   * hop latency 1 as MAESTRO's Eyeriss validation run [code: maestro@4eb08d1 validation/eyeriss/run_eval_alexnet_rs.sh].
   */
  eyeriss: {
    name: 'eyeriss', template: 'rs', pes: 168, simdLanes: 1, l1Bytes: 520, l2Bytes: 108 * 1024, nocBw: 14, nocHopLatency: 1,
    wordBytes: 2, clockMHz: 200, energyTable: 'maestro',
    source: 'Eyeriss JSSC\'17 [abstract: 168 PEs, RS]; 108 KB GLB, 520 B spads, 200 MHz [recall]; noc_bw 14 [code: MAESTRO validation]',
  },
  /**
   * A small NVDLA-like engine: nv_small's 8 × 8 = 64 MACs (atomic-C 8 inputs × atomic-K 8 filters) and 128 KB
   * convolution buffer [recall, med]; 8-bit words; clock, L1 (an 11×11 filter plane and its window) and NoC width ours [inferred].
   */
  'nvdla-small': {
    name: 'nvdla-small', template: 'dla', pes: 64, simdLanes: 1, clusterSize: 8, l1Bytes: 256, l2Bytes: 128 * 1024, nocBw: 16,
    nocHopLatency: 1, wordBytes: 1, clockMHz: 200, energyTable: 'maestro',
    source: 'NVDLA nv_small 8×8 MACs, 128 KB CBUF [recall, med]; L1 256 B (an 11×11 filter plane + window), NoC 16 words/cycle, 200 MHz [inferred]',
  },
  /**
   * A ShiDianNao-like engine (ISCA'15): 8 × 8 PEs, output-stationary, NBin 64 KB + NBout 64 KB + SB 128 KB = 256 KB
   * on chip, 16-bit [recall, med]; L1 (PE registers/FIFOs) 512 B, NoC 16 words/cycle, 200 MHz [inferred].
   */
  shidiannao: {
    name: 'shidiannao', template: 'shi', pes: 64, simdLanes: 1, clusterSize: 8, l1Bytes: 512, l2Bytes: 256 * 1024, nocBw: 16,
    nocHopLatency: 1, wordBytes: 2, clockMHz: 200, energyTable: 'maestro',
    source: 'ShiDianNao ISCA\'15 8×8 PEs, 256 KB buffers [recall, med]; L1 512 B, NoC 16, 200 MHz [inferred]',
  },
} as const satisfies Record<string, AsicAccelerator>;

/** Catalog names. */
export type AcceleratorName = keyof typeof ACCELERATORS;

/** All catalog names. */
export const ACCELERATOR_NAMES = Object.keys(ACCELERATORS) as AcceleratorName[];

const posInt = (what: string) => z.number({ error: `${what} must be a number` }).int(`${what} must be an integer`).positive(`${what} must be > 0`);
const posNum = (what: string) => z.number({ error: `${what} must be a finite number` }).positive(`${what} must be > 0`);

/** Schema of a user-described accelerator. */
export const acceleratorSchema = z
  .object({
    name: z.string().min(1, 'name must be a non-empty string'),
    template: z.enum(TEMPLATES, { error: `template must be one of ${TEMPLATES.join(', ')}` }),
    pes: posInt('pes').max(1 << 20, 'pes must be ≤ 1048576'),
    simdLanes: posInt('simdLanes').max(64, 'simdLanes must be ≤ 64').default(1),
    l1Bytes: posInt('l1Bytes'),
    l2Bytes: posInt('l2Bytes'),
    nocBw: posNum('nocBw'),
    nocHopLatency: z.number().int('nocHopLatency must be an integer').nonnegative('nocHopLatency must be ≥ 0').default(1),
    wordBytes: posInt('wordBytes').max(8, 'wordBytes must be ≤ 8').default(2),
    clockMHz: posNum('clockMHz').max(10_000, 'clockMHz must be ≤ 10000').default(200),
    clusterSize: posInt('clusterSize').optional(),
    offchipWordsPerCycle: posNum('offchipWordsPerCycle').optional(),
    energyTable: z.enum(Object.keys(ENERGY_TABLES) as [EnergyTableName, ...EnergyTableName[]]).default('maestro'),
    source: z.string().default('user config'),
  })
  .strict();

/** An accelerator reference: a catalog name or an object. */
export const acceleratorRefSchema = z.union([z.string().min(1, 'accelerator name must be non-empty'), acceleratorSchema]);

/** Input form of an accelerator reference. */
export type AcceleratorRef = z.input<typeof acceleratorRefSchema>;

/** Whether `name` is a catalog accelerator. */
export function isAcceleratorName(name: string): name is AcceleratorName {
  return name.toLowerCase() in ACCELERATORS;
}

/** Resolves a catalog name or a description; ConfigError naming the known ones otherwise. */
export function resolveAccelerator(ref: AcceleratorRef | AsicAccelerator, path = 'accelerator'): AsicAccelerator {
  if (typeof ref === 'string') {
    const key = ref.toLowerCase();
    if (!isAcceleratorName(key)) {
      throw new ConfigError([{ path, message: `unknown accelerator "${ref}"; known: ${ACCELERATOR_NAMES.join(', ')}, or describe one` }], 'invalid accelerator');
    }
    return ACCELERATORS[key];
  }
  return parseOrThrow(acceleratorSchema, ref, path, 'invalid accelerator') as AsicAccelerator;
}
