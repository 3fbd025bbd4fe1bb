/**
 * Known constraints on a space: declared as data, kept by every operator (fast-check properties), reported by
 * validate, and honoured by every registered strategy.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { Rng } from '../../lib/rng.js';
import { restrictSpace, SearchSpace, type Genome } from '../../lib/space/index.js';
import type { FinishedTrial } from '../../lib/trial/index.js';
import { createStrategy, STRATEGY_NAMES } from '../../strategies/registry.js';

/** A small accelerator-like space: most of it is invalid (tile > buffer, PEs × width > area budget). */
function acceleratorSpace(): SearchSpace {
  return new SearchSpace({
    name: 'accel-test',
    meta: { family: 'vector' },
    genes: [
      { name: 'pes', group: 'hw', kind: 'int', min: 1, max: 64 },
      { name: 'width', group: 'hw', kind: 'choice', choices: [4, 8, 16, 32] },
      { name: 'buffer', group: 'hw', kind: 'choice', choices: [64, 128, 256, 512] },
      { name: 'tileK', group: 'arch', kind: 'int', min: 1, max: 32 },
      { name: 'tileC', group: 'arch', kind: 'int', min: 1, max: 32 },
      { name: 'dataflow', group: 'arch', kind: 'choice', choices: ['ws', 'os'] },
    ],
    constraints: [
      { name: 'tile-fits-buffer', lhs: [{ genes: ['tileK', 'tileC'] }], rhs: [{ genes: ['buffer'] }], why: 'a K×C tile lives in the buffer' },
      { name: 'area', lhs: [{ genes: ['pes', 'width'] }, { coef: 0.5, genes: ['buffer'] }], rhs: 600 },
    ],
  });
}

const space = acceleratorSpace();
const valid = (g: Genome): boolean => space.validate(g).length === 0 && space.satisfiesConstraints(g);

describe('known constraints', () => {
  it('makes most of the raw space invalid (so the properties below test something)', () => {
    const rng = Rng.fromSeed(1);
    let bad = 0;
    for (let i = 0; i < 500; i++) {
      const raw: Record<string, number | string> = {};
      for (const g of space.genes) raw[g.name] = g.kind === 'choice' ? rng.pick(g.choices as (number | string)[]) : rng.int((g as { min: number }).min, (g as { max: number }).max);
      if (!space.satisfiesConstraints(raw)) bad++;
    }
    expect(bad).toBeGreaterThan(250);
  });

  it('sample, mutate and crossover return only valid genomes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
        const rng = Rng.fromSeed(seed);
        const a = space.sample(rng);
        const b = space.sample(rng);
        const m = space.mutate(a, rng);
        const [c1, c2] = space.crossover(a, b, rng);
        return [a, b, m, c1, c2].every(valid);
      }),
      { numRuns: 300 },
    );
  });

  it('fromVector and fromTokens repair any vector into a valid genome', () => {
    const lo = space.genes.map((g) => (g.kind === 'choice' ? 0 : (g as { min: number }).min));
    const hi = space.genes.map((g) => (g.kind === 'choice' ? g.choices.length - 1 : (g as { max: number }).max));
    fc.assert(
      fc.property(fc.tuple(...lo.map((l, i) => fc.double({ min: l - 2, max: hi[i] + 2, noNaN: true }))), (v) => valid(space.fromVector(v))),
      { numRuns: 300 },
    );
    const vocab = space.vocabularies();
    fc.assert(
      fc.property(fc.tuple(...vocab.map((n) => fc.integer({ min: 0, max: n - 1 }))), (t) => valid(space.fromTokens(t))),
      { numRuns: 300 },
    );
  });

  it('repair leaves a valid genome alone and fixes an invalid one', () => {
    const ok = space.sample(Rng.fromSeed(3));
    expect(space.repair(ok)).toBe(ok);
    const bad = space.canonical({ pes: 64, width: 32, buffer: 64, tileK: 32, tileC: 32, dataflow: 'os' });
    expect(space.satisfiesConstraints(bad)).toBe(false);
    const fixed = space.repair(bad);
    expect(fixed).not.toBeNull();
    expect(valid(fixed!)).toBe(true);
    expect(fixed!.dataflow).toBe('os'); // genes no constraint names are untouched
  });

  it('validate names the violated constraint', () => {
    const bad = { pes: 1, width: 4, buffer: 64, tileK: 16, tileC: 16, dataflow: 'ws' };
    const issues = space.validate(bad);
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toMatch(/tile-fits-buffer.*256 > 64/);
  });

  it('rejects bad declarations with their paths', () => {
    const decl = {
      name: 'x',
      meta: { family: 'vector' },
      genes: [
        { name: 'a', group: 'hw' as const, kind: 'int' as const, min: 1, max: 4 },
        { name: 's', group: 'hw' as const, kind: 'choice' as const, choices: ['p', 'q'] },
      ],
      constraints: [
        { name: 'c', lhs: [{ genes: ['a', 'nope'] }], rhs: 3 },
        { name: 'd', lhs: [{ genes: ['s'] }], rhs: Number.NaN },
      ],
    };
    let err: unknown;
    try {
      new SearchSpace(decl);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = String((err as Error).message);
    expect(text).toMatch(/space\.constraints\[0\] \(c\)\.lhs\[0\]\.genes: "nope" is not a gene/);
    expect(text).toMatch(/space\.constraints\[1\] \(d\)\.rhs/);
    expect(text).toMatch(/gene "s" has non-numeric values/);
  });

  it('a constraint on an inactive gene does not apply', () => {
    const s = new SearchSpace({
      name: 'cond',
      meta: { family: 'vector' },
      genes: [
        { name: 'depth', group: 'arch', kind: 'int', min: 1, max: 2 },
        { name: 'w2', group: 'arch', kind: 'int', min: 1, max: 10, when: { gene: 'depth', min: 2 }, default: 10 },
      ],
      constraints: [{ name: 'w2-small', lhs: [{ genes: ['w2'] }], rhs: 5 }],
    });
    expect(s.satisfiesConstraints(s.canonical({ depth: 1, w2: 10 }))).toBe(true);
    expect(s.satisfiesConstraints({ depth: 2, w2: 10 })).toBe(false);
    const rng = Rng.fromSeed(2);
    for (let i = 0; i < 50; i++) expect(s.satisfiesConstraints(s.sample(rng))).toBe(true);
  });

  it('survives restriction and the JSON declaration', () => {
    const r = restrictSpace(space, { dataflow: 'ws' }, 'accel-ws');
    expect(r.constraints).toHaveLength(2);
    const again = new SearchSpace(JSON.parse(JSON.stringify(space.toJSON())));
    expect(again.constraints).toEqual(space.constraints);
  });

  it.each(STRATEGY_NAMES)('strategy %s asks only genomes that meet them', async (name) => {
    const objectives = [
      { metric: 'f1', direction: 'minimize' as const },
      { metric: 'f2', direction: 'minimize' as const },
    ];
    const s = createStrategy(name, { space, objectives, constraints: [], rng: Rng.fromSeed(7).fork(name) }, name === 'bo' ? { candidates: 200, mutants: 200 } : {});
    let number = 0;
    for (let round = 0; round < 4; round++) {
      const genomes = await s.ask(Math.max(4, Math.min(s.batchSize, 12)));
      for (const g of genomes) expect(valid(g)).toBe(true);
      const trials: FinishedTrial[] = genomes.map((genome) => {
        const v = space.toVector(genome);
        return { number: number++, genome, key: space.key(genome), startedAt: '', status: 'complete', metrics: { f1: v[0] / (v[3] + 1), f2: v[3] + v[4] }, violations: {} };
      });
      await s.tell(trials);
    }
    s.dispose?.();
  });
});
