import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSearchConfig } from '../../lib/config.js';

const bin = path.resolve(__dirname, '../../bin/hwnas.js');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-cli-'));
const run = (args: string[], cwd = tmp()) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, cwd };
};
const keys = (dir: string) =>
  fs
    .readFileSync(path.join(dir, 'journal.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'ask')
    .flatMap((e) => e.trials.map((t: { key: string }) => t.key));

describe('hwnas search (CLI)', () => {
  it('lists every bad flag at once, exits 2 and writes nothing', () => {
    const r = run(['search', '--problem', 'nb2', '--strategy', 'x', '--trials', '1.5', '--seed', '-1', '--luts', '-5', '--out', 'runs/bad']);
    expect(r.code).toBe(2);
    for (const flag of ['--problem', '--strategy', '--trials', '--seed', '--luts']) expect(r.err).toContain(flag);
    expect(fs.existsSync(path.join(r.cwd, 'runs'))).toBe(false);
  });

  it('runs nb201 with NSGA-II, writes the journal and summary.json, and --resume continues exactly', () => {
    const cwd = tmp();
    const full = run(['search', '--problem', 'nb201', '--strategy', 'nsga2', '--trials', '200', '--seed', '1', '--out', 'runs/full', '--quiet'], cwd);
    expect(full.code).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(cwd, 'runs/full/summary.json'), 'utf8'));
    expect(summary.trials).toBe(200);
    expect(summary.pareto.length).toBeGreaterThan(2);
    expect(summary.hypervolume).toBeGreaterThan(0.6);
    expect(summary.hypervolume).toBeLessThanOrEqual(0.7771);

    expect(run(['search', '--problem', 'nb201', '--strategy', 'nsga2', '--trials', '120', '--seed', '1', '--out', 'runs/part', '--quiet'], cwd).code).toBe(0);
    const again = run(['search', '--out', 'runs/part', '--resume', '--trials', '200', '--quiet'], cwd);
    expect(again.code).toBe(0);
    expect(keys(path.join(cwd, 'runs/part'))).toEqual(keys(path.join(cwd, 'runs/full')));
    // Changing the configuration of a run being resumed is refused.
    const bad = run(['search', '--out', 'runs/part', '--resume', '--strategy', 'random'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--strategy.*cannot change/);
    // A new search never overwrites an old one.
    expect(run(['search', '--problem', 'nb201', '--out', 'runs/full', '--quiet'], cwd).err).toMatch(/--resume/);
  });

  it('prints a complete default configuration that validates', () => {
    const r = run(['config', '--print-default']);
    expect(r.code).toBe(0);
    const c = parseSearchConfig(JSON.parse(r.out));
    expect(c.dataset).toBe('mnist');
    expect(c.hardware.lutBudget).toBeGreaterThan(0);
    expect(c.budget.trials).toBeGreaterThan(0);
  });

  it('reports a config file and flags issues together, with paths', () => {
    const cwd = tmp();
    fs.writeFileSync(path.join(cwd, 'c.json'), JSON.stringify({ training: { epochs: 0, bogus: 1 }, strategy: { name: 'nsga2', options: { population: 1 } } }));
    const r = run(['search', '--config', 'c.json', '--trials', '0'], cwd);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/training\.epochs/);
    expect(r.err).toMatch(/training/);
    expect(r.err).toMatch(/--trials/);
  });

  it('stops an impossible spec after stage 1, before writing or training anything', () => {
    const r = run(['search', '--luts', '200', '--throughput', '100000', '--out', 'runs/impossible', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no design .* meets the spec/);
    expect(r.err).toMatch(/closest/);
    expect(fs.existsSync(path.join(r.cwd, 'runs'))).toBe(false);
  });

  it('runs a small joint search end to end: infeasible children untrained, feasible ones trained and saved', () => {
    const cwd = tmp();
    fs.writeFileSync(
      path.join(cwd, 'small.json'),
      JSON.stringify({ training: { trainSubset: 600, valSubset: 300, epochs: 1 }, strategy: { name: 'random', options: { batchSize: 4 } }, workers: 2 }),
    );
    const r = run(['search', '--config', 'small.json', '--trials', '8', '--luts', '3000', '--throughput', '2000', '--seed', '3', '--out', 'runs/j', '--quiet'], cwd);
    expect(r.code, r.err).toBe(0);
    const dir = path.join(cwd, 'runs/j');
    const results = fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'result');
    expect(results).toHaveLength(8);
    const trained = results.filter((e) => e.result.timings?.train !== undefined);
    const infeasible = results.filter((e) => e.result.status === 'infeasible');
    expect(trained.length).toBeGreaterThan(0);
    expect(infeasible.length).toBeGreaterThan(0);
    for (const e of infeasible) {
      expect(e.result.timings.train).toBeUndefined();
      expect(e.result.metrics.accuracy).toBeUndefined();
      expect(Math.max(...Object.values(e.result.violations as Record<string, number>))).toBeGreaterThan(0);
    }
    for (const e of trained) {
      expect(e.result.metrics.accuracy).toBeGreaterThan(0);
      expect(e.result.metrics.luts).toBeLessThanOrEqual(3000);
      expect(fs.existsSync(path.join(dir, 'models', `trial-${e.number}`, 'model.json'))).toBe(true);
    }
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary.trials).toBe(8);
    expect(summary.twoStage.trained).toBe(trained.length);
  });
});
