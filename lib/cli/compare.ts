/** `hwnas compare`: joint search against the separate baselines, strategies × seeds × specs (config file and/or flags). */
import type { Command } from 'commander';
import { ConfigError, type Issue } from '../errors.js';
import { JOINT_DATASETS, JOINT_SPACES, mergeConfig, readConfigFile } from '../config.js';
import { compareConfigIssues, compareConfigSchema, compareEstimate, compareTable, parseCompareConfig, runCompare, type CompareConfig } from '../search/compare.js';
import { FIXED_ARCHITECTURE_RULES, METHODS } from '../search/baselines.js';
import { checkRunDir } from '../search/run-dir.js';
import { STRATEGY_NAMES } from '../../strategies/registry.js';
import { FlagReader } from './flags.js';
import { ProgressReporter } from './progress.js';
import { runNasaicFromCompare } from './nasaic.js';
import { fidelityFlags } from './search.js';

interface CompareFlags {
  config?: string;
  printDefault?: boolean;
  dataset?: string;
  space?: string;
  fixedArch?: string;
  device?: string;
  spec?: string[];
  strategies?: string;
  methods?: string;
  seeds?: string;
  trained?: string;
  epochs?: string;
  workers?: string;
  out?: string;
  quiet?: boolean;
  json?: boolean;
  fidelity?: string;
  eta?: string;
  minBudget?: string;
  fidelityResource?: string;
}

/** Comparison config paths and the flags that set them. */
const FLAG_OF: [RegExp, string][] = [
  [/^dataset$/, '--dataset'],
  [/^space$/, '--space'],
  [/^fixedArchitecture(\.|$)/, '--fixed-arch'],
  [/^hardware\.device/, '--device'],
  [/^specs(\.|$)/, '--spec'],
  [/^strategies(\.|$)/, '--strategies'],
  [/^methods(\.|$)/, '--methods'],
  [/^seeds(\.|$)/, '--seeds'],
  [/^trained$/, '--trained'],
  [/^training\.epochs$/, '--epochs'],
  [/^workers$/, '--workers'],
  [/^out$/, '--out'],
  [/^fidelity\.method$/, '--fidelity'],
  [/^fidelity\.eta$/, '--eta'],
  [/^fidelity\.minBudget$/, '--min-budget'],
  [/^fidelity\.resource$/, '--fidelity-resource'],
];

/** `--spec` keys: the flags' short names of the hardware spec's bounds (as --luts, --throughput, --latency-ms). */
const SPEC_FIELD = { luts: 'lutBudget', throughput: 'minThroughput', latencyMs: 'maxLatencyMs', energyNj: 'maxEnergyNj', areaUm2: 'maxAreaUm2' } as const;
const SPEC_KEYS = Object.keys(SPEC_FIELD) as (keyof typeof SPEC_FIELD)[];

/** `--spec strict:luts=30000,throughput=1000` → a spec object. */
function parseSpecFlag(text: string, r: FlagReader): Record<string, unknown> {
  const m = /^([^:]+):(.*)$/.exec(text);
  if (!m) {
    r.add('--spec', `must be name:key=value,… (keys ${SPEC_KEYS.join(', ')}), e.g. strict:luts=30000,throughput=1000; got ${JSON.stringify(text)}`);
    return {};
  }
  const spec: Record<string, unknown> = { name: m[1] };
  for (const part of m[2].split(',').filter((p) => p.trim() !== '')) {
    const [k, v] = part.split('=');
    if (!(SPEC_KEYS as readonly string[]).includes(k?.trim()) || v === undefined) {
      r.add('--spec', `${JSON.stringify(part)} in ${JSON.stringify(text)}: give key=value with a key among ${SPEC_KEYS.join(', ')}`);
      continue;
    }
    const key = k.trim() as keyof typeof SPEC_FIELD;
    spec[SPEC_FIELD[key]] = key === 'luts' ? r.int('spec', v, 1) : r.positive('spec', v);
  }
  return spec;
}

/** `--fixed-arch median|mid|<JSON of architecture genes>`. */
function parseFixedArch(text: string, r: FlagReader): unknown {
  if ((FIXED_ARCHITECTURE_RULES as readonly string[]).includes(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    r.add('--fixed-arch', `must be ${FIXED_ARCHITECTURE_RULES.join(' or ')}, or a JSON object of architecture genes such as {"depth":2,"L1.filters":36}; got ${JSON.stringify(text)}`);
    return undefined;
  }
}

const list = (s: string) => s.split(',').map((x) => x.trim());

/** Flags → a partial comparison configuration (numbers read here so a bad number names its flag). */
function flagsToConfig(f: CompareFlags, r: FlagReader): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  if (f.dataset !== undefined) c.dataset = r.oneOf('dataset', f.dataset, JOINT_DATASETS);
  if (f.space !== undefined) c.space = r.oneOf('space', f.space, JOINT_SPACES);
  if (f.fixedArch !== undefined) c.fixedArchitecture = parseFixedArch(f.fixedArch, r);
  if (f.device !== undefined) c.hardware = { device: f.device };
  if (f.spec !== undefined) c.specs = f.spec.map((s) => parseSpecFlag(s, r));
  if (f.strategies !== undefined) c.strategies = list(f.strategies).map((s) => r.oneOf('strategies', s, STRATEGY_NAMES));
  if (f.methods !== undefined) c.methods = list(f.methods).map((m) => r.oneOf('methods', m, METHODS));
  if (f.seeds !== undefined) c.seeds = list(f.seeds).map((s) => r.int('seeds', s, 0, 2 ** 31 - 1));
  if (f.trained !== undefined) c.trained = r.int('trained', f.trained, 2);
  if (f.epochs !== undefined) c.training = { epochs: r.int('epochs', f.epochs, 1) };
  if (f.workers !== undefined) c.workers = r.int('workers', f.workers, 1, 64);
  if (f.out !== undefined) c.out = f.out;
  const fidelity = fidelityFlags(f, r);
  if (fidelity) c.fidelity = fidelity;
  return c;
}

/** Names the flag behind a config path when a flag set it. */
function named(issues: readonly Issue[], fromFlags: Record<string, unknown>): Issue[] {
  return issues.map((i) => {
    const hit = FLAG_OF.find(([re]) => re.test(i.path));
    const top = i.path.split('.')[0];
    return hit && fromFlags[top] !== undefined ? { ...i, path: `${hit[1]} (${i.path})` } : i;
  });
}

/** The comparison configuration: defaults ← config file ← flags, checked as the joint pre-flight checks a search. */
export async function resolveCompareConfig(f: CompareFlags): Promise<CompareConfig> {
  const r = new FlagReader();
  const file = f.config !== undefined ? readConfigFile(f.config, r.issues) : {};
  const fromFlags = flagsToConfig(f, r);
  if (r.issues.length > 0) throw new ConfigError(r.issues, 'hwnas compare: bad arguments');
  const context = 'hwnas compare: bad arguments';
  let c: CompareConfig;
  try {
    c = parseCompareConfig(mergeConfig(file, fromFlags));
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(named(err.issues, fromFlags), context);
    throw err;
  }
  const issues = await compareConfigIssues(c);
  if (issues.length > 0) throw new ConfigError(named(issues, fromFlags), context);
  return c;
}

export function register(program: Command): void {
  program
    .command('compare')
    .description('compare the joint search with the separate baselines (NAS then quantize, quantization only, NAS then map)')
    .option('--config <file>', 'comparison configuration (JSON, see --print-default); flags override it')
    .option('--print-default', 'print the complete default comparison configuration as JSON (a starting point for --config)')
    .option('--dataset <name>', `dataset (${JOINT_DATASETS.join(', ')})`)
    .option('--space <preset>', `space preset (${JOINT_SPACES.join(', ')}; default follows the dataset)`)
    .option('--fixed-arch <rule|json>', `fixed architecture of quant-only: ${FIXED_ARCHITECTURE_RULES.join(' (default: the median-size architecture of the space) or ')} (deepest, middle width, 3×3), or a JSON object of architecture genes`)
    .option('--device <name>', 'FPGA device (e.g. ep4ce115, xc7z020)')
    .option('--spec <name:key=value,…>', 'a spec, e.g. strict:luts=30000,throughput=1000 (keys luts, throughput, latencyMs); repeat for several', (v: string, prev: string[] = []) => [...prev, v])
    .option('--strategies <list>', `strategies, comma-separated (${STRATEGY_NAMES.join(', ')})`)
    .option('--methods <list>', `methods, comma-separated (${METHODS.join(', ')})`)
    .option('--seeds <list>', 'seeds, comma-separated (e.g. 1,2,3)')
    .option('--trained <n>', 'trained children per method run (the fair budget)')
    .option('--epochs <n>', 'training epochs per trained child')
    .option('--workers <n>', 'training worker threads (default: cores)')
    .option('--out <dir>', 'output directory (default runs/compare)')
    .option('--fidelity <method>', 'multi-fidelity training of every method\'s children: none (default), sha, hyperband, asha (as hwnas search)')
    .option('--eta <n>', 'with --fidelity: reduction factor η (default 3)')
    .option('--min-budget <fraction>', 'with --fidelity: the first rung\'s share of the full training, e.g. 1/9 (default)')
    .option('--fidelity-resource <r>', 'with --fidelity: what a rung scales, images (default) or epochs')
    .option('--quiet', 'no progress display')
    .option('--json', 'one JSON line per event on stdout')
    .option('--nasaic', 'NASAIC (two tasks, heterogeneous ASIC) against the successive baseline; takes --config, --seeds, --trained, --epochs, --workers, --out (hwnas nasaic --help)')
    .action(async (flags: CompareFlags & { nasaic?: boolean }) => {
      if (flags.nasaic) return runNasaicFromCompare(flags as Record<string, unknown>);
      if (flags.printDefault) {
        const others = Object.entries(flags).filter(([k, v]) => k !== 'printDefault' && v !== undefined);
        if (others.length > 0) throw new ConfigError(others.map(([k]) => ({ path: `--${k.replace(/[A-Z]/g, (ch) => '-' + ch.toLowerCase())}`, message: 'cannot be combined with --print-default' })), 'hwnas compare: bad arguments');
        process.stdout.write(JSON.stringify(compareConfigSchema.parse({}), null, 2) + '\n');
        return;
      }
      if (flags.quiet && flags.json) throw new ConfigError([{ path: '--json', message: 'cannot be combined with --quiet' }], 'hwnas compare: bad arguments');
      const c = await resolveCompareConfig(flags);
      try {
        checkRunDir(c.out, false);
      } catch (err) {
        throw new ConfigError([{ path: '--out', message: (err as Error).message }], 'hwnas compare: bad arguments');
      }
      const estimate = compareEstimate(c);
      if (flags.json) process.stdout.write(JSON.stringify({ event: 'estimate', ...estimate }) + '\n');
      else if (!flags.quiet) process.stderr.write(`hwnas compare: ${estimate.text}\n`);
      const progress = new ProgressReporter('compare', flags.quiet ? 'quiet' : flags.json ? 'json' : 'auto');
      const rows = await runCompare(c, progress);
      if (flags.json) process.stdout.write(JSON.stringify({ event: 'summary', rows }) + '\n');
      else process.stdout.write(`${compareTable(rows)}\n\nwritten: ${c.out}/results.json, ${c.out}/table.md\n`);
    });
}
