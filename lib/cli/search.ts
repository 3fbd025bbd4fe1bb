/** `hwnas search`: placeholder until the study lands (replaced in this same change). */
import type { Command } from 'commander';

export function register(program: Command): void {
  program.command('search').description('run a search').action(() => {
    throw new Error('not yet');
  });
}
