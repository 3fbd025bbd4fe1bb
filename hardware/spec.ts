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

/** The constraints of a spec on a report's metrics (budgets capped by the device). */
export function specConstraints(spec: HardwareSpec, countsLuts: boolean, devices: readonly Device[] = [spec.device]): Constraint[] {
  const sum = (f: (d: Device) => number): number => devices.reduce((s, d) => s + f(d), 0);
  const c: Constraint[] = [];
  if (countsLuts) c.push({ metric: 'luts', max: Math.min(spec.lutBudget ?? Infinity, sum((d) => d.luts)) });
  c.push({ metric: 'dsps', max: Math.min(spec.dspBudget ?? Infinity, sum((d) => d.dsps)) });
  c.push({ metric: 'bramBits', max: Math.min(spec.bramBudgetBits ?? Infinity, sum((d) => d.bramBits)) });
  if (spec.minThroughput !== undefined) c.push({ metric: 'throughput', min: spec.minThroughput });
  if (spec.maxLatencyMs !== undefined) c.push({ metric: 'latencyMs', max: spec.maxLatencyMs });
  return c;
}

