/**
 * The `hwnas` command line. Each command lives in its own module exporting `register(program)`;
 * adding a command = one import and one call here.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, HwnasError, exitStatusOf } from '../errors.js';

/** Exit codes: 0 ok, 1 runtime failure, 2 bad input (nothing written). */
export const EXIT_BAD_INPUT = 2;

/** Builds the program with every command registered. */
export async function buildProgram(): Promise<Command> {
  const program = new Command('hwnas')
    .description('hardware/software co-design neural architecture search')
    // Read (and removed) by main() before parsing, so it works anywhere on the line; declared here for --help.
    .option('--debug', 'on an error, also print its stack trace (for bug reports)')
    .showHelpAfterError()
    .exitOverride();
  const modules = [await import('./search.js'), await import('./config.js'), await import('./compare.js'), await import('./report.js'), await import('./map.js'), await import('./data.js'), await import('./export.js'), await import('./train.js'), await import('./worker.js'), await import('./profile.js'), await import('./nasaic.js'), await import('./zoo.js')];
  for (const m of modules) m.register(program);
  return program;
}

/** Node's errors about a file (ENOENT, EISDIR, EACCES …): they come from a path the user gave. */
function fileError(err: unknown): (Error & { code: string; path: string }) | null {
  const e = err as NodeJS.ErrnoException;
  return err instanceof Error && typeof e.code === 'string' && typeof e.path === 'string' && /^E[A-Z]+$/.test(e.code) ? (err as Error & { code: string; path: string }) : null;
}

/**
 * What the user sees of an error, and the exit code. No stack trace reaches a user unless `--debug` asks for
 * one: bad input gets one message naming the path of the bad value (exit 2), anything else a one-line internal
 * error (exit 1).
 */
export function reportError(err: unknown, debug: boolean): { message: string; code: number } {
  const stack = debug && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  if (err instanceof ConfigError) return { message: `hwnas: ${err.message}${stack}`, code: EXIT_BAD_INPUT };
  if (err instanceof HwnasError) {
    return { message: `hwnas: ${err.message} [${err.code}]${stack}`, code: exitStatusOf(err.code) };
  }
  const f = fileError(err);
  if (f) return { message: `hwnas: ${f.path}: ${f.message.replace(/^E[A-Z]+: /, '')} [${f.code}]${stack}`, code: EXIT_BAD_INPUT };
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return {
    message: `hwnas: internal error: ${text}${stack || '\n(run again with --debug for the stack trace, and please report it)'}`,
    code: 1,
  };
}

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const debug = argv.slice(2).includes('--debug');
  const args = debug ? [...argv.slice(0, 2), ...argv.slice(2).filter((a) => a !== '--debug')] : [...argv];
  const program = await buildProgram();
  try {
    await program.parseAsync(args);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    const r = reportError(err, debug);
    process.stderr.write(`${r.message}\n`);
    return r.code;
  }
}
