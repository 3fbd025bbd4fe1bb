/**
 * SearchSpace: the one declaration of a space's genes. Every view and operator of a genome derives from it;
 * the methods here are thin entry points to the modules that do each job (genome, variation, views).
 */
import { ConfigError, type Issue } from '../errors.js';
import type { Rng } from '../rng.js';
import { ConstraintChecker, validateKnownConstraints, type KnownConstraint } from './constraints.js';
import { type Gene, type GeneSet, type GeneValue } from './gene.js';
import { canonicalGenome, genomeKey, sampleGenome, validateGenome, type Genome } from './genome.js';
import { crossoverGenomes, mutateGenome, type MutationOptions } from './variation.js';
import { fromTokens, fromVector, toTokens, toVector, tokenVocabularies } from './views.js';

/** Facts about a space that decoders need but that are not searched, e.g. the input shape. */
export interface SpaceMeta {
  /** Input tensor shape [height, width, channels] for CNN spaces. */
  readonly input?: readonly [number, number, number];
  /** Number of output classes for CNN spaces. */
  readonly classes?: number;
  /** Which decoder family reads this space (e.g. `lu2019`, `nb201`, `vector`). */
  readonly family: string;
  /** Free-form extra facts (kept JSON-serialisable). */
  readonly [extra: string]: unknown;
}

/** A plain-data declaration of a space, as written in presets or config files. */
export interface SpaceDeclaration {
  readonly name: string;
  readonly genes: readonly Gene[];
  readonly meta: SpaceMeta;
  /** Relations between genes known before any evaluation (see constraints.ts); every operator keeps them. */
  readonly constraints?: readonly KnownConstraint[];
}

/** Checks a space declaration; returns every issue found. */
export function validateSpaceDeclaration(decl: SpaceDeclaration): Issue[] {
  const issues: Issue[] = [];
  const seen = new Map<string, Gene>();
  if (!decl.name) issues.push({ path: 'space.name', message: 'must be a non-empty string' });
  if (decl.genes.length === 0) issues.push({ path: 'space.genes', message: 'must declare at least one gene' });
  decl.genes.forEach((g, i) => {
    const path = `space.genes[${i}]${g.name ? ` (${g.name})` : ''}`;
    if (!g.name) issues.push({ path, message: 'gene needs a name' });
    if (seen.has(g.name)) issues.push({ path, message: `duplicate gene name "${g.name}"` });
    if (!['arch', 'quant', 'hw'].includes(g.group)) {
      issues.push({ path: `${path}.group`, message: `must be arch, quant or hw, got ${JSON.stringify(g.group)}` });
    }
    switch (g.kind) {
      case 'int':
      case 'bits':
        if (!Number.isInteger(g.min) || !Number.isInteger(g.max) || g.min > g.max) {
          issues.push({ path, message: `${g.kind} gene needs integer min ≤ max, got [${g.min}, ${g.max}]` });
        }
        if (g.kind === 'bits' && g.min < 0) issues.push({ path, message: `bits gene min must be ≥ 0, got ${g.min}` });
        break;
      case 'real':
        if (!Number.isFinite(g.min) || !Number.isFinite(g.max) || !(g.min < g.max)) {
          issues.push({ path, message: `real gene needs finite min < max, got [${g.min}, ${g.max}]` });
        }
        if (g.bins !== undefined && (!Number.isInteger(g.bins) || g.bins < 2)) {
          issues.push({ path: `${path}.bins`, message: `must be an integer ≥ 2, got ${g.bins}` });
        }
        break;
      case 'choice':
        if (!Array.isArray(g.choices) || g.choices.length === 0) {
          issues.push({ path: `${path}.choices`, message: 'must list at least one value' });
        } else if (new Set(g.choices).size !== g.choices.length) {
          issues.push({ path: `${path}.choices`, message: 'values must be distinct' });
        }
        break;
      case 'bool':
        break;
      default:
        issues.push({ path: `${path}.kind`, message: `unknown gene kind ${JSON.stringify((g as Gene).kind)}` });
    }
    if (g.when) {
      const ref = seen.get(g.when.gene);
      if (!ref) {
        issues.push({ path: `${path}.when.gene`, message: `must name a gene declared before it, got "${g.when.gene}"` });
      } else if (ref.kind !== 'int') {
        issues.push({ path: `${path}.when.gene`, message: `must name an int gene, "${ref.name}" is ${ref.kind}` });
      }
    }
    seen.set(g.name, g);
  });
  if (decl.constraints !== undefined) {
    if (!Array.isArray(decl.constraints)) issues.push({ path: 'space.constraints', message: 'must be a list' });
    else issues.push(...validateKnownConstraints(decl.constraints, decl.genes));
  }
  return issues;
}

/** Rejection draws before a sampled genome is repaired instead (known constraints). */
const REJECTION_TRIES = 64;

/** A validated, immutable search space. */
export class SearchSpace implements GeneSet {
  readonly name: string;
  readonly genes: readonly Gene[];
  readonly meta: SpaceMeta;
  /** Known constraints (empty when none are declared). */
  readonly constraints: readonly KnownConstraint[];
  private readonly byName: ReadonlyMap<string, Gene>;
  private readonly checker: ConstraintChecker;

  constructor(decl: SpaceDeclaration) {
    const issues = validateSpaceDeclaration(decl);
    if (issues.length > 0) throw new ConfigError(issues, `invalid search space "${decl.name}"`);
    this.name = decl.name;
    this.genes = Object.freeze(decl.genes.slice());
    this.meta = decl.meta;
    this.byName = new Map(decl.genes.map((g) => [g.name, g]));
    this.constraints = Object.freeze((decl.constraints ?? []).slice());
    this.checker = new ConstraintChecker(this.constraints, this.genes, (genome, g) => this.isActive(genome, g));
  }

  /** The declaration, e.g. to store in a journal. */
  toJSON(): SpaceDeclaration {
    return { name: this.name, genes: this.genes, meta: this.meta, ...(this.constraints.length > 0 ? { constraints: this.constraints } : {}) };
  }

  /** Whether `genome` satisfies every known constraint of the space. */
  satisfiesConstraints(genome: Genome): boolean {
    return this.checker.satisfied(genome);
  }

  /** Total relative excess over the known constraints (0 = valid). */
  constraintViolation(genome: Genome): number {
    return this.checker.violation(genome);
  }

  /** `genome` itself when valid, else its greedy repair (see constraints.ts), else null. */
  repair(genome: Genome): Genome | null {
    if (this.checker.satisfied(genome)) return genome;
    return this.checker.repair(genome, (g) => canonicalGenome(this, g));
  }

  /** The first of `draw()`'s results that meets the known constraints, else a repaired one, else `fallback`. */
  private constrained(draw: () => Genome, fallback: () => Genome, tries = REJECTION_TRIES): Genome {
    let last = draw();
    if (this.checker.empty) return last;
    for (let i = 1; i < tries && !this.checker.satisfied(last); i++) last = draw();
    return this.repair(last) ?? fallback();
  }

  /** The gene called `name` (throws on an unknown name). */
  gene(name: string): Gene {
    const g = this.byName.get(name);
    if (!g) throw new RangeError(`space "${this.name}" has no gene "${name}"`);
    return g;
  }

  /** Whether the space declares `name`. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Whether gene `g` is active in `genome` (its `when` condition holds). */
  isActive(genome: Genome, g: Gene): boolean {
    if (!g.when) return true;
    const v = genome[g.when.gene];
    return typeof v === 'number' && v >= g.when.min;
  }

  /** Every issue of `genome` against this space, each with its path. */
  validate(genome: unknown): Issue[] {
    const issues = validateGenome(this, genome);
    if (issues.length > 0 || this.checker.empty) return issues;
    return this.checker.issues(genome as Genome);
  }

  /** A uniformly sampled, canonical genome. */
  sample(rng: Rng): Genome {
    return this.constrained(
      () => sampleGenome(this, rng),
      () => {
        throw new ConfigError(
          [{ path: 'space.constraints', message: `no genome of ${REJECTION_TRIES} sampled (nor its repair) meets the known constraints` }],
          `space "${this.name}"`,
        );
      },
    );
  }

  /** `genome` with inactive genes set to their defaults (frozen). */
  canonical(genome: Genome): Genome {
    return canonicalGenome(this, genome);
  }

  /** Canonical string of a genome: equal for genomes that decode the same. */
  key(genome: Genome): string {
    return genomeKey(this, genome);
  }

  /** A mutated copy (per gene kind; see variation.ts). */
  mutate(genome: Genome, rng: Rng, options?: MutationOptions): Genome {
    return this.constrained(() => mutateGenome(this, genome, rng, options), () => genome, 16);
  }

  /** Two children by uniform crossover. */
  crossover(a: Genome, b: Genome, rng: Rng): [Genome, Genome] {
    if (this.checker.empty) return crossoverGenomes(this, a, b, rng);
    for (let i = 0; i < 16; i++) {
      const [c1, c2] = crossoverGenomes(this, a, b, rng);
      if (this.checker.satisfied(c1) && this.checker.satisfied(c2)) return [c1, c2];
    }
    return [a, b];
  }

  /** Numeric vector view (one number per gene, in declaration order). */
  toVector(genome: Genome): number[] {
    return toVector(this, genome);
  }

  /** Genome from a vector (rounded and clamped into the space). */
  fromVector(vector: readonly number[]): Genome {
    const g = fromVector(this, vector);
    return this.checker.empty ? g : (this.repair(g) ?? g);
  }

  /** Token view: one token index per gene, in declaration order. */
  toTokens(genome: Genome): number[] {
    return toTokens(this, genome);
  }

  /** Genome from tokens. */
  fromTokens(tokens: readonly number[]): Genome {
    const g = fromTokens(this, tokens);
    return this.checker.empty ? g : (this.repair(g) ?? g);
  }

  /** Vocabulary size of each token position. */
  vocabularies(): number[] {
    return tokenVocabularies(this);
  }

  /** Genes of one group, in declaration order. */
  genesOf(group: Gene['group']): Gene[] {
    return this.genes.filter((g) => g.group === group);
  }

  /** Value of gene `name` in `genome`, typed as a number (throws when it is not one). */
  num(genome: Genome, name: string): number {
    const v = genome[name];
    if (typeof v !== 'number') throw new TypeError(`gene "${name}" is not numeric in this genome (${String(v)})`);
    return v;
  }
}

export type { GeneValue };
