/**
 * `hwnas nasaic`: the NASAIC joint search of two networks (two tasks) and a heterogeneous ASIC accelerator under
 * latency/energy/area specs; `--compare` runs it against the successive baseline over seeds.
 *   hwnas nasaic --trained 12 --out runs/nasaic
 *   hwnas nasaic --compare --seeds 1,2,3 --trained 6 --out runs/nasaic-compare
 */
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { JOINT_DATASETS, mergeConfig, readConfigFile } from '../config.js';
import { nasaicConfigSchema, parseNasaicConfig, type NasaicConfig } from '../search/nasaic/config.js';
import { runNasaicSearch } from '../search/nasaic/run.js';
import { runNasaicCompare, nasaicTable } from '../search/nasaic/compare.js';
import { checkRunDir } from '../search/run-dir.js';
import { readRunConfig } from '../search/run-joint.js';
import { STRATEGY_NAMES } from '../../strategies/registry.js';
import { FlagReader } from './flags.js';
import { progressSinks, type ProgressMode } from './progress.js';
import { table } from './map.js';

interface NasaicFlags {
  config?: string;
  printDefault?: boolean;
  datasets?: string;
  latencyMs?: string;
  energyNj?: string;
  areaUm2?: string;
  batch?: string;
  strategy?: string;
  trained?: string;
  trials?: string;
  seeds?: string;
  epochs?: string;
  trainSubset?: string;
  workers?: string;
  out?: string;
  compare?: boolean;
  resume?: boolean;
  quiet?: boolean;
  json?: boolean;
}

/** Flags → a partial configuration. */
function flagsToConfig(f: NasaicFlags, r: FlagReader): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  if (f.datasets !== undefined) {
    const d = f.datasets.split(',').map((s) => r.oneOf('datasets', s.trim(), JOINT_DATASETS));
    if (d.length !== 2) r.add('--datasets', `give two datasets, one per task, e.g. mnist,fashion-mnist; got ${JSON.stringify(f.datasets)}`);
    else c.datasets = d;
  }
  const specs: Record<string, unknown> = {};
  if (f.latencyMs !== undefined) specs.latencyMs = r.positive('latency-ms', f.latencyMs);
  if (f.energyNj !== undefined) specs.energyNj = r.positive('energy-nj', f.energyNj);
  if (f.areaUm2 !== undefined) specs.areaUm2 = r.positive('area-um2', f.areaUm2);
  if (Object.keys(specs).length > 0) c.specs = specs;
  if (f.batch !== undefined) c.batch = r.int('batch', f.batch, 1, 4096);
  if (f.strategy !== undefined) c.strategy = { name: r.oneOf('strategy', f.strategy, STRATEGY_NAMES) };
  if (f.trained !== undefined) c.trained = r.int('trained', f.trained, 1);
  if (f.trials !== undefined) c.trials = r.int('trials', f.trials, 1);
  if (f.seeds !== undefined) c.seeds = f.seeds.split(',').map((s) => r.int('seeds', s.trim(), 0, 2 ** 31 - 1));
  const training: Record<string, unknown> = {};
  if (f.epochs !== undefined) training.epochs = r.int('epochs', f.epochs, 1);
  if (f.trainSubset !== undefined) training.trainSubset = r.int('train-subset', f.trainSubset, 0);
  if (Object.keys(training).length > 0) c.training = training;
  if (f.workers !== undefined) c.workers = r.int('workers', f.workers, 1, 64);
  if (f.out !== undefined) c.out = f.out;
  return c;
}

/** Defaults ← config file ← flags. */
export function resolveNasaicConfig(f: NasaicFlags): NasaicConfig {
  const r = new FlagReader();
  const file = f.config !== undefined ? readConfigFile(f.config, r.issues) : {};
  const fromFlags = flagsToConfig(f, r);
  if (r.issues.length > 0) throw new ConfigError(r.issues, 'hwnas nasaic: bad arguments');
  return parseNasaicConfig(mergeConfig(file, fromFlags));
}

const pct = (v: number | undefined) => (v === undefined ? '—' : `${(v * 100).toFixed(2)}%`);

export function register(program: Command): void {
  program
    .command('nasaic')
    .description('NASAIC: two networks (two tasks) and a heterogeneous ASIC accelerator searched together under latency/energy/area specs; --compare against the successive baseline')
    .option('--config <file>', 'configuration (JSON, see --print-default); flags override it')
    .option('--print-default', 'print the complete default configuration as JSON')
    .option('--datasets <a,b>', `the two tasks' datasets (${JOINT_DATASETS.join(', ')}); default mnist,fashion-mnist`)
    .option('--latency-ms <ms>', 'latency spec (slowest sub-accelerator), ms')
    .option('--energy-nj <nJ>', 'energy spec (both networks), nJ')
    .option('--area-um2 <µm²>', 'area spec (sub-accelerators built), µm²')
    .option('--batch <n>', 'images per run of each network')
    .option('--strategy <name>', `strategy (${STRATEGY_NAMES.join(', ')}); default reinforce with the NASAIC reward`)
    .option('--trained <n>', 'children trained (each trains both networks)')
    .option('--trials <n>', 'most trials, infeasible ones included (default 20 × trained)')
    .option('--seeds <list>', 'seeds, comma-separated (a search uses the first)')
    .option('--epochs <n>', 'training epochs per network')
    .option('--train-subset <n>', 'training images per network (0 = all)')
    .option('--workers <n>', 'training worker threads (default: cores)')
    .option('--out <dir>', 'output directory (default runs/nasaic)')
    .option('--compare', 'run NASAIC and the successive baseline (NAS for accuracy, then the best ASIC) for every seed')
    .option('--resume', 'continue the search in --out where it stopped (its configuration is read from its journal)')
    .option('--quiet', 'no progress display')
    .option('--json', 'print the result as JSON')
    .action(async (flags: NasaicFlags) => runNasaicCommand(flags));
}

/**
 * `hwnas compare --nasaic`: the comparison as a method of `hwnas compare`, with the flags both commands share
 * (--config, --seeds, --trained, --epochs, --workers, --out, --quiet, --json); the FPGA comparison's own flags are refused.
 */
export async function runNasaicFromCompare(flags: Readonly<Record<string, unknown>>): Promise<void> {
  const shared = new Set(['config', 'seeds', 'trained', 'epochs', 'workers', 'out', 'quiet', 'json', 'nasaic']);
  const others = Object.entries(flags).filter(([k, v]) => v !== undefined && !shared.has(k));
  if (others.length > 0) {
    throw new ConfigError(
      others.map(([k]) => ({ path: `--${k.replace(/[A-Z]/g, (ch) => '-' + ch.toLowerCase())}`, message: 'does not apply to --nasaic (its specs and tasks: hwnas nasaic --help, or --config)' })),
      'hwnas compare: bad arguments',
    );
  }
  const f = flags as NasaicFlags;
  await runNasaicCommand({ config: f.config, seeds: f.seeds, trained: f.trained, epochs: f.epochs, workers: f.workers, out: f.out ?? 'runs/nasaic-compare', quiet: f.quiet, json: f.json, compare: true });
}

/** The command's work: a search, or with `compare` NASAIC against the successive baseline. */
export async function runNasaicCommand(flags: NasaicFlags): Promise<void> {
  if (flags.printDefault) {
    process.stdout.write(JSON.stringify(nasaicConfigSchema.parse({}), null, 2) + '\n');
    return;
  }
  if (flags.resume && (flags.compare || flags.out === undefined)) {
    throw new ConfigError([{ path: '--resume', message: 'resumes one search: give its --out directory, without --compare' }], 'hwnas nasaic: bad arguments');
  }
  const out = flags.resume ? flags.out! : undefined;
  try {
    if (out !== undefined) checkRunDir(out, true);
  } catch (err) {
    throw new ConfigError([{ path: '--out', message: (err as Error).message }], 'hwnas nasaic: bad arguments');
  }
  // A resumed search runs with the configuration it started with.
  const c = out !== undefined ? { ...parseNasaicConfig(readRunConfig(out)), out } : resolveNasaicConfig(flags);
  try {
    if (out === undefined) checkRunDir(c.out, false);
  } catch (err) {
    throw new ConfigError([{ path: '--out', message: (err as Error).message }], 'hwnas nasaic: bad arguments');
  }
  const mode: ProgressMode = flags.quiet || flags.json ? 'quiet' : 'auto';
  if (flags.compare) {
    const rows = await runNasaicCompare(c, { progress: progressSinks(mode) });
    process.stdout.write(flags.json ? JSON.stringify({ rows }) + '\n' : `${nasaicTable(rows)}\nwritten: ${c.out}/results.json, ${c.out}/table.md\n`);
    return;
  }
  const r = await runNasaicSearch(c, { seed: c.seeds[0], out: c.out, resume: Boolean(flags.resume), progress: progressSinks(mode) });
  if (flags.json) {
    process.stdout.write(JSON.stringify({ summary: r.summary, best: r.best }) + '\n');
    return;
  }
  const s = r.summary;
  const lines = [
    `trials ${s.trials} (complete ${s.complete}, infeasible ${s.infeasible}, failed ${s.failed}); trained ${r.trained}`,
    `specs: ${Object.entries(c.specs).map(([k, v]) => `${k} ≤ ${v}`).join(', ')}`,
  ];
  if (s.pareto.length === 0) lines.push('no design met the specs');
  else {
    lines.push(`Pareto front (t1 ${c.datasets[0]} accuracy, t2 ${c.datasets[1]} accuracy): ${s.pareto.length}`);
    const byNumber = new Map(r.trials.map((t) => [t.number, t]));
    lines.push(
      table(
        ['trial', 't1 acc', 't2 acc', 'weighted', 'latency ms', 'energy nJ', 'area µm²', 'accelerator'],
        s.pareto.map((p) => [`#${p.number}`, pct(p.metrics['t1.accuracy']), pct(p.metrics['t2.accuracy']), pct(p.metrics.accuracy), p.metrics.latencyMs, Math.round(p.metrics.energyNj), Math.round(p.metrics.areaUm2), String(byNumber.get(p.number)?.extra?.design ?? '')]),
      ),
    );
  }
  lines.push(`written: ${c.out}/journal.jsonl, ${c.out}/summary.json; trained weights under ${c.out}/t1/models, ${c.out}/t2/models`);
  process.stdout.write(lines.join('\n') + '\n');
}
