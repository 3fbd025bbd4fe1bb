/**
 * A NASAIC search (Yang et al., DAC'20): both tasks' networks and the heterogeneous accelerator searched together;
 * every child's hardware is costed first (no training) and children that miss a spec end there with the penalty;
 * the others train both networks. Journaled in a run directory like every search (resumable, summary.json).
 */
import os from 'node:os';
import { WorkerPool } from '../../eval/pool.js';
import { TwoStageEvaluator, type HardwareStage, type TrainingStage } from '../../eval/two-stage.js';
import { nasaicOptionsFor, nasaicSpace, NASAIC_MNIST_FASHION } from '../../space/nasaic.js';
import type { SearchSpace } from '../../space/search-space.js';
import type { StudySummary } from '../../study/summary.js';
import { isFeasible, type FinishedTrial, type Objective } from '../../trial/index.js';
import { threadsPerWorker } from '../../train/backend.js';
import type { TrainingPool } from '../joint-stages.js';
import type { ProgressSinkFactory } from '../progress.js';
import { runStudy } from '../run-study.js';
import { taskWeights, type NasaicConfig } from './config.js';
import { reinforceRewardOptions } from './reward.js';
import { MultiTaskTrainingStage, nasaicConstraints, NasaicHardwareStage, type NasaicSpecs, type TaskTrainingBase } from './stages.js';

/** The objectives of a NASAIC study: each task's accuracy (the specs are constraints). */
export const NASAIC_OBJECTIVES: readonly Objective[] = [
  { metric: 't1.accuracy', direction: 'maximize' },
  { metric: 't2.accuracy', direction: 'maximize' },
];

/** The space of a configuration. */
export function nasaicConfigSpace(c: NasaicConfig): SearchSpace {
  const d = c.datasets;
  return nasaicSpace(d[0] === 'mnist' && d[1] === 'fashion-mnist' ? NASAIC_MNIST_FASHION : nasaicOptionsFor(d));
}

/** A training pool for NASAIC runs: `workers` workers (default: cores). */
export function nasaicTrainingPool(c: NasaicConfig): TrainingPool {
  const workers = c.workers ?? Math.max(1, os.availableParallelism());
  return { pool: new WorkerPool({ threads: workers, maxOldGenerationSizeMb: 1536 }), workers, threads: threadsPerWorker(workers) };
}

/** The training settings of a configuration. */
export function trainingBase(c: NasaicConfig, pool: TrainingPool): TaskTrainingBase {
  const t = c.training;
  return {
    epochs: t.epochs,
    trainSubset: t.trainSubset === 0 ? undefined : t.trainSubset,
    valSubset: t.valSubset,
    batchSize: t.batchSize,
    learningRate: t.learningRate,
    batchNorm: t.batchNorm,
    backend: t.backend,
    threads: pool.threads,
  };
}

/** Options of one run. */
export interface NasaicRunOptions {
  readonly seed: number;
  readonly out: string;
  readonly resume?: boolean;
  /** A pool shared by several runs (left open); otherwise one is created and closed. */
  readonly pool?: TrainingPool;
  readonly progress?: ProgressSinkFactory;
  readonly signal?: AbortSignal;
  /** Replaces stage 1 (the successive baseline's accuracy-only phase). */
  readonly hardware?: HardwareStage;
  /** Replaces stage 2 (tests inject a cheap one); default: both networks trained in the pool. */
  readonly training?: TrainingStage;
  /** Specs as study constraints (default: the configuration's). */
  readonly specs?: NasaicSpecs;
  readonly kind?: string;
}

/** What a run returns. */
export interface NasaicRunResult {
  readonly summary: StudySummary;
  readonly trials: readonly FinishedTrial[];
  /** The feasible trial of the highest weighted accuracy (the NASAIC reward's winner); null when none. */
  readonly best: FinishedTrial | null;
  readonly trained: number;
  readonly wallMs: number;
}

/** The feasible trial with the highest weighted accuracy. */
export function bestTrial(trials: readonly FinishedTrial[], objectives: readonly Objective[] = NASAIC_OBJECTIVES): FinishedTrial | null {
  let best: FinishedTrial | null = null;
  for (const t of trials) {
    if (!isFeasible(t, objectives) || t.metrics.accuracy === undefined) continue;
    if (!best || t.metrics.accuracy > best.metrics.accuracy!) best = t;
  }
  return best;
}

/** Runs (or resumes) one NASAIC search. */
export async function runNasaicSearch(c: NasaicConfig, o: NasaicRunOptions): Promise<NasaicRunResult> {
  const t0 = Date.now();
  const space = nasaicConfigSpace(c);
  const specs = o.specs ?? c.specs;
  // An injected training stage needs no pool.
  const tp = o.pool ?? (o.training ? undefined : nasaicTrainingPool(c));
  const strategyOptions = c.strategy.name === 'reinforce' ? { ...reinforceRewardOptions(c), ...c.strategy.options } : c.strategy.options;
  const hardware = o.hardware ?? new NasaicHardwareStage(space, specs, c.batch);
  try {
    const { summary, study } = await runStudy({
      dir: o.out,
      resume: o.resume ?? false,
      create: {
        space,
        objectives: NASAIC_OBJECTIVES,
        constraints: nasaicConstraints(specs),
        strategy: { name: c.strategy.name, options: strategyOptions },
        seed: o.seed,
        meta: { kind: o.kind ?? 'nasaic', datasets: c.datasets, specs, config: c },
        // REINFORCE's fast exploration re-samples a child's accelerator genes against this check before training
        // (NASAIC / hotNAS: up to 10 hardware designs per child, MODELS-ACCELERATORS §4.3).
        precheck: async (genomes) => (await hardware.evaluate(genomes)).map((r) => ({ feasible: r.feasible, violations: r.violations, metrics: r.metrics })),
      },
      evaluator: (study) => {
        const ev = new TwoStageEvaluator({
          space,
          hardware,
          training: o.training ?? new MultiTaskTrainingStage(space, tp!, trainingBase(c, tp!), o.out, taskWeights(c)),
          // Each trial trains its two networks at once.
          trainConcurrency: tp ? Math.max(1, Math.floor(tp.workers / 2)) : 1,
        });
        ev.prime(study.finishedTrials().map((t) => ({ key: t.key, result: t })));
        return ev;
      },
      termination: { trained: c.trained, trials: c.trials ?? 20 * c.trained, minutes: c.minutes },
      signal: o.signal,
      label: (study) => `${o.kind ?? 'nasaic'} ${c.datasets.join('+')}/${study.strategyName} seed ${o.seed}`,
      progress: o.progress,
      fields: (p, study) => {
        const b = bestTrial(study.finishedTrials());
        return { feasible: p.feasible, trained: study.trialCounts().trained, best: b ? `${(b.metrics.accuracy! * 100).toFixed(2)}%` : '—' };
      },
      hypervolume: () => null,
      summaryExtra: (study) => ({ datasets: c.datasets, specs, best: bestTrial(study.finishedTrials())?.number ?? null }),
    });
    const trials = study.finishedTrials();
    return { summary, trials, best: bestTrial(trials), trained: study.trialCounts().trained, wallMs: Date.now() - t0 };
  } finally {
    if (!o.pool && tp) await tp.pool.close();
  }
}
