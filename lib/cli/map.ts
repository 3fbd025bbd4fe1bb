/**
 * `hwnas map`: maps one architecture onto an FPGA with a hardware model and prints the chosen mapping, a
 * per-layer resource table and the frontier (throughput against resources).
 *   hwnas map --arch coexplore-opthw-6 --device ep4ce115 --luts 30000 --throughput 1000
 *   hwnas map --arch genome.json            # {"space": "lu2019-cifar10", "genome": {...}}
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, HwnasError } from '../errors.js';
import { PRESET_NAMES, presetSpace, type PresetName } from '../space/presets/index.js';
import { decodeNb201 } from '../space/decode.js';
import { hasHardwareGenes } from '../space/decode-hardware.js';
import type { SearchSpace } from '../space/search-space.js';
import type { Genome } from '../space/genome.js';
import {
  ARCHITECTURE_NAMES, isArchitectureName, networkOfGenome, referenceArchitecture, type PresetBits,
} from '../../hardware/architectures.js';
import { DEFAULT_HARDWARE_MODEL, HARDWARE_MODEL_NAMES, evaluateGenome, hardwareModel, parseHardwareSpec, type HardwareModelName, type HardwareReport } from '../../hardware/model.js';
import type { HwNetwork, Word } from '../../hardware/network.js';
import { FlagReader } from './flags.js';
import { formatAsicReport } from './map-asic.js';
import { resolveAccelerator } from '../../hardware/asic/accelerator.js';
import { nb201Network } from '../../hardware/nb201-network.js';
import { NB201_ARCH_PREFIX } from '../space/nb201-network.js';
import { BITS8 } from '../../hardware/architectures.js';

interface MapFlags {
  arch?: string;
  device?: string;
  devices?: string;
  model?: string;
  luts?: string;
  dsps?: string;
  throughput?: string;
  latencyMs?: string;
  clock?: string;
  multipliers?: string;
  bits?: string;
  objective?: string;
  frontier?: string;
  batch?: string;
  energyNj?: string;
  areaUm2?: string;
  json?: boolean;
}

/** The space and genome of an `--arch` file whose space carries hardware genes (already validated by loadArchitecture). */
function genomeWithHardware(arg: string): { space: SearchSpace; genome: Genome } | undefined {
  if (isArchitectureName(arg) || arg.startsWith(NB201_ARCH_PREFIX)) return undefined;
  const o = JSON.parse(readFileSync(arg, 'utf8')) as { space: PresetName; genome: Genome };
  const space = presetSpace(o.space);
  return hasHardwareGenes(space) ? { space, genome: o.genome } : undefined;
}

/** Reads `--arch`: a reference architecture name, or a JSON file `{space, genome}`. */
export function loadArchitecture(arg: string, bits: PresetBits | undefined, r: FlagReader): HwNetwork | undefined {
  if (isArchitectureName(arg)) return referenceArchitecture(arg, bits);
  // A NAS-Bench-201 cell in the benchmark's own notation: its whole CIFAR network.
  if (arg.startsWith(NB201_ARCH_PREFIX)) return nb201Network(arg, bits ?? BITS8);
  let text: string;
  try {
    text = readFileSync(arg, 'utf8');
  } catch {
    r.add('--arch', `not a reference architecture (${ARCHITECTURE_NAMES.join(', ')}) nor a readable file: ${JSON.stringify(arg)}`);
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    r.add('--arch', `${arg} is not valid JSON: ${(e as Error).message}`);
    return undefined;
  }
  const o = json as { space?: unknown; genome?: unknown };
  if (typeof o !== 'object' || o === null || typeof o.space !== 'string' || typeof o.genome !== 'object' || o.genome === null) {
    r.add('--arch', `${arg} must hold {"space": "<preset space>", "genome": {...}}`);
    return undefined;
  }
  if (!(PRESET_NAMES as readonly string[]).includes(o.space)) {
    r.add('--arch', `space must be one of ${PRESET_NAMES.join(', ')}; got ${JSON.stringify(o.space)}`);
    return undefined;
  }
  if (o.space === 'nb201') {
    // A genome of the nb201 space: its cell's whole CIFAR network.
    const space = presetSpace('nb201');
    const issues = space.validate(o.genome);
    if (issues.length > 0) throw new ConfigError(issues, 'genome does not fit space "nb201"');
    return nb201Network(decodeNb201(space, o.genome as Genome), bits ?? BITS8);
  }
  if (bits) r.add('--bits', 'applies to reference architectures and nb201 cells only; a genome carries its own bit widths');
  return networkOfGenome(o.space as PresetName, o.genome as Record<string, never>, arg);
}

function parseBits(raw: string | undefined, r: FlagReader): PresetBits | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'float' || raw === 'float32') return { weight: 'float32', activation: 'float32', input: 'float32' };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16) {
    r.add('--bits', `must be "float" or an integer in [1, 16], got ${JSON.stringify(raw)}`);
    return undefined;
  }
  return { weight: n, activation: n, input: 8 as Word };
}

/** Plain aligned table: numbers right-aligned, text left-aligned. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header.map(String), ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  return cells
    .map((r) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (Number.isInteger(x)) return x.toLocaleString('en-US');
  return Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(4);
}

/** The human-readable report. */
export function formatReport(net: HwNetwork, r: HardwareReport, frontierRows: number): string {
  const out: string[] = [];
  out.push(`architecture ${net.name}: ${net.layers.length} layers, input ${net.input.join('×')}`);
  out.push(`model ${r.model} on ${r.device}`);
  out.push(
    r.feasible
      ? 'result: FEASIBLE'
      : `result: INFEASIBLE — ${r.reasonText ?? 'no mapping within the spec'} (figures below: the closest design found)`,
  );
  out.push(
    table(
      ['throughput img/s', 'cycles/image', 'latency ms', 'LUTs', 'DSPs', 'BRAM bits'],
      [[r.throughputImgPerS, r.cycles, r.latencyMs, r.luts ?? 'n/a', r.dsps, r.bramBits]],
    ),
  );
  if (r.energy) {
    const e = r.energy;
    out.push(
      `energy per image ${fmt(e.energyMj)} mJ (MACs ${fmt(e.macMj)}, on-chip ${fmt(e.onChipMj)}, off-chip ${fmt(e.offChipMj)}, static ${fmt(e.staticMj)}), ` +
        `power ${fmt(e.powerW)} W, ${fmt(e.gops)} GOP/s, ${fmt(e.gopsPerW)} GOPS/W (hardware/README.md: Energy)`,
    );
  }
  const v = Object.entries(r.violations).map(([k, x]) => `${k} ${x > 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
  if (v.length) out.push(`constraints (normalised excess, ≤ 0 met): ${v.join(', ')}`);
  if (r.stages) {
    out.push('', 'per-layer resources:');
    out.push(
      table(
        ['layer', 'kind', 'MACs', 'params', 'implementation', 'cycles', 'LUTs', 'DSPs', 'BRAM bits'],
        r.stages.map((s) => [s.name, s.kind, s.macs, s.params, s.config, s.cycles, s.luts ?? 'n/a', s.dsps, s.bramBits]),
      ),
    );
  }
  if (r.frontier) {
    const f = r.frontier;
    const scope = r.frontierScope === 'budgets' ? 'within the budgets alone (nothing meets the whole spec)' : 'within the spec';
    out.push('', `frontier ${scope}: ${f.length} Pareto-optimal mappings${f.length > frontierRows ? `, ${frontierRows} shown` : ''}`);
    if (f.length === 0) out.push('  (empty)');
    else {
      // Show an even spread, always including both ends.
      const idx = f.length <= frontierRows ? f.map((_, i) => i) : [...new Set(Array.from({ length: frontierRows }, (_, i) => Math.round((i * (f.length - 1)) / (frontierRows - 1))))];
      out.push(
        table(
          ['throughput img/s', 'cycles', 'LUTs', 'DSPs', 'BRAM bits', 'latency ms'],
          idx.map((i) => [f[i].throughput, f[i].cycles, f[i].luts ?? 'n/a', f[i].dsps, f[i].bramBits, f[i].latencyMs]),
        ),
      );
    }
  }
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('map')
    .description('map one architecture onto an FPGA: chosen mapping, per-layer resources and the frontier')
    .requiredOption('--arch <preset|file>', `reference architecture (${ARCHITECTURE_NAMES.join(', ')}) or a JSON file {"space", "genome"}`)
    .option('--device <name>', 'FPGA (catalog name or board alias); with --model asic the accelerator (eyeriss, nvdla-small, shidiannao)', 'ep4ce115')
    .option('--devices <a,b,…>', 'FPGAs of a multi-fpga partition, in pipeline order')
    .option('--model <name>', `hardware model (${HARDWARE_MODEL_NAMES.join(', ')})`, DEFAULT_HARDWARE_MODEL)
    .option('--luts <n>', 'LUT budget')
    .option('--dsps <n>', 'DSP budget')
    .option('--throughput <img/s>', 'minimum throughput, images per second')
    .option('--latency-ms <ms>', 'maximum latency of one image, ms')
    .option('--clock <MHz>', 'clock (default: the device’s, 100 MHz)')
    .option('--multipliers <where>', 'lu2019-pipeline: lut (the paper), dsp or both')
    .option('--objective <which>', 'lu2019-pipeline: max-throughput or min-luts (default: min-luts when --throughput is given)')
    .option('--bits <n|float>', 'weight/activation width for reference architectures (default 8)')
    .option('--frontier <rows>', 'frontier rows to print', '15')
    .option('--batch <n>', 'asic: images per run (default 1)')
    .option('--energy-nj <nJ>', 'asic: energy bound per run, nJ')
    .option('--area-um2 <µm²>', 'asic: area bound, µm²')
    .option('--json', 'print the report as JSON')
    .action((flags: MapFlags, cmd: Command) => {
      const r = new FlagReader();
      const model = r.oneOf('model', flags.model, HARDWARE_MODEL_NAMES) as HardwareModelName | undefined;
      const spec: Record<string, unknown> = { device: flags.device };
      if (model === 'asic') {
        // --device names the accelerator (eyeriss, nvdla-small, shidiannao) for the asic model.
        spec.device = 'ep4ce115';
        spec.accelerator = cmd.getOptionValueSource('device') === 'default' ? 'eyeriss' : flags.device;
      }
      if (flags.batch !== undefined) spec.batch = r.int('batch', flags.batch, 1, 4096);
      if (flags.energyNj !== undefined) spec.maxEnergyNj = r.positive('energy-nj', flags.energyNj);
      if (flags.areaUm2 !== undefined) spec.maxAreaUm2 = r.positive('area-um2', flags.areaUm2);
      if (flags.devices !== undefined) spec.devices = flags.devices.split(',').map((s) => s.trim()).filter(Boolean);
      if (flags.luts !== undefined) spec.lutBudget = r.int('luts', flags.luts, 1);
      if (flags.dsps !== undefined) spec.dspBudget = r.int('dsps', flags.dsps, 0);
      if (flags.throughput !== undefined) spec.minThroughput = r.positive('throughput', flags.throughput);
      if (flags.latencyMs !== undefined) spec.maxLatencyMs = r.positive('latency-ms', flags.latencyMs);
      if (flags.clock !== undefined) spec.clockMHz = r.positive('clock', flags.clock);
      if (flags.multipliers !== undefined) spec.multipliers = r.oneOf('multipliers', flags.multipliers, ['lut', 'dsp', 'both'] as const);
      if (flags.objective !== undefined) spec.objective = r.oneOf('objective', flags.objective, ['max-throughput', 'min-luts'] as const);
      const rows = r.int('frontier', flags.frontier, 2, 10_000) ?? 15;
      const bits = parseBits(flags.bits, r);
      let net: HwNetwork | undefined;
      try {
        net = loadArchitecture(flags.arch!, bits, r);
      } catch (e) {
        if (e instanceof ConfigError) r.issues.push(...e.issues.map((i) => ({ path: `--arch ${i.path}`, message: i.message })));
        else if (e instanceof HwnasError && e.code === 'HW_BITS_RANGE') r.add('--arch', e.message);
        else throw e;
      }
      // Spec issues join the flag issues: one error lists every problem.
      let parsed;
      try {
        parsed = parseHardwareSpec(spec, 'spec');
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        const flag: Record<string, string> = {
          'spec.device': '--device', 'spec.lutBudget': '--luts', 'spec.dspBudget': '--dsps', 'spec.minThroughput': '--throughput',
          'spec.maxLatencyMs': '--latency-ms', 'spec.clockMHz': '--clock', 'spec.accelerator': '--device',
        };
        r.issues.push(...e.issues.map((i) => ({ path: flag[i.path] ?? i.path.replace(/^spec\.devices/, '--devices'), message: i.message })));
      }
      if (model === 'asic') {
        try {
          resolveAccelerator(spec.accelerator as string, '--device');
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          r.issues.push(...e.issues);
        }
      }
      if (r.issues.length > 0 || !parsed) throw new ConfigError(r.issues, 'hwnas map: bad arguments');
      let report: HardwareReport;
      try {
        // A genome with hardware genes (coexplore-*) is evaluated with its own design, not re-mapped.
        const own = genomeWithHardware(flags.arch!);
        report = own
          ? evaluateGenome(own.space, own.genome, parsed, model!, { detail: true })
          : hardwareModel(model!).evaluateNetwork(net!, parsed, { detail: true });
      } catch (e) {
        if (e instanceof HwnasError && e.code === 'HW_BITS_RANGE') throw new ConfigError([{ path: '--bits', message: e.message }], 'hwnas map: bad arguments');
        throw e;
      }
      process.stdout.write(
        flags.json ? JSON.stringify({ architecture: net!.name, ...report }) + '\n' : report.asic ? formatAsicReport(net!, report, table) : formatReport(net!, report, rows),
      );
    });
}
