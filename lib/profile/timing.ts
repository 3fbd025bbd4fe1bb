/**
 * Timing ONNX graphs in onnxruntime-node on this CPU: sessions with a fixed number of intra-op threads, a
 * warm-up, then repeated single-image runs **interleaved round-robin** over a chunk of graphs, so a burst of
 * load from other processes (the machine may be shared) spreads over every graph of the chunk instead of
 * landing on one; each graph's figure is the **minimum** of its repeats by default: interference from other
 * processes only ever adds time, so the minimum is the standard robust estimator of the intrinsic latency under
 * contention (measured here, load average ≈ 6–14 on 2 cores: two independent passes over the same 40–400 networks
 * agreed within ±10 % for 95–96 % of them with the minimum of 101 repeats, 25–78 % with the median). One run per
 * sample: the networks take ≥ 30 µs and `process.hrtime` resolves nanoseconds.
 */
import * as ort from 'onnxruntime-node';
import { leastSquares, median, quantile } from '../../hardware/predictor/fit.js';
import type { TimedGraphSpec } from './graphs.js';
import { INPUT_NAME } from '../onnx/export.js';

/** Timing settings. */
export interface TimingOptions {
  /** Intra-op threads of each session (default 1). */
  readonly threads: number;
  /** Untimed runs per graph before timing. */
  readonly warmup: number;
  /** Timed runs per graph (the minimum is kept by default). */
  readonly repeats: number;
  /**
   * The figure kept of the repeats: `min` (the default), `q10`, `q25` — on a machine shared with other jobs
   * these estimate the undisturbed time (interference only ever adds time) — or `median`.
   */
  readonly statistic?: TimingStatistic;
  /**
   * Reference graphs timed at the start of every chunk, interleaved with it: each result then carries the
   * geometric mean of the references' figures in its chunk, the machine's speed at that moment (see
   * {@link normalise}).
   */
  readonly reference?: readonly TimedGraphSpec[];
  /** Graphs whose sessions are open and interleaved at once. */
  readonly chunk?: number;
  /** Called after each graph is done (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** Which figure of the repeats is kept. */
export type TimingStatistic = 'median' | 'min' | 'q10' | 'q25';

/** The figure `statistic` of `samples`. */
export function statisticOf(samples: readonly number[], statistic: TimingStatistic = 'min'): number {
  switch (statistic) {
    case 'median':
      return median(samples);
    case 'min':
      return Math.min(...samples);
    case 'q10':
      return quantile(samples, 0.1);
    case 'q25':
      return quantile(samples, 0.25);
  }
}

/** One graph's timing. */
export interface GraphTiming {
  readonly key: string;
  /** The chosen statistic of the repeats (minimum by default), ms. */
  readonly ms: number;
  /** (q75 − q25) / median of the repeats. */
  readonly spread: number;
  readonly samples: readonly number[];
  /** Geometric mean of the reference graphs' figures in the same chunk, ms (when references were given). */
  readonly referenceMs?: number;
  /** Each reference graph's figure in the same chunk, ms. */
  readonly references?: readonly number[];
}

/**
 * A timing at another load level: mapped through the line from the reference graphs' levels to their figures in the
 * timing's chunk ({@link affineNormalise}); when no usable line fits, divided by the median over the reference
 * graphs of (their figure / their level), so one reference caught in a burst does not move the whole chunk
 * (measured: a first chunk whose first reference ran 3.7× slower than its level while the networks ran 1.1× slower).
 * With a single number (the geometric-mean level) the older form `ms × levelMs / referenceMs`. On a shared machine everything slows down
 * together while other jobs run (measured here: two passes over the same 40 networks agreed within ±10 % for
 * 25 % of them raw, 90 % after this normalisation; with a steadier load another time, 69 % raw and 46 %
 * normalised — so the validation reports both), so times taken at different moments are compared at the
 * level of the predictor's profile.
 */
export function normalise(t: GraphTiming, level: number | readonly number[]): number {
  if (typeof level !== 'number') {
    if (!t.references || t.references.length !== level.length) return t.ms;
    return affineNormalise(t.ms, t.references, level) ?? t.ms / median(t.references.map((r, i) => r / level[i]));
  }
  return t.referenceMs ? (t.ms * level) / t.referenceMs : t.ms;
}

/**
 * `ms` at the load level of `levels`, by the line `now = a · level + b` through the reference panel (weighted least
 * squares on the relative error, then once more without the panel member furthest off it, so one reference caught in
 * a burst does not tilt the line); null when the panel is too small or the line is not usable (a ≤ 0, a result ≤ 0).
 * Why a line and not a ratio: the machine's slowdowns are partly a fixed cost per session run. Measured here on an
 * idle 2-core VM (load < 1), the first pass of a fresh process ran every graph slower by ≈ 13 µs + 14 % (networks of
 * 38 µs: +47 %, of 137 µs: +23 %), which one ratio cannot undo: the same 100 networks measured twice agreed within
 * ±10 % for 60–68 % of them normalised by the ratio, 91–95 % by the line (issue 14).
 */
export function affineNormalise(ms: number, references: readonly number[], levels: readonly number[]): number | null {
  if (references.length < 4 || references.length !== levels.length) return null;
  const fit = (idx: readonly number[]): [number, number] | null => {
    const c = leastSquares(idx.map((i) => [levels[i], 1]), idx.map((i) => references[i]), idx.map((i) => 1 / references[i] ** 2));
    return c && c.every(Number.isFinite) && c[0] > 0 ? [c[0], c[1]] : null;
  };
  const all = references.map((_, i) => i);
  const first = fit(all);
  if (!first) return null;
  const off = all.map((i) => Math.abs((first[0] * levels[i] + first[1]) / references[i] - 1));
  const worst = off.indexOf(Math.max(...off));
  const line = fit(all.filter((i) => i !== worst)) ?? first;
  const out = (ms - line[1]) / line[0];
  return Number.isFinite(out) && out > 0 ? out : null;
}

/** The onnxruntime-node version (from its package). */
export async function ortVersion(): Promise<string> {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  return (require('onnxruntime-node/package.json') as { version: string }).version;
}

function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  // Sequential execution, no inter-op pool: a chain of small layers, timed the way `hwnas export`'s models run.
  return { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
}

/** Times every graph (see the module comment); results in the order given. */
export async function timeGraphs(graphs: readonly TimedGraphSpec[], o: TimingOptions): Promise<GraphTiming[]> {
  const chunk = Math.max(1, o.chunk ?? 24);
  const out: GraphTiming[] = [];
  for (let start = 0; start < graphs.length; start += chunk) {
    o.signal?.throwIfAborted();
    const own = graphs.slice(start, start + chunk);
    const refs = o.reference ?? [];
    const part = [...refs, ...own];
    const sessions = await Promise.all(part.map((g) => ort.InferenceSession.create(g.bytes, sessionOptions(o.threads))));
    const feeds = part.map((g) => {
      const n = g.inputShape.reduce((a, b) => a * b, 1);
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = ((i * 7919) % 255) / 255;
      return { [INPUT_NAME]: new ort.Tensor('float32', x, g.inputShape as number[]) };
    });
    try {
      // The references get a longer warm-up: the first chunk of a process otherwise times them cold.
      for (let i = 0; i < part.length; i++) for (let r = 0; r < (i < refs.length ? Math.max(o.warmup, 30) : o.warmup); r++) await sessions[i].run(feeds[i]);
      const samples = part.map(() => [] as number[]);
      for (let r = 0; r < o.repeats; r++) {
        o.signal?.throwIfAborted();
        for (let i = 0; i < part.length; i++) {
          const t0 = process.hrtime.bigint();
          await sessions[i].run(feeds[i]);
          samples[i].push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }
      const refFigures = refs.map((_, i) => statisticOf(samples[i], o.statistic));
      const refMs = refs.length ? Math.exp(refFigures.reduce((a, x) => a + Math.log(x), 0) / refs.length) : undefined;
      own.forEach((g, j) => {
        const i = refs.length + j;
        const m = median(samples[i]);
        const ms = statisticOf(samples[i], o.statistic);
        out.push({ key: g.key, ms, spread: (quantile(samples[i], 0.75) - quantile(samples[i], 0.25)) / m, samples: samples[i], ...(refMs ? { referenceMs: refMs, references: refFigures } : {}) });
        o.onProgress?.(out.length, graphs.length);
      });
    } finally {
      await Promise.all(sessions.map((s) => s.release()));
    }
  }
  return out;
}
