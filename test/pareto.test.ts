import { describe, expect, it } from 'vitest';
import {
  constrainedDominates,
  crowdingDistance,
  dominates,
  hypervolume,
  igd,
  nonDominatedSort,
  paretoFront,
  scoreTrial,
} from '../lib/pareto.js';
import { Rng } from '../lib/rng.js';
import { isFeasible, minimisedObjectives, type FinishedTrial, type Objective } from '../lib/trial/index.js';

/** Random points with integer coordinates in [0, side): many ties and duplicates. */
function intPoints(rng: Rng, n: number, m: number, side: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: m }, () => rng.int(0, side - 1)));
}

/** Fronts by repeated peeling with a pairwise check (the obvious O(N³) algorithm). */
function bruteFronts(points: number[][], violations?: number[]): number[][] {
  const better = (i: number, j: number): boolean =>
    violations ? constrainedDominates(points[i], violations[i], points[j], violations[j]) : dominates(points[i], points[j]);
  let left = points.map((_, i) => i);
  const fronts: number[][] = [];
  while (left.length > 0) {
    const front = left.filter((i) => !left.some((j) => j !== i && better(j, i)));
    fronts.push(front);
    left = left.filter((i) => !front.includes(i));
  }
  return fronts;
}

/** Hypervolume by counting unit cells of the integer grid [0, ref)^m dominated by some point. */
function gridHypervolume(points: number[][], ref: number[]): number {
  const m = ref.length;
  let count = 0;
  const cell = new Array<number>(m).fill(0);
  for (;;) {
    if (points.some((p) => p.every((v, k) => v <= cell[k]))) count++;
    let k = 0;
    while (k < m && ++cell[k] >= ref[k]) cell[k++] = 0;
    if (k === m) return count;
  }
}

/** Hypervolume by inclusion–exclusion over all subsets (exact, exponential: small sets only). */
function inclusionExclusion(points: number[][], ref: number[]): number {
  const inside = points.filter((p) => p.every((v, k) => v < ref[k]));
  const n = inside.length;
  let total = 0;
  for (let mask = 1; mask < 1 << n; mask++) {
    const corner = ref.map(() => -Infinity);
    let bits = 0;
    for (let i = 0; i < n; i++) {
      if (!(mask & (1 << i))) continue;
      bits++;
      inside[i].forEach((v, k) => (corner[k] = Math.max(corner[k], v)));
    }
    const box = corner.reduce((s, v, k) => s * (ref[k] - v), 1);
    total += bits % 2 ? box : -box;
  }
  return total;
}

describe('dominance', () => {
  it('Pareto dominance needs no worse everywhere and better somewhere', () => {
    expect(dominates([1, 2], [2, 3])).toBe(true);
    expect(dominates([1, 3], [2, 3])).toBe(true);
    expect(dominates([1, 3], [1, 3])).toBe(false);
    expect(dominates([1, 4], [2, 3])).toBe(false);
    expect(dominates([2, 3], [1, 2])).toBe(false);
  });

  it('constrained dominance: feasible first, then smaller violation, then Pareto', () => {
    expect(constrainedDominates([9, 9], 0, [0, 0], 0.1)).toBe(true);
    expect(constrainedDominates([0, 0], 0.1, [9, 9], 0)).toBe(false);
    expect(constrainedDominates([9, 9], 0.1, [0, 0], 0.5)).toBe(true);
    expect(constrainedDominates([0, 0], 0.5, [9, 9], 0.1)).toBe(false);
    expect(constrainedDominates([0, 0], 0.5, [9, 9], 0.5)).toBe(false);
    expect(constrainedDominates([1, 1], 0, [2, 2], 0)).toBe(true);
    expect(constrainedDominates([1, 3], 0, [2, 2], 0)).toBe(false);
    // Failed trials: infinite violation and NaN objectives rank behind everything, even each other.
    expect(constrainedDominates([NaN, NaN], Infinity, [5, 5], 3)).toBe(false);
    expect(constrainedDominates([5, 5], 3, [NaN, NaN], Infinity)).toBe(true);
    expect(constrainedDominates([NaN, NaN], Infinity, [NaN, NaN], Infinity)).toBe(false);
    // A negative violation (slack) is feasible.
    expect(constrainedDominates([1, 1], -0.3, [2, 2], 0)).toBe(true);
  });
});

describe('nonDominatedSort', () => {
  it('sorts a hand case into fronts', () => {
    const pts = [
      [1, 5],
      [2, 2],
      [5, 1],
      [3, 3],
      [4, 4],
      [2, 2],
      [6, 6],
    ];
    expect(nonDominatedSort(pts)).toEqual([[0, 1, 2, 5], [3], [4], [6]]);
    expect(nonDominatedSort([])).toEqual([]);
  });

  it('puts infeasible points behind feasible ones, ordered by violation', () => {
    const pts = [
      [0, 0],
      [5, 5],
      [1, 1],
      [NaN, NaN],
      [9, 9],
    ];
    expect(nonDominatedSort(pts, [0.5, 0, 0.2, Infinity, 0])).toEqual([[1], [4], [2], [0], [3]]);
  });

  it('matches brute-force peeling on random sets (2–4 objectives, with and without constraints)', () => {
    const rng = Rng.fromSeed('nds');
    for (let trial = 0; trial < 60; trial++) {
      const m = 2 + (trial % 3);
      const n = 1 + rng.int(0, 40);
      const pts = intPoints(rng, n, m, trial % 2 ? 3 : 6);
      expect(nonDominatedSort(pts)).toEqual(bruteFronts(pts));
      const viol = pts.map(() => (rng.bool(0.3) ? rng.int(1, 3) / 2 : rng.bool(0.1) ? Infinity : 0));
      expect(nonDominatedSort(pts, viol)).toEqual(bruteFronts(pts, viol));
    }
  });

  it('rejects mismatched inputs', () => {
    expect(() => nonDominatedSort([[1, 2], [1]])).toThrow(/objectives/);
    expect(() => nonDominatedSort([[1, 2]], [0, 0])).toThrow(/violations/);
    expect(() => nonDominatedSort([[1, NaN]])).toThrow(/NaN/);
    expect(nonDominatedSort([[1, NaN], [0, 0]], [Infinity, 0])).toEqual([[1], [0]]);
  });
});

describe('crowdingDistance', () => {
  it('sums normalised neighbour gaps; extremes get Infinity', () => {
    const pts = [
      [0, 4],
      [1, 3],
      [3, 1],
      [4, 0],
    ];
    const d = crowdingDistance(pts, [0, 1, 2, 3]);
    expect(d[0]).toBe(Infinity);
    expect(d[3]).toBe(Infinity);
    // Point 1: neighbours 0 and 2 → (3−0)/4 in f1 + (4−1)/4 in f2.
    expect(d[1]).toBeCloseTo(1.5);
    expect(d[2]).toBeCloseTo(1.5);
  });

  it('is aligned with the front order, not the point order', () => {
    const pts = [
      [4, 0],
      [0, 4],
      [1, 2],
    ];
    const d = crowdingDistance(pts, [2, 0, 1]);
    expect(d[0]).toBeCloseTo(1 + 1); // neighbours (0,4) and (4,0): 4/4 + 4/4
    expect(d[1]).toBe(Infinity);
    expect(d[2]).toBe(Infinity);
  });

  it('gives fronts of one or two points Infinity and skips constant or non-finite objectives', () => {
    expect([...crowdingDistance([[1, 1]], [0])]).toEqual([Infinity]);
    expect([...crowdingDistance([[1, 1], [2, 0]], [0, 1])]).toEqual([Infinity, Infinity]);
    const flat = crowdingDistance([[1, 5], [2, 5], [3, 5]], [0, 1, 2]);
    expect(flat[1]).toBeCloseTo(1); // only f1 counts
    const failed = crowdingDistance([[NaN, NaN], [NaN, NaN], [NaN, NaN]], [0, 1, 2]);
    expect([...failed]).toEqual([0, 0, 0]);
  });
});

describe('paretoFront', () => {
  it('keeps non-dominated points (duplicates included), 2–4 objectives, like brute force', () => {
    const rng = Rng.fromSeed('front');
    for (let trial = 0; trial < 60; trial++) {
      const m = 2 + (trial % 3);
      const pts = intPoints(rng, rng.int(1, 50), m, 5);
      const brute = pts.map((_, i) => i).filter((i) => !pts.some((q, j) => j !== i && dominates(q, pts[i])));
      expect(paretoFront(pts)).toEqual(brute);
    }
    expect(paretoFront([])).toEqual([]);
  });
});

describe('hypervolume', () => {
  it('hand cases in 1, 2 and 3 objectives', () => {
    expect(hypervolume([[2]], [5])).toBe(3);
    // Staircase (1,3), (2,2), (3,1) under reference (4,4): 3 + 2 + 1 = 6.
    expect(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4])).toBe(6);
    // One box in 3-D.
    expect(hypervolume([[1, 2, 3]], [2, 4, 6])).toBe(1 * 2 * 3);
    // Two overlapping boxes: 8 + 8 − 4 (overlap 2×1×2).
    expect(hypervolume([[0, 0, 1], [0, 1, 0]], [2, 2, 2])).toBeCloseTo(6);
    expect(hypervolume([], [1, 1])).toBe(0);
  });

  it('ignores points outside the reference box and dominated points', () => {
    expect(hypervolume([[1, 1], [5, 0], [0, 5], [2, 2], [4, 4]], [4, 4])).toBe(9);
    expect(hypervolume([[4, 0]], [4, 4])).toBe(0); // on the boundary: no volume
  });

  it('matches grid-cell counting on integer point sets (2, 3, 4 objectives)', () => {
    const rng = Rng.fromSeed('hv-grid');
    for (let trial = 0; trial < 45; trial++) {
      const m = 2 + (trial % 3);
      const side = m === 4 ? 5 : 7;
      const pts = intPoints(rng, rng.int(1, m === 4 ? 14 : 25), m, side);
      const ref = Array.from({ length: m }, () => side);
      expect(hypervolume(pts, ref)).toBeCloseTo(gridHypervolume(pts, ref), 9);
    }
  });

  it('matches inclusion–exclusion on random real point sets (2–5 objectives)', () => {
    const rng = Rng.fromSeed('hv-ie');
    for (let trial = 0; trial < 40; trial++) {
      const m = 2 + (trial % 4);
      const pts = Array.from({ length: rng.int(1, 10) }, () => Array.from({ length: m }, () => rng.uniform(0, 1.2)));
      const ref = Array.from({ length: m }, () => 1);
      expect(hypervolume(pts, ref)).toBeCloseTo(inclusionExclusion(pts, ref), 10);
    }
  });

  it('is exact on points of a spherical front in 3-D (compared with 4-D embedding)', () => {
    // Adding a 4th objective equal to 0 for every point multiplies the volume by the reference's 4th coordinate:
    // an independent check of the 3-D sweep against WFG.
    const rng = Rng.fromSeed('hv-sphere');
    const pts = Array.from({ length: 60 }, () => {
      const a = rng.uniform(0, Math.PI / 2);
      const b = rng.uniform(0, Math.PI / 2);
      return [Math.cos(a) * Math.cos(b), Math.cos(a) * Math.sin(b), Math.sin(a)];
    });
    const hv3 = hypervolume(pts, [1.1, 1.1, 1.1]);
    const hv4 = hypervolume(
      pts.map((p) => [...p, 0]),
      [1.1, 1.1, 1.1, 2],
    );
    expect(hv4).toBeCloseTo(2 * hv3, 10);
    expect(hv3).toBeLessThan(1.331 - Math.PI / 6);
    expect(hv3).toBeGreaterThan(0.5);
  });

  it('rejects NaN and mismatched dimensions', () => {
    expect(() => hypervolume([[NaN, 1]], [2, 2])).toThrow(/NaN/);
    expect(() => hypervolume([[1, 1, 1]], [2, 2])).toThrow(/objectives/);
    expect(() => hypervolume([[1, 1]], [2, Infinity])).toThrow(/finite/);
  });
});

describe('igd', () => {
  it('averages the distance from each reference point to the nearest point', () => {
    const ref = [
      [0, 1],
      [1, 0],
    ];
    expect(igd(ref, ref)).toBe(0);
    expect(igd([[0, 1]], ref)).toBeCloseTo((0 + Math.SQRT2) / 2);
    expect(igd([], ref)).toBe(Infinity);
    expect(() => igd([[0, 0]], [])).toThrow(/empty/);
  });
});

describe('trials to points', () => {
  const objectives: Objective[] = [
    { metric: 'err', direction: 'minimize' },
    { metric: 'acc', direction: 'maximize' },
  ];
  const trial = (status: FinishedTrial['status'], metrics: Record<string, number>, violations: Record<string, number> = {}): FinishedTrial => ({
    number: 0,
    genome: {},
    key: '',
    startedAt: '',
    status,
    metrics,
    violations,
  });

  it('scores trials in minimisation form with Deb violations; failures are worst', () => {
    expect(scoreTrial(trial('complete', { err: 1, acc: 2 }), objectives)).toEqual({ objectives: [1, -2], violation: 0 });
    expect(scoreTrial(trial('complete', { err: 1, acc: 2 }, { lut: -0.2 }), objectives).violation).toBe(0);
    expect(scoreTrial(trial('infeasible', { err: 1, acc: 2 }, { lut: 0.25, fps: 0.5 }), objectives).violation).toBe(0.75);
    expect(scoreTrial(trial('infeasible', { err: 1, acc: 2 }), objectives).violation).toBe(1);
    expect(scoreTrial(trial('failed', {}), objectives).violation).toBe(Infinity);
    expect(scoreTrial(trial('complete', { err: 1 }), objectives).violation).toBe(Infinity);
    expect(scoreTrial(trial('pruned', { err: 1, acc: 2 }), objectives).violation).toBe(Infinity);
  });

  it('isFeasible keeps complete trials within every constraint that measured every objective', () => {
    const ts = [
      trial('complete', { err: 1, acc: 2 }),
      trial('infeasible', { err: 0, acc: 9 }, { lut: 1 }),
      trial('failed', {}),
      trial('complete', { err: 3, acc: 4 }),
    ];
    ts.push(trial('complete', { err: 5 }));
    expect(ts.filter((t) => isFeasible(t, objectives)).map((t) => minimisedObjectives(t, objectives))).toEqual([
      [1, -2],
      [3, -4],
    ]);
    expect(ts.map((t) => isFeasible(t))).toEqual([true, false, false, true, true]);
  });
});
