/**
 * Two-stage evaluation (Lu et al. 2019; FNAS): stage 1 measures the hardware cost of every genome without
 * training and ends infeasible ones there, with their violations; stage 2 trains only the feasible ones.
 * Results are cached by genome key, so a repeated genome is never mapped or trained twice. With a fidelity plan,
 * stage 2 trains rung by rung (lib/eval/fidelity/scheduler.ts): only the best of each rung go on to the full budget.
 */
import type { Genome } from '../space/genome.js';
import type { SearchSpace } from '../space/search-space.js';
import { isFailureReason, totalViolation, wasTrained, type FinishedTrial, type TrialResult } from '../trial/index.js';
import type { EvalRequest, EvaluateOptions, Evaluator } from './evaluator.js';
import { runFidelity, type FidelityPlan } from './fidelity/scheduler.js';

/** What stage 1 returns for a genome. */
export interface HardwareOutcome {
  readonly feasible: boolean;
  /** Hardware figures (luts, dsps, bramBits, throughput, latencyMs, …). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Normalised excess per constraint (≤ 0 satisfied). */
  readonly violations: Readonly<Record<string, number>>;
  /** Why it is infeasible, in words (e.g. the tightest violation). */
  readonly reason?: string;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** What stage 2 returns for a trained genome. */
export interface TrainingOutcome {
  /** Metrics of the trained child; must include the accuracy metric the study optimises. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Stage 1: hardware cost of a batch of genomes (in a pool or in-process). */
export interface HardwareStage {
  evaluate(genomes: readonly Genome[], signal?: AbortSignal): Promise<HardwareOutcome[]>;
}

/** Stage 2: trains one genome; rejects when training fails (NaN, crash, out of memory). */
export interface TrainingStage {
  train(request: EvalRequest, signal?: AbortSignal): Promise<TrainingOutcome>;
}

/** Counters a user (and bench:joint) reads to see what two-stage evaluation saved. */
export interface TwoStageStats {
  evaluated: number;
  cacheHits: number;
  infeasible: number;
  trained: number;
  failed: number;
  hardwareMs: number;
  trainMs: number;
  /** Trials pruned by multi-fidelity evaluation (trained on a low budget only). */
  pruned: number;
  /** Training images seen over every training, epochs counted (`extra.trainedImages`): what a budget comparison is fair on. */
  trainedImages: number;
}

/**
 * The two-stage counters of a whole run, from its trials (so they cover every session of a resumed run, where
 * {@link TwoStageEvaluator.stats} covers only the evaluator's own session).
 */
export function twoStageCounts(trials: readonly FinishedTrial[]): TwoStageStats {
  const s: TwoStageStats = { evaluated: trials.length, cacheHits: 0, infeasible: 0, trained: 0, failed: 0, hardwareMs: 0, trainMs: 0, pruned: 0, trainedImages: 0 };
  for (const t of trials) {
    const cached = t.extra?.cached === true;
    if (cached) s.cacheHits++;
    else if (t.status === 'infeasible') s.infeasible++;
    if (t.status === 'failed') s.failed++;
    if (t.status === 'pruned' && !cached) s.pruned++;
    if (wasTrained(t)) {
      s.trained++;
      s.trainMs += t.timings?.train ?? 0;
      if (typeof t.extra?.trainedImages === 'number') s.trainedImages += t.extra.trainedImages;
    }
    if (!cached) s.hardwareMs += t.timings?.hardware ?? 0;
  }
  return s;
}

/** Options of {@link TwoStageEvaluator}. */
export interface TwoStageOptions {
  readonly space: SearchSpace;
  readonly hardware: HardwareStage;
  readonly training: TrainingStage;
  /** Trainings run at once (the training pool's size). */
  readonly trainConcurrency: number;
  /** When false, every child is trained even if infeasible (to measure what stage 1 saves). Default true. */
  readonly pruneInfeasible?: boolean;
  /** Multi-fidelity training of stage 2 (lib/eval/fidelity); absent: every child at the full budget. */
  readonly fidelity?: FidelityPlan | null;
}

/** The two-stage evaluator. */
export class TwoStageEvaluator implements Evaluator {
  readonly stats: TwoStageStats = { evaluated: 0, cacheHits: 0, infeasible: 0, trained: 0, failed: 0, hardwareMs: 0, trainMs: 0, pruned: 0, trainedImages: 0 };
  private readonly cache = new Map<string, TrialResult>();

  constructor(private readonly o: TwoStageOptions) {}

  /** Seeds the cache with finished results (e.g. the trials of a resumed study). */
  prime(entries: Iterable<{ key: string; result: TrialResult }>): void {
    for (const { key, result } of entries) if (result.status !== 'failed') this.cache.set(key, result);
  }

  async evaluate(requests: readonly EvalRequest[], options: EvaluateOptions = {}): Promise<TrialResult[]> {
    const { signal, onResult } = options;
    const results: TrialResult[] = new Array(requests.length);
    const keys = requests.map((r) => this.o.space.key(r.genome));
    const emit = async (i: number, r: TrialResult): Promise<void> => {
      results[i] = r;
      this.stats.evaluated++;
      await onResult?.(i, r);
    };

    // Cache hits first; then one stage-1 call for the distinct new genomes.
    const todo: number[] = [];
    for (let i = 0; i < requests.length; i++) {
      const hit = this.cache.get(keys[i]);
      if (hit) {
        this.stats.cacheHits++;
        await emit(i, { ...hit, extra: { ...hit.extra, cached: true } });
      } else todo.push(i);
    }
    const firstOf = new Map<string, number>();
    for (const i of todo) if (!firstOf.has(keys[i])) firstOf.set(keys[i], i);
    const distinct = [...firstOf.values()];
    const t0 = performance.now();
    const hw = await this.o.hardware.evaluate(distinct.map((i) => requests[i].genome), signal);
    const hwMs = (performance.now() - t0) / Math.max(1, distinct.length);
    this.stats.hardwareMs += performance.now() - t0;
    const hwByKey = new Map(distinct.map((i, j) => [keys[i], hw[j]]));

    const toTrain: number[] = [];
    for (const i of distinct) {
      const h = hwByKey.get(keys[i])!;
      if (!h.feasible && (this.o.pruneInfeasible ?? true)) {
        this.stats.infeasible++;
        const r: TrialResult = {
          status: 'infeasible',
          metrics: h.metrics,
          violations: h.violations,
          timings: { hardware: hwMs },
          extra: { ...h.extra, reason: h.reason },
        };
        this.cache.set(keys[i], r);
        await emit(i, r);
      } else toTrain.push(i);
    }

    // Stage 2: feasible children, `trainConcurrency` at a time, each journaled as soon as it ends; with
    // multi-fidelity, rung by rung (lib/eval/fidelity/scheduler.ts).
    const fidelity = this.o.fidelity;
    if (fidelity && toTrain.length > 0) {
      await runFidelity(fidelity, {
        items: toTrain.map((i) => requests[i]),
        history: options.history ?? [],
        concurrency: this.o.trainConcurrency,
        signal,
        trainRung: (k, rung, budget) => this.trainOne({ ...requests[toTrain[k]], fidelity: { rung, budget } }, hwByKey.get(keys[toTrain[k]])!, hwMs, signal),
        onRung: options.onRung,
        onFinal: async (k, r) => {
          if (r.status !== 'failed') this.cache.set(keys[toTrain[k]], r);
          if (r.status === 'pruned') this.stats.pruned++;
          await emit(toTrain[k], r);
        },
      });
    } else {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < toTrain.length) {
          const i = toTrain[next++];
          signal?.throwIfAborted();
          const r = await this.trainOne(requests[i], hwByKey.get(keys[i])!, hwMs, signal);
          if (r.status !== 'failed') this.cache.set(keys[i], r);
          await emit(i, r);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, this.o.trainConcurrency) }, worker));
    }

    // Duplicates inside the batch take the first one's result.
    for (const i of todo) {
      if (results[i] === undefined) {
        const first = results[firstOf.get(keys[i])!];
        this.stats.cacheHits++;
        await emit(i, { ...first, extra: { ...first.extra, cached: true } });
      }
    }
    return results;
  }

  /** Trains one feasible child (at the budget its request names): complete, infeasible or failed; rejects only when aborted. */
  private async trainOne(request: EvalRequest, h: HardwareOutcome, hwMs: number, signal?: AbortSignal): Promise<TrialResult> {
    const t1 = performance.now();
    let r: TrialResult;
    try {
      const out = await this.o.training.train(request, signal);
      this.stats.trained++;
      if (typeof out.extra?.trainedImages === 'number') this.stats.trainedImages += out.extra.trainedImages;
      r = {
        status: h.feasible && totalViolation(h.violations) <= 0 ? 'complete' : 'infeasible',
        metrics: { ...h.metrics, ...out.metrics },
        violations: h.violations,
        timings: { hardware: hwMs, train: performance.now() - t1 },
        extra: { ...h.extra, ...out.extra },
      };
    } catch (err) {
      if (signal?.aborted) throw err;
      this.stats.failed++;
      const reason = (err as { reason?: unknown }).reason;
      r = {
        status: 'failed',
        metrics: h.metrics,
        violations: h.violations,
        error: err instanceof Error ? err.message : String(err),
        failure: isFailureReason(reason) ? reason : 'crash',
        timings: { hardware: hwMs, train: performance.now() - t1 },
      };
    }
    this.stats.trainMs += performance.now() - t1;
    return r;
  }
}
