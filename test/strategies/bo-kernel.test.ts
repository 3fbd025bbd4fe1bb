/**
 * The GP's CoCaBO-style mixture kernel (additive + product) on a categorical space, and the winsorising fence of
 * the objectives: what issue 13's nb201 diagnosis found to matter.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { Gp, defaultHyper } from '../../strategies/bo/gp.js';
import { powerWarp, winsorise, yeoJohnson, yeoJohnsonInverse } from '../../strategies/bo/warp.js';

/** Spearman rank correlation. */
function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (v: readonly number[]): number[] => {
    const r = new Array<number>(v.length);
    v.map((x, i) => [x, i] as const)
      .sort((p, q) => p[0] - q[0])
      .forEach(([, i], k) => (r[i] = k));
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (ra[i] - rb[i]) ** 2;
  return 1 - (6 * d) / (a.length * (a.length ** 2 - 1));
}

describe('bo gp mixture kernel', () => {
  // Six categorical genes of five levels with additive main effects (nb201-like: each edge's op adds its share).
  const G = 6;
  const rng = Rng.fromSeed('additive');
  const effects = Array.from({ length: G }, () => Array.from({ length: 5 }, () => rng.normal()));
  const f = (x: Float64Array): number => x.reduce((s, v, g) => s + effects[g][v], 0);
  const draw = (n: number): Float64Array[] => Array.from({ length: n }, () => Float64Array.from({ length: G }, () => rng.int(0, 4)));
  const train = draw(25);
  const test = draw(300);
  const kinds = Array.from({ length: G }, () => 'categorical' as const);

  it('learns additive main effects of categorical genes better than the product kernel alone, and fits λ', () => {
    const y = train.map(f);
    const truth = test.map(f);
    const mixed = Gp.fit(train, y, kinds, null, 80, true);
    const product = Gp.fit(train, y, kinds, null, 80, false);
    const rho = (gp: Gp): number => {
      const post = gp.posterior(test, 0);
      return spearman(truth, test.map((_, i) => post.mean(i)));
    };
    expect(product.hyper.logitMix).toBeUndefined();
    expect(mixed.hyper.logitMix).toBeDefined();
    // The likelihood picks a mostly additive kernel for an additive function.
    expect(1 / (1 + Math.exp(-mixed.hyper.logitMix!))).toBeGreaterThan(0.5);
    expect(rho(mixed)).toBeGreaterThan(rho(product) + 0.05);
    expect(rho(mixed)).toBeGreaterThan(0.85);
  });

  it('its kernel() agrees with the training covariance (believer updates rely on it)', () => {
    const y = train.map(f);
    const gp = Gp.fit(train, y, kinds, { ...defaultHyper(kinds), logitMix: 1 }, 0);
    // A refit at the same hyperparameters with one more point predicts that point (noise aside) exactly.
    const refit = Gp.fit([...train, test[0]], [...y, f(test[0])], kinds, gp.hyper, 0).posterior([test[0]], 0);
    expect(refit.mean(0)).toBeCloseTo(f(test[0]), 1);
    expect(gp.kernel(test[0], test[0])).toBeCloseTo(Math.exp(gp.hyper.logSignal), 12);
    const other = Float64Array.from(test[0]);
    other[0] = (other[0] + 1) % 5;
    const k = gp.kernel(test[0], other);
    expect(k).toBeLessThan(Math.exp(gp.hyper.logSignal));
    expect(k).toBeGreaterThan(0);
  });
});

describe('bo winsorising fence', () => {
  it('clips only the upper tail at the given fence and keeps the order', () => {
    const v = [5.6, 5.9, 6.1, 6.4, 7, 7.5, 8, 9, 90, 90];
    const far = winsorise(v);
    expect(far).toEqual(v);
    const tight = winsorise(v, 1.5);
    expect(tight.slice(0, 8)).toEqual(v.slice(0, 8));
    expect(tight[8]).toBeLessThan(20);
    expect(tight[8]).toBe(tight[9]);
    for (let i = 1; i < v.length; i++) expect(tight[i]).toBeGreaterThanOrEqual(tight[i - 1]);
  });
});

describe('bo power warp', () => {
  it('Yeo-Johnson inverts, and stays finite and monotonic beyond its range', () => {
    for (const l of [-2.5, -1, 0, 0.5, 1, 2, 2.7]) {
      for (const y of [-3, -0.4, 0, 0.3, 2, 8]) expect(yeoJohnsonInverse(yeoJohnson(y, l), l)).toBeCloseTo(y, 8);
    }
    // λ < 0 bounds the transform above at −1/λ: a GP may predict past it.
    const past = [0.49, 0.5, 0.6, 2].map((t) => yeoJohnsonInverse(t, -2));
    for (const x of past) expect(Number.isFinite(x)).toBe(true);
    for (let i = 1; i < past.length; i++) expect(past[i]).toBeGreaterThanOrEqual(past[i - 1]);
  });

  it('picks λ by likelihood: near 1 for Gaussian values, < 0 for a heavy upper tail, and inverts the data', () => {
    const rng = Rng.fromSeed('power');
    const gaussian = Array.from({ length: 200 }, () => 3 + 0.5 * rng.normal());
    expect(Math.abs(powerWarp(gaussian).lambda - 1)).toBeLessThan(0.35);
    // nb201-like errors: a mass of 6–12 % and a few 90 % cells.
    const skewed = [...Array.from({ length: 90 }, () => 6 + 6 * rng.next() ** 2), ...Array.from({ length: 10 }, () => 90)];
    const w = powerWarp(skewed);
    expect(w.lambda).toBeLessThan(0);
    skewed.forEach((v, i) => expect(w.inverse(w.warped[i])).toBeCloseTo(v, 6));
    for (const x of [5, 6, 7, 20, 100]) expect(w.inverse(w.forward(x))).toBeCloseTo(x, 6);
    // The good tail is spread out relative to the bad one (the point of the warp).
    const gap = (a: number, b: number): number => w.forward(b) - w.forward(a);
    expect(gap(6, 7) / gap(6, 90)).toBeGreaterThan(((7 - 6) / (90 - 6)) * 5);
  });
});
