import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { register } from '../../lib/cli/nasaic.js';
import { register as registerCompare } from '../../lib/cli/compare.js';
import { ConfigError } from '../../lib/errors.js';

async function run(reg: (p: Command) => void, ...args: string[]): Promise<{ out: string; error?: unknown }> {
  const program = new Command('hwnas').exitOverride();
  reg(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'hwnas', ...args]);
    return { out };
  } catch (error) {
    return { out, error };
  } finally {
    spy.mockRestore();
  }
}

describe('hwnas nasaic', () => {
  it('prints a complete default configuration (two tasks, specs, NASAIC penalty)', async () => {
    const { out, error } = await run(register, 'nasaic', '--print-default');
    expect(error).toBeUndefined();
    const c = JSON.parse(out);
    expect(c.datasets).toEqual(['mnist', 'fashion-mnist']);
    expect(c.specs).toEqual({ latencyMs: 0.5, energyNj: 12000, areaUm2: 8000000 });
    expect(c.reward.infeasible).toBe(-1);
  });
  it('lists every bad flag at once, before anything runs', async () => {
    const { error } = await run(register, 'nasaic', '--datasets', 'mnist', '--latency-ms', '-1', '--trained', '0', '--strategy', 'sgd');
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['--datasets', '--latency-ms', '--trained', '--strategy']));
  });
  it('is a method of hwnas compare, which refuses the FPGA comparison’s own flags with it', async () => {
    const { error } = await run(registerCompare, 'compare', '--nasaic', '--spec', 'x:luts=1', '--seeds', '1');
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['--spec']);
  });
});
