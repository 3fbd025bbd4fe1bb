/**
 * Known constraints: relations between genes that are known before any evaluation (a tile fits its buffer,
 * PEs × word width stay within the area budget), declared as data on the space. The space's sample, mutate,
 * crossover, fromVector and fromTokens only return genomes that satisfy them (rejection first, then a
 * deterministic greedy repair), so no strategy ever spends an evaluation on such an invalid design.
 *
 * A constraint reads Σ lhs ≤ Σ rhs where each term is coef × Π gene values (int, bits and real genes as
 * themselves, numeric choices as their value, bools as 0/1). A constraint naming an inactive gene does not apply.
 */
import type { Issue } from '../errors.js';
import type { Gene, GeneValue } from './gene.js';
import type { Genome } from './genome.js';

/** coef × the product of the named genes' values (an empty product is 1). */
export interface ConstraintTerm {
  readonly coef?: number;
  readonly genes?: readonly string[];
}

/** Σ lhs ≤ Σ rhs (or ≤ a number). */
export interface KnownConstraint {
  readonly name: string;
  readonly lhs: readonly ConstraintTerm[];
  readonly rhs: readonly ConstraintTerm[] | number;
  /** Why it holds, for reports. */
  readonly why?: string;
}

/** Whether gene `g` has numeric values a constraint can multiply. */
function numericGene(g: Gene): boolean {
  if (g.kind === 'choice') return g.choices.every((c) => typeof c === 'number' || typeof c === 'boolean');
  return true;
}

const asNumber = (v: GeneValue): number => (typeof v === 'boolean' ? (v ? 1 : 0) : (v as number));

function termsOf(c: KnownConstraint): { lhs: readonly ConstraintTerm[]; rhs: readonly ConstraintTerm[] } {
  return { lhs: c.lhs, rhs: typeof c.rhs === 'number' ? [{ coef: c.rhs }] : c.rhs };
}

/** Every issue of the constraint declarations against the genes. */
export function validateKnownConstraints(constraints: readonly KnownConstraint[], genes: readonly Gene[]): Issue[] {
  const issues: Issue[] = [];
  const byName = new Map(genes.map((g) => [g.name, g]));
  const names = new Set<string>();
  constraints.forEach((c, i) => {
    const path = `space.constraints[${i}]${c.name ? ` (${c.name})` : ''}`;
    if (!c.name) issues.push({ path, message: 'constraint needs a name' });
    if (names.has(c.name)) issues.push({ path, message: `duplicate constraint name "${c.name}"` });
    names.add(c.name);
    if (!Array.isArray(c.lhs) || c.lhs.length === 0) issues.push({ path: `${path}.lhs`, message: 'must list at least one term' });
    if (typeof c.rhs === 'number' ? !Number.isFinite(c.rhs) : !Array.isArray(c.rhs)) {
      issues.push({ path: `${path}.rhs`, message: 'must be a finite number or a list of terms' });
    }
    const { lhs, rhs } = termsOf(c);
    for (const [side, terms] of [['lhs', lhs], ['rhs', rhs]] as const) {
      (Array.isArray(terms) ? terms : []).forEach((t, k) => {
        if (t.coef !== undefined && !Number.isFinite(t.coef)) issues.push({ path: `${path}.${side}[${k}].coef`, message: `must be finite, got ${t.coef}` });
        for (const name of t.genes ?? []) {
          const g = byName.get(name);
          if (!g) issues.push({ path: `${path}.${side}[${k}].genes`, message: `"${name}" is not a gene of the space` });
          else if (!numericGene(g)) issues.push({ path: `${path}.${side}[${k}].genes`, message: `gene "${name}" has non-numeric values` });
        }
      });
    }
  });
  return issues;
}

/** Evaluates constraints on genomes of one space. */
export class ConstraintChecker {
  private readonly byName: ReadonlyMap<string, Gene>;

  constructor(
    readonly constraints: readonly KnownConstraint[],
    genes: readonly Gene[],
    private readonly isActive: (genome: Genome, g: Gene) => boolean,
  ) {
    this.byName = new Map(genes.map((g) => [g.name, g]));
  }

  /** Whether the space declares any constraint. */
  get empty(): boolean {
    return this.constraints.length === 0;
  }

  private sum(terms: readonly ConstraintTerm[], genome: Genome): number {
    let s = 0;
    for (const t of terms) {
      let p = t.coef ?? 1;
      for (const name of t.genes ?? []) p *= asNumber(genome[name]);
      s += p;
    }
    return s;
  }

  /** Whether constraint `c` applies to `genome` (every gene it names is active). */
  applies(c: KnownConstraint, genome: Genome): boolean {
    const { lhs, rhs } = termsOf(c);
    for (const t of [...lhs, ...rhs]) for (const name of t.genes ?? []) if (!this.isActive(genome, this.byName.get(name)!)) return false;
    return true;
  }

  /** Relative excess of `c` on `genome`: ≤ 0 satisfied (0 when it does not apply). */
  excess(c: KnownConstraint, genome: Genome): number {
    if (!this.applies(c, genome)) return 0;
    const { lhs, rhs } = termsOf(c);
    const l = this.sum(lhs, genome);
    const r = this.sum(rhs, genome);
    return (l - r) / Math.max(Math.abs(r), 1e-12);
  }

  /** Sum of the positive excesses (0 = valid). */
  violation(genome: Genome): number {
    let v = 0;
    for (const c of this.constraints) {
      const e = this.excess(c, genome);
      if (e > 1e-12) v += e;
    }
    return v;
  }

  /** Whether every constraint holds. */
  satisfied(genome: Genome): boolean {
    return this.empty || this.violation(genome) === 0;
  }

  /** One issue per violated constraint. */
  issues(genome: Genome): Issue[] {
    const out: Issue[] = [];
    for (const c of this.constraints) {
      const e = this.excess(c, genome);
      if (e > 1e-12) {
        const { lhs, rhs } = termsOf(c);
        out.push({
          path: 'genome',
          message: `violates known constraint "${c.name}": ${this.sum(lhs, genome)} > ${this.sum(rhs, genome)}${c.why ? ` (${c.why})` : ''}`,
        });
      }
    }
    return out;
  }

  /** The neighbouring values of a gene one step down and one step up (numeric order). */
  private steps(g: Gene, v: GeneValue): GeneValue[] {
    switch (g.kind) {
      case 'int':
      case 'bits': {
        const out: number[] = [];
        if ((v as number) > g.min) out.push((v as number) - 1);
        if ((v as number) < g.max) out.push((v as number) + 1);
        return out;
      }
      case 'real': {
        const d = (g.max - g.min) / (g.bins ?? 32);
        return [Math.max(g.min, (v as number) - d), Math.min(g.max, (v as number) + d)].filter((x) => x !== v);
      }
      case 'bool':
        return [!v];
      case 'choice': {
        const sorted = [...g.choices].sort((a, b) => asNumber(a as GeneValue) - asNumber(b as GeneValue));
        const i = sorted.indexOf(v as number | string | boolean);
        return [sorted[i - 1], sorted[i + 1]].filter((x) => x !== undefined) as GeneValue[];
      }
    }
  }

  /**
   * A deterministic greedy repair: while some constraint is violated, take the single-step move of a gene named
   * by a violated constraint that lowers the total violation most (ties: declaration order). Null when stuck.
   */
  repair(genome: Genome, canonical: (g: Genome) => Genome, maxSteps = 256): Genome | null {
    let cur = genome;
    let v = this.violation(cur);
    for (let step = 0; step < maxSteps && v > 0; step++) {
      const names: string[] = [];
      for (const c of this.constraints) {
        if (this.excess(c, cur) <= 1e-12) continue;
        const { lhs, rhs } = termsOf(c);
        for (const t of [...lhs, ...rhs]) for (const n of t.genes ?? []) if (!names.includes(n)) names.push(n);
      }
      let best: Genome | null = null;
      let bestV = v;
      for (const n of names) {
        for (const nv of this.steps(this.byName.get(n)!, cur[n])) {
          const cand = canonical({ ...cur, [n]: nv });
          const cv = this.violation(cand);
          if (cv < bestV) {
            best = cand;
            bestV = cv;
          }
        }
      }
      if (!best) return null;
      cur = best;
      v = bestV;
    }
    return v === 0 ? cur : null;
  }
}
