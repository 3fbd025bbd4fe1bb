/**
 * The controller's view of a space: one token position per gene (the space's token view), which positions are
 * active, and the token an inactive position takes.
 *
 * Inactive conditional genes are not sampled: the controller emits the token of the gene's canonical default
 * there (and feeds it to the next step). So the token sequence of every proposed genome equals
 * `space.toTokens(genome)`, and tell() scores any genome (asked by this controller, resumed, or foreign) from the
 * genome alone, with exactly the conditioning it was sampled under. Only active positions enter the
 * log-probability and the entropy: inactive ones do not affect the reward.
 */
import { geneDefault } from '../../lib/space/gene.js';
import type { Genome } from '../../lib/space/genome.js';
import type { SearchSpace } from '../../lib/space/search-space.js';
import { HwnasError } from '../../lib/errors.js';

/** Tokens of one genome with the positions that count. */
export interface TokenSequence {
  readonly tokens: readonly number[];
  readonly active: readonly boolean[];
}

/** Token positions, vocabularies and activity of a space. */
export class TokenView {
  /** Vocabulary size per position (= per gene). */
  readonly vocabularies: readonly number[];
  /** Token of each gene's canonical default (what an inactive position holds). */
  readonly defaultTokens: readonly number[];
  private readonly conditional: readonly boolean[];

  constructor(readonly space: SearchSpace) {
    this.vocabularies = space.vocabularies();
    const defaults = Object.fromEntries(space.genes.map((g) => [g.name, geneDefault(g)]));
    this.defaultTokens = space.toTokens(defaults);
    this.conditional = space.genes.map((g) => g.when !== undefined);
  }

  /** Number of positions. */
  get length(): number {
    return this.vocabularies.length;
  }

  /**
   * Whether position `i` is active given the tokens of positions before it. A `when` condition always refers to an
   * earlier gene, so the prefix decides it; the rest is padded with defaults and read through the space.
   */
  activeAt(prefix: readonly number[], i: number): boolean {
    if (!this.conditional[i]) return true;
    const padded = prefix.slice(0, i).concat(this.defaultTokens.slice(i));
    return this.space.isActive(this.space.fromTokens(padded), this.space.genes[i]);
  }

  /** The canonical token sequence of `genome` and its active positions (throws for a genome not of this space). */
  ofGenome(genome: Genome): TokenSequence {
    const issues = this.space.validate(genome);
    if (issues.length > 0) {
      throw new HwnasError(
        'STRATEGY_FOREIGN_GENOME',
        `reinforce: a told genome does not fit space "${this.space.name}": ${issues.map((x) => `${x.path} ${x.message}`).join('; ')}`,
      );
    }
    const canonical = this.space.canonical(genome);
    return {
      tokens: this.space.toTokens(canonical),
      active: this.space.genes.map((g) => this.space.isActive(canonical, g)),
    };
  }

  /** The (canonical) genome of a token sequence. */
  toGenome(tokens: readonly number[]): Genome {
    return this.space.fromTokens(tokens);
  }
}
