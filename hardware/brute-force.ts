/**
 * Exhaustive enumeration of every mapping: the reference the DP mapper is tested and benchmarked against.
 * It uses nothing of the DP (no pre-pruning, no frontier), only the definitions.
 */
import { HwnasError } from '../lib/errors.js';
import { checkLimits, costOf, type MapperLimits, type MapperStage, type MappingPoint } from './mapper.js';

/** Refuse enumerations larger than this (they would run for minutes). */
export const BRUTE_FORCE_MAX = 5e8;

/** Number of mappings brute force would enumerate. */
export function mappingCount(stages: readonly MapperStage[]): number {
  return stages.reduce((n, s) => n * s.options.length, 1);
}

/** Every mapping within `limits`, visited without storing them all. */
export function forEachMapping(stages: readonly MapperStage[], visit: (p: MappingPoint) => void): void {
  const count = mappingCount(stages);
  if (count > BRUTE_FORCE_MAX) throw new HwnasError('HW_BRUTE_TOO_LARGE', `${count} mappings is too many to enumerate`);
  const L = stages.length;
  if (L === 0) return;
  const choice = new Array<number>(L).fill(0);
  for (;;) {
    visit(costOf(stages, choice.slice()));
    let i = L - 1;
    while (i >= 0 && ++choice[i] === stages[i].options.length) choice[i--] = 0;
    if (i < 0) return;
  }
}

function within(p: MappingPoint, l: MapperLimits): boolean {
  return p.luts <= l.luts && p.dsps <= l.dsps && p.bram <= l.bram && p.bottleneck <= l.maxCycles && p.totalCycles <= l.maxTotalCycles;
}

/**
 * The Pareto frontier of all mappings within `limits`, by brute force: dimensions bottleneck, LUTs, DSPs, BRAM,
 * and latency when `limits.maxTotalCycles` is finite (as the DP). Equal vectors appear once. Sorted like the
 * DP's frontier: bottleneck, then the other dimensions ascending.
 */
export function bruteForceFrontier(stages: readonly MapperStage[], limits: MapperLimits): MappingPoint[] {
  checkLimits(limits);
  const latency = Number.isFinite(limits.maxTotalCycles);
  const feasible: MappingPoint[] = [];
  forEachMapping(stages, (p) => {
    if (within(p, limits)) feasible.push(p);
  });
  const key = (p: MappingPoint): number[] => [p.bottleneck, p.luts, p.dsps, p.bram, ...(latency ? [p.totalCycles] : [])];
  const lex = (a: number[], b: number[]): number => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  };
  const keyed = feasible.map((p) => ({ p, k: key(p) })).sort((a, b) => lex(a.k, b.k));
  // A dominator is lexicographically smaller, so it is already among the kept points when its victim comes.
  const kept: { p: MappingPoint; k: number[] }[] = [];
  for (const c of keyed) {
    if (kept.some((q) => q.k.every((x, i) => x <= c.k[i]))) continue;
    kept.push(c);
  }
  return kept.map((q) => q.p);
}

/**
 * The two answers of the mapper by visiting every mapping (depth-first with running sums, nothing stored):
 * an efficient brute force for benchmarks on large cases. Ties are broken as the mapper breaks them.
 */
export function bruteForceAnswers(
  stages: readonly MapperStage[],
  limits: MapperLimits,
): { bestThroughput?: MappingPoint; fewestLuts?: MappingPoint; feasible: number } {
  checkLimits(limits);
  const count = mappingCount(stages);
  if (count > BRUTE_FORCE_MAX) throw new HwnasError('HW_BRUTE_TOO_LARGE', `${count} mappings is too many to enumerate`);
  const L = stages.length;
  const choice = new Array<number>(L).fill(0);
  let bt: number[] | undefined;
  let fl: number[] | undefined;
  let btChoice: number[] = [];
  let flChoice: number[] = [];
  let feasible = 0;
  const less = (a: number[], b: number[]): boolean => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
  };
  const visit = (i: number, b: number, luts: number, dsps: number, bram: number, cyc: number): void => {
    if (i === L) {
      if (luts > limits.luts || dsps > limits.dsps || bram > limits.bram || b > limits.maxCycles || cyc > limits.maxTotalCycles) return;
      feasible++;
      const t = [b, luts, dsps, bram];
      const f = [luts, b, dsps, bram];
      if (!bt || less(t, bt)) {
        bt = t;
        btChoice = choice.slice();
      }
      if (!fl || less(f, fl)) {
        fl = f;
        flChoice = choice.slice();
      }
      return;
    }
    const opts = stages[i].options;
    for (let k = 0; k < opts.length; k++) {
      const o = opts[k];
      choice[i] = k;
      visit(i + 1, o.cycles > b ? o.cycles : b, luts + o.luts, dsps + o.dsps, bram + o.bram, cyc + o.cycles);
    }
  };
  if (L > 0) visit(0, 0, 0, 0, 0, 0);
  return {
    bestThroughput: bt ? costOf(stages, btChoice) : undefined,
    fewestLuts: fl ? costOf(stages, flChoice) : undefined,
    feasible,
  };
}
