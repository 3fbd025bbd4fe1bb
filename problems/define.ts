/**
 * Users' own problems defined in code: `defineProblem({ space, objectives, constraints, evaluate })` checks the
 * definition at the edge (every issue with its path) and returns a Problem that `hwnas search --problem-file`,
 * the Study and every strategy run like the built-in ones.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ConfigError, type Issue } from '../lib/errors.js';
import type { HypervolumeSpec } from '../lib/pareto.js';
import type { Genome } from '../lib/space/genome.js';
import { SearchSpace, validateSpaceDeclaration, type SpaceDeclaration } from '../lib/space/search-space.js';
import type { Constraint, Objective } from '../lib/trial/index.js';
import { zodIssues } from '../lib/validate.js';
import type { Problem, ProblemSource } from './problem.js';

/** What a user writes: genes may leave out `group` (default `arch`), the space its `meta`. */
export interface ProblemDefinition {
  readonly name?: string;
  readonly space: SearchSpace | (Omit<SpaceDeclaration, 'genes' | 'meta'> & { readonly genes: readonly unknown[]; readonly meta?: SpaceDeclaration['meta'] });
  readonly objectives: readonly Objective[];
  readonly constraints?: readonly Constraint[];
  /** Hypervolume normalisation of the summary; without it the summary reports none. */
  readonly hypervolume?: HypervolumeSpec | null;
  /** Metrics of a genome by name (every objective and constrained metric), sync or async. */
  readonly evaluate: (genome: Genome) => Record<string, number> | Promise<Record<string, number>>;
}

const directionSchema = z.enum(['minimize', 'maximize'], { error: 'must be "minimize" or "maximize"' });
const definitionSchema = z
  .object({
    name: z.string().min(1).regex(/^[\w.:-]+$/, 'may hold letters, digits and . _ : - only').optional(),
    space: z.unknown(),
    objectives: z.array(z.object({ metric: z.string().min(1), direction: directionSchema }).strict()).min(1, 'needs at least one objective'),
    constraints: z
      .array(
        z
          .object({ metric: z.string().min(1), max: z.number().optional(), min: z.number().optional() })
          .strict()
          .refine((c) => c.max !== undefined || c.min !== undefined, 'needs max, min or both'),
      )
      .default([]),
    hypervolume: z
      .object({ reference: z.array(z.number()), ideal: z.array(z.number()).optional(), nadir: z.array(z.number()).optional() })
      .strict()
      .nullable()
      .default(null),
    evaluate: z.custom<ProblemDefinition['evaluate']>((f) => typeof f === 'function', 'must be a function (genome) => metrics'),
  })
  .strict();

function spaceOf(raw: unknown, name: string, issues: Issue[]): SearchSpace | null {
  if (raw instanceof SearchSpace) return raw;
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { genes?: unknown }).genes)) {
    issues.push({ path: 'problem.space', message: 'must be a SearchSpace or { genes: [...] }' });
    return null;
  }
  const r = raw as { name?: string; genes: Record<string, unknown>[]; meta?: SpaceDeclaration['meta']; constraints?: SpaceDeclaration['constraints'] };
  const decl = {
    ...r,
    name: r.name ?? name,
    genes: r.genes.map((g) => ({ group: 'arch', ...g })),
    meta: r.meta ?? { family: 'vector' },
  } as unknown as SpaceDeclaration;
  const found = validateSpaceDeclaration(decl);
  if (found.length > 0) {
    issues.push(...found.map((i) => ({ path: `problem.${i.path}`, message: i.message })));
    return null;
  }
  return new SearchSpace(decl);
}

/** Checks a problem definition and returns the Problem (a ConfigError lists every issue with its path). */
export function defineProblem(def: ProblemDefinition): Problem {
  const issues: Issue[] = [];
  if (typeof def !== 'object' || def === null) throw new ConfigError([{ path: 'problem', message: 'must be an object { space, objectives, evaluate }' }], 'invalid problem');
  const r = definitionSchema.safeParse(def);
  if (!r.success) issues.push(...zodIssues(r.error, 'problem'));
  const name = r.success ? (r.data.name ?? 'custom') : 'custom';
  const space = spaceOf(def.space, name, issues);
  if (r.success && r.data.hypervolume) {
    const n = r.data.objectives.length;
    for (const k of ['reference', 'ideal', 'nadir'] as const) {
      const v = r.data.hypervolume[k];
      if (v !== undefined && v.length !== n) issues.push({ path: `problem.hypervolume.${k}`, message: `needs ${n} values (one per objective), got ${v.length}` });
    }
  }
  if (issues.length > 0 || !r.success || !space) throw new ConfigError(issues, 'invalid problem');
  return {
    name,
    space,
    objectives: r.data.objectives,
    constraints: r.data.constraints,
    hypervolume: r.data.hypervolume,
    evaluate: r.data.evaluate,
  };
}

/** sha256 of a file's bytes, 16 hex digits: recorded in a run so a resumed run can tell the file changed. */
export function fileDigest(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16);
}

/**
 * Loads a problem module (`--problem-file my-problem.mjs`): its default export (or an export named `problem`)
 * is a Problem from {@link defineProblem} or a plain definition.
 */
export async function loadProblemFile(file: string, pathLabel = 'problemFile'): Promise<Problem> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) throw new ConfigError([{ path: pathLabel, message: `${file} is not a file` }], 'invalid problem');
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError([{ path: pathLabel, message: `${file} cannot be loaded: ${(err as Error).message}` }], 'invalid problem');
  }
  const exported = (mod.default ?? mod.problem) as ProblemDefinition | Problem | undefined;
  if (!exported) throw new ConfigError([{ path: pathLabel, message: `${file} exports no problem (export default defineProblem({...}))` }], 'invalid problem');
  const problem = exported instanceof Object && 'space' in exported && exported.space instanceof SearchSpace && 'name' in exported && typeof exported.name === 'string' && Array.isArray(exported.constraints) && 'hypervolume' in exported
    ? (exported as Problem)
    : defineProblem(exported as ProblemDefinition);
  const source: ProblemSource = { kind: 'module', file: abs, digest: fileDigest(abs) };
  return { ...problem, evaluate: problem.evaluate.bind(problem), source };
}
