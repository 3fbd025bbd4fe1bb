/**
 * `hwnas search`: runs a search and writes its journal and summary.json to the run directory.
 * With --problem it searches a benchmark problem (no training).
 */
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { PROBLEM_NAMES } from '../../problems/index.js';
import { STRATEGY_NAMES, parseStrategyOptions } from '../../strategies/registry.js';
import { checkRunDir, defaultRunDir } from '../search/run-dir.js';
import { runProblemSearch } from '../search/run-problem.js';
import type { StudySummary } from '../study/summary.js';
import { FlagReader } from './flags.js';
import type { ProgressMode } from './progress.js';

/** Raw flags as commander hands them over. */
interface SearchFlags {
  problem?: string;
  strategy?: string;
  trials?: string;
  budgetMinutes?: string;
  seed?: string;
  out?: string;
  resume?: boolean;
  quiet?: boolean;
  json?: boolean;
}

function printSummary(s: StudySummary, out: string, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ event: 'summary', out, ...s }) + '\n');
    return;
  }
  const lines = [
    `trials ${s.trials} (complete ${s.complete}, infeasible ${s.infeasible}, failed ${s.failed})`,
    `hypervolume ${s.hypervolume === null ? '—' : s.hypervolume.toFixed(4)}`,
    `Pareto front (${s.pareto.length} designs):`,
    ...s.pareto.slice(0, 20).map((p) => `  #${p.number}  ${s.objectives.map((o) => `${o.metric}=${+p.metrics[o.metric].toFixed(4)}`).join('  ')}  ${p.key}`),
    ...(s.pareto.length > 20 ? [`  … ${s.pareto.length - 20} more in ${out}/summary.json`] : []),
    `written: ${out}/journal.jsonl, ${out}/summary.json`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

export function register(program: Command): void {
  program
    .command('search')
    .description('run (or --resume) a search; without flags, the default search')
    .option('--problem <name>', `benchmark problem (${PROBLEM_NAMES.join(', ')})`)
    .option('--strategy <name>', `search strategy (${STRATEGY_NAMES.join(', ')})`)
    .option('--trials <n>', 'number of trials')
    .option('--budget-minutes <m>', 'stop asking for new trials after this many minutes')
    .option('--seed <n>', 'root seed (same seed, same search)')
    .option('--out <dir>', 'run directory (journal.jsonl, summary.json)')
    .option('--resume', 'continue the search in --out')
    .option('--quiet', 'no progress display')
    .option('--json', 'one JSON line per event on stdout')
    .action(async (flags: SearchFlags) => {
      const r = new FlagReader();
      const problem = r.oneOf('problem', flags.problem ?? 'nb201', PROBLEM_NAMES);
      const strategy = r.oneOf('strategy', flags.strategy ?? 'nsga2', STRATEGY_NAMES);
      const trials = r.int('trials', flags.trials ?? (flags.budgetMinutes === undefined ? '300' : undefined), 1);
      const minutes = r.positive('budget-minutes', flags.budgetMinutes);
      const seed = r.int('seed', flags.seed ?? '1', 0, 2 ** 31 - 1);
      if (flags.resume && !flags.out) r.add('--resume', 'needs --out <dir> naming the run to continue');
      if (flags.quiet && flags.json) r.add('--json', 'cannot be combined with --quiet');
      let options: Record<string, unknown> = {};
      if (strategy) {
        try {
          options = parseStrategyOptions(strategy, {});
        } catch (err) {
          if (err instanceof ConfigError) r.issues.push(...err.issues);
          else throw err;
        }
      }
      const out = flags.out ?? defaultRunDir(`${problem ?? 'search'}-${strategy ?? ''}-s${seed ?? 0}`);
      if (r.issues.length === 0) {
        try {
          checkRunDir(out, Boolean(flags.resume));
        } catch (err) {
          r.add('--out', (err as Error).message);
        }
      }
      if (r.issues.length > 0) throw new ConfigError(r.issues, 'hwnas search: bad arguments');
      const progress: ProgressMode = flags.quiet ? 'quiet' : flags.json ? 'json' : 'auto';
      const summary = await runProblemSearch({
        problem: problem!,
        strategy: { name: strategy!, options },
        trials,
        minutes,
        seed: seed!,
        out,
        resume: Boolean(flags.resume),
        progress,
      });
      printSummary(summary, out, Boolean(flags.json));
    });
}
