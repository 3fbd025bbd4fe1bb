/**
 * Validation at the edge: zod schemas turned into hwnas Issues (every issue, each with its path) and
 * ConfigErrors, so all user input fails the same way.
 */
import type { z } from 'zod';
import { ConfigError, type Issue } from './errors.js';

/** Issues of a failed zod parse, with paths prefixed by `prefix`. */
export function zodIssues(error: z.ZodError, prefix: string): Issue[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter((s) => s !== '').join('.') || prefix || '(root)',
    message: i.message,
  }));
}

/** Parses `input` with `schema` or throws a ConfigError listing every issue under `prefix`. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix: string, context?: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ConfigError(zodIssues(r.error, prefix), context ?? `invalid ${prefix || 'input'}`);
  return r.data;
}
