/**
 * The strategy contract: every registered strategy runs through this one suite.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { presetSpace, vectorSpace, type Genome, type SearchSpace } from '../../lib/space/index.js';
import type { Constraint, FinishedTrial, Objective, TrialResult } from '../../lib/trial/index.js';
import { STRATEGY_NAMES, createStrategy } from '../../strategies/registry.js';
import type { Strategy } from '../../strategies/strategy.js';

const objectives: Objective[] = [
  { metric: 'f1', direction: 'minimize' },
  { metric: 'f2', direction: 'maximize' },
];
const constraints: Constraint[] = [{ metric: 'c', max: 0.8 }];

/** A cheap, deterministic, genome-dependent evaluation: two conflicting objectives and one constraint. */
function measure(space: SearchSpace, g: Genome): TrialResult {
  const v = space.toVector(g);
  const lo = space.genes.map((x) => (x.kind === 'choice' ? 0 : x.kind === 'bool' ? 0 : x.min));
  const hi = space.genes.map((x) => (x.kind === 'choice' ? x.choices.length - 1 : x.kind === 'bool' ? 1 : x.max));
  const u = v.map((x, i) => (hi[i] === lo[i] ? 0 : (x - lo[i]) / (hi[i] - lo[i])));
  const f1 = u.reduce((s, x) => s + x, 0) / u.length;
  const f2 = u.reduce((s, x, i) => s + (i % 2 ? x : 1 - x), 0) / u.length;
  const c = u[0];
  return { status: c > 0.8 ? 'infeasible' : 'complete', metrics: { f1, f2, c }, violations: { c: (c - 0.8) / 0.8 } };
}

/**
 * Multi-fidelity: a feasible trial stopped at a low rung keeps its low-fidelity metrics (here every third one with
 * its second objective missing, as a NaN at a rung would leave it); infeasible ones stay infeasible.
 */
function pruned(r: TrialResult, i: number): TrialResult {
  if (r.status !== 'complete' || i % 4 === 3) return r;
  const metrics = i % 3 === 2 ? { f1: r.metrics.f1, c: r.metrics.c } : { ...r.metrics, f2: r.metrics.f2 * 0.5 };
  return { ...r, status: 'pruned', metrics, extra: { rung: 0, budget: 1 / 9 } };
}

let nextNumber = 0;
type Kind = 'measure' | 'infeasible' | 'failed' | 'pruned';
function finish(space: SearchSpace, genomes: Genome[], kind: Kind): FinishedTrial[] {
  return genomes.map((genome, i) => {
    const r: TrialResult =
      kind === 'pruned' ? pruned(measure(space, genome), i) :
      kind === 'measure'
        ? measure(space, genome)
        : kind === 'infeasible'
          ? { status: 'infeasible', metrics: { f1: 1, f2: 0, c: 2 }, violations: { c: 1.5 } }
          : { status: 'failed', metrics: {}, violations: {}, error: 'boom' };
    return { number: nextNumber++, genome, key: space.key(genome), startedAt: '', ...r };
  });
}

function make(name: string, space: SearchSpace, seed: number): Strategy {
  return createStrategy(name, { space, objectives, constraints, rng: Rng.fromSeed(seed).fork(`strategy/${name}`) });
}

/** Runs `rounds` ask/tell rounds of `n` genomes and returns every key asked. */
async function drive(s: Strategy, space: SearchSpace, rounds: number, n: number, kind: Kind = 'measure'): Promise<string[]> {
  const keys: string[] = [];
  for (let r = 0; r < rounds; r++) {
    const genomes = await s.ask(n);
    expect(genomes).toHaveLength(n);
    for (const g of genomes) {
      expect(space.validate(g)).toEqual([]);
      expect(space.canonical(g)).toEqual(g);
      keys.push(space.key(g));
    }
    await s.tell(finish(space, genomes, kind));
  }
  return keys;
}

const spaces: SearchSpace[] = [presetSpace('lu2019-mnist'), presetSpace('nb201'), vectorSpace('box', 6)];

describe.each(STRATEGY_NAMES)('strategy %s', (name) => {
  describe.each(spaces.map((s) => [s.name, s] as const))('on %s', (_n, space) => {
    it('asks only valid genomes, and the same seed gives the same sequence, another seed another', async () => {
      const a = make(name, space, 1);
      const b = make(name, space, 1);
      const c = make(name, space, 2);
      const n = Math.max(4, a.batchSize);
      const ka = await drive(a, space, 3, n);
      const kb = await drive(b, space, 3, n);
      const kc = await drive(c, space, 3, n);
      expect(kb).toEqual(ka);
      expect(kc).not.toEqual(ka);
      for (const s of [a, b, c]) s.dispose?.();
    });

    it('continues identically after snapshot/restore (through JSON)', async () => {
      const a = make(name, space, 3);
      const n = Math.max(3, a.batchSize);
      await drive(a, space, 2, n);
      // Snapshot with asked-but-untold genomes outstanding, too.
      const pending = await a.ask(2);
      const snap = JSON.parse(JSON.stringify(a.snapshot()));
      const b = make(name, space, 99); // another seed: everything must come from the snapshot
      b.restore(snap);
      await a.tell(finish(space, pending, 'measure'));
      await b.tell(finish(space, pending, 'measure'));
      expect(await drive(b, space, 2, n)).toEqual(await drive(a, space, 2, n));
      a.dispose?.();
      b.dispose?.();
    });

    it('learns from pruned trials (multi-fidelity), keeps asking valid genomes, and its snapshot round-trips', async () => {
      const a = make(name, space, 6);
      const n = Math.max(3, a.batchSize);
      await drive(a, space, 2, n, 'pruned');
      const snap = JSON.parse(JSON.stringify(a.snapshot()));
      const b = make(name, space, 97);
      b.restore(snap);
      expect(await drive(b, space, 2, n, 'pruned')).toEqual(await drive(a, space, 2, n, 'pruned'));
      a.dispose?.();
      b.dispose?.();
    });

    it('survives batches that are all infeasible or all failed', async () => {
      const s = make(name, space, 4);
      const n = Math.max(3, s.batchSize);
      await drive(s, space, 2, n, 'infeasible');
      await drive(s, space, 2, n, 'failed');
      await drive(s, space, 1, n, 'measure');
      s.dispose?.();
    });

    it('handles n = 1 and n larger than its batch', async () => {
      const s = make(name, space, 5);
      await drive(s, space, 3, 1);
      await drive(s, space, 2, s.batchSize * 2 + 1);
      await drive(s, space, 2, 1);
      s.dispose?.();
    });
  });

  it('refuses a snapshot of another strategy', () => {
    const space = spaces[1];
    const s = make(name, space, 1);
    expect(() => s.restore({ strategy: 'not-' + name, version: 1, state: {} })).toThrow();
    s.dispose?.();
  });

  it('rejects bad options with their path', () => {
    const space = spaces[1];
    expect(() =>
      createStrategy(name, { space, objectives, constraints, rng: Rng.fromSeed(1) }, { batchSize: -3, notAnOption: true }),
    ).toThrow(/strategy\.options/);
  });
});
