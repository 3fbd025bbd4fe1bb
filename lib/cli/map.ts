/**
 * `hwnas map`: maps one architecture onto an FPGA with a hardware model and prints the chosen mapping, a
 * per-layer resource table and the frontier (throughput against resources).
 *   hwnas map --arch coexplore-opthw-6 --device ep4ce115 --luts 30000 --throughput 1000
 *   hwnas map --arch genome.json            # {"space": "lu2019-cifar10", "genome": {...}}
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, HwnasError } from '../errors.js';
import { PRESET_NAMES, type PresetName } from '../space/presets/index.js';
import {
  ARCHITECTURE_NAMES, isArchitectureName, networkOfGenome, referenceArchitecture, type PresetBits,
} from '../../hardware/architectures.js';
import { HARDWARE_MODEL_NAMES, hardwareModel, parseHardwareSpec, type HardwareModelName, type HardwareReport } from '../../hardware/model.js';
import type { HwNetwork, Word } from '../../hardware/network.js';
import { FlagReader } from './flags.js';

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
  json?: boolean;
}

/** Reads `--arch`: a reference architecture name, or a JSON file `{space, genome}`. */
export function loadArchitecture(arg: string, bits: PresetBits | undefined, r: FlagReader): HwNetwork | undefined {
  if (isArchitectureName(arg)) return referenceArchitecture(arg, bits);
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
  if (bits) r.add('--bits', 'applies to reference architectures only; a genome carries its own bit widths');
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
    .option('--device <name>', 'FPGA (catalog name or board alias)', 'ep4ce115')
    .option('--devices <a,b,…>', 'FPGAs of a multi-fpga partition, in pipeline order')
    .option('--model <name>', `hardware model (${HARDWARE_MODEL_NAMES.join(', ')})`, 'lu2019-pipeline')
    .option('--luts <n>', 'LUT budget')
    .option('--dsps <n>', 'DSP budget')
    .option('--throughput <img/s>', 'minimum throughput, images per second')
    .option('--latency-ms <ms>', 'maximum latency of one image, ms')
    .option('--clock <MHz>', 'clock (default: the device’s, 100 MHz)')
    .option('--multipliers <where>', 'lu2019-pipeline: lut (the paper), dsp or both')
    .option('--objective <which>', 'lu2019-pipeline: max-throughput or min-luts (default: min-luts when --throughput is given)')
    .option('--bits <n|float>', 'weight/activation width for reference architectures (default 8)')
    .option('--frontier <rows>', 'frontier rows to print', '15')
    .option('--json', 'print the report as JSON')
    .action((flags: MapFlags) => {
      const r = new FlagReader();
      const model = r.oneOf('model', flags.model, HARDWARE_MODEL_NAMES) as HardwareModelName | undefined;
      const spec: Record<string, unknown> = { device: flags.device };
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
          'spec.maxLatencyMs': '--latency-ms', 'spec.clockMHz': '--clock',
        };
        r.issues.push(...e.issues.map((i) => ({ path: flag[i.path] ?? i.path.replace(/^spec\.devices/, '--devices'), message: i.message })));
      }
      if (r.issues.length > 0 || !parsed) throw new ConfigError(r.issues, 'hwnas map: bad arguments');
      let report: HardwareReport;
      try {
        report = hardwareModel(model!).evaluateNetwork(net!, parsed, { detail: true });
      } catch (e) {
        if (e instanceof HwnasError && e.code === 'HW_BITS_RANGE') throw new ConfigError([{ path: '--bits', message: e.message }], 'hwnas map: bad arguments');
        throw e;
      }
      process.stdout.write(flags.json ? JSON.stringify({ architecture: net!.name, ...report }) + '\n' : formatReport(net!, report, rows));
    });
}
