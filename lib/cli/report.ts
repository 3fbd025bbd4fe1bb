/**
 * `hwnas report <runDir...> --out report.html`: one self-contained HTML page comparing the given runs.
 * Reads the journals without locking them, so it also works on a search that is still running.
 */
import { writeFileAtomic } from '../fs-atomic.js';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, HwnasError, type Issue, isInputError } from '../errors.js';
import { renderReport } from '../report/html.js';
import { loadRun, type LoadedRun } from '../report/load.js';

interface ReportFlags {
  out?: string;
  title?: string;
}

/** Issue with `out` as a place to write a file, or null when it is fine. */
function outIssue(out: string): string | null {
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) return `${out} is a directory; give a file name such as ${path.join(out, 'report.html')}`;
  const dir = path.dirname(path.resolve(out));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return `the directory ${dir} does not exist`;
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    if (fs.existsSync(out)) fs.accessSync(out, fs.constants.W_OK);
  } catch {
    return `cannot write ${out}`;
  }
  return null;
}

export function register(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML report (Pareto fronts, hypervolume, front tables) of one or more runs')
    .argument('<runDir...>', 'run directories (each with a journal.jsonl); several runs are compared side by side')
    .option('--out <file>', 'the HTML file to write', 'report.html')
    .option('--title <text>', 'page title')
    .action(async (dirs: string[], flags: ReportFlags) => {
      const out = flags.out ?? 'report.html';
      const issues: Issue[] = [];
      const runs: LoadedRun[] = [];
      for (const dir of dirs) {
        try {
          runs.push(loadRun(dir));
        } catch (err) {
          if (!(err instanceof HwnasError)) throw err;
          issues.push({ path: dir, message: err.message });
        }
      }
      const bad = outIssue(out);
      if (bad) issues.push({ path: '--out', message: bad });
      if (issues.length > 0) throw new ConfigError(issues, 'hwnas report: bad arguments');
      let html: string;
      try {
        html = await renderReport(runs, { title: flags.title });
      } catch (err) {
        // Runs that cannot be compared (different objectives) are bad input too.
        if (isInputError(err)) throw new ConfigError([{ path: 'runDir', message: err.message }], 'hwnas report: bad arguments');
        throw err;
      }
      writeFileAtomic(out, html, 'REPORT_WRITE');
      const trials = runs.reduce((s, r) => s + r.trials.length, 0);
      process.stdout.write(`written ${out}: ${runs.length} run${runs.length > 1 ? 's' : ''}, ${trials} finished trials\n`);
    });
}
