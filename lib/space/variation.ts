/**
 * Mutation and crossover per gene kind. Ordinal genes (int, bits) move by a step or resample; reals take a
 * Gaussian step; categorical genes (choice, bool) resample a different value. Results are canonical and valid.
 */
import type { Rng } from '../rng.js';
import type { Gene, GeneValue, GeneSet } from './gene.js';
import { canonicalGenome, sampleGene, type Genome } from './genome.js';

/** Options of {@link mutateGenome}. */
export interface MutationOptions {
  /** Probability that each active gene mutates (default 1 / number of active genes). */
  readonly probability?: number;
  /** Force at least one active gene to change when the draw changed none (default true). */
  readonly ensureChange?: boolean;
  /** Standard deviation of a real gene's step, as a fraction of its range (default 0.1). */
  readonly realSigma?: number;
}

/** A value of `g` different from `current` where the gene has more than one value. */
export function mutateGene(g: Gene, current: GeneValue, rng: Rng, realSigma = 0.1): GeneValue {
  switch (g.kind) {
    case 'int':
    case 'bits': {
      if (g.max === g.min) return current;
      const v = current as number;
      // Half the time a local step (ordinal neighbours are similar designs), otherwise a jump anywhere.
      if (rng.bool()) {
        const step = rng.bool() ? 1 : -1;
        const next = v + step;
        return next < g.min || next > g.max ? v - step : next;
      }
      let r = rng.int(g.min, g.max - 1);
      if (r >= v) r += 1;
      return r;
    }
    case 'real': {
      const span = g.max - g.min;
      const next = (current as number) + rng.normal() * realSigma * span;
      return Math.min(g.max, Math.max(g.min, next));
    }
    case 'choice': {
      if (g.choices.length === 1) return current;
      const i = g.choices.indexOf(current as number | string);
      let r = rng.int(0, g.choices.length - 2);
      if (r >= i) r += 1;
      return g.choices[r];
    }
    case 'bool':
      return !current;
  }
}

/** A mutated, canonical copy of `genome`. */
export function mutateGenome(space: GeneSet, genome: Genome, rng: Rng, options: MutationOptions = {}): Genome {
  const active = space.genes.filter((g) => space.isActive(genome, g));
  const p = options.probability ?? 1 / Math.max(1, active.length);
  const out: Record<string, GeneValue> = { ...genome };
  let changed = false;
  for (const g of space.genes) {
    if (!space.isActive(out, g)) continue;
    if (rng.next() < p) {
      out[g.name] = mutateGene(g, out[g.name], rng, options.realSigma);
      changed ||= out[g.name] !== genome[g.name];
      // A gene that governs others (depth) may activate genes that were at their defaults: give them fresh values.
      for (const dep of space.genes) {
        if (dep.when?.gene === g.name && !space.isActive(genome, dep) && space.isActive(out, dep)) {
          out[dep.name] = sampleGene(dep, rng);
        }
      }
    }
  }
  // Pinned genes (one value: restricted spaces, a preset's fixed pooling) cannot change: pick among the others.
  const changeable = active.filter((g) => !(g.kind === 'choice' ? g.choices.length === 1 : (g.kind === 'int' || g.kind === 'bits') && g.min === g.max));
  if (!changed && (options.ensureChange ?? true) && changeable.length > 0) {
    const g = rng.pick(changeable);
    out[g.name] = mutateGene(g, out[g.name], rng, options.realSigma);
    for (const dep of space.genes) {
      if (dep.when?.gene === g.name && !space.isActive(genome, dep) && space.isActive(out, dep)) {
        out[dep.name] = sampleGene(dep, rng);
      }
    }
  }
  return canonicalGenome(space, out);
}

/** Two children by uniform crossover: each gene swapped with probability 1/2. */
export function crossoverGenomes(space: GeneSet, a: Genome, b: Genome, rng: Rng): [Genome, Genome] {
  const c1: Record<string, GeneValue> = {};
  const c2: Record<string, GeneValue> = {};
  for (const g of space.genes) {
    const swap = rng.bool();
    c1[g.name] = swap ? b[g.name] : a[g.name];
    c2[g.name] = swap ? a[g.name] : b[g.name];
  }
  return [canonicalGenome(space, c1), canonicalGenome(space, c2)];
}
