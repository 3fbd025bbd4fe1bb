/**
 * `hwnas search`: runs (or resumes) a search and writes its journal and summary.json to the run directory.
 * Without flags it runs the main job: a joint architecture + quantization + FPGA search on MNIST.
 * With --problem it searches a benchmark problem instead (no training).
 * A --config file and the flags meet in one validated configuration (lib/config.ts); flags win.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { recalibrateForSearch } from './profile.js';
import { ConfigError, HwnasError, type Issue } from '../errors.js';
import { JOINT_DATASETS, JOINT_SPACES, defaultSearchConfig, mergeConfig, parseSearchConfig, readConfigFile, searchConfigSchema, type SearchConfig } from '../config.js';
import { PROBLEM_NAMES } from '../../problems/index.js';
import { STRATEGY_NAMES } from '../../strategies/registry.js';
import { checkRunDir, defaultRunDir } from '../search/run-dir.js';
import { problemOfConfig, runProblemSearch } from '../search/run-problem.js';
import { parseObjectiveList } from '../../problems/table.js';
import { jointSpace, runJointSearch, readRunConfig, withJointDefaults } from '../search/run-joint.js';
import { decodeArchitecture, decodeQuantization } from '../space/decode.js';
import { decodeEdgeMbnet } from '../space/decode-edge.js';
import type { Genome } from '../space/genome.js';
import type { SearchSpace } from '../space/search-space.js';
import { RUN_FILES } from '../study/journal.js';
import { forceUnlock } from '../study/run-lock.js';
import { datasetLabel } from '../train/datasets/registry.js';
import type { StudySummary } from '../study/summary.js';
import { FlagReader } from './flags.js';
import { HARDWARE_MODEL_NAMES } from '../../hardware/model.js';
import { progressSinks, type ProgressMode } from './progress.js';

/** Raw flags as commander hands them over. */
interface SearchFlags {
  config?: string;
  problem?: string;
  problemFile?: string;
  table?: string;
  objectives?: string;
  genes?: string;
  dataset?: string;
  datasetDir?: string;
  strategy?: string;
  device?: string;
  model?: string;
  space?: string;
  luts?: string;
  throughput?: string;
  latencyMs?: string;
  trials?: string;
  budgetMinutes?: string;
  epochs?: string;
  fidelity?: string;
  eta?: string;
  minBudget?: string;
  fidelityResource?: string;
  workers?: string;
  redis?: string;
  seed?: string;
  out?: string;
  resume?: boolean;
  forceUnlock?: boolean;
  recalibrate?: boolean;
  zoo?: string;
  warmImages?: string;
  quiet?: boolean;
  json?: boolean;
}

/** Config paths and the flags that set them, so an issue names what the user typed. */
const FLAG_OF: Record<string, string> = {
  problem: '--problem',
  problemFile: '--problem-file',
  'table.file': '--table',
  'table.objectives': '--objectives',
  'table.genes': '--genes',
  dataset: '--dataset',
  'dataset.path': '--dataset-dir',
  'strategy.name': '--strategy',
  'hardware.device': '--device',
  'hardware.model': '--model',
  space: '--space',
  'hardware.lutBudget': '--luts',
  'hardware.minThroughput': '--throughput',
  'hardware.maxLatencyMs': '--latency-ms',
  'budget.trials': '--trials',
  'budget.minutes': '--budget-minutes',
  'training.epochs': '--epochs',
  'fidelity.method': '--fidelity',
  'fidelity.eta': '--eta',
  'fidelity.minBudget': '--min-budget',
  'fidelity.resource': '--fidelity-resource',
  workers: '--workers',
  'executor.url': '--redis',
  seed: '--seed',
  out: '--out',
  'zoo.dir': '--zoo',
  'zoo.warmImages': '--warm-images',
};

/** Names the flag behind an issue's path when that flag was given (a value from the config file keeps its path). */
function withFlagNames(issues: readonly Issue[], f: SearchFlags): Issue[] {
  const given = (flag: string) => (f as Record<string, unknown>)[flag.slice(2).replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase())] !== undefined;
  return issues.map((i) => {
    const key = Object.keys(FLAG_OF)
      .filter((k) => i.path === k || i.path.startsWith(`${k}.`))
      .sort((a, b) => b.length - a.length)[0];
    return key && given(FLAG_OF[key]) ? { ...i, path: `${FLAG_OF[key]} (${i.path})` } : i;
  });
}

/** Flags → a partial config object (numbers read here so a bad number names its flag). */
function flagsToConfig(f: SearchFlags, r: FlagReader): Record<string, unknown> {
  const hardware: Record<string, unknown> = {};
  if (f.device !== undefined) hardware.device = f.device;
  if (f.model !== undefined) hardware.model = r.oneOf('model', f.model, HARDWARE_MODEL_NAMES);
  if (f.luts !== undefined) hardware.lutBudget = r.int('luts', f.luts, 1);
  if (f.throughput !== undefined) hardware.minThroughput = r.positive('throughput', f.throughput);
  if (f.latencyMs !== undefined) hardware.maxLatencyMs = r.positive('latency-ms', f.latencyMs);
  const budget: Record<string, unknown> = {};
  if (f.trials !== undefined) budget.trials = r.int('trials', f.trials, 1);
  if (f.budgetMinutes !== undefined) budget.minutes = r.positive('budget-minutes', f.budgetMinutes);
  const c: Record<string, unknown> = {};
  if (f.problem !== undefined) c.problem = r.oneOf('problem', f.problem, PROBLEM_NAMES);
  // Your own problems: paths made absolute, so the same command plus --resume matches the stored run.
  if (f.problemFile !== undefined) c.problemFile = path.resolve(f.problemFile);
  if (f.table !== undefined) {
    const table: Record<string, unknown> = { file: path.resolve(f.table) };
    if (f.objectives === undefined) r.add('--objectives', 'needed with --table: the objective columns, e.g. "error:min,latency:min"');
    else {
      try {
        table.objectives = parseObjectiveList(f.objectives);
      } catch (err) {
        if (err instanceof ConfigError) r.issues.push(...err.issues);
        else throw err;
      }
    }
    if (f.genes !== undefined) table.genes = f.genes.split(',').map((g) => g.trim()).filter((g) => g !== '');
    c.table = table;
  } else if (f.objectives !== undefined || f.genes !== undefined) {
    r.add(f.objectives !== undefined ? '--objectives' : '--genes', 'goes with --table (the columns of your CSV)');
  }
  if (f.dataset !== undefined) c.dataset = r.oneOf('dataset', f.dataset, JOINT_DATASETS);
  // Your own data (lib/train/datasets/custom.ts); absolute, so the same command plus --resume matches the run.
  if (f.datasetDir !== undefined) {
    if (f.dataset !== undefined) r.add('--dataset-dir', 'cannot be combined with --dataset (one names a built-in dataset, the other your own)');
    else c.dataset = { path: path.resolve(f.datasetDir) };
  }
  if (f.space !== undefined) c.space = r.oneOf('space', f.space, JOINT_SPACES);
  if (f.strategy !== undefined) c.strategy = { name: r.oneOf('strategy', f.strategy, STRATEGY_NAMES) };
  if (Object.keys(hardware).length) c.hardware = hardware;
  if (Object.keys(budget).length) c.budget = budget;
  if (f.epochs !== undefined) c.training = { epochs: r.int('epochs', f.epochs, 1) };
  const fidelity = fidelityFlags(f, r);
  if (fidelity) c.fidelity = fidelity;
  if (f.workers !== undefined) c.workers = r.int('workers', f.workers, 1, 64);
  if (f.redis !== undefined) c.executor = { kind: 'redis', url: f.redis };
  if (f.seed !== undefined) c.seed = r.int('seed', f.seed, 0, 2 ** 31 - 1);
  if (f.out !== undefined) c.out = f.out;
  // Hot start from a model zoo (lib/zoo/warm.ts); absolute, so the same command plus --resume matches the run.
  if (f.zoo !== undefined) c.zoo = { dir: path.resolve(f.zoo), ...(f.warmImages !== undefined ? { warmImages: r.int('warm-images', f.warmImages, 1) } : {}) };
  else if (f.warmImages !== undefined) r.add('--warm-images', 'goes with --zoo <dir> (the fine-tuning images of a warm-started child)');
  return c;
}

/**
 * --fidelity, --eta, --min-budget (a fraction such as 0.111 or 1/9) and --fidelity-resource → the `fidelity` block;
 * the values are checked by the configuration's schema, so a bad one is reported with its flag.
 */
export function fidelityFlags(f: Pick<SearchFlags, 'fidelity' | 'eta' | 'minBudget' | 'fidelityResource'>, r: FlagReader): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (f.fidelity !== undefined) out.method = f.fidelity;
  const num = (flag: string, raw: string): number | undefined => {
    const frac = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(raw);
    const v = frac ? Number(frac[1]) / Number(frac[2]) : raw.trim() === '' ? NaN : Number(raw);
    if (Number.isNaN(v)) r.add(`--${flag}`, `must be a number${flag === 'min-budget' ? ' or a fraction such as 1/9' : ''}, got ${JSON.stringify(raw)}`);
    return Number.isNaN(v) ? undefined : v;
  };
  if (f.eta !== undefined) out.eta = num('eta', f.eta);
  if (f.minBudget !== undefined) out.minBudget = num('min-budget', f.minBudget);
  if (f.fidelityResource !== undefined) out.resource = f.fidelityResource;
  if (Object.keys(out).length === 0) return undefined;
  if (f.fidelity === undefined) {
    for (const k of ['eta', 'minBudget', 'fidelityResource'] as const) {
      if (f[k] !== undefined) r.add(`--${k.replace(/[A-Z]/g, (ch) => '-' + ch.toLowerCase())}`, 'goes with --fidelity sha|hyperband|asha (multi-fidelity is off without it)');
    }
  }
  return out;
}

/** The configuration of a new search: defaults ← config file ← flags. Throws one ConfigError with every issue. */
export function resolveSearchConfig(f: SearchFlags, context = 'hwnas search: bad arguments'): SearchConfig {
  const r = new FlagReader();
  const file = f.config !== undefined ? readConfigFile(f.config, r.issues) : {};
  const fromFlags = flagsToConfig(f, r);
  let raw = mergeConfig(file, fromFlags) as Record<string, unknown>;
  // A benchmark problem defaults to NSGA-II with 300 trials; the joint search to its own budget (run-joint.ts).
  if (raw.problem !== undefined || raw.problemFile !== undefined || raw.table !== undefined) {
    raw = mergeConfig({ strategy: { name: 'nsga2' }, budget: { trials: 300 } }, raw) as Record<string, unknown>;
  }
  const flagIssues = r.issues.slice();
  let c: SearchConfig;
  try {
    c = parseSearchConfig(raw, flagIssues);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(withFlagNames(err.issues, f), context);
    throw err;
  }
  const problemName = c.problem ?? (c.problemFile !== undefined ? `--problem-file ${f.problemFile ?? c.problemFile}` : c.table !== undefined ? `--table ${f.table ?? c.table.file}` : undefined);
  if (problemName !== undefined) {
    const issues = problemIssues(problemName, f, file);
    if (issues.length > 0) throw new ConfigError(issues, context);
  }
  return c;
}

/** Flags that only the joint search reads. */
const JOINT_FLAGS = ['dataset', 'datasetDir', 'space', 'model', 'device', 'luts', 'throughput', 'latencyMs', 'epochs', 'fidelity', 'eta', 'minBudget', 'fidelityResource', 'workers', 'zoo', 'warmImages'] as const;
/** Configuration sections that only the joint search reads. */
const JOINT_KEYS = ['dataset', 'space', 'hardware', 'training', 'objectives', 'workers'] as const;

/**
 * With --problem, joint-search settings would be ignored: each one given is an issue. A config section equal to
 * its default (as `hwnas config --print-default` prints it) is not, so that file can be reused.
 */
function problemIssues(problem: string, f: SearchFlags, file: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  const why = `applies to the joint search only; --problem ${problem} searches a benchmark problem (no training, no hardware)`;
  for (const k of JOINT_FLAGS) if (f[k] !== undefined) issues.push({ path: `--${k.replace(/[A-Z]/g, (ch) => '-' + ch.toLowerCase())}`, message: why });
  const defaults = [defaultSearchConfig(), withJointDefaults(defaultSearchConfig())] as Record<string, unknown>[];
  for (const k of JOINT_KEYS) {
    if (file[k] === undefined || (k !== 'objectives' && f[k as keyof SearchFlags] !== undefined)) continue;
    const parsed = searchConfigSchema.safeParse({ [k]: file[k] });
    const value = parsed.success ? canonical((parsed.data as Record<string, unknown>)[k]) : null;
    if (value !== null && defaults.some((d) => canonical(d[k]) === value)) continue;
    issues.push({
      path: `--config ${f.config}: ${k}`,
      message: k === 'objectives' ? `a problem search optimises the problem's own objectives; remove "objectives" (${why})` : why,
    });
  }
  return issues;
}

/** JSON with object keys sorted: equal values give equal text whatever order their keys were written in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_, x: unknown) =>
    typeof x === 'object' && x !== null && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

/** Leaves of a plain object as [dotted path, value] (arrays are leaves). */
function leaves(o: unknown, prefix = ''): [string, unknown][] {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return [[prefix, o]];
  return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

function at(o: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((x, k) => (typeof x === 'object' && x !== null ? (x as Record<string, unknown>)[k] : undefined), o);
}

/** Paths a resumed run may change: the budget (to extend it) and where its output goes. */
const RESUME_FREE = /^(budget(\..*)?|out|executor(\..*)?)$/;

/**
 * The configuration of a resumed run: the stored one, with the budget the command gives. The command may repeat
 * any other setting (the same command plus --resume); only a value different from the stored one is an error.
 */
function resumeConfig(flags: SearchFlags): SearchConfig {
  const dir = flags.out!;
  const r = new FlagReader();
  let stored: Record<string, unknown> | null = null;
  try {
    checkRunDir(dir, true);
    stored = readRunConfig(dir);
  } catch (err) {
    if (!(err instanceof HwnasError)) throw err;
    r.add('--out', err.message);
  }
  const file = flags.config !== undefined ? readConfigFile(flags.config, r.issues) : {};
  const asked = flagsToConfig({ ...flags, out: undefined }, r);
  if (stored) {
    const check = (source: Record<string, unknown>, name: (p: string) => string) => {
      for (const [p, v] of leaves(source)) {
        if (p === '' || RESUME_FREE.test(p)) continue;
        const was = at(stored, p);
        if (canonical(was) !== canonical(v)) {
          r.add(name(p), `cannot change a run being resumed: the run has ${was === undefined ? 'no value' : JSON.stringify(was)}, the command asks ${JSON.stringify(v)} (its configuration is stored in the run; leave it out or repeat it)`);
        }
      }
    };
    // The run records your own dataset's directory as an absolute path: compare the file's the same way.
    const ds = file.dataset as { path?: unknown } | undefined;
    const fileAsRun = typeof ds === 'object' && ds !== null && typeof ds.path === 'string' ? { ...file, dataset: { ...ds, path: path.resolve(ds.path) } } : file;
    check(fileAsRun, (p) => `--config ${flags.config}: ${p}`);
    check(asked, (p) => FLAG_OF[p] ?? p);
  }
  if (r.issues.length > 0) throw new ConfigError(r.issues, 'hwnas search --resume: bad arguments');
  const budget = mergeConfig(file.budget ?? {}, asked.budget ?? {});
  try {
    // The executor may change too: the same search, resumed with more machines or a Redis that moved.
    return parseSearchConfig(mergeConfig(stored, { budget, out: dir, ...(asked.executor ? { executor: mergeConfig(file.executor, asked.executor) } : file.executor ? { executor: file.executor } : {}) }));
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.issues.map((i) => ({ ...i, path: i.path.startsWith('budget') ? (FLAG_OF[i.path] ?? i.path) : `${dir} (stored configuration): ${i.path}` })), 'hwnas search --resume: bad arguments');
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

/** Column headings of the metrics a joint summary prints. */
const METRIC_LABELS: Record<string, string> = { throughput: 'img/s', luts: 'LUTs', gopsPerW: 'GOPS/W', latencyMs: 'ms', energyNj: 'nJ', dsps: 'DSPs', areaUm2: 'µm²' };

/** A MobileNet-like design in a few characters per stage: `fused k3 ×6 ×2 c24`. */
function edgeStages(space: SearchSpace, genome: Genome): string {
  return decodeEdgeMbnet(space, genome)
    .stages.map((st) => `${st.op} k${st.k} ×${st.t} ×${st.n} c${st.c}`)
    .join(' | ');
}

function printSummary(s: StudySummary, out: string, json: boolean, space: SearchSpace | null): void {
  if (json) {
    process.stdout.write(JSON.stringify({ event: 'summary', out, ...s }) + '\n');
    return;
  }
  const fmt = (v: number | undefined) => (v === undefined ? '—' : String(+v.toFixed(4)));
  const lines = [
    `trials ${s.trials} (complete ${s.complete}, infeasible ${s.infeasible}, failed ${s.failed}${s.pruned ? `, pruned ${s.pruned}` : ''})`,
    `hypervolume ${s.hypervolume === null ? '—' : s.hypervolume.toFixed(4)}`,
    ...s.warnings.map((w) => `warning: ${w}`),
  ];
  if (space && s.objectives.some((o) => o.metric === 'accuracy')) {
    // The joint search: the best feasible designs first, as a designer reads them.
    const best = [...s.pareto].sort((a, b) => b.metrics.accuracy - a.metrics.accuracy).slice(0, 10);
    lines.push(`best feasible designs (Pareto front: ${s.pareto.length}):`);
    // One column per hardware objective, as the model measures it (LUTs, GOPS/W, ms, nJ …).
    const hwMetrics = s.objectives.map((o) => o.metric).filter((m) => m !== 'accuracy');
    const cell = (m: string, v: number | undefined): string => (v === undefined ? '—' : m === 'luts' || m === 'throughput' ? String(Math.round(v)) : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
    const edge = space.meta.family === 'edge-mbnet';
    lines.push(`  trial  accuracy  ${hwMetrics.map((m) => (METRIC_LABELS[m] ?? m).padStart(8)).join('  ')}  layers  ${edge ? 'stages (block kernel ×expansion ×blocks channels)' : 'bits per layer (w = weights, a = activations; int.frac)'}`);
    for (const p of best) {
      const depth = decodeArchitecture(space, p.genome).layers.filter((l) => l.kind === 'conv').length;
      lines.push(
        `  #${String(p.number).padEnd(5)} ${(p.metrics.accuracy * 100).toFixed(2).padStart(6)}%  ${hwMetrics.map((m) => cell(m, p.metrics[m]).padStart(8)).join('  ')}  ${String(depth).padStart(6)}  ${edge ? edgeStages(space, p.genome) : bitsPerLayer(space, p.genome)}`,
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
    .option('--problem-file <file>', 'your own problem: a module exporting defineProblem({ space, objectives, evaluate }) (README: your own problem)')
    .option('--table <csv>', 'your own tabular problem: a CSV with one design per row')
    .option('--objectives <list>', 'with --table: objective columns and directions, e.g. "error:min,latency:min"')
    .option('--genes <list>', 'with --table: the decision columns (default: every column that is not an objective)')
    .option('--dataset <name>', `dataset of the joint search (${JOINT_DATASETS.join(', ')})`)
    .option('--dataset-dir <dir>', 'your own dataset: train/<class>/*.png + test/<class>/*.png, MNIST-named IDX files or x_train.npy …')
    .option('--strategy <name>', `search strategy (${STRATEGY_NAMES.join(', ')})`)
    .option('--model <name>', `hardware model of the joint search (${HARDWARE_MODEL_NAMES.join(', ')}; ort-cpu = this CPU in onnxruntime-node, after \`hwnas profile\`; coexplore-* spaces: fnas-tiling or multi-fpga; edge-mbnet-reduced: edge)`)
    .option('--device <name>', 'FPGA device of the joint search (e.g. ep4ce115, xc7z020)')
    .option('--space <name>', `space preset of the joint search (${JOINT_SPACES.join(', ')}; default follows the dataset)`)
    .option('--luts <n>', 'LUT budget')
    .option('--throughput <img/s>', 'minimum throughput, images per second')
    .option('--latency-ms <ms>', 'maximum latency of one image, ms')
    .option('--trials <n>', 'number of trials')
    .option('--budget-minutes <m>', 'stop asking for new trials after this many minutes')
    .option('--epochs <n>', 'training epochs per feasible child')
    .option('--fidelity <method>', 'multi-fidelity training of the children: none (default), sha (successive halving per batch), hyperband, asha')
    .option('--eta <n>', 'with --fidelity: reduction factor η, the best 1/η of a rung go on (default 3)')
    .option('--min-budget <fraction>', 'with --fidelity: the first rung\'s share of the full training, e.g. 1/9 (default)')
    .option('--fidelity-resource <r>', 'with --fidelity: what a rung scales, images (default) or epochs')
    .option('--workers <n>', 'training worker threads (default: cores); with --redis, trials in flight')
    .option('--redis <url>', 'run trainings on `hwnas worker` processes through this Redis (redis://host:6379; needs $HWNAS_QUEUE_SECRET)')
    .option('--seed <n>', 'root seed (same seed, same search)')
    .option('--zoo <dir>', 'hot start from a model zoo (`hwnas zoo build`): its networks are the first trials, every child inherits from its nearest zoo model')
    .option('--warm-images <n>', 'with --zoo: images a warm-started child is fine-tuned on (one epoch; default 2000)')
    .option('--out <dir>', 'run directory (journal.jsonl, summary.json)')
    .option('--resume', 'continue the search in --out (its configuration comes from the run; --trials/--budget-minutes may extend it)')
    .option('--force-unlock', "remove the run directory's lock first, whoever holds it (a search on another host that is gone)")
    .option('--quiet', 'no progress display')
    .option('--json', 'one JSON line per event on stdout')
    .option('--recalibrate', "with --model ort-cpu: first re-time a panel of networks and recalibrate the latency predictor to the machine's speed now (seconds; not on --resume)")
    .action(async (flags: SearchFlags) => {
      const progress: ProgressMode = flags.quiet ? 'quiet' : flags.json ? 'json' : 'auto';
      if (flags.quiet && flags.json) throw new ConfigError([{ path: '--json', message: 'cannot be combined with --quiet' }]);
      let config: SearchConfig;
      if (flags.resume) {
        if (!flags.out) throw new ConfigError([{ path: '--resume', message: 'needs --out <dir> naming the run to continue' }]);
        config = resumeConfig(flags);
      } else {
        config = resolveSearchConfig(flags);
        const out = config.out ?? defaultRunDir(config.problem ? `${config.problem}-${config.strategy.name}-s${config.seed}` : `joint-${datasetLabel(config.dataset).replace(':', '-')}-${config.strategy.name}-s${config.seed}`);
        try {
          checkRunDir(out, false);
        } catch (err) {
          throw new ConfigError([{ path: '--out', message: (err as Error).message }], 'hwnas search: bad arguments');
        }
        config = { ...config, out };
        // A new run gets its own identity in the queue, kept in its journal for --resume.
        if (config.executor?.kind === 'redis' && !config.executor.runId) config = { ...config, executor: { ...config.executor, runId: randomUUID() } };
      }
      const out = config.out!;
      if (flags.forceUnlock) forceUnlock(path.join(out, RUN_FILES.lock), (m) => process.stderr.write(`hwnas: warning: ${m}\n`));
      const problem = await problemOfConfig(config);
      if (flags.recalibrate) await recalibrateForSearch(config.hardware?.model, Boolean(flags.resume));
      const summary = problem
        ? await runProblemSearch({
            problem,
            strategy: config.strategy,
            trials: config.budget.trials,
            minutes: config.budget.minutes,
            seed: config.seed,
            out,
            resume: Boolean(flags.resume),
            progress: progressSinks(progress),
            config,
          })
        : await runJointSearch(config, { resume: Boolean(flags.resume), progress: progressSinks(progress) });
      printSummary(summary, out, Boolean(flags.json), problem ? null : jointSpace(config));
      // A run whose every evaluated child crashed found nothing: say so with a failing exit code, not 0.
      if (summary.failed > 0 && summary.complete === 0 && summary.failed + summary.infeasible === summary.trials) {
        throw new HwnasError('RUN_ALL_FAILED', `every one of the ${summary.failed} evaluated trials failed (their "error" is in ${out}/journal.jsonl); nothing was found`);
      }
    });
}
