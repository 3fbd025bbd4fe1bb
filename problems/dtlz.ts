/**
 * DTLZ2 (Deb, Thiele, Laumanns & Zitzler 2002): M objectives over n real variables in [0, 1] (M = 3, n = 12,
 * i.e. k = n − M + 1 = 10 distance variables). g = Σ_{i ≥ M} (x_i − ½)²;
 * f_j = (1 + g) · Π_{i < M−j} cos(x_i·π/2) · (j > 1 ? sin(x_{M−j+1}·π/2) : 1). The front is the unit sphere's
 * positive orthant (g = 0).
 */
import { decodeVector } from '../lib/space/decode.js';
import { vectorSpace } from '../lib/space/presets/vector.js';
import type { BenchmarkProblem } from './problem.js';

/** The M objectives of DTLZ2 at `x`. */
export function dtlz2Objectives(x: readonly number[], m: number): number[] {
  const n = x.length;
  let g = 0;
  for (let i = m - 1; i < n; i++) g += (x[i] - 0.5) ** 2;
  const f: number[] = [];
  for (let j = 0; j < m; j++) {
    let v = 1 + g;
    for (let i = 0; i < m - 1 - j; i++) v *= Math.cos((x[i] * Math.PI) / 2);
    if (j > 0) v *= Math.sin((x[m - 1 - j] * Math.PI) / 2);
    f.push(v);
  }
  return f;
}

/** DTLZ2 with `m` objectives (default 3) and `n` variables (default 12); reference point 1.1 in every objective. */
export function dtlz2Problem(m = 3, n = 12): BenchmarkProblem {
  if (!Number.isInteger(m) || m < 2) throw new RangeError(`dtlz2 needs an integer number of objectives ≥ 2, got ${m}`);
  if (!Number.isInteger(n) || n < m) throw new RangeError(`dtlz2 needs an integer number of variables ≥ ${m}, got ${n}`);
  const space = vectorSpace('dtlz2', n);
  const names = Array.from({ length: m }, (_, j) => `f${j + 1}`);
  return {
    name: 'dtlz2',
    space,
    objectives: names.map((metric) => ({ metric, direction: 'minimize' as const })),
    constraints: [],
    hypervolume: { reference: names.map(() => 1.1) },
    evaluate(genome) {
      const f = dtlz2Objectives(decodeVector(space, genome), m);
      return Object.fromEntries(names.map((k, j) => [k, f[j]]));
    },
  };
}

/** Points of the true front for M = 3: a `side` × `side` grid over the two angles, mapped onto the unit sphere. */
export function dtlz2Front3(side = 40): number[][] {
  const pts: number[][] = [];
  for (let a = 0; a < side; a++) {
    for (let b = 0; b < side; b++) {
      const t1 = ((a / (side - 1)) * Math.PI) / 2;
      const t2 = ((b / (side - 1)) * Math.PI) / 2;
      pts.push([Math.cos(t1) * Math.cos(t2), Math.cos(t1) * Math.sin(t2), Math.sin(t1)]);
    }
  }
  return pts;
}
