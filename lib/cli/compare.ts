/** `hwnas compare --config compare.json`: joint search against the separate baselines, strategies × seeds × specs. */
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { readConfigFile } from '../config.js';
import { compareTable, parseCompareConfig, runCompare } from '../search/compare.js';
import { checkRunDir } from '../search/run-dir.js';
import { ProgressReporter } from './progress.js';

export function register(program: Command): void {
  program
    .command('compare')
    .description('compare the joint search with the separate baselines (NAS then quantize, quantization only, NAS then map)')
    .option('--config <file>', 'comparison configuration (JSON); without it the defaults run')
    .option('--out <dir>', 'output directory (default runs/compare)')
    .option('--quiet', 'no progress display')
    .option('--json', 'one JSON line per event on stdout')
    .action(async (flags: { config?: string; out?: string; quiet?: boolean; json?: boolean }) => {
      const issues: { path: string; message: string }[] = [];
      const raw = flags.config ? (readConfigFile(flags.config, issues) as Record<string, unknown>) : {};
      if (issues.length > 0) throw new ConfigError(issues, 'hwnas compare: bad arguments');
      const c = parseCompareConfig(flags.out ? { ...raw, out: flags.out } : raw);
      try {
        checkRunDir(c.out, false);
      } catch (err) {
        throw new ConfigError([{ path: '--out', message: (err as Error).message }], 'hwnas compare: bad arguments');
      }
      const progress = new ProgressReporter('compare', flags.quiet ? 'quiet' : flags.json ? 'json' : 'auto');
      const rows = await runCompare(c, progress);
      if (flags.json) process.stdout.write(JSON.stringify({ event: 'summary', rows }) + '\n');
      else process.stdout.write(`${compareTable(rows)}\n\nwritten: ${c.out}/results.json, ${c.out}/table.md\n`);
    });
}
