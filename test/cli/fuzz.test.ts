/**
 * Fuzz test of the CLI entry points (issue 19): random configurations and flags, each with one value that is
 * certainly wrong, thrown at main() in-process. Every one must end with exit code 2, a message naming the path
 * of the bad value, no stack trace, and nothing written (the temp directory unchanged, `--out` not created).
 * Seeded, so a failure reproduces: HWNAS_FUZZ_RUNS sets the number of cases, HWNAS_FUZZ_SEED another seed,
 * HWNAS_FUZZ_DEBUG=1 prints each case with its time and exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listTree, runMain, STACK_LINE, tmpDir } from './run-main.js';

const RUNS = Number(process.env.HWNAS_FUZZ_RUNS ?? 120);
const SEED = Number(process.env.HWNAS_FUZZ_SEED ?? 19);

/** One case: arguments, files to create first, and the path the error must name. */
interface Case {
  readonly args: string[];
  readonly files: Record<string, string>;
  readonly path: string;
}

async function check(c: Case): Promise<void> {
  const cwd = tmpDir();
  for (const [name, text] of Object.entries(c.files)) {
    fs.mkdirSync(path.dirname(path.join(cwd, name)), { recursive: true });
    fs.writeFileSync(path.join(cwd, name), text);
  }
  const before = listTree(cwd);
  const t0 = Date.now();
  const r = await runMain(c.args, cwd);
  if (process.env.HWNAS_FUZZ_DEBUG) console.log(`${Date.now() - t0} ms  ${r.code}  hwnas ${c.args.join(' ')} ${Object.values(c.files).join(' ')}`);
  const context = `hwnas ${c.args.join(' ')}\n${Object.entries(c.files).map(([n, t]) => `${n}: ${t}`).join('\n')}\n${r.err}`;
  expect(r.code, context).toBe(2);
  expect(r.err, context).toContain(c.path);
  expect(r.err, context).not.toMatch(STACK_LINE);
  expect(listTree(cwd), context).toEqual(before);
}

// ---- values that are certainly wrong ----------------------------------------------------------------------

const notIntIn = (min: number, max: number) =>
  fc.oneof(
    fc.constantFrom(String(min - 1), '1.5', 'abc', '', ' ', 'NaN', '1e400', String(max + 1), '0x', '2,3'),
    fc.string({ maxLength: 6 }).filter((s) => !(s.trim() !== '' && Number.isInteger(Number(s)) && Number(s) >= min && Number(s) <= max)),
  );
const notPositive = fc.oneof(fc.constantFrom('0', '-1', '-0.5', 'abc', '', 'Infinity', 'NaN'), fc.string({ maxLength: 5 }).filter((s) => !(s.trim() !== '' && Number.isFinite(Number(s)) && Number(s) > 0)));
const notNameIn = (names: readonly string[]) => fc.string({ minLength: 1, maxLength: 10 }).filter((s) => !names.includes(s) && !s.startsWith('-'));
/** JSON values of the wrong kind for a number field. */
const notNumberJson = fc.oneof(fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }));
// Never a huge valid number: a field without a maximum would accept it, and the search would start.
const badInt = (min: number, max?: number) => fc.oneof(notNumberJson, fc.constantFrom(min - 1, min - 0.5, 1.5 + min, -1e9, ...(max === undefined ? [] : [max + 1])));
const badPositive = fc.oneof(notNumberJson, fc.constantFrom(0, -1, -1e-3));
const notStringIn = (names: readonly string[]) => fc.oneof(notNameIn(names), fc.integer(), fc.boolean(), fc.constant(null));

// ---- search configurations -------------------------------------------------------------------------------

/** Valid pieces a user would write, to surround the one bad value. */
const validSearch = fc.record(
  {
    dataset: fc.constant('mnist'),
    seed: fc.integer({ min: 0, max: 1000 }),
    strategy: fc.record({ name: fc.constantFrom('random', 'nsga2', 'reinforce') }),
    training: fc.record({ epochs: fc.integer({ min: 1, max: 3 }), batchSize: fc.integer({ min: 1, max: 256 }) }, { requiredKeys: [] }),
    budget: fc.record({ trials: fc.integer({ min: 1, max: 50 }) }),
    hardware: fc.record({ lutBudget: fc.integer({ min: 1000, max: 100_000 }), minThroughput: fc.integer({ min: 100, max: 20_000 }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

/** [path, a certainly wrong value there]. */
const searchMutation: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constant('seed'), badInt(0, 2 ** 31 - 1)),
  fc.tuple(fc.constant('dataset'), notStringIn(['mnist', 'fashion-mnist', 'cifar10'])),
  fc.tuple(fc.constant('space'), notStringIn(['lu2019-mnist', 'lu2019-mnist-float'])),
  fc.tuple(fc.constant('problem'), notStringIn(['nb201', 'zdt1', 'zdt2', 'zdt3', 'dtlz2'])),
  fc.tuple(fc.constant('strategy.name'), notStringIn(['random', 'nsga2', 'reinforce', 'bo'])),
  fc.tuple(fc.constant('training.epochs'), badInt(1)),
  fc.tuple(fc.constant('training.batchSize'), badInt(1, 4096)),
  fc.tuple(fc.constant('training.valSubset'), fc.oneof(badInt(100), fc.integer({ min: 5001, max: 1e9 }))),
  fc.tuple(fc.constant('training.trainSubset'), fc.oneof(badInt(0), fc.integer({ min: 55_001, max: 1e9 }))),
  fc.tuple(fc.constant('training.learningRate'), fc.oneof(badPositive, fc.constant(11))),
  fc.tuple(fc.constant('training.backend'), notStringIn(['auto', 'wasm', 'cpu', 'tfjs-node'])),
  fc.tuple(fc.constant('budget.trials'), badInt(1)),
  fc.tuple(fc.constant('budget.minutes'), badPositive),
  fc.tuple(fc.constant('hardware.lutBudget'), badPositive),
  fc.tuple(fc.constant('hardware.minThroughput'), badPositive),
  fc.tuple(fc.constant('hardware.maxLatencyMs'), badPositive),
  fc.tuple(fc.constant('hardware.model'), notNameIn(['lu2019-pipeline', 'fnas-tiling', 'multi-fpga', 'ort-cpu', 'asic'])),
  fc.tuple(fc.constant('workers'), badInt(1, 64)),
  fc.tuple(fc.constant('objectives'), fc.constantFrom([], 'accuracy', [{ metric: '', direction: 'maximize' }], [{ metric: 'accuracy', direction: 'up' }])),
  fc.tuple(fc.constant('objectives.0.metric'), fc.constantFrom('energy', 'area', 'acc', 'LUTs')),
);

/** An unknown key inside a strict section: [section (or '' for the root), key]. */
const unknownKey = fc.tuple(
  fc.constantFrom('', 'training', 'hardware', 'budget', 'strategy'),
  fc.string({ minLength: 1, maxLength: 8 }).filter((k) => /^[a-z]\w*$/i.test(k) && !KNOWN.has(k)),
);
const KNOWN = new Set(['problem', 'dataset', 'space', 'hardware', 'training', 'strategy', 'objectives', 'budget', 'seed', 'workers', 'out', 'model', 'device', 'devices', 'lutBudget', 'dspBudget', 'bramBudgetBits', 'minThroughput', 'maxLatencyMs', 'clockMHz', 'multipliers', 'maxUnroll', 'objective', 'ports', 'linkWordsPerCycle', 'portBitsBudget', 'staticPowerW', 'minGopsPerW', 'accelerator', 'batch', 'maxEnergyNj', 'maxAreaUm2', 'problemFile', 'table', 'executor', 'epochs', 'trainSubset', 'valSubset', 'batchSize', 'learningRate', 'batchNorm', 'backend', 'name', 'options', 'trials', 'minutes', 'constructor', 'prototype']);

function setPath(o: Record<string, unknown>, dotted: string, value: unknown): Record<string, unknown> {
  const keys = dotted.split('.');
  const out = structuredClone(o);
  let at: Record<string, unknown> | unknown[] = out;
  keys.slice(0, -1).forEach((k, i) => {
    const next = (at as Record<string, unknown>)[k];
    if (typeof next !== 'object' || next === null) (at as Record<string, unknown>)[k] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    at = (at as Record<string, unknown>)[k] as Record<string, unknown>;
  });
  (at as Record<string, unknown>)[keys[keys.length - 1]] = value;
  return out;
}

/** The path a message names for a config path: objectives' items count under `objectives`. */
const named = (p: string) => (p.startsWith('objectives') && p !== 'objectives.0.metric' ? 'objectives' : p);

const badSearchConfig: fc.Arbitrary<{ json: string; path: string }> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(validSearch, searchMutation).map(([base, [p, v]]) => {
    const c = setPath(base as Record<string, unknown>, p, v);
    // objectives.0.metric on its own needs a whole objective around it.
    if (p === 'objectives.0.metric') c.objectives = [{ metric: v, direction: 'minimize' }];
    // With a problem, the joint sections are errors of their own; keep the case about its one bad value.
    if (p !== 'problem') delete c.problem;
    return { json: JSON.stringify(c), path: named(p) };
  }) },
  { weight: 2, arbitrary: fc.tuple(validSearch, unknownKey).map(([base, [section, key]]) => {
    const c = section === '' ? { ...base, [key]: 1 } : setPath(base as Record<string, unknown>, `${section}.${key}`, 1);
    return { json: JSON.stringify(c), path: section === '' ? '(root)' : section };
  }) },
  { weight: 1, arbitrary: fc.oneof(fc.array(fc.integer(), { maxLength: 3 }), fc.constant(null), fc.integer(), fc.string({ maxLength: 5 }), fc.boolean()).map((v) => ({ json: JSON.stringify(v), path: '--config' })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }).filter((s) => { try { const v = JSON.parse(s); return v === undefined; } catch { return true; } }).map((s) => ({ json: s, path: '--config' })) },
);

// ---- flags -------------------------------------------------------------------------------------------------

/** [flag, certainly wrong value] of `hwnas search`. */
const badSearchFlag: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constant('--trials'), notIntIn(1, Number.MAX_SAFE_INTEGER)),
  fc.tuple(fc.constant('--seed'), notIntIn(0, 2 ** 31 - 1)),
  fc.tuple(fc.constant('--epochs'), notIntIn(1, Number.MAX_SAFE_INTEGER)),
  fc.tuple(fc.constant('--workers'), notIntIn(1, 64)),
  fc.tuple(fc.constant('--luts'), notPositive),
  fc.tuple(fc.constant('--throughput'), notPositive),
  fc.tuple(fc.constant('--latency-ms'), notPositive),
  fc.tuple(fc.constant('--budget-minutes'), notPositive),
  fc.tuple(fc.constant('--strategy'), notNameIn(['random', 'nsga2', 'reinforce', 'bo'])),
  fc.tuple(fc.constant('--dataset'), notNameIn(['mnist', 'fashion-mnist', 'cifar10'])),
  fc.tuple(fc.constant('--problem'), notNameIn(['nb201', 'zdt1', 'zdt2', 'zdt3', 'dtlz2'])),
);
/** The config keys each good flag sets (a case drops a flag whose key the file holds). */
const OVERRIDES: Record<string, RegExp> = { '--seed': /"seed"/, '--strategy': /"strategy"/, '--trials': /"budget"/ };
const goodSearchFlags = fc.subarray([['--seed', '3'], ['--strategy', 'random'], ['--trials', '5'], ['--quiet']]);

/** [flag, certainly wrong value] of `hwnas compare`. */
const badCompareFlag: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constant('--trained'), notIntIn(2, Number.MAX_SAFE_INTEGER)),
  fc.tuple(fc.constant('--epochs'), notIntIn(1, Number.MAX_SAFE_INTEGER)),
  fc.tuple(fc.constant('--workers'), notIntIn(1, 64)),
  fc.tuple(fc.constant('--seeds'), fc.oneof(notIntIn(0, 2 ** 31 - 1).filter((s) => !s.includes(',')), fc.constantFrom('1,x', '1,,2', '-3'))),
  fc.tuple(fc.constant('--strategies'), notNameIn(['random', 'nsga2', 'reinforce', 'bo']).filter((s) => !s.split(',').every((x) => ['random', 'nsga2', 'reinforce', 'bo'].includes(x.trim())))),
  fc.tuple(fc.constant('--methods'), notNameIn(['joint', 'nas-then-quantize', 'quant-only', 'nas-then-map']).filter((s) => !s.split(',').every((x) => ['joint', 'nas-then-quantize', 'quant-only', 'nas-then-map'].includes(x.trim())))),
  fc.tuple(fc.constant('--dataset'), notNameIn(['mnist', 'fashion-mnist', 'cifar10'])),
  fc.tuple(fc.constant('--spec'), fc.constantFrom('strict', 's:luts=-1', 's:foo=3', 's:luts=abc', ':luts=5', 's:throughput=0', 'a b:luts=5')),
);

/** A compare.json with one wrong value: [path, value]. */
const compareMutation: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constant('trained'), badInt(2)),
  fc.tuple(fc.constant('seeds'), fc.oneof(fc.constant([]), fc.constant([-1]), fc.constant([1.5]), fc.constant('1'))),
  fc.tuple(fc.constant('specs'), fc.oneof(fc.constant([]), fc.constant([{ name: 'a b' }]), fc.constant([{ name: 's', lutBudget: -3 }]), fc.constant([{ lutBudget: 5 }]))),
  fc.tuple(fc.constant('methods'), fc.oneof(fc.constant([]), notNameIn(['joint']).map((m) => [m]))),
  fc.tuple(fc.constant('strategies'), fc.oneof(fc.constant([]), notNameIn(['random', 'nsga2', 'reinforce', 'bo']).map((s) => [s]))),
  fc.tuple(fc.constant('training.valSubset'), fc.integer({ min: 5001, max: 1e9 })),
  fc.tuple(fc.constant('training.epochs'), badInt(1)),
  fc.tuple(fc.constant('hardware.model'), notNameIn(['lu2019-pipeline', 'fnas-tiling', 'multi-fpga', 'ort-cpu', 'asic'])),
  fc.tuple(fc.constant('dataset'), notStringIn(['mnist', 'fashion-mnist', 'cifar10'])),
);

const flagArgs = ([flag, value]: [string, string]) => [`${flag}=${value}`];

/** [flag, certainly wrong value] of `hwnas map`. */
const badMapFlag: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constant('--luts'), notIntIn(1, Number.MAX_SAFE_INTEGER)),
  fc.tuple(fc.constant('--dsps'), notIntIn(0, Number.MAX_SAFE_INTEGER)),
  fc.tuple(fc.constant('--throughput'), notPositive),
  fc.tuple(fc.constant('--clock'), notPositive),
  fc.tuple(fc.constant('--frontier'), notIntIn(2, 10_000)),
  fc.tuple(fc.constant('--model'), notNameIn(['lu2019-pipeline', 'fnas-tiling', 'multi-fpga', 'ort-cpu', 'asic'])),
  fc.tuple(fc.constant('--multipliers'), notNameIn(['lut', 'dsp', 'both'])),
  fc.tuple(fc.constant('--objective'), notNameIn(['max-throughput', 'min-luts'])),
);

/** A journal that is not a usable run: random text, random JSON, or a create line with one field gone. */
const CREATE = { type: 'create', version: 1, at: '2026-01-01T00:00:00Z', study: { space: { name: 's', genes: [{ name: 'x', kind: 'int', min: 0, max: 3, group: 'arch' }], meta: { family: 'vector' } }, objectives: [{ metric: 'f', direction: 'minimize' }], constraints: [], strategy: { name: 'random', options: {} }, seed: 1, meta: {} } };
const badJournal: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => `${s}\n{"type":"ask"}\n`),
  fc.json().filter((j) => !j.includes('"create"')).map((j) => `${j}\n${j}\n`),
  fc.constantFrom('type', 'version', 'at', 'study', 'study.space', 'study.objectives', 'study.strategy', 'study.seed', 'study.meta', 'study.space.genes').map((drop) => {
    const create = structuredClone(CREATE) as Record<string, unknown>;
    const keys = drop.split('.');
    const owner = keys.slice(0, -1).reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, create);
    delete owner[keys[keys.length - 1]];
    return `${JSON.stringify(create)}\n`;
  }),
  fc.constant(''),
);

// ---- the cases --------------------------------------------------------------------------------------------

const cases: fc.Arbitrary<Case> = fc.oneof(
  // search --config with one bad value, maybe with good flags around it
  fc.tuple(badSearchConfig, goodSearchFlags).map(([c, flags]) => ({
    // A flag overrides the file: never one that would replace the bad value.
    args: ['search', '--config', 'c.json', ...flags.filter(([f]) => !OVERRIDES[f]?.test(c.json)).flat(), '--out', 'run'],
    files: { 'c.json': c.json },
    path: c.path,
  })),
  // config --check of the same files
  badSearchConfig.map((c) => ({ args: ['config', '--check', 'c.json'], files: { 'c.json': c.json }, path: c.path })),
  // search with one bad flag among good ones
  fc.tuple(badSearchFlag, goodSearchFlags).map(([bad, flags]) => ({
    args: ['search', ...flags.filter(([f]) => f !== bad[0]).flat(), ...flagArgs(bad), '--out', 'run'],
    files: {},
    path: bad[0],
  })),
  // map with one bad flag
  badMapFlag.map((bad) => ({ args: ['map', '--arch', 'lu2019-example', ...flagArgs(bad)], files: {}, path: bad[0] })),
  // compare with one bad flag, or a compare.json with one bad value
  badCompareFlag.map((bad) => ({ args: ['compare', ...flagArgs(bad), '--out', 'cmp', '--quiet'], files: {}, path: bad[0] })),
  compareMutation.map(([p, v]) => ({
    args: ['compare', '--config', 'k.json', '--out', 'cmp', '--quiet'],
    files: { 'k.json': JSON.stringify(setPath({}, p, v)) },
    path: p.split('.')[0] === 'training' || p.split('.')[0] === 'hardware' ? p : p.split('.')[0],
  })),
  // commands given a run whose journal is damaged
  fc.tuple(badJournal, fc.constantFrom<[string[], string]>([['report', 'run-dir', '--out', 'r.html'], '- run-dir:'], [['search', '--out', 'run-dir', '--resume', '--quiet'], '- --out:'], [['export', '--run', 'run-dir', '--best', '--out', 'm.onnx'], '- --run:'])).map(([journal, [args, p]]) => ({
    args,
    files: { 'run-dir/journal.jsonl': journal },
    path: p,
  })),
  // commands given a run or a file that is not there
  fc.string({ minLength: 1, maxLength: 8 }).filter((s) => /^\w+$/.test(s)).chain((name) =>
    fc.constantFrom<Case>(
      { args: ['report', name, '--out', 'r.html'], files: {}, path: name },
      { args: ['search', '--out', name, '--resume'], files: {}, path: '--out' },
      { args: ['export', '--run', name, '--best', '--out', 'm.onnx'], files: {}, path: '--run' },
      { args: ['search', '--config', `${name}.json`, '--out', 'run'], files: {}, path: '--config' },
      { args: ['data', 'cifar10', '--from', `${name}.tgz`, '--progress', 'quiet'], files: {}, path: '--from' },
    ),
  ),
);

describe('CLI fuzz (issue 19)', () => {
  it(`${RUNS} random bad inputs: exit 2, the bad path named, no stack trace, nothing written`, async () => {
    await fc.assert(fc.asyncProperty(cases, check), { numRuns: RUNS, seed: SEED, endOnFailure: true });
  });
});
