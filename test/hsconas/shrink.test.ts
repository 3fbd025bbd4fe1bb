import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { presetSpace, type Genome } from '../../lib/space/index.js';
import { fullAllowed, projectGenome, shrinkStep, shrunkSpace, type ShrinkObservation } from '../../lib/space/shrink.js';

const space = presetSpace('lu2019-mnist-float');

function observe(n: number, f: (g: Genome) => Omit<ShrinkObservation, 'genome'>): ShrinkObservation[] {
  const rng = Rng.fromSeed(9);
  return Array.from({ length: n }, () => {
    const genome = space.sample(rng);
    return { genome, ...f(genome) };
  });
}

describe('progressive space shrinking', () => {
  it('drops a value whose designs were all infeasible, and keeps the rest', () => {
    const obs = observe(200, (g) => ({ fitness: 0.9, feasible: g['L1.kernel'] !== 5, latencyMs: 1 }));
    const { allowed, dropped } = shrinkStep(space, fullAllowed(space), obs, { dropWorst: false });
    expect(allowed['L1.kernel']).toEqual([1, 3]);
    expect(dropped).toContainEqual(expect.objectContaining({ gene: 'L1.kernel', value: 5, rule: 'infeasible' }));
    expect(allowed['L1.filters']).toEqual([4, 8, 16, 24]);
  });

  it('drops a dominated value (worse fitness, higher latency) and not one on the trade-off', () => {
    const obs = observe(300, (g) => {
      const k = g['L1.kernel'] as number;
      // kernel 5: slower and worse than 3 → dominated; kernel 1: faster but worse → trade-off, kept.
      const fitness = k === 3 ? 0.95 : k === 5 ? 0.9 : 0.8;
      const latencyMs = k === 1 ? 0.5 : k === 3 ? 1 : 2;
      return { fitness, feasible: true, latencyMs };
    });
    const { allowed, dropped } = shrinkStep(space, fullAllowed(space), obs, { dropWorst: false });
    expect(allowed['L1.kernel']).toEqual([1, 3]);
    expect(dropped.filter((d) => d.gene === 'L1.kernel')).toEqual([expect.objectContaining({ value: 5, rule: 'dominated' })]);
  });

  it('never empties a gene, judges only values seen minSamples times, and the shrunk space samples only allowed values', () => {
    const obs = observe(30, () => ({ fitness: 0, feasible: false }));
    const { allowed } = shrinkStep(space, fullAllowed(space), obs, { minSamples: 1 });
    for (const v of Object.values(allowed)) expect(v.length).toBeGreaterThanOrEqual(1);
    const few = shrinkStep(space, fullAllowed(space), obs.slice(0, 2), { minSamples: 50 });
    expect(few.dropped).toEqual([]);
    const small = shrunkSpace(space, { ...fullAllowed(space), 'L2.kernel': [3], 'L1.pool': [true] });
    const rng = Rng.fromSeed(3);
    for (let i = 0; i < 50; i++) {
      const g = space.canonical(small.sample(rng));
      expect(space.validate(g)).toEqual([]);
      expect(g['L1.pool']).toBe(true);
      if ((g.depth as number) >= 2) expect(g['L2.kernel']).toBe(3);
    }
    const moved = projectGenome(small, { 'L1.pool': [true] }, { ...space.sample(rng), 'L1.pool': false }, (v) => v[0]);
    expect(moved['L1.pool']).toBe(true);
  });

  it('drops the worst value only when its deficit exceeds the noise (two standard errors), not on a noisy dip', () => {
    const noisy = (shift: number) => {
      // Fitness noise uniform ±0.15, kernel 5 lower by `shift` on average.
      const noise = Rng.fromSeed(4);
      return observe(60, (g) => ({ fitness: 0.8 + noise.uniform(-0.15, 0.15) - (g['L1.kernel'] === 5 ? shift : 0), feasible: true }));
    };
    const small = noisy(0.015);
    expect(shrinkStep(space, fullAllowed(space), small, { dropWorst: true, confidence: 0 }).dropped.filter((d) => d.gene === 'L1.kernel')).toEqual([expect.objectContaining({ value: 5, rule: 'worst' })]);
    expect(shrinkStep(space, fullAllowed(space), small, { dropWorst: true }).dropped.filter((d) => d.gene === 'L1.kernel')).toEqual([]);
    const large = noisy(0.15);
    expect(shrinkStep(space, fullAllowed(space), large, { dropWorst: true }).dropped.filter((d) => d.gene === 'L1.kernel')).toEqual([expect.objectContaining({ value: 5, rule: 'worst' })]);
  });
});
