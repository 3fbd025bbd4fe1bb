/**
 * `hwnas search`: runs (or resumes) a search and writes its journal and summary.json to the run directory.
 * Without flags it runs the main job: a joint architecture + quantization + FPGA search on MNIST.
 * With --problem it searches a benchmark problem instead (no training).
 * A --config file and the flags meet in one validated configuration (lib/config.ts); flags win.
 */
import type { Command } from 'commander';
import { ConfigError, type Issue } from '../errors.js';
import { JOINT_DATASETS, mergeConfig, parseSearchConfig, readConfigFile, type SearchConfig } from '../config.js';
import { PROBLEM_NAMES } from '../../problems/index.js';
import { STRATEGY_NAMES } from '../../strategies/registry.js';
import { checkRunDir, defaultRunDir } from '../search/run-dir.js';
import { runProblemSearch } from '../search/run-problem.js';
import { jointSpace, runJointSearch, readRunConfig } from '../search/run-joint.js';
import { decodeArchitecture, decodeQuantization } from '../space/decode.js';
import type { Genome } from '../space/genome.js';
import type { SearchSpace } from '../space/search-space.js';
import type { StudySummary } from '../study/summary.js';
import { FlagReader } from './flags.js';
import type { ProgressMode } from './progress.js';

/** Raw flags as commander hands them over. */
interface SearchFlags {
  config?: string;
  problem?: string;
  dataset?: string;
  strategy?: string;
  device?: string;
  luts?: string;
  throughput?: string;
  latencyMs?: string;
  trials?: string;
  budgetMinutes?: string;
  epochs?: string;
  workers?: string;
  seed?: string;
  out?: string;
  resume?: boolean;
  quiet?: boolean;
  json?: boolean;
}

/** Config paths and the flags that set them, so an issue names what the user typed. */
const FLAG_OF: Record<string, string> = {
  problem: '--problem',
  dataset: '--dataset',
  'strategy.name': '--strategy',
  'hardware.device': '--device',
  'hardware.luts': '--luts',
  'hardware.throughput': '--throughput',
  'hardware.latencyMs': '--latency-ms',
  'budget.trials': '--trials',
  'budget.minutes': '--budget-minutes',
  'training.epochs': '--epochs',
  workers: '--workers',
  seed: '--seed',
  out: '--out',
};

function withFlagNames(issues: readonly Issue[]): Issue[] {
  return issues.map((i) => (FLAG_OF[i.path] ? { ...i, path: `${FLAG_OF[i.path]} (${i.path})` } : i));
}

/** Flags → a partial config object (numbers read here so a bad number names its flag). */
function flagsToConfig(f: SearchFlags, r: FlagReader): Record<string, unknown> {
  const hardware: Record<string, unknown> = {};
  if (f.device !== undefined) hardware.device = f.device;
  if (f.luts !== undefined) hardware.luts = r.positive('luts', f.luts);
  if (f.throughput !== undefined) hardware.throughput = r.positive('throughput', f.throughput);
  if (f.latencyMs !== undefined) hardware.latencyMs = r.positive('latency-ms', f.latencyMs);
  const budget: Record<string, unknown> = {};
  if (f.trials !== undefined) budget.trials = r.int('trials', f.trials, 1);
  if (f.budgetMinutes !== undefined) budget.minutes = r.positive('budget-minutes', f.budgetMinutes);
  const c: Record<string, unknown> = {};
  if (f.problem !== undefined) c.problem = r.oneOf('problem', f.problem, PROBLEM_NAMES);
  if (f.dataset !== undefined) c.dataset = r.oneOf('dataset', f.dataset, JOINT_DATASETS);
  if (f.strategy !== undefined) c.strategy = { name: r.oneOf('strategy', f.strategy, STRATEGY_NAMES) };
  if (Object.keys(hardware).length) c.hardware = hardware;
  if (Object.keys(budget).length) c.budget = budget;
  if (f.epochs !== undefined) c.training = { epochs: r.int('epochs', f.epochs, 1) };
  if (f.workers !== undefined) c.workers = r.int('workers', f.workers, 1, 64);
  if (f.seed !== undefined) c.seed = r.int('seed', f.seed, 0, 2 ** 31 - 1);
  if (f.out !== undefined) c.out = f.out;
  return c;
}

/** The configuration of a new search: defaults ← config file ← flags. Throws one ConfigError with every issue. */
export function resolveSearchConfig(f: SearchFlags): SearchConfig {
  const r = new FlagReader();
  const file = f.config !== undefined ? readConfigFile(f.config, r.issues) : {};
  const fromFlags = flagsToConfig(f, r);
  let raw = mergeConfig(file, fromFlags) as Record<string, unknown>;
  // A benchmark problem defaults to NSGA-II with 300 trials; the joint search to its own budget (run-joint.ts).
  if (raw.problem !== undefined) {
    raw = mergeConfig({ strategy: { name: 'nsga2' }, budget: { trials: 300 } }, raw) as Record<string, unknown>;
  }
  const flagIssues = r.issues.slice();
  try {
    return parseSearchConfig(raw, flagIssues);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(withFlagNames(err.issues), 'hwnas search: bad arguments');
    throw err;
  }
}

/** One design's quantization in a few characters per layer: `L1 w3.1 a1.5` (integer.fraction bits). */
function bitsPerLayer(space: SearchSpace, genome: Genome): string {
  const arch = decodeArchitecture(space, genome);
  const q = decodeQuantization(space, genome);
  if (q.float) return 'float32';
  return arch.layers
    .map((l, i) => ({ l, q: q.layers[i] }))
    .filter(({ q }) => q.weight)
    .map(({ l, q }) => `${l.name} w${q.weight!.intBits}.${q.weight!.fracBits}${q.activation ? ` a${q.activation.intBits}.${q.activation.fracBits}` : ''}`)
    .join(' | ');
}

function printSummary(s: StudySummary, out: string, json: boolean, space: SearchSpace | null): void {
  if (json) {
    process.stdout.write(JSON.stringify({ event: 'summary', out, ...s }) + '\n');
    return;
  }
  const fmt = (v: number | undefined) => (v === undefined ? '—' : String(+v.toFixed(4)));
  const lines = [
    `trials ${s.trials} (complete ${s.complete}, infeasible ${s.infeasible}, failed ${s.failed})`,
    `hypervolume ${s.hypervolume === null ? '—' : s.hypervolume.toFixed(4)}`,
  ];
  if (space && s.objectives.some((o) => o.metric === 'accuracy')) {
    // The joint search: the best feasible designs first, as a designer reads them.
    const best = [...s.pareto].sort((a, b) => b.metrics.accuracy - a.metrics.accuracy).slice(0, 10);
    lines.push(`best feasible designs (Pareto front: ${s.pareto.length}):`);
    lines.push('  trial  accuracy  img/s     LUTs    layers  bits per layer (w = weights, a = activations; int.frac)');
    for (const p of best) {
      const depth = decodeArchitecture(space, p.genome).layers.filter((l) => l.kind === 'conv').length;
      lines.push(
        `  #${String(p.number).padEnd(5)} ${(p.metrics.accuracy * 100).toFixed(2).padStart(6)}%  ${Math.round(p.metrics.throughput).toString().padStart(7)}  ${Math.round(p.metrics.luts).toString().padStart(7)}  ${String(depth).padStart(6)}  ${bitsPerLayer(space, p.genome)}`,
      );
    }
  } else {
    lines.push(`Pareto front (${s.pareto.length} designs):`);
    lines.push(...s.pareto.slice(0, 20).map((p) => `  #${p.number}  ${s.objectives.map((o) => `${o.metric}=${fmt(p.metrics[o.metric])}`).join('  ')}  ${p.key}`));
    if (s.pareto.length > 20) lines.push(`  … ${s.pareto.length - 20} more in ${out}/summary.json`);
  }
  lines.push(`written: ${out}/journal.jsonl, ${out}/summary.json`);
  process.stdout.write(lines.join('\n') + '\n');
}

export function register(program: Command): void {
  program
    .command('search')
    .description('run (or --resume) a search; without flags, the main job: a joint search on MNIST')
    .option('--config <file>', 'JSON configuration (see `hwnas config --print-default`); flags override it')
    .option('--problem <name>', `benchmark problem instead of the joint search (${PROBLEM_NAMES.join(', ')})`)
    .option('--dataset <name>', `dataset of the joint search (${JOINT_DATASETS.join(', ')})`)
    .option('--strategy <name>', `search strategy (${STRATEGY_NAMES.join(', ')})`)
    .option('--device <name>', 'FPGA device of the joint search (e.g. ep4ce115, xc7z020)')
    .option('--luts <n>', 'LUT budget')
    .option('--throughput <img/s>', 'minimum throughput, images per second')
    .option('--latency-ms <ms>', 'maximum latency of one image, ms')
    .option('--trials <n>', 'number of trials')
    .option('--budget-minutes <m>', 'stop asking for new trials after this many minutes')
    .option('--epochs <n>', 'training epochs per feasible child')
    .option('--workers <n>', 'training worker threads (default: cores)')
    .option('--seed <n>', 'root seed (same seed, same search)')
    .option('--out <dir>', 'run directory (journal.jsonl, summary.json)')
    .option('--resume', 'continue the search in --out (its configuration comes from the run; --trials/--budget-minutes may extend it)')
    .option('--quiet', 'no progress display')
    .option('--json', 'one JSON line per event on stdout')
    .action(async (flags: SearchFlags) => {
      const progress: ProgressMode = flags.quiet ? 'quiet' : flags.json ? 'json' : 'auto';
      if (flags.quiet && flags.json) throw new ConfigError([{ path: '--json', message: 'cannot be combined with --quiet' }]);
      let config: SearchConfig;
      if (flags.resume) {
        if (!flags.out) throw new ConfigError([{ path: '--resume', message: 'needs --out <dir> naming the run to continue' }]);
        const r = new FlagReader();
        const extend = flagsToConfig({ trials: flags.trials, budgetMinutes: flags.budgetMinutes }, r);
        const fixed = Object.entries(flags).filter(([k, v]) => v !== undefined && !['trials', 'budgetMinutes', 'resume', 'out', 'quiet', 'json'].includes(k));
        for (const [k] of fixed) r.add(`--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`, 'cannot change a run being resumed (its configuration is stored in the run)');
        try {
          checkRunDir(flags.out, true);
        } catch (err) {
          r.add('--out', (err as Error).message);
        }
        if (r.issues.length > 0) throw new ConfigError(r.issues, 'hwnas search --resume: bad arguments');
        config = parseSearchConfig(mergeConfig(readRunConfig(flags.out), { ...extend, out: flags.out }));
      } else {
        config = resolveSearchConfig(flags);
        const out = config.out ?? defaultRunDir(config.problem ? `${config.problem}-${config.strategy.name}-s${config.seed}` : `joint-${config.dataset}-${config.strategy.name}-s${config.seed}`);
        try {
          checkRunDir(out, false);
        } catch (err) {
          throw new ConfigError([{ path: '--out', message: (err as Error).message }], 'hwnas search: bad arguments');
        }
        config = { ...config, out };
      }
      const out = config.out!;
      const summary = config.problem
        ? await runProblemSearch({
            problem: config.problem,
            strategy: config.strategy,
            trials: config.budget.trials,
            minutes: config.budget.minutes,
            seed: config.seed,
            out,
            resume: Boolean(flags.resume),
            progress,
            config,
          })
        : await runJointSearch(config, { resume: Boolean(flags.resume), progress });
      printSummary(summary, out, Boolean(flags.json), config.problem ? null : jointSpace(config));
    });
}
