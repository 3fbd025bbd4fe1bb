/**
 * Constraint violations: the one function that turns metrics and constraints into normalised excesses, and
 * Deb's total violation over them. Evaluators, hardware models and problems all call these.
 */
import type { Constraint, Objective } from './types.js';

/** Normalised violation of each constraint for `metrics`; a missing metric counts as violated by 1. */
export function constraintViolations(
  constraints: readonly Constraint[],
  metrics: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of constraints) {
    const v = metrics[c.metric];
    if (v === undefined || !Number.isFinite(v)) {
      out[c.metric] = 1;
      continue;
    }
    let excess = -Infinity;
    if (c.max !== undefined) excess = Math.max(excess, (v - c.max) / Math.max(Math.abs(c.max), 1e-12));
    if (c.min !== undefined) excess = Math.max(excess, (c.min - v) / Math.max(Math.abs(c.min), 1e-12));
    out[c.metric] = excess === -Infinity ? 0 : excess;
  }
  return out;
}

/** Sum of the positive violations: 0 for a design that meets every constraint (Deb's constraint violation). */
export function totalViolation(violations: Readonly<Record<string, number>> | undefined): number {
  let s = 0;
  for (const v of Object.values(violations ?? {})) if (v > 0) s += v;
  return s;
}

/** The violated constraints in words, tightest first: `luts off by 12.5%, throughput off by 3.0%`. */
export function describeViolations(violations: Readonly<Record<string, number>> | undefined): string {
  return Object.entries(violations ?? {})
    .filter(([, x]) => x > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, x]) => `${k} off by ${(x * 100).toFixed(1)}%`)
    .join(', ');
}

/** A constraint in words: `luts ≤ 10000`, `throughput ≥ 1000`. */
export function describeConstraint(c: Constraint): string {
  const parts: string[] = [];
  if (c.min !== undefined) parts.push(`${c.metric} ≥ ${c.min}`);
  if (c.max !== undefined) parts.push(`${c.metric} ≤ ${c.max}`);
  return parts.join(' and ') || `${c.metric} (unbounded)`;
}

/** Objective values in minimisation form (maximised metrics negated); NaN where a metric is missing. */
export function minimisedObjectives(t: { metrics?: Readonly<Record<string, number>> }, objectives: readonly Objective[]): number[] {
  return objectives.map((o) => {
    const v = t.metrics?.[o.metric];
    if (v === undefined) return NaN;
    return o.direction === 'minimize' ? v : -v;
  });
}
