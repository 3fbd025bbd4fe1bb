/**
 * Issue 19: bad input ends with one clear message naming the path of the bad value, exit 2, nothing written,
 * no stack trace (unless --debug). Runs the CLI in-process: no training starts in any of these cases.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportError } from '../../lib/cli/main.js';
import { compareConfigSchema, compareEstimate, parseCompareConfig } from '../../lib/search/compare.js';
import { listTree, runMain, STACK_LINE, tmpDir } from './run-main.js';

/** Expects exit 2, each path in the message, no stack trace, and nothing new in `cwd`. */
async function expectBadInput(args: string[], paths: (string | RegExp)[], setup?: (cwd: string) => void): Promise<string> {
  const cwd = tmpDir();
  setup?.(cwd);
  const before = listTree(cwd);
  const r = await runMain(args, cwd);
  expect(r.code, r.err).toBe(2);
  for (const p of paths) expect(r.err).toMatch(typeof p === 'string' ? new RegExp(p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : p);
  expect(r.err).not.toMatch(STACK_LINE);
  expect(listTree(cwd)).toEqual(before);
  return r.err;
}

const write = (name: string, text: string) => (cwd: string) => fs.writeFileSync(path.join(cwd, name), text);

describe('point 1: no stack traces', () => {
  it('hwnas data cifar10 --from a missing file names --from', async () => {
    await expectBadInput(['data', 'cifar10', '--from', 'missing.tgz', '--progress', 'quiet'], ['--from', 'missing.tgz']);
  });

  it('journal.jsonl that is a directory: search --resume and report', async () => {
    const setup = (cwd: string) => fs.mkdirSync(path.join(cwd, 'run', 'journal.jsonl'), { recursive: true });
    await expectBadInput(['search', '--out', 'run', '--resume', '--quiet'], ['--out', 'journal.jsonl'], setup);
    await expectBadInput(['report', 'run', '--out', 'r.html'], ['run', 'journal.jsonl'], setup);
  });

  it('a create line without study.space, and a create line without a study', async () => {
    const noSpace = JSON.stringify({
      type: 'create', version: 1, at: '2026-01-01T00:00:00Z',
      study: { objectives: [{ metric: 'f1', direction: 'minimize' }], constraints: [], strategy: { name: 'random', options: {} }, seed: 1, meta: { config: { problem: 'zdt1' } } },
    });
    const setup = (text: string) => (cwd: string) => {
      fs.mkdirSync(path.join(cwd, 'run'));
      fs.writeFileSync(path.join(cwd, 'run', 'journal.jsonl'), text + '\n');
    };
    await expectBadInput(['search', '--out', 'run', '--resume', '--quiet'], ['--out', /space/], setup(noSpace));
    await expectBadInput(['report', 'run', '--out', 'r.html'], ['run', /space/], setup(noSpace));
    await expectBadInput(['report', 'run', '--out', 'r.html'], ['run', 'journal.jsonl'], setup('{"type":"create","version":1}'));
  });

  it('an unexpected error prints one line without a stack, and the stack with --debug', () => {
    const plain = reportError(new TypeError('boom'), false);
    expect(plain.code).toBe(1);
    expect(plain.message).toMatch(/internal error: TypeError: boom/);
    expect(plain.message).toMatch(/--debug/);
    expect(plain.message).not.toMatch(STACK_LINE);
    expect(reportError(new TypeError('boom'), true).message).toMatch(STACK_LINE);
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x.bin'"), { code: 'ENOENT', path: 'x.bin' });
    expect(reportError(enoent, false)).toEqual({ code: 2, message: expect.stringMatching(/^hwnas: x\.bin: no such file/) });
  });

  it('--debug is accepted anywhere on the line', async () => {
    const r = await runMain(['config', '--debug', '--check', 'missing.json'], tmpDir());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--config: file missing\.json does not exist/);
  });
});

describe('point 2: a config file that is not an object', () => {
  for (const text of ['[]', 'null', '42', '"mnist"']) {
    it(`refuses ${text} in --config`, async () => {
      await expectBadInput(['search', '--config', 'c.json', '--out', 'run', '--quiet'], ['--config', 'must hold a JSON object'], write('c.json', text));
    });
  }
  it('refuses a directory as --config', async () => {
    await expectBadInput(['search', '--config', 'd', '--out', 'run'], ['--config', 'not a file'], (cwd) => fs.mkdirSync(path.join(cwd, 'd')));
  });
});

describe('point 3: mistakes found before anything is written or trained (pre-flight)', () => {
  const cases: [string, object, string[]][] = [
    ['a CIFAR-10 space on MNIST', { space: 'lu2019-cifar10', dataset: 'mnist' }, ['space', '32×32×3', '28×28×1']],
    ['an objective on a metric no stage produces', { objectives: [{ metric: 'accuracy', direction: 'maximize' }, { metric: 'energy', direction: 'minimize' }] }, ['objectives.1.metric', '"energy"']],
    ['training.valSubset beyond the validation split', { training: { valSubset: 1e8 } }, ['training.valSubset', '5000']],
    ['training.trainSubset beyond the training split', { training: { trainSubset: 1e8 } }, ['training.trainSubset', '55000']],
    ['a LUT budget for a model that does not count LUTs', { hardware: { model: 'fnas-tiling', lutBudget: 5000 } }, ['hardware.lutBudget']],
    ['an unknown hardware model', { hardware: { model: 'bogus' } }, ['hardware.model']],
  ];
  for (const [name, config, paths] of cases) {
    it(name, async () => {
      await expectBadInput(['search', '--config', 'c.json', '--out', 'run', '--quiet'], paths, write('c.json', JSON.stringify(config)));
    });
  }

  it('training.backend "tfjs-node" without the package, without suggesting a --backend flag', async () => {
    let installed = true;
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    } catch {
      installed = false;
    }
    if (installed) return; // the check is about a machine without it (this one has it)
    const err = await expectBadInput(['search', '--config', 'c.json', '--out', 'run', '--quiet'], ['training.backend', 'tfjs-node'], write('c.json', '{"training":{"backend":"tfjs-node"}}'));
    expect(err).not.toMatch(/--backend/);
  });
});

describe('point 3: a search whose every child crashed does not exit 0', () => {
  it('exits 1 naming the journal when every trial failed', async () => {
    const cwd = tmpDir();
    fs.writeFileSync(
      path.join(cwd, 'p.mjs'),
      `export default { name: 'boom', space: { genes: [{ name: 'x', kind: 'int', min: 0, max: 9 }] },
        objectives: [{ metric: 'y', direction: 'minimize' }, { metric: 'z', direction: 'minimize' }],
        evaluate() { throw new Error('boom'); } };\n`,
    );
    const r = await runMain(['search', '--problem-file', 'p.mjs', '--trials', '4', '--out', 'run', '--quiet'], cwd);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/every one of the 4 evaluated trials failed .*run\/journal\.jsonl/);
    expect(r.err).not.toMatch(STACK_LINE);
  });
});

describe('point 4: config --check runs the same validation as search', () => {
  it('refuses an unknown hardware model and the pre-flight mistakes', async () => {
    await expectBadInput(['config', '--check', 'c.json'], ['hardware.model'], write('c.json', '{"hardware":{"model":"bogus"}}'));
    await expectBadInput(['config', '--check', 'c.json'], ['space', 'training.valSubset'], write('c.json', '{"space":"lu2019-cifar10","training":{"valSubset":100000}}'));
    await expectBadInput(['config', '--check', 'c.json'], ['--config', 'must hold a JSON object'], write('c.json', '[]'));
  });

  it('loads a problem module as search does', async () => {
    await expectBadInput(['config', '--check', 'c.json'], ['problemFile', 'p.mjs'], (cwd) => {
      fs.writeFileSync(path.join(cwd, 'c.json'), '{"problemFile":"p.mjs"}');
      fs.writeFileSync(path.join(cwd, 'p.mjs'), 'export const nothing = 1;\n');
    });
  });

  it('--print-default --check missing.json does not ignore --check', async () => {
    await expectBadInput(['config', '--print-default', '--check', 'missing.json'], ['--print-default', '--check']);
  });

  it('passes what --print-default prints', async () => {
    const cwd = tmpDir();
    const d = await runMain(['config', '--print-default'], cwd);
    fs.writeFileSync(path.join(cwd, 'd.json'), d.out);
    const r = await runMain(['config', '--check', 'd.json'], cwd);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual(JSON.parse(d.out));
  });
});

describe('point 5: with --problem, joint-only settings are errors, not ignored', () => {
  it('names each joint-only flag', async () => {
    const flags = ['--epochs', '3', '--luts', '5000', '--dataset', 'cifar10', '--workers', '2', '--device', 'xc7z020'];
    await expectBadInput(['search', '--problem', 'zdt1', ...flags, '--out', 'run'], ['--epochs', '--luts', '--dataset', '--workers', '--device']);
  });

  it("names the config file's objectives and changed joint sections", async () => {
    const config = { objectives: [{ metric: 'f1', direction: 'minimize' }], training: { epochs: 5 } };
    await expectBadInput(['search', '--problem', 'zdt1', '--config', 'c.json', '--out', 'run'], [/c\.json: objectives/, /c\.json: training/], write('c.json', JSON.stringify(config)));
  });

  it('accepts the printed default configuration with a problem', async () => {
    const cwd = tmpDir();
    const d = await runMain(['config', '--print-default'], cwd);
    fs.writeFileSync(path.join(cwd, 'd.json'), d.out);
    const r = await runMain(['search', '--problem', 'zdt1', '--config', 'd.json', '--trials', '10', '--out', 'run', '--quiet'], cwd);
    expect(r.code, r.err).toBe(0);
  });
});

describe('point 13: the same command plus --resume is accepted', () => {
  it('accepts values equal to the stored ones and refuses a real change', async () => {
    const cwd = tmpDir();
    const cmd = ['search', '--problem', 'zdt1', '--strategy', 'nsga2', '--seed', '3', '--out', 'run', '--quiet'];
    expect((await runMain([...cmd, '--trials', '20'], cwd)).code).toBe(0);
    const again = await runMain([...cmd, '--trials', '30', '--resume'], cwd);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(cwd, 'run', 'summary.json'), 'utf8')).trials).toBe(30);
    const changed = await runMain([...cmd.map((a) => (a === '3' ? '4' : a)), '--resume'], cwd);
    expect(changed.code).toBe(2);
    expect(changed.err).toMatch(/--seed: cannot change a run being resumed: the run has 3, the command asks 4/);
    expect(changed.err).not.toMatch(/--problem|--strategy/);
  });
});

describe('point 15: hwnas compare has --print-default, flags, a README example and an estimate', () => {
  it('--print-default prints a complete configuration that validates', async () => {
    const r = await runMain(['compare', '--print-default'], tmpDir());
    expect(r.code).toBe(0);
    expect(parseCompareConfig(JSON.parse(r.out))).toEqual(compareConfigSchema.parse({}));
  });

  it('bad flags name themselves; the pre-flight checks apply to every spec', async () => {
    await expectBadInput(
      ['compare', '--spec', 'a:luts=-5', '--spec', 'b:foo=3', '--strategies', 'random,bogus', '--methods', 'joint,x', '--seeds', '1,y', '--trained', '1', '--out', 'cmp'],
      ['--spec', '--strategies', '--methods', '--seeds', '--trained'],
    );
    await expectBadInput(['compare', '--config', 'c.json', '--out', 'cmp'], ['training.valSubset'], write('c.json', '{"training":{"valSubset":1e8}}'));
    await expectBadInput(['compare', '--fidelity', 'sha', '--eta', '1', '--out', 'cmp'], ['--eta']);
    await expectBadInput(['compare', '--min-budget', '1/9', '--out', 'cmp'], ['--min-budget']);
  });

  it('--fidelity reaches every method run (the same option as hwnas search)', async () => {
    const { resolveCompareConfig } = await import('../../lib/cli/compare.js');
    const c = await resolveCompareConfig({ fidelity: 'sha', eta: '3', minBudget: '1/9' });
    expect(c.fidelity).toMatchObject({ method: 'sha', eta: 3 });
    expect(c.fidelity!.minBudget).toBeCloseTo(1 / 9);
  });

  it('flags override the file', async () => {
    const cwd = tmpDir();
    fs.writeFileSync(path.join(cwd, 'c.json'), JSON.stringify({ trained: 4, seeds: [1, 2] }));
    const { resolveCompareConfig } = await import('../../lib/cli/compare.js');
    const prev = process.cwd();
    process.chdir(cwd);
    try {
      const c = await resolveCompareConfig({ config: 'c.json', spec: ['s:luts=30000,throughput=1000'], methods: 'joint,quant-only', seeds: '5', strategies: 'random', trained: '6', dataset: 'mnist' });
      expect(c.specs).toEqual([{ name: 's', lutBudget: 30000, minThroughput: 1000 }]);
      expect(c.methods).toEqual(['joint', 'quant-only']);
      expect(c.seeds).toEqual([5]);
      expect(c.trained).toBe(6);
    } finally {
      process.chdir(prev);
    }
  });

  it('estimates the duration from the number of trainings', () => {
    const c = compareConfigSchema.parse({});
    const e = compareEstimate(c, 2, 1);
    expect(e.runs).toBe(c.specs.length * c.methods.length * c.strategies.length * c.seeds.length);
    expect(e.runs).toBeGreaterThan(1);
    expect(e.trainings).toBe(e.runs * 12);
    const half = compareEstimate(compareConfigSchema.parse({ trained: 6 }), 2, 1);
    expect(half.minutes[0]).toBeCloseTo(e.minutes[0] / 2);
    expect(compareEstimate(compareConfigSchema.parse({ dataset: "cifar10" }), 2, 1).minutes[0]).toBeGreaterThan(e.minutes[0]);
    expect(e.text).toContain(`${e.runs} runs`);
    expect(e.text).toContain(`${e.runs * 12} trainings`);
    // A machine busier than its cores trains slower.
    expect(compareEstimate(c, 2, 4).minutes[0]).toBeCloseTo(4 * e.minutes[0]);
  });

  it("the README's compare.json validates", () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const m = /compare\.json[^\n]*\n```json\n([\s\S]*?)```/.exec(readme);
    expect(m, 'README has a ```json block after a line naming compare.json').not.toBeNull();
    expect(() => parseCompareConfig(JSON.parse(m![1]))).not.toThrow();
  });
});
