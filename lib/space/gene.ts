/**
 * Gene declarations: the closed set of gene kinds a search space is made of.
 * A space is data; everything else (validation, sampling, variation, views) derives from these.
 */

/** The groups a gene belongs to: what it encodes. */
export type GeneGroup = 'arch' | 'quant' | 'hw';

/** A gene value as stored in a genome. */
export type GeneValue = number | string | boolean;

/** A gene is active only when another (integer-valued) gene is at least `min`, e.g. layer 5's genes when depth ≥ 5. */
export interface ActiveWhen {
  readonly gene: string;
  readonly min: number;
}

interface GeneBase {
  /** Unique name; also the key in the genome object, e.g. `L3.filters`. */
  readonly name: string;
  readonly group: GeneGroup;
  /** Conditional gene: ignored by decoders and canonicalised away by key() when inactive. */
  readonly when?: ActiveWhen;
  /** Value used for an inactive gene in canonical form (defaults to the lowest value). */
  readonly default?: GeneValue;
}

/** An integer in [min, max] (ordinal: variation treats it as a number). */
export interface IntGene extends GeneBase {
  readonly kind: 'int';
  readonly min: number;
  readonly max: number;
}

/** A bit count in [min, max] (ordinal, like int; marks quantization widths so tools can find them). */
export interface BitsGene extends GeneBase {
  readonly kind: 'bits';
  readonly min: number;
  readonly max: number;
}

/** A real number in [min, max]; the token view discretises it into `bins` levels. */
export interface RealGene extends GeneBase {
  readonly kind: 'real';
  readonly min: number;
  readonly max: number;
  /** Levels in the token view (default 32). */
  readonly bins?: number;
}

/** One of a list of values (categorical: variation resamples, never interpolates). */
export interface ChoiceGene extends GeneBase {
  readonly kind: 'choice';
  /** Booleans are allowed so any gene can be pinned to one value (see restrictSpace). */
  readonly choices: readonly (number | string | boolean)[];
}

/** A yes/no switch, e.g. pooling after a layer. */
export interface BoolGene extends GeneBase {
  readonly kind: 'bool';
}

/** Any gene. */
export type Gene = IntGene | BitsGene | RealGene | ChoiceGene | BoolGene;

/** The kinds, as a closed union. */
export type GeneKind = Gene['kind'];

/** True for genes variation treats as numbers (SBX, polynomial mutation). */
export function isNumericGene(g: Gene): g is IntGene | BitsGene | RealGene {
  return g.kind === 'int' || g.kind === 'bits' || g.kind === 'real';
}

/** Numeric bounds of a gene in the vector view. */
export function geneBounds(g: Gene): [number, number] {
  switch (g.kind) {
    case 'int':
    case 'bits':
    case 'real':
      return [g.min, g.max];
    case 'choice':
      return [0, g.choices.length - 1];
    case 'bool':
      return [0, 1];
  }
}

/** Number of tokens of a gene in the token view (vocabulary size of its softmax step). */
export function geneVocabulary(g: Gene): number {
  switch (g.kind) {
    case 'int':
    case 'bits':
      return g.max - g.min + 1;
    case 'real':
      return g.bins ?? 32;
    case 'choice':
      return g.choices.length;
    case 'bool':
      return 2;
  }
}

/** The lowest value of a gene: the canonical filler for inactive genes. */
export function geneDefault(g: Gene): GeneValue {
  if (g.default !== undefined) return g.default;
  switch (g.kind) {
    case 'int':
    case 'bits':
    case 'real':
      return g.min;
    case 'choice':
      return g.choices[0];
    case 'bool':
      return false;
  }
}

/**
 * What the genome operators (genome.ts, variation.ts, views.ts) need of a space: its genes and which are
 * active. SearchSpace implements it; the operators depend on this, not on the class, so nothing circles back.
 */
export interface GeneSet {
  readonly name: string;
  readonly genes: readonly Gene[];
  /** Whether the space declares a gene of this name. */
  has(name: string): boolean;
  /** Whether gene `g` is active in `genome` (its `when` condition holds). */
  isActive(genome: Readonly<Record<string, GeneValue>>, g: Gene): boolean;
}
