import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { bruteForceAnswers } from '../../hardware/brute-force.js';
import { mapFrontier, NO_LIMITS, type FrontierResult, type MapperLimits, type MapperStage } from '../../hardware/mapper.js';

// DP results read their numbers from shared slabs (hardware/mapper/frontier.ts); these tests check that a result
// stays exact while later calls fill and replace the slabs, and that a result larger than a slab works.

/** Everything a caller can read of a result. */
function snapshot(r: FrontierResult, limits?: MapperLimits) {
  const bestT = r.best('max-throughput', limits);
  const bestL = r.best('min-luts', limits);
  return {
    size: r.size,
    points: r.points.map((p) => ({ ...p, choice: r.choice(p) })),
    bestT: bestT && r.mapping(bestT),
    bestL: bestL && r.mapping(bestL),
  };
}

function randomStages(rng: Rng, L: number, options: number, dsps: boolean): MapperStage[] {
  return Array.from({ length: L }, (_, i) => ({
    name: `s${i}`,
    options: Array.from({ length: options }, () => ({ cycles: rng.int(1, 400), luts: rng.int(1, 900), dsps: dsps ? rng.int(0, 4) : 0, bram: 10 })),
  }));
}

describe('DP results in shared slabs', () => {
  it('a result kept across thousands of later DPs (slabs filled and replaced) reads as when it was made', () => {
    const rng = Rng.fromSeed(11);
    // Both DPs: one varying resource (staircase) and two (general).
    const kept = [randomStages(rng, 6, 12, false), randomStages(rng, 5, 8, true)].map((stages) => {
      const r = mapFrontier(stages, NO_LIMITS);
      return { stages, r, before: snapshot(r) };
    });
    expect(kept[0].r.size).toBeGreaterThan(5);
    let states = 0;
    for (let k = 0; k < 1000; k++) states += mapFrontier(randomStages(rng, 8, 15, k % 10 === 0), NO_LIMITS).size;
    // The final vectors alone (5 numbers per state) filled the 2^16-number slab more than twice since.
    expect(states * 5).toBeGreaterThan(2 * 65_536);
    for (const { stages, r, before } of kept) {
      expect(snapshot(r)).toEqual(before);
      expect(snapshot(r)).toEqual(snapshot(mapFrontier(stages, NO_LIMITS)));
    }
  });

  it('a result larger than a slab is exact (highest throughput and fewest LUTs as brute force on a prefix)', () => {
    const rng = Rng.fromSeed(12);
    // 300 stages of 300 options on a staircase: ~ 300 states per step, ~ 180,000 back-pointer ints.
    const stages: MapperStage[] = Array.from({ length: 300 }, (_, i) => ({
      name: `s${i}`,
      options: Array.from({ length: 300 }, (_, k) => ({ cycles: k + 1 + rng.int(0, 2) * 1000, luts: 1000 - k, dsps: 0, bram: 0 })),
    }));
    const r = mapFrontier(stages, NO_LIMITS);
    expect(r.size).toBeGreaterThan(200);
    const fastest = r.mapping(r.best('max-throughput')!);
    const cheapest = r.mapping(r.best('min-luts')!);
    // Each answer's choice reproduces its cost vector.
    const cost = (choice: readonly number[]) => choice.reduce((s, k, i) => s + stages[i].options[k].luts, 0);
    expect(cost(fastest.choice)).toBe(fastest.luts);
    expect(cost(cheapest.choice)).toBe(cheapest.luts);
    expect(Math.max(...cheapest.choice.map((k, i) => stages[i].options[k].cycles))).toBe(cheapest.bottleneck);
    // And on a prefix small enough for brute force, the same DP code agrees with it.
    const small = stages.slice(0, 3).map((s) => ({ ...s, options: s.options.slice(0, 12) }));
    const bf = bruteForceAnswers(small, { ...NO_LIMITS, luts: 2_990 });
    const dp = mapFrontier(small, { ...NO_LIMITS, luts: 2_990 });
    const pick = (p: ReturnType<typeof dp.best>) => (p ? [p.bottleneck, p.luts, p.dsps, p.bram] : null);
    expect(pick(dp.best('max-throughput'))).toEqual(bf.bestThroughput ? [bf.bestThroughput.bottleneck, bf.bestThroughput.luts, bf.bestThroughput.dsps, bf.bestThroughput.bram] : null);
    expect(pick(dp.best('min-luts'))).toEqual(bf.fewestLuts ? [bf.fewestLuts.bottleneck, bf.fewestLuts.luts, bf.fewestLuts.dsps, bf.fewestLuts.bram] : null);
  });
});
