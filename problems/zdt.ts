/**
 * ZDT1, ZDT2 and ZDT3 (Zitzler, Deb & Thiele 2000): two objectives over n real variables in [0, 1] (n = 30 as
 * in the paper). With g = 1 + 9·Σ_{i≥2} x_i / (n − 1) and f1 = x1:
 * ZDT1 f2 = g·(1 − √(f1/g)) (convex front), ZDT2 f2 = g·(1 − (f1/g)²) (concave), ZDT3
 * f2 = g·(1 − √(f1/g) − (f1/g)·sin(10π·f1)) (disconnected). The Pareto set is x2 = … = xn = 0 (g = 1).
 */
import { decodeVector } from '../lib/space/decode.js';
import { vectorSpace } from '../lib/space/presets/vector.js';
import { paretoFront } from '../lib/pareto.js';
import type { BenchmarkProblem } from './problem.js';

/** The ZDT variants implemented. */
export type ZdtName = 'zdt1' | 'zdt2' | 'zdt3';

/** h(f1, g) of each variant: f2 = g·h. */
const H: Record<ZdtName, (f1: number, g: number) => number> = {
  zdt1: (f1, g) => 1 - Math.sqrt(f1 / g),
  zdt2: (f1, g) => 1 - (f1 / g) ** 2,
  zdt3: (f1, g) => 1 - Math.sqrt(f1 / g) - (f1 / g) * Math.sin(10 * Math.PI * f1),
};

/** The two objectives of `name` at `x` (all entries in [0, 1]). */
export function zdtObjectives(name: ZdtName, x: readonly number[]): [number, number] {
  const n = x.length;
  let s = 0;
  for (let i = 1; i < n; i++) s += x[i];
  const g = 1 + (9 * s) / (n - 1);
  const f1 = x[0];
  return [f1, g * H[name](f1, g)];
}

/** ZDT problem `name` with `n` variables (default 30); hypervolume reference (1.1, 1.1). */
export function zdtProblem(name: ZdtName, n = 30): BenchmarkProblem {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`${name} needs an integer number of variables ≥ 2, got ${n}`);
  const space = vectorSpace(name, n);
  return {
    name,
    space,
    objectives: [
      { metric: 'f1', direction: 'minimize' },
      { metric: 'f2', direction: 'minimize' },
    ],
    constraints: [],
    hypervolume: { reference: [1.1, 1.1] },
    evaluate(genome) {
      const [f1, f2] = zdtObjectives(name, decodeVector(space, genome));
      return { f1, f2 };
    },
  };
}

/**
 * `samples` points of the true Pareto front (g = 1, f1 evenly spaced in [0, 1]); for ZDT3 only the
 * non-dominated parts of the curve are kept.
 */
export function zdtFront(name: ZdtName, samples = 1000): number[][] {
  const pts: number[][] = [];
  for (let i = 0; i < samples; i++) {
    const f1 = i / (samples - 1);
    pts.push([f1, H[name](f1, 1)]);
  }
  return name === 'zdt3' ? paretoFront(pts).map((i) => pts[i]) : pts;
}
