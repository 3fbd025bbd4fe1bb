import { describe, expect, it } from 'vitest';
import { hypervolume, paretoFront } from '../../lib/pareto.js';
import { Rng } from '../../lib/rng.js';
import { zdtFront, zdtObjectives, zdtProblem } from '../../problems/zdt.js';

describe('ZDT', () => {
  it('matches hand-computed values (same as DEAP benchmarks.zdt1-3)', () => {
    const x = [0.25, 0.5, 0.5]; // g = 1 + 9·1/2 = 5.5
    expect(zdtObjectives('zdt1', x)[0]).toBe(0.25);
    expect(zdtObjectives('zdt1', x)[1]).toBeCloseTo(4.327396060044142, 12);
    expect(zdtObjectives('zdt2', x)[1]).toBeCloseTo(5.488636363636363, 12);
    expect(zdtObjectives('zdt3', x)[1]).toBeCloseTo(4.077396060044142, 12);
  });

  it('on the Pareto set (x2..n = 0) gives the analytic fronts', () => {
    for (const f1 of [0, 0.1, 0.5, 0.9, 1]) {
      const x = [f1, ...new Array(29).fill(0)];
      expect(zdtObjectives('zdt1', x)[1]).toBeCloseTo(1 - Math.sqrt(f1), 12);
      expect(zdtObjectives('zdt2', x)[1]).toBeCloseTo(1 - f1 * f1, 12);
      expect(zdtObjectives('zdt3', x)[1]).toBeCloseTo(1 - Math.sqrt(f1) - f1 * Math.sin(10 * Math.PI * f1), 12);
    }
  });

  it('is a Problem with 30 real genes, metrics f1/f2 and reference (1.1, 1.1)', () => {
    const p = zdtProblem('zdt1');
    expect(p.space.genes).toHaveLength(30);
    expect(p.objectives.map((o) => o.metric)).toEqual(['f1', 'f2']);
    expect(p.hypervolume.reference).toEqual([1.1, 1.1]);
    const rng = Rng.fromSeed(1);
    const g = p.space.sample(rng);
    const m = p.evaluate(g);
    expect([m.f1, m.f2]).toEqual(zdtObjectives('zdt1', p.space.toVector(g)));
    expect(() => zdtProblem('zdt2', 1)).toThrow(/≥ 2/);
  });

  it('true-front hypervolumes approach the analytic values from below', () => {
    // ZDT1 with reference 1.1: ∫₀¹ (0.1 + √x) dx + 0.1·1.1 = 0.8766…; ZDT2: 0.1 + 1/3 + 0.11.
    const hv1 = hypervolume(zdtFront('zdt1', 5000), [1.1, 1.1]);
    expect(hv1).toBeLessThan(0.1 + 2 / 3 + 0.11);
    expect(hv1).toBeGreaterThan(0.1 + 2 / 3 + 0.11 - 1e-3);
    const hv2 = hypervolume(zdtFront('zdt2', 5000), [1.1, 1.1]);
    expect(hv2).toBeLessThan(0.1 + 1 / 3 + 0.11);
    expect(hv2).toBeGreaterThan(0.1 + 1 / 3 + 0.11 - 1e-3);
    // ZDT3's front is disconnected: only non-dominated parts of the curve are kept.
    const f3 = zdtFront('zdt3', 2000);
    expect(f3.length).toBeLessThan(2000);
    expect(paretoFront(f3)).toHaveLength(f3.length);
  });
});
