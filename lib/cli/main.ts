/**
 * The `hwnas` command line. Each command lives in its own module exporting `register(program)`;
 * adding a command = one import and one call here.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, HwnasError } from '../errors.js';

/** Exit codes: 0 ok, 1 runtime failure, 2 bad input (nothing written). */
export const EXIT_BAD_INPUT = 2;

/** Builds the program with every command registered. */
export async function buildProgram(): Promise<Command> {
  const program = new Command('hwnas')
    .description('hardware/software co-design neural architecture search')
    .showHelpAfterError()
    .exitOverride();
  const modules = [await import('./search.js'), await import('./config.js'), await import('./compare.js'), await import('./report.js'), await import('./map.js'), await import('./data.js'), await import('./export.js')];
  for (const m of modules) m.register(program);
  return program;
}

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      return EXIT_BAD_INPUT;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`hwnas: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    if (err instanceof HwnasError) {
      process.stderr.write(`hwnas: ${err.message} [${err.code}]\n`);
      return err.code.startsWith('INPUT_') ? EXIT_BAD_INPUT : 1;
    }
    process.stderr.write(`hwnas: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
