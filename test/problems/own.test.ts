/**
 * Users' own problems: defined in code (defineProblem, `--problem-file`) and read from a table (`--table`), run
 * from the CLI with journal, resume, summary and report like the built-in ones. The README's examples are the
 * files under examples/, run here as the README writes them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { defineProblem } from '../../problems/define.js';
import { ProblemEvaluator } from '../../problems/problem.js';
import { tableProblem } from '../../problems/table.js';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin/hwnas.js');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-own-'));
const run = (args: string[], cwd = root) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const summaryOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
const issuesOf = (f: () => unknown): string[] => {
  try {
    f();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
};

describe('defineProblem', () => {
  it('names every bad part of a definition with its path', () => {
    const issues = issuesOf(() =>
      defineProblem({
        space: { genes: [{ name: 'x', kind: 'int', min: 3, max: 1 }] },
        objectives: [{ metric: 'y', direction: 'down' as 'minimize' }],
        constraints: [{ metric: 'z' }],
        evaluate: 42 as unknown as () => Record<string, number>,
      }),
    );
    expect(issues.join('\n')).toMatch(/problem\.objectives\.0\.direction/);
    expect(issues.join('\n')).toMatch(/problem\.constraints\.0: needs max, min or both/);
    expect(issues.join('\n')).toMatch(/problem\.evaluate: must be a function/);
    expect(issues.join('\n')).toMatch(/problem\.space\.genes\[0\] \(x\): int gene needs integer min ≤ max/);
  });

  it('evaluates through the ProblemEvaluator, and a throwing evaluate fails only its trial', async () => {
    const p = defineProblem({
      space: { genes: [{ name: 'x', kind: 'int', min: 0, max: 9 }] },
      objectives: [{ metric: 'y', direction: 'minimize' }],
      constraints: [{ metric: 'y', max: 5 }],
      evaluate: ({ x }) => {
        if (x === 0) throw new Error('x = 0 is not built');
        return { y: Number(x) };
      },
    });
    const results = await new ProblemEvaluator(p).evaluate([0, 3, 7].map((x, i) => ({ genome: { x }, trialNumber: i, seed: `s/${i}` })));
    expect(results.map((r) => r.status)).toEqual(['failed', 'complete', 'infeasible']);
    expect(results[0].error).toMatch(/x = 0 is not built/);
    expect(results[2].violations.y).toBeCloseTo(0.4);
  });
});

describe('tableProblem', () => {
  const csv = (text: string) => {
    const f = path.join(tmp(), 't.csv');
    fs.writeFileSync(f, text);
    return f;
  };

  it('makes genes of the identifying columns and keeps the others as metrics', () => {
    const p = tableProblem({ file: path.join(root, 'examples/layers.csv'), objectives: [{ column: 'error', direction: 'minimize' }, { column: 'latency_ms', direction: 'minimize' }] });
    expect(p.space.genes.map((g) => g.name)).toEqual(['kernel', 'filters', 'depth']);
    expect(p.space.gene('depth')).toMatchObject({ kind: 'choice', choices: [2, 4, 6, 8] });
    expect(p.evaluate({ kernel: 3, filters: 32, depth: 6 })).toMatchObject({ error: 22.202, latency_ms: 2.328, params_k: 55.3 });
    expect(p.hypervolume?.reference).toEqual([1, 1]);
  });

  it('reports a missing column, a duplicate design and a non-numeric objective with their lines', () => {
    const issues = issuesOf(() =>
      tableProblem({ file: csv('a,b,err\n1,x,0.5\n2,y,oops\n1,x,0.7\n'), objectives: [{ column: 'err', direction: 'minimize' }, { column: 'lat', direction: 'minimize' }] }),
    ).join('\n');
    expect(issues).toMatch(/table\.objectives\.1: no column "lat"/);
    const more = issuesOf(() => tableProblem({ file: csv('a,b,err\n1,x,0.5\n2,y,oops\n1,x,0.7\n'), objectives: [{ column: 'err', direction: 'minimize' }] })).join('\n');
    expect(more).toMatch(/table\.file:3\.err: objective value "oops" is not a number/);
    expect(more).toMatch(/table\.file:4: describes the same design as line 2/);
  });
});

describe('own problems from the CLI (the README examples)', () => {
  it('--problem-file runs, resumes to a larger budget and reports; a changed file is refused on resume', () => {
    const dir = tmp();
    const out = path.join(dir, 'run');
    const problem = path.join(dir, 'p.mjs');
    fs.copyFileSync(path.join(root, 'examples/my-problem.mjs'), problem);
    // As in a user's project: `import { defineProblem } from 'hwnas'` resolves to the installed package.
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(root, path.join(dir, 'node_modules', 'hwnas'), 'dir');
    const first = run(['search', '--problem-file', problem, '--trials', '60', '--seed', '3', '--out', out, '--quiet']);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(summaryOf(out)).toMatchObject({ trials: 60, problem: 'toy-accelerator' });
    const resumed = run(['search', '--problem-file', problem, '--trials', '80', '--seed', '3', '--out', out, '--quiet', '--resume']);
    expect(resumed.code).toBe(0);
    expect(summaryOf(out).trials).toBe(80);
    const report = run(['report', out, '--out', path.join(dir, 'r.html')]);
    expect(report.code).toBe(0);
    fs.appendFileSync(problem, '\n// edited\n');
    const changed = run(['search', '--out', out, '--trials', '90', '--resume', '--quiet']);
    expect(changed.code).toBe(2);
    expect(changed.err).toMatch(/changed since the run started/);
  });

  it('--table with --objectives finds the table\'s front and resumes exactly', () => {
    const dir = tmp();
    const args = ['search', '--table', 'examples/layers.csv', '--objectives', 'error:min,latency_ms:min', '--strategy', 'nsga2', '--seed', '1'];
    const whole = run([...args, '--trials', '48', '--out', path.join(dir, 'whole'), '--quiet']);
    expect(whole.code).toBe(0);
    const half = run([...args, '--trials', '24', '--out', path.join(dir, 'half'), '--quiet']);
    expect(half.code).toBe(0);
    expect(run([...args, '--trials', '48', '--out', path.join(dir, 'half'), '--quiet', '--resume']).code).toBe(0);
    expect(summaryOf(path.join(dir, 'half')).pareto).toEqual(summaryOf(path.join(dir, 'whole')).pareto);
    expect(summaryOf(path.join(dir, 'whole')).hypervolume).toBeGreaterThan(0.5);
    const bad = run(['search', '--table', 'examples/layers.csv', '--out', path.join(dir, 'bad')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--objectives/);
    expect(fs.existsSync(path.join(dir, 'bad'))).toBe(false);
  });
});

describe('a device given inline (the README example)', () => {
  it('examples/custom-device.json runs as written: the joint search maps onto the described board', () => {
    const out = path.join(tmp(), 'run');
    const r = run(['search', '--config', 'examples/custom-device.json', '--out', out, '--quiet']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = summaryOf(out);
    expect(s.trials).toBe(20);
    const journal = fs.readFileSync(path.join(out, 'journal.jsonl'), 'utf8').split('\n')[0];
    expect(JSON.parse(journal).study.meta.config.hardware.device).toMatchObject({ name: 'my-board', luts: 20000, clockMHz: 150 });
    // Every finished design was mapped against the board's budget (12,000 of its 20,000 LUTs).
    for (const p of s.pareto) expect(p.metrics.luts).toBeLessThanOrEqual(12000);
    expect(r.out).toMatch(/best feasible designs/);
  });
});
