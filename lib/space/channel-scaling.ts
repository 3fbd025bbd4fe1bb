/**
 * Dynamic channel scaling (HSCoNAS, Luo et al. DATE 2021; MODELS-ACCELERATORS.md §3.3): given a genome and a
 * latency target, the widest channel widths that meet it — a repair step any strategy can apply to a
 * candidate before it is evaluated. Two modes:
 *  - `uniform`: every channel gene moves by the same number of steps along its (sorted) choices, so the
 *    genome's own width profile is kept; the largest shift whose latency meets the target wins;
 *  - `per-layer`: HSCoNAS's greedy over layers: from the widest widths, narrow one layer by one step at a time
 *    — the step that saves the most latency per channel removed — until the target is met, then widen
 *    layers while the slack allows (the step that costs the least latency per channel added), so the
 *    latency budget is filled.
 * Widths are a proxy for accuracy here (wider never hurts in a proxy-trained CNN of this size); latency is
 * whatever the caller measures or predicts (a {@link LatencyFn}), assumed to grow with width.
 */
import { HwnasError } from '../errors.js';
import type { Gene } from './gene.js';
import type { Genome } from './genome.js';
import type { SearchSpace } from './search-space.js';

/** Latency of a genome, ms (a hardware model's predictor; Infinity when no design exists). */
export type LatencyFn = (genome: Genome) => number;

/** Options of {@link scaleChannels}. */
export interface ChannelScalingOptions {
  readonly targetMs: number;
  readonly latencyMs: LatencyFn;
  /** `uniform` (default) or `per-layer`. */
  readonly mode?: 'uniform' | 'per-layer';
  /** Channel genes; default: every choice gene with numeric choices named `*.filters` or `*.channels`. */
  readonly genes?: readonly string[];
}

/** What scaling did. */
export interface ChannelScalingResult {
  readonly genome: Genome;
  readonly latencyMs: number;
  /** Whether the result meets the target (false: even the narrowest widths miss it; the narrowest is returned). */
  readonly feasible: boolean;
  /** Latency evaluations spent. */
  readonly evaluations: number;
  /** Whether any width changed. */
  readonly changed: boolean;
}

/** The channel genes of a space (numeric choice genes named `*.filters` / `*.channels`). */
export function channelGenes(space: SearchSpace): string[] {
  return space.genes
    .filter((g) => g.kind === 'choice' && /\.(filters|channels)$/.test(g.name) && g.choices.every((c) => typeof c === 'number'))
    .map((g) => g.name);
}

interface Ladder {
  readonly name: string;
  /** Choices sorted ascending. */
  readonly steps: readonly number[];
}

function laddersOf(space: SearchSpace, genome: Genome, names: readonly string[]): Ladder[] {
  const out: Ladder[] = [];
  for (const name of names) {
    const g: Gene = space.gene(name);
    if (g.kind !== 'choice' || !g.choices.every((c) => typeof c === 'number')) {
      throw new HwnasError('SPACE_CHANNEL_GENE', `gene "${name}" of space "${space.name}" is not a numeric choice gene; channel scaling needs one`);
    }
    if (!space.isActive(genome, g)) continue;
    out.push({ name, steps: [...(g.choices as number[])].sort((a, b) => a - b) });
  }
  return out;
}

/** Scales the channels of `genome` to the widest widths meeting `targetMs` (see the module comment). */
export function scaleChannels(space: SearchSpace, genome: Genome, o: ChannelScalingOptions): ChannelScalingResult {
  if (!(o.targetMs > 0)) throw new HwnasError('SPACE_CHANNEL_TARGET', `channel scaling needs a latency target > 0, got ${o.targetMs}`);
  const ladders = laddersOf(space, genome, o.genes ?? channelGenes(space));
  let evaluations = 0;
  const cache = new Map<string, number>();
  const build = (idx: readonly number[]): Genome => {
    const g: Record<string, unknown> = { ...genome };
    ladders.forEach((l, i) => (g[l.name] = l.steps[idx[i]]));
    return space.canonical(g as Genome);
  };
  const lat = (idx: readonly number[]): number => {
    const k = idx.join(',');
    const hit = cache.get(k);
    if (hit !== undefined) return hit;
    evaluations++;
    const v = o.latencyMs(build(idx));
    cache.set(k, v);
    return v;
  };
  const original = ladders.map((l) => l.steps.indexOf(genome[l.name] as number));
  const done = (idx: readonly number[]): ChannelScalingResult => {
    const ms = lat(idx);
    return { genome: build(idx), latencyMs: ms, feasible: ms <= o.targetMs, evaluations, changed: idx.some((v, i) => v !== original[i]) };
  };
  if (ladders.length === 0) return done(original);
  if ((o.mode ?? 'uniform') === 'uniform') {
    // Shifts from the widest (every gene at its top) down to the narrowest; the first that fits is the widest.
    const up = Math.max(...ladders.map((l, i) => l.steps.length - 1 - original[i]));
    const down = Math.max(...original);
    const shifted = (d: number): number[] => original.map((v, i) => Math.min(ladders[i].steps.length - 1, Math.max(0, v + d)));
    for (let d = up; d >= -down; d--) if (lat(shifted(d)) <= o.targetMs) return done(shifted(d));
    return done(shifted(-down));
  }
  // per-layer greedy.
  const idx = ladders.map((l) => l.steps.length - 1);
  let cur = lat(idx);
  while (cur > o.targetMs) {
    let best: { i: number; score: number; ms: number } | null = null;
    for (let i = 0; i < idx.length; i++) {
      if (idx[i] === 0) continue;
      const next = idx.slice();
      next[i]--;
      const ms = lat(next);
      const score = (cur - ms) / (ladders[i].steps[idx[i]] - ladders[i].steps[idx[i] - 1]);
      if (!best || score > best.score) best = { i, score, ms };
    }
    if (!best) return done(idx);
    idx[best.i]--;
    cur = best.ms;
  }
  // Fill the slack: widen the cheapest layer per channel while the target still holds.
  for (;;) {
    let best: { i: number; score: number; ms: number } | null = null;
    for (let i = 0; i < idx.length; i++) {
      if (idx[i] === ladders[i].steps.length - 1) continue;
      const next = idx.slice();
      next[i]++;
      const ms = lat(next);
      if (ms > o.targetMs) continue;
      const score = (ms - cur) / (ladders[i].steps[idx[i] + 1] - ladders[i].steps[idx[i]]);
      if (!best || score < best.score) best = { i, score, ms };
    }
    if (!best) break;
    idx[best.i]++;
    cur = best.ms;
  }
  return done(idx);
}
