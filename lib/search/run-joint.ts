/**
 * The joint search (Lu et al. 2019): architecture + per-layer quantization searched by a strategy, every
 * child mapped onto the FPGA by the hardware model first (no training), feasible children trained on the
 * dataset; journaled in a run directory, resumable, ending with summary.json and the trained models on disk.
 */
import path from 'node:path';
import { HwnasError } from '../errors.js';
import { Rng } from '../rng.js';
import { presetSpace, type PresetName } from '../space/index.js';
import type { SearchSpace } from '../space/search-space.js';
import { JournalStorage } from '../study/journal-storage.js';
import { readJournalFile, studyRecordOf } from '../study/journal.js';
import { createStudy, loadStudy, type Study } from '../study/study.js';
import { summarizeTrials, type HypervolumeSpec, type StudySummary } from '../study/summary.js';
import { isFeasible, type Constraint, type Objective } from '../trial/index.js';
import { TwoStageEvaluator, twoStageCounts } from '../eval/two-stage.js';
import { ProgressReporter, type ProgressMode } from '../cli/progress.js';
import type { SearchConfig } from '../config.js';
import { createJointStages, type JointStages } from './joint-stages.js';
import { assertJointConfig, hardwareMetrics } from './joint-check.js';
import { writeJsonAtomic } from './run-dir.js';

/** Budget of the main job when none is given: sized to finish well within 15 minutes on 2 cores. */
export const DEFAULT_JOINT_BUDGET = { trials: 150, minutes: 12 } as const;

/** Default spec of the main job on MNIST: 10,000 LUTs of a Cyclone IV and 10,000 images/s (about 45 % of the space fits). */
export const DEFAULT_MNIST_SPEC = { luts: 10_000, throughput: 10_000 } as const;

/** Default objectives of a joint search: accuracy ↑, throughput ↑, LUTs ↓ (specs are constraints on top). */
export const JOINT_OBJECTIVES: readonly Objective[] = [
  { metric: 'accuracy', direction: 'maximize' },
  { metric: 'throughput', direction: 'maximize' },
  { metric: 'luts', direction: 'minimize' },
];

/** The space of a joint search: the configured preset, or the lu2019 space shaped for the dataset. */
export function jointSpace(c: SearchConfig): SearchSpace {
  const name: PresetName = c.space ?? (c.dataset === 'cifar10' ? 'lu2019-cifar10' : 'lu2019-mnist');
  return presetSpace(name);
}

/** The constraints the hardware spec sets. */
export function jointConstraints(c: SearchConfig): Constraint[] {
  const out: Constraint[] = [];
  if (c.hardware.luts !== undefined) out.push({ metric: 'luts', max: c.hardware.luts });
  if (c.hardware.throughput !== undefined) out.push({ metric: 'throughput', min: c.hardware.throughput });
  if (c.hardware.latencyMs !== undefined) out.push({ metric: 'latencyMs', max: c.hardware.latencyMs });
  return out;
}

/**
 * Hypervolume of a joint search, in minimisation form (−accuracy, −throughput, luts): normalised so the
 * spec's corner (accuracy 0, the required throughput, the LUT budget) is the nadir and (accuracy 1,
 * 10× the required throughput, 0 LUTs) the ideal; reference (1, 1, 1).
 */
export function jointHypervolumeSpec(objectives: readonly Objective[], c: SearchConfig): HypervolumeSpec | null {
  const names = objectives.map((o) => o.metric).join(',');
  if (names !== 'accuracy,throughput,luts') return null;
  const thr = c.hardware.throughput ?? 100;
  const luts = c.hardware.luts ?? 100_000;
  return { ideal: [-1, -10 * thr, 0], nadir: [0, -thr, luts], reference: [1, 1, 1] };
}

/** The full configuration a joint search ran with, from its journal (for --resume). */
export function readRunConfig(dir: string): Record<string, unknown> {
  const { file, events } = readJournalFile(dir);
  const config = studyRecordOf(events, file).meta.config;
  if (typeof config === 'object' && config !== null && !Array.isArray(config)) return config as Record<string, unknown>;
  throw new HwnasError('INPUT_NO_RUN', `${file} does not start with a study record holding its configuration`);
}

/** Options of {@link runJointSearch}. */
export interface JointRunOptions {
  readonly resume: boolean;
  readonly progress: ProgressMode;
  readonly signal?: AbortSignal;
  /** Stage factories (tests inject small ones); default: the configured hardware model and tfjs training in a pool. */
  readonly stages?: (c: SearchConfig, space: SearchSpace, out: string) => Promise<JointStages>;
}

async function openJointStudy(c: SearchConfig, space: SearchSpace, resume: boolean): Promise<Study> {
  const out = c.out!;
  const storage = JournalStorage.open(out);
  try {
    if (resume) return await loadStudy(storage);
    const objectives = c.objectives ?? JOINT_OBJECTIVES;
    return await createStudy({
      space,
      objectives,
      constraints: jointConstraints(c),
      strategy: c.strategy,
      seed: c.seed,
      meta: { kind: 'joint', dataset: c.dataset, config: c, hypervolume: jointHypervolumeSpec(objectives, c) },
      storage,
    });
  } catch (err) {
    await storage.close();
    throw err;
  }
}

/** Fills in the main job's defaults where the configuration leaves them open. */
export function withJointDefaults(c: SearchConfig): SearchConfig {
  const budget = c.budget.trials === undefined && c.budget.minutes === undefined ? DEFAULT_JOINT_BUDGET : c.budget;
  // The default spec is a LUT budget and a throughput: a model that does not count LUTs gets the throughput only.
  const defaultSpec = hardwareMetrics(c.hardware.model).includes('luts') ? DEFAULT_MNIST_SPEC : { throughput: DEFAULT_MNIST_SPEC.throughput };
  const hardware =
    c.hardware.luts === undefined && c.hardware.throughput === undefined && c.hardware.latencyMs === undefined && c.dataset !== 'cifar10'
      ? { ...c.hardware, ...defaultSpec }
      : c.hardware;
  return { ...c, budget: { ...budget }, hardware };
}

/** Runs (or resumes) a joint search and writes `summary.json`. */
export async function runJointSearch(config: SearchConfig, o: JointRunOptions): Promise<StudySummary> {
  const c = o.resume ? config : withJointDefaults(config);
  const out = c.out!;
  // Pre-flight, part 1: what the space, dataset, model, objectives and training options say together.
  if (!o.resume) assertJointConfig(c, c.objectives ?? JOINT_OBJECTIVES);
  const space = jointSpace(c);
  const stages = await (o.stages ?? createJointStages)(c, space, out);
  // The spec is checked before the run directory is even created: an impossible spec leaves nothing behind.
  if (!o.resume) {
    try {
      await preflight(c, space, stages);
    } catch (err) {
      await stages.close();
      throw err;
    }
  }
  let study: Study;
  try {
    study = await openJointStudy(c, space, o.resume);
  } catch (err) {
    await stages.close();
    throw err;
  }
  const progress = new ProgressReporter(`joint search ${c.dataset}/${study.strategyName}`, o.progress);
  const evaluator = new TwoStageEvaluator({ space, hardware: stages.hardware, training: stages.training, trainConcurrency: stages.trainConcurrency });
  evaluator.prime(study.finishedTrials().map((t) => ({ key: t.key, result: t })));
  progress.message(
    `${o.resume ? 'resuming' : 'starting'} ${out}: ${c.dataset}, ${space.name}, ${stages.description}; ` +
      `spec ${jointConstraints(c).map((k) => `${k.metric} ${k.max !== undefined ? '≤ ' + k.max : '≥ ' + k.min}`).join(', ') || 'none'}` +
      (o.resume ? `; ${study.finishedTrials().length} trials finished, ${study.runningTrials().length} to re-run` : ''),
  );
  let best = -Infinity;
  for (const t of study.finishedTrials()) if (isFeasible(t, study.objectives)) best = Math.max(best, t.metrics.accuracy ?? -Infinity);
  try {
    await study.optimize({
      evaluator,
      termination: { trials: c.budget.trials, minutes: c.budget.minutes },
      concurrency: stages.trainConcurrency,
      signal: o.signal,
      onProgress: (p) => {
        if (isFeasible(p.last, study.objectives)) best = Math.max(best, p.last.metrics.accuracy ?? -Infinity);
        progress.update({
          done: p.finished,
          total: p.total,
          etaMs: p.etaMs,
          fields: {
            feasible: p.feasible,
            trained: p.trained,
            best: Number.isFinite(best) ? `${(best * 100).toFixed(2)}%` : '—',
          },
        });
      },
    });
  } finally {
    progress.stop();
    await stages.close();
  }
  const spec = (study.record.meta.hypervolume as HypervolumeSpec | null) ?? null;
  const summary = summarizeTrials(study.finishedTrials(), study.objectives, spec);
  writeJsonAtomic(path.join(out, 'summary.json'), {
    ...summary,
    dataset: c.dataset,
    strategy: study.record.strategy,
    seed: study.seed,
    twoStage: twoStageCounts(study.finishedTrials()),
    ...(summary.complete === 0 ? { noFeasibleDesign: tightestViolation(study) } : {}),
  });
  if (summary.complete === 0) {
    progress.message(`no feasible design found; the closest: ${tightestViolation(study) ?? 'no trial finished'}`);
  }
  await study.close();
  return summary;
}

/** The infeasible trial closest to the spec, in words. */
export function tightestViolation(study: Study): string | null {
  let bestT: { v: number; text: string } | null = null;
  for (const t of study.finishedTrials()) {
    if (t.status !== 'infeasible') continue;
    const v = Object.values(t.violations).reduce((s, x) => s + Math.max(0, x), 0);
    if (!bestT || v < bestT.v) {
      const parts = Object.entries(t.violations).filter(([, x]) => x > 0).map(([k, x]) => `${k} off by ${(x * 100).toFixed(1)}%`);
      bestT = { v, text: `trial #${t.number}: ${parts.join(', ')}${t.extra?.reason ? ` (${String(t.extra.reason)})` : ''}` };
    }
  }
  return bestT?.text ?? null;
}

/** Genomes sampled by the pre-flight check of a spec. */
export const PREFLIGHT_SAMPLES = 2000;

/**
 * Before any training: map a seeded sample of the space; when not one design meets the spec, stop now with the
 * tightest violation found instead of after hours of search.
 */
async function preflight(c: SearchConfig, space: SearchSpace, stages: JointStages): Promise<void> {
  const rng = Rng.fromSeed(c.seed).fork('preflight');
  const genomes = Array.from({ length: PREFLIGHT_SAMPLES }, () => space.sample(rng));
  const reports = await stages.hardware.evaluate(genomes);
  if (reports.some((r) => r.feasible)) return;
  let closest = reports[0];
  const excess = (r: (typeof reports)[number]) => Object.values(r.violations).reduce((s, x) => s + Math.max(0, x), 0);
  for (const r of reports) if (excess(r) < excess(closest)) closest = r;
  const parts = Object.entries(closest.violations).filter(([, x]) => x > 0).map(([k, x]) => `${k} exceeds the spec by ${(x * 100).toFixed(1)}%`);
  throw new HwnasError(
    'INPUT_SPEC_INFEASIBLE',
    `no design of ${PREFLIGHT_SAMPLES} sampled from ${space.name} meets the spec on ${String(c.hardware.device)} ` +
      `(${jointConstraints(c).map((k) => `${k.metric} ${k.max !== undefined ? '≤ ' + k.max : '≥ ' + k.min}`).join(', ')}); ` +
      `the closest: ${parts.join(', ')}${closest.reason ? ` — ${closest.reason}` : ''}. Loosen the spec or choose a larger device; nothing was written.`,
  );
}
