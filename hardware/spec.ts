/**
 * The hardware spec: the one schema of what a design must meet and on what (device, budgets, throughput,
 * latency, energy, area). The search configuration embeds it as its `hardware` block; the CLI and the worker
 * tasks validate with it too.
 */
import { z } from 'zod';
import { parseOrThrow } from '../lib/validate.js';
import type { Constraint } from '../lib/trial/index.js';
import { deviceRefSchema, resolveDevice, type Device } from './device.js';
import { DEFAULT_OPTION_SETTINGS } from './layer-cost.js';
import { acceleratorRefSchema } from './asic/accelerator.js';

const nonNegInt = (what: string) => z.number({ error: `${what} must be a number` }).int(`${what} must be an integer`).nonnegative(`${what} must be ≥ 0`);
const posInt = (what: string) => z.number({ error: `${what} must be a number` }).int(`${what} must be an integer`).positive(`${what} must be > 0`);
const posNum = (what: string) => z.number({ error: `${what} must be a finite number` }).positive(`${what} must be > 0`);

/** Schema of a hardware spec (exported so configs and the CLI validate the same way). */
export const hardwareSpecSchema = z
  .object({
    /** Catalog name / board alias, or a custom device object. */
    device: deviceRefSchema,
    /** Devices of a multi-FPGA partition, in pipeline order (default: [device]). */
    devices: z.array(deviceRefSchema).min(1, 'devices must list at least one device').optional(),
    lutBudget: posInt('lutBudget').optional(),
    dspBudget: nonNegInt('dspBudget').optional(),
    bramBudgetBits: posInt('bramBudgetBits').optional(),
    /** Images per second the design must reach. */
    minThroughput: posNum('minThroughput').optional(),
    maxLatencyMs: posNum('maxLatencyMs').optional(),
    /** Overrides the device's default clock. */
    clockMHz: posNum('clockMHz').max(2000, 'clockMHz must be ≤ 2000').optional(),
    /** lu2019-pipeline: where multipliers go (`lut`, the paper's, by default). */
    multipliers: z.enum(['lut', 'dsp', 'both']).default('lut'),
    /** lu2019-pipeline: largest unroll per loop. */
    maxUnroll: posInt('maxUnroll').max(1024, 'maxUnroll must be ≤ 1024').default(DEFAULT_OPTION_SETTINGS.maxUnroll),
    /** lu2019-pipeline: which feasible mapping to report (default: min-luts with a throughput spec, else max-throughput). */
    objective: z.enum(['max-throughput', 'min-luts']).optional(),
    /** Tiling models: memory ports in words per cycle (FNAS: 2/2/2). */
    ports: z.object({ wp: posNum('ports.wp'), ip: posNum('ports.ip'), op: posNum('ports.op') }).strict().optional(),
    /** multi-fpga: inter-FPGA link words per cycle. */
    linkWordsPerCycle: posNum('linkWordsPerCycle').default(2),
    /** Tiling models: memory-port bits per cycle per FPGA (rl_interface r_Ports_BW = 1024 [code]). */
    portBitsBudget: posNum('portBitsBudget').optional(),
    /** Tiling models: static power of the device(s) in W (default: hardware/fpga-energy.ts per device). */
    staticPowerW: posNum('staticPowerW').optional(),
    /** Tiling models: least energy efficiency, GOPS/W. */
    minGopsPerW: posNum('minGopsPerW').optional(),
    /** asic: the accelerator (catalog name, e.g. `eyeriss`, or a description); default eyeriss. */
    accelerator: acceleratorRefSchema.optional(),
    /** asic: images per run (latency and energy are per run). */
    batch: posInt('batch').max(4096, 'batch must be ≤ 4096').default(1),
    /** asic: energy bound per run, nJ. */
    maxEnergyNj: posNum('maxEnergyNj').optional(),
    /** asic: area bound, µm². */
    maxAreaUm2: posNum('maxAreaUm2').optional(),
  })
  .strict();

/** A hardware spec as written in a config. */
export type HardwareSpecInput = z.input<typeof hardwareSpecSchema>;

/** A validated spec with its devices resolved. */
export interface HardwareSpec extends Omit<z.output<typeof hardwareSpecSchema>, 'device' | 'devices'> {
  readonly device: Device;
  readonly devices: readonly Device[];
  readonly clockMHz: number;
}

/** Validates and resolves a spec; throws a ConfigError listing every issue with its path. */
export function parseHardwareSpec(input: unknown, path = 'hardware'): HardwareSpec {
  const s = parseOrThrow(hardwareSpecSchema, input, path, 'invalid hardware spec');
  const device = resolveDevice(s.device, `${path}.device`);
  const devices = (s.devices ?? [s.device]).map((d, i) => resolveDevice(d, `${path}.devices.${i}`));
  return { ...s, device, devices, clockMHz: s.clockMHz ?? device.clockMHz };
}

/** The metrics hardware models report, by name: a closed set, so objectives and constraints can be checked. */
export const HARDWARE_METRICS = ['luts', 'dsps', 'bramBits', 'cycles', 'throughput', 'latencyMs', 'energyNj', 'areaUm2', 'powerW', 'gopsPerW', 'portBits'] as const;
/** One hardware metric. */
export type HardwareMetric = (typeof HARDWARE_METRICS)[number];

type Bound = Omit<Constraint, 'metric'> | null;

/** The bounds of a spec: its budgets and limits (a model's own spec types, e.g. asic's, carry a subset). */
export type SpecBounds = Partial<Pick<HardwareSpec, 'lutBudget' | 'dspBudget' | 'bramBudgetBits' | 'minThroughput' | 'maxLatencyMs' | 'maxEnergyNj' | 'maxAreaUm2' | 'minGopsPerW' | 'portBitsBudget' | 'devices'>>;
const total = (devices: readonly Device[], f: (d: Device) => number): number => devices.reduce((s, d) => s + f(d), 0);

/**
 * The bound each spec field sets on the metric it bounds — the one place a new metric's spec goes. Resource
 * budgets are capped by the devices' own resources.
 */
const BOUNDS: Readonly<Record<HardwareMetric, (spec: SpecBounds, devices: readonly Device[]) => Bound>> = {
  luts: (s, d) => ({ max: Math.min(s.lutBudget ?? Infinity, total(d, (x) => x.luts)) }),
  dsps: (s, d) => ({ max: Math.min(s.dspBudget ?? Infinity, total(d, (x) => x.dsps)) }),
  bramBits: (s, d) => ({ max: Math.min(s.bramBudgetBits ?? Infinity, total(d, (x) => x.bramBits)) }),
  cycles: () => null,
  throughput: (s) => (s.minThroughput === undefined ? null : { min: s.minThroughput }),
  latencyMs: (s) => (s.maxLatencyMs === undefined ? null : { max: s.maxLatencyMs }),
  energyNj: (s) => (s.maxEnergyNj === undefined ? null : { max: s.maxEnergyNj }),
  areaUm2: (s) => (s.maxAreaUm2 === undefined ? null : { max: s.maxAreaUm2 }),
  powerW: () => null,
  gopsPerW: (s) => (s.minGopsPerW === undefined ? null : { min: s.minGopsPerW }),
  portBits: (s) => (s.portBitsBudget === undefined ? null : { max: s.portBitsBudget }),
};

/**
 * The constraints a spec sets on the metrics a model measures: the study's constraints and the models'
 * violations both come from here.
 */
export function specConstraints(spec: SpecBounds, metrics: readonly HardwareMetric[], devices: readonly Device[] = spec.devices ?? []): Constraint[] {
  const out: Constraint[] = [];
  for (const metric of metrics) {
    const b = BOUNDS[metric](spec, devices);
    if (b) out.push({ metric, ...b });
  }
  return out;
}
