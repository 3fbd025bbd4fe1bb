/**
 * Progressive space shrinking (HSCoNAS, Luo et al. DATE 2021; MODELS-ACCELERATORS.md §3.3): after each stage
 * of a search, drop gene choices that the evidence so far says are not worth sampling again. The rule, per
 * choice or bool gene that still has more than one allowed value, over the observations where the gene is
 * active, counting only values seen at least `minSamples` times:
 *  1. **infeasible**: every observation with the value was infeasible (or failed) → drop it;
 *  2. **dominated**: another value has a mean fitness at least as high and a mean latency at least as low
 *     (one strictly), both over feasible observations → drop it (only when latencies are observed);
 *  3. **worst** (optional, HSCoNAS's per-stage drop): when `dropWorst` and at least three values remain, the
 *     value with the lowest mean fitness, if lower than every other value's by more than `margin`, is dropped.
 * Fitness is noisy (a child trained for one epoch on a few thousand images varies by several points between
 * seeds), so rules 2 and 3 also need the fitness difference to exceed `confidence` standard errors of the
 * difference of the two means (Welch's form, √(s₁²/n₁ + s₂²/n₂); a value seen once takes the gene's pooled
 * variance). Measured (bench:hsconas, 8 children per generation, 1 epoch): without it, the per-stage drop removed
 * values after one generation on differences well inside the seed-to-seed spread.
 * At least one value always stays (never the gene's best by mean fitness). Integer, bits and real genes are
 * left alone. The allowed values are plain JSON, so a strategy's snapshot carries them and a resumed search
 * rebuilds the same space ({@link shrunkSpace}).
 */
import type { Gene, GeneValue } from './gene.js';
import type { Genome } from './genome.js';
import { SearchSpace } from './search-space.js';

/** Allowed values per shrinkable gene (choice and bool genes), in declaration order of their choices. */
export type AllowedValues = Readonly<Record<string, readonly GeneValue[]>>;

/** One evaluated design as the shrinker sees it. */
export interface ShrinkObservation {
  readonly genome: Genome;
  /** Higher is better; ignored when infeasible. */
  readonly fitness: number;
  readonly feasible: boolean;
  /** Latency (or any cost to minimise) when known. */
  readonly latencyMs?: number;
}

/** Options of {@link shrinkStep}. */
export interface ShrinkOptions {
  readonly minSamples?: number;
  readonly dropWorst?: boolean;
  /** Rule 3's margin on mean fitness (absolute). Default 0.01. */
  readonly margin?: number;
  /** Standard errors a fitness difference must exceed in rules 2 and 3 (default 2, ≈ 95 % one-sided 97.7 %; 0 = off). */
  readonly confidence?: number;
}

/** One dropped value and why. */
export interface DroppedValue {
  readonly gene: string;
  readonly value: GeneValue;
  readonly rule: 'infeasible' | 'dominated' | 'worst';
  readonly samples: number;
  readonly meanFitness: number | null;
}

function valuesOf(g: Gene): GeneValue[] | null {
  if (g.kind === 'choice') return [...g.choices];
  if (g.kind === 'bool') return [false, true];
  return null;
}

/** Every value of every shrinkable gene (the unshrunk space). */
export function fullAllowed(space: SearchSpace): AllowedValues {
  const out: Record<string, GeneValue[]> = {};
  for (const g of space.genes) {
    const v = valuesOf(g);
    if (v) out[g.name] = v;
  }
  return out;
}

/** `space` with each shrinkable gene limited to its allowed values (a bool with one value becomes a one-value choice). */
export function shrunkSpace(space: SearchSpace, allowed: AllowedValues): SearchSpace {
  const genes: Gene[] = space.genes.map((g): Gene => {
    const a = allowed[g.name];
    if (!a) return g;
    const all = valuesOf(g)!;
    const kept = all.filter((v) => a.includes(v));
    if (kept.length === all.length) return g;
    return { name: g.name, group: g.group, kind: 'choice', choices: kept, ...(g.when ? { when: g.when } : {}) };
  });
  return new SearchSpace({ ...space.toJSON(), name: `${space.name}~shrunk`, genes, meta: { ...space.meta, shrunkFrom: space.name } });
}

// Means of equal values over different counts differ in the last bits: smaller differences are no evidence.
const EPS = 1e-9;

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Sample variance (0 with fewer than two values). */
function variance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

/** One shrinking step (see the module comment): the new allowed values and what was dropped. */
export function shrinkStep(
  space: SearchSpace,
  allowed: AllowedValues,
  observations: readonly ShrinkObservation[],
  options: ShrinkOptions = {},
): { allowed: AllowedValues; dropped: DroppedValue[] } {
  const minSamples = options.minSamples ?? 3;
  const margin = options.margin ?? 0.01;
  const z = options.confidence ?? 2;
  const next: Record<string, GeneValue[]> = {};
  const dropped: DroppedValue[] = [];
  for (const g of space.genes) {
    const current = allowed[g.name];
    if (!current) continue;
    let keep = [...current];
    next[g.name] = keep;
    if (keep.length <= 1) continue;
    const stats = keep.map((value) => {
      const obs = observations.filter((o) => space.isActive(o.genome, g) && o.genome[g.name] === value);
      const feas = obs.filter((o) => o.feasible);
      const lats = feas.map((o) => o.latencyMs).filter((x): x is number => x !== undefined && Number.isFinite(x));
      const fits = feas.map((o) => o.fitness).filter(Number.isFinite);
      return {
        value,
        n: obs.length,
        feasible: feas.length,
        fit: feas.length ? mean(feas.map((o) => o.fitness)) : null,
        lat: lats.length === feas.length && lats.length > 0 ? mean(lats) : null,
        fits,
      };
    });
    const pooled = variance(stats.flatMap((s) => s.fits));
    const varOf = (s: (typeof stats)[number]): number => (s.fits.length >= 2 ? variance(s.fits) : pooled);
    // Standard error of the difference of two values' mean fitness.
    const se = (a: (typeof stats)[number], b: (typeof stats)[number]): number =>
      Math.sqrt(varOf(a) / Math.max(1, a.fits.length) + varOf(b) / Math.max(1, b.fits.length));
    const judged = stats.filter((s) => s.n >= minSamples);
    // The best value by mean fitness is never dropped, so at least one value stays.
    const best = stats.filter((s) => s.fit !== null).sort((a, b) => b.fit! - a.fit!)[0];
    const drop = (s: (typeof stats)[number], rule: DroppedValue['rule']): void => {
      if (keep.length <= 1 || s === best || !keep.includes(s.value)) return;
      keep = keep.filter((v) => v !== s.value);
      dropped.push({ gene: g.name, value: s.value, rule, samples: s.n, meanFitness: s.fit });
    };
    for (const s of judged) if (s.feasible === 0) drop(s, 'infeasible');
    for (const s of judged) {
      if (s.fit === null || s.lat === null) continue;
      const dominated = judged.some((u) => u !== s && u.fit !== null && u.lat !== null && keep.includes(u.value) &&
        u.fit >= s.fit! + z * se(u, s) - EPS && u.lat <= s.lat! + EPS * s.lat! && (u.fit > s.fit! + EPS || u.lat < s.lat! - EPS * s.lat!));
      if (dominated) drop(s, 'dominated');
    }
    if (options.dropWorst && keep.length >= 3) {
      const live = judged.filter((s) => keep.includes(s.value) && s.fit !== null).sort((a, b) => a.fit! - b.fit!);
      if (live.length === keep.length && live.length >= 2 && live[0].fit! + Math.max(margin, z * se(live[0], live[1])) < live[1].fit!) drop(live[0], 'worst');
    }
    next[g.name] = keep;
  }
  return { allowed: next, dropped };
}

/** `genome` moved into the shrunk space: each gene on a dropped value takes an allowed one (`pick` chooses). */
export function projectGenome(space: SearchSpace, allowed: AllowedValues, genome: Genome, pick: (values: readonly GeneValue[]) => GeneValue): Genome {
  const out: Record<string, GeneValue> = { ...genome };
  for (const [name, values] of Object.entries(allowed)) if (!values.includes(out[name])) out[name] = pick(values);
  return space.canonical(out);
}
