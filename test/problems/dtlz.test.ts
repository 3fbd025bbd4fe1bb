import { describe, expect, it } from 'vitest';
import { hypervolume } from '../../lib/pareto.js';
import { Rng } from '../../lib/rng.js';
import { dtlz2Front3, dtlz2Objectives, dtlz2Problem } from '../../problems/dtlz.js';

describe('DTLZ2', () => {
  it('matches a hand-computed value (same as DEAP benchmarks.dtlz2)', () => {
    const f = dtlz2Objectives([0.5, 0.25, 0.5, 0.7, 0.1], 3); // g = 0 + 0.04 + 0.16
    expect(f[0]).toBeCloseTo(0.783937778925826, 12);
    expect(f[1]).toBeCloseTo(0.3247176600877182, 12);
    expect(f[2]).toBeCloseTo(0.8485281374238569, 12);
  });

  it('puts the Pareto set (distance variables = ½) on the unit sphere, and others outside', () => {
    const rng = Rng.fromSeed('dtlz2');
    for (let i = 0; i < 50; i++) {
      const x = [rng.next(), rng.next(), ...new Array(10).fill(0.5)];
      expect(Math.hypot(...dtlz2Objectives(x, 3))).toBeCloseTo(1, 12);
      x[5] = 0.9;
      expect(Math.hypot(...dtlz2Objectives(x, 3))).toBeCloseTo(1 + 0.16, 12);
    }
  });

  it('is a Problem with 12 genes, 3 objectives f1..f3 and reference 1.1³', () => {
    const p = dtlz2Problem();
    expect(p.space.genes).toHaveLength(12);
    expect(p.objectives.map((o) => o.metric)).toEqual(['f1', 'f2', 'f3']);
    expect(p.hypervolume.reference).toEqual([1.1, 1.1, 1.1]);
    const g = p.space.sample(Rng.fromSeed(2));
    const m = p.evaluate(g);
    expect([m.f1, m.f2, m.f3]).toEqual(dtlz2Objectives(p.space.toVector(g), 3));
    expect(Object.keys(dtlz2Problem(4, 13).evaluate(dtlz2Problem(4, 13).space.sample(Rng.fromSeed(3))))).toEqual(['f1', 'f2', 'f3', 'f4']);
    expect(() => dtlz2Problem(3, 2)).toThrow(/variables/);
  });

  it('front samples have a hypervolume just under 1.1³ − π/6', () => {
    const hv = hypervolume(dtlz2Front3(50), [1.1, 1.1, 1.1]);
    expect(hv).toBeLessThan(1.331 - Math.PI / 6);
    expect(hv).toBeGreaterThan(1.331 - Math.PI / 6 - 0.02);
  });
});
