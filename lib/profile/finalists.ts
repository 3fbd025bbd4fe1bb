/**
 * Telling a latency-constrained search the truth before it answers: a run's most accurate predicted-feasible
 * trials (its finalists) are timed in onnxruntime-node the way the predictor was profiled, and the most accurate
 * one that **meets the target measured** is the winner. Channel-scaled designs sit just under the target by
 * construction, so a predictor error of a few per cent can push the predicted winner over it; the next finalist
 * usually meets it. Several runs' finalists are measured in one interleaved batch, so every run sees the same load.
 */
import type { Genome } from '../space/genome.js';
import type { SearchSpace } from '../space/search-space.js';
import { isFeasible, type FinishedTrial } from '../trial/index.js';
import type { MeasuredLatencyPredictor } from '../../hardware/predictor/predictor.js';
import { measureNetworks } from './profile.js';

/** One measured finalist. */
export interface Finalist {
  readonly trial: number;
  readonly accuracy: number;
  /** The latency the search saw (the predictor's), ms. */
  readonly predictedMs: number;
  /** Measured, at the predictor's load level (normalised by the speed reference), ms. */
  readonly ms: number;
  /** Measured as timed, ms. */
  readonly rawMs: number;
  /** Both figures meet the target (conservative: the normalisation can err either way). */
  readonly meets: boolean;
}

/** A run's finalists and its measured winner (the first finalist that meets the target), when any. */
export interface MeasuredRun {
  readonly finalists: readonly Finalist[];
  readonly winner: Finalist | null;
}

/** Whether a measurement meets `targetMs`: both the normalised and the raw figure must. */
export function meetsTarget(m: { ms: number; rawMs: number }, targetMs: number): boolean {
  return Math.max(m.ms, m.rawMs) <= targetMs;
}

/** The `n` most accurate feasible trials (ties: the earlier trial first). */
export function finalistsOf(trials: readonly FinishedTrial[], n: number): FinishedTrial[] {
  return trials
    .filter((t) => isFeasible(t) && typeof t.metrics.accuracy === 'number')
    .sort((a, b) => b.metrics.accuracy - a.metrics.accuracy || a.number - b.number)
    .slice(0, Math.max(0, n));
}

/**
 * Measures the finalists of several runs (by name) in one interleaved batch and picks each run's winner.
 * `space` decodes the genomes (the runs' space).
 */
export async function measureFinalists(
  predictor: MeasuredLatencyPredictor,
  space: SearchSpace,
  runs: ReadonlyMap<string, readonly FinishedTrial[]>,
  targetMs: number,
  o: { seed?: number; repeats?: number; onProgress?: (d: number, t: number) => void } = {},
): Promise<Map<string, MeasuredRun>> {
  const nets: { space: SearchSpace; genome: Genome; key: string }[] = [];
  for (const [name, ts] of runs) ts.forEach((t, i) => nets.push({ space, genome: space.canonical(t.genome), key: `${name}#${i}` }));
  const measured = new Map((await measureNetworks(predictor, nets, { seed: o.seed ?? 5, repeats: o.repeats ?? Math.max(201, predictor.file.settings.repeats), onProgress: o.onProgress })).map((m) => [m.key, m]));
  const out = new Map<string, MeasuredRun>();
  for (const [name, ts] of runs) {
    const finalists = ts.map((t, i): Finalist => {
      const m = measured.get(`${name}#${i}`)!;
      return { trial: t.number, accuracy: t.metrics.accuracy, predictedMs: t.metrics.latencyMs ?? 1000 / t.metrics.throughput, ms: m.ms, rawMs: m.rawMs, meets: meetsTarget(m, targetMs) };
    });
    out.set(name, { finalists, winner: finalists.find((f) => f.meets) ?? null });
  }
  return out;
}
