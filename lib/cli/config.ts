/** `hwnas config`: prints the complete default configuration, or checks a configuration file. */
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { defaultSearchConfig, parseSearchConfig, readConfigFile } from '../config.js';
import { withJointDefaults } from '../search/run-joint.js';

export function register(program: Command): void {
  program
    .command('config')
    .description('print the default search configuration (--print-default) or validate a file (--check <file>)')
    .option('--print-default', 'print a complete, valid default configuration as JSON')
    .option('--check <file>', 'validate a configuration file and print it with defaults filled in')
    .action((flags: { printDefault?: boolean; check?: string }) => {
      if (!flags.printDefault && !flags.check) {
        throw new ConfigError([{ path: 'hwnas config', message: 'give --print-default or --check <file>' }]);
      }
      if (flags.printDefault) {
        process.stdout.write(JSON.stringify(withJointDefaults(defaultSearchConfig()), null, 2) + '\n');
        return;
      }
      const issues: { path: string; message: string }[] = [];
      const raw = readConfigFile(flags.check!, issues);
      const c = parseSearchConfig(raw, issues);
      process.stdout.write(JSON.stringify(c.problem ? c : withJointDefaults(c), null, 2) + '\n');
    });
}
