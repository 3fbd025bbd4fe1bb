/** BO's exhaustive candidate pool on a small finite space: every unseen valid design is a candidate. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { SearchSpace, type Genome } from '../../lib/space/index.js';
import type { FinishedTrial, Objective } from '../../lib/trial/index.js';
import { createStrategy } from '../../strategies/registry.js';

const space = new SearchSpace({
  name: 'tiny',
  genes: [
    { name: 'a', group: 'arch', kind: 'int', min: 0, max: 4 },
    { name: 'b', group: 'arch', kind: 'choice', choices: [0, 1, 2, 3, 4] },
    { name: 'c', group: 'arch', kind: 'choice', choices: ['x', 'y'] },
  ],
  constraints: [{ name: 'sum', lhs: [{ genes: ['a'] }, { genes: ['b'] }], rhs: 6 }],
});
const objectives: Objective[] = [{ metric: 'f', direction: 'minimize' }];
const f = (g: Genome): number => ((g.a as number) - 3) ** 2 + ((g.b as number) - 3) ** 2 + (g.c === 'y' ? 0 : 0.5);

async function drive(budget: number, seed: number): Promise<FinishedTrial[]> {
  const s = createStrategy('bo', { space, objectives, constraints: [], rng: Rng.fromSeed(seed).fork('bo') }, { exhaustive: 1000, candidates: 10, mutants: 0, initialTrials: 4, batchSize: 2, fitBudget: 15 });
  const trials: FinishedTrial[] = [];
  while (trials.length < budget) {
    const genomes = await s.ask(Math.min(2, budget - trials.length));
    const told = genomes.map((genome, i): FinishedTrial => ({ number: trials.length + i, genome, key: space.key(genome), startedAt: '', status: 'complete', metrics: { f: f(genome) }, violations: {} }));
    trials.push(...told);
    await s.tell(told);
  }
  return trials;
}

describe('bo exhaustive pool', () => {
  // 5 × 5 × 2 = 50 raw designs, of which a + b ≤ 6 leaves 2·(25 − 3 − 2 − 1) = 38.
  const valid = 38;

  it('asks every valid design exactly once before repeating any, and finds the optimum early', async () => {
    const trials = await drive(valid, 4);
    const keys = trials.map((t) => t.key);
    expect(new Set(keys).size).toBe(valid);
    for (const t of trials) expect(space.satisfiesConstraints(t.genome)).toBe(true);
    const firstOptimum = trials.findIndex((t) => t.metrics.f === 0);
    expect(firstOptimum).toBeGreaterThanOrEqual(0);
    expect(firstOptimum).toBeLessThan(valid / 2);
  });
});
