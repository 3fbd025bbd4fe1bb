/** `hwnas config`: prints the complete default configuration, or checks a configuration file. */
import { Option, type Command } from 'commander';
import { ConfigError } from '../errors.js';
import { defaultSearchConfig } from '../config.js';
import { defaultJointObjectives, jointSpace, withJointDefaults } from '../search/run-joint.js';
import { assertJointConfig } from '../search/joint-check.js';
import { resolveSearchConfig } from './search.js';
import { problemOfConfig } from '../search/run-problem.js';

export function register(program: Command): void {
  program
    .command('config')
    .description('print the default search configuration (--print-default) or validate a file (--check <file>)')
    .addOption(new Option('--print-default', 'print a complete, valid default configuration as JSON').conflicts('check'))
    .option('--check <file>', 'validate a configuration file as `hwnas search --config <file>` would, and print it with defaults filled in')
    .action(async (flags: { printDefault?: boolean; check?: string }) => {
      if (!flags.printDefault && !flags.check) {
        throw new ConfigError([{ path: 'hwnas config', message: 'give --print-default or --check <file>' }]);
      }
      if (flags.printDefault) {
        process.stdout.write(JSON.stringify(withJointDefaults(defaultSearchConfig()), null, 2) + '\n');
        return;
      }
      // The same checks as `hwnas search --config <file>`, the joint pre-flight's included (not the spec's mapping).
      const context = `hwnas config --check ${flags.check}: invalid configuration`;
      const c = resolveSearchConfig({ config: flags.check }, context);
      // A problem (built-in, a module, a table) is loaded as search loads it: a bad module or table fails here too.
      const problem = await problemOfConfig(c);
      const full = problem ? c : withJointDefaults(c);
      if (!problem) await assertJointConfig(full, full.objectives ?? defaultJointObjectives(full.hardware.model), jointSpace, context);
      process.stdout.write(JSON.stringify(full, null, 2) + '\n');
    });
}
