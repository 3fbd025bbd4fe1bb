import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { register, table } from '../../lib/cli/map.js';
import { LU2019_EXAMPLE_GENOME } from '../../hardware/architectures.js';

async function run(...args: string[]): Promise<{ out: string; error?: unknown }> {
  const program = new Command('hwnas').exitOverride();
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'hwnas', 'map', ...args]);
    return { out };
  } catch (error) {
    return { out, error };
  } finally {
    spy.mockRestore();
  }
}

describe('hwnas map', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints the chosen mapping, the per-layer table and the frontier', async () => {
    const { out, error } = await run('--arch', 'lu2019-example', '--device', 'ep4ce115', '--luts', '30000', '--throughput', '1000');
    expect(error).toBeUndefined();
    expect(out).toMatch(/model lu2019-pipeline on ep4ce115/);
    expect(out).toMatch(/result: FEASIBLE/);
    expect(out).toMatch(/per-layer resources:\nlayer +kind +MACs/);
    for (const name of ['L1', 'L2.pool', 'fc']) expect(out).toMatch(new RegExp(`\\n${name.replace('.', '\\.')} +`));
    expect(out).toMatch(/frontier within the spec: \d+ Pareto-optimal mappings/);
  });

  it('an infeasible spec says why and shows the frontier within the budgets', async () => {
    const { out, error } = await run('--arch', 'coexplore-opthw-6', '--luts', '30000', '--throughput', '1000');
    expect(error).toBeUndefined();
    expect(out).toMatch(/INFEASIBLE — best throughput within the budgets is \d+ img\/s, below the required 1,000/);
    expect(out).toMatch(/frontier within the budgets alone/);
  });

  it('reads a genome file; JSON output; tiling model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hwnas-map-'));
    const file = join(dir, 'g.json');
    const genome: Record<string, unknown> = { ...LU2019_EXAMPLE_GENOME };
    for (const i of [5, 6]) Object.assign(genome, { [`L${i}.filters`]: 24, [`L${i}.kernel`]: 1, [`L${i}.pool`]: false, [`L${i}.wInt`]: 1, [`L${i}.wFrac`]: 0, [`L${i}.aInt`]: 1, [`L${i}.aFrac`]: 0 });
    writeFileSync(file, JSON.stringify({ space: 'lu2019-cifar10', genome }));
    const { out, error } = await run('--arch', file, '--model', 'fnas-tiling', '--device', 'zcu102', '--json');
    expect(error).toBeUndefined();
    const report = JSON.parse(out);
    expect(report.model).toBe('fnas-tiling');
    expect(report.luts).toBeNull();
    expect(report.stages.length).toBe(5);
  });

  it('bad input: one ConfigError naming every flag', async () => {
    const { error } = await run('--arch', 'nope', '--luts', '-3', '--device', 'xx', '--throughput', 'fast');
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['--arch', '--luts', '--device', '--throughput']));
    const bits = await run('--arch', 'alexnet', '--bits', '40');
    expect((bits.error as ConfigError).issues[0].path).toBe('--bits');
  });

  it('tables align numbers right and text left', () => {
    expect(table(['a', 'n'], [['x', 1000], ['long', 5]])).toBe('a         n\nx     1,000\nlong      5');
  });
});
