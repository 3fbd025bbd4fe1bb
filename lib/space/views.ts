/**
 * The two derived views of a genome: a numeric vector (NSGA-II, BO) and a token sequence (RL controllers).
 * Both are in gene declaration order; both round-trip for canonical genomes.
 */
import { geneBounds, geneVocabulary, type Gene, type GeneValue, type GeneSet } from './gene.js';
import { canonicalGenome, type Genome } from './genome.js';

function checkLength(space: GeneSet, values: readonly number[], what: string): void {
  if (values.length !== space.genes.length) {
    throw new RangeError(`${what} has ${values.length} entries; space "${space.name}" has ${space.genes.length} genes`);
  }
}

/** One number per gene: ints, bits and reals as themselves, choices as their index, bools as 0/1. */
export function toVector(space: GeneSet, genome: Genome): number[] {
  return space.genes.map((g) => {
    const v = genome[g.name];
    switch (g.kind) {
      case 'choice':
        return g.choices.indexOf(v as number | string);
      case 'bool':
        return v ? 1 : 0;
      default:
        return v as number;
    }
  });
}

function geneFromNumber(g: Gene, x: number): GeneValue {
  if (!Number.isFinite(x)) throw new RangeError(`gene "${g.name}": vector entry must be finite, got ${x}`);
  const [lo, hi] = geneBounds(g);
  const clamped = Math.min(hi, Math.max(lo, x));
  switch (g.kind) {
    case 'real':
      return clamped;
    case 'int':
    case 'bits':
      return Math.round(clamped);
    case 'choice':
      return g.choices[Math.round(clamped)];
    case 'bool':
      return clamped >= 0.5;
  }
}

/** Genome from a vector: rounded and clamped into the space, canonical. */
export function fromVector(space: GeneSet, vector: readonly number[]): Genome {
  checkLength(space, vector, 'vector');
  const out: Record<string, GeneValue> = {};
  space.genes.forEach((g, i) => {
    out[g.name] = geneFromNumber(g, vector[i]);
  });
  return canonicalGenome(space, out);
}

/** Vocabulary size per token position. */
export function tokenVocabularies(space: GeneSet): number[] {
  return space.genes.map(geneVocabulary);
}

/** One token index per gene in [0, vocabulary). Reals map to their bin. */
export function toTokens(space: GeneSet, genome: Genome): number[] {
  return space.genes.map((g) => {
    const v = genome[g.name];
    switch (g.kind) {
      case 'int':
      case 'bits':
        return (v as number) - g.min;
      case 'real': {
        const bins = geneVocabulary(g);
        return Math.min(bins - 1, Math.floor((((v as number) - g.min) / (g.max - g.min)) * bins));
      }
      case 'choice':
        return g.choices.indexOf(v as number | string);
      case 'bool':
        return v ? 1 : 0;
    }
  });
}

/** Genome from tokens (reals take their bin's centre), canonical. */
export function fromTokens(space: GeneSet, tokens: readonly number[]): Genome {
  checkLength(space, tokens, 'token sequence');
  const out: Record<string, GeneValue> = {};
  space.genes.forEach((g, i) => {
    const t = tokens[i];
    const vocab = geneVocabulary(g);
    if (!Number.isInteger(t) || t < 0 || t >= vocab) {
      throw new RangeError(`gene "${g.name}": token must be an integer in [0, ${vocab - 1}], got ${t}`);
    }
    switch (g.kind) {
      case 'int':
      case 'bits':
        out[g.name] = g.min + t;
        break;
      case 'real':
        out[g.name] = g.min + ((t + 0.5) * (g.max - g.min)) / vocab;
        break;
      case 'choice':
        out[g.name] = g.choices[t];
        break;
      case 'bool':
        out[g.name] = t === 1;
        break;
    }
  });
  return canonicalGenome(space, out);
}
