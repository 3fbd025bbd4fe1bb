/**
 * Restricted spaces: the same genes with some pinned to one value. The separate-search baselines use them
 * (quantization search on a fixed architecture); every decoder still works because gene names are unchanged.
 */
import { geneValueIssue, type Genome } from './genome.js';
import type { Gene, GeneValue } from './gene.js';
import { SearchSpace } from './search-space.js';
import { ConfigError, type Issue } from '../errors.js';

/** `space` with each gene in `fixed` pinned to its value (a one-value choice gene); `name` names the result. */
export function restrictSpace(space: SearchSpace, fixed: Readonly<Record<string, GeneValue>>, name: string): SearchSpace {
  const issues: Issue[] = [];
  for (const [k, v] of Object.entries(fixed)) {
    if (!space.has(k)) issues.push({ path: `fixed.${k}`, message: `is not a gene of space "${space.name}"` });
    else {
      const problem = geneValueIssue(space.gene(k), v);
      if (problem) issues.push({ path: `fixed.${k}`, message: problem });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, `cannot restrict space "${space.name}"`);
  const genes: Gene[] = space.genes.map((g): Gene => {
    if (!Object.hasOwn(fixed, g.name)) return g;
    const v = fixed[g.name];
    // Ordinal genes keep their kind (other genes' `when` may refer to them); the rest become one-value choices.
    if (g.kind === 'int' || g.kind === 'bits') return { ...g, min: v as number, max: v as number };
    return { name: g.name, group: g.group, kind: 'choice', choices: [v], ...(g.when ? { when: g.when } : {}) };
  });
  return new SearchSpace({ name, genes, meta: { ...space.meta, restrictedFrom: space.name }, constraints: space.constraints });
}

/** The genes of `group` in `genome` (e.g. the architecture part), as a plain record. */
export function genesOfGroup(space: SearchSpace, genome: Genome, group: Gene['group']): Record<string, GeneValue> {
  const out: Record<string, GeneValue> = {};
  for (const g of space.genesOf(group)) out[g.name] = genome[g.name];
  return out;
}
