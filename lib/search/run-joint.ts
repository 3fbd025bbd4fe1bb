/**
 * The joint search (Lu et al. 2019): architecture + per-layer quantization searched by a strategy, every
 * child mapped onto the FPGA by the hardware model first (no training), feasible children trained on the
 * dataset; journaled in a run directory, resumable, ending with summary.json and the trained models on disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, HwnasError } from '../errors.js';
import { Rng } from '../rng.js';
import { largestEdgeMbnetGenome, presetSpace, shapedPresetSpace, type PresetName } from '../space/index.js';
import { isCustomDataset } from '../train/datasets/custom.js';
import { datasetInfo, datasetLabel, resolveDatasetRef } from '../train/datasets/registry.js';
import type { SearchSpace } from '../space/search-space.js';
import { RUN_FILES, readJournalFile, studyRecordOf } from '../study/journal.js';
import type { HypervolumeSpec, StudySummary } from '../study/summary.js';
import { describeConstraint, describeViolations, isFeasible, totalViolation, type Constraint, type FinishedTrial, type Objective } from '../trial/index.js';
import { TwoStageEvaluator, twoStageCounts } from '../eval/two-stage.js';
import { fidelityPlan, rungObjective } from '../eval/fidelity/scheduler.js';
import type { SearchConfig } from '../config.js';
import { hardwareModel, parseHardwareSpec, specConstraints } from '../../hardware/model.js';
import { createJointStages, jointHardwareSpec, jointHardwareStage, type JointStages } from './joint-stages.js';
import { assertJointConfig, countsLuts } from './joint-check.js';
import type { ProgressSinkFactory } from './progress.js';
import { runStudy } from './run-study.js';
import { openSearchZoo, zooSeedGenomes } from '../zoo/warm.js';
import { decodeArchitecture, decodeQuantization } from '../space/decode.js';

/** Budget of the main job when none is given: sized to finish well within 15 minutes on 2 cores. */
export const DEFAULT_JOINT_BUDGET = { trials: 150, minutes: 12 } as const;

/** Default spec of the main job on MNIST: 10,000 LUTs of a Cyclone IV and 10,000 images/s (about 45 % of the space fits). */
export const DEFAULT_MNIST_SPEC = { lutBudget: 10_000, minThroughput: 10_000 } as const;

/** Default objectives of a joint search: accuracy ↑, throughput ↑, LUTs ↓ (specs are constraints on top). */
export const JOINT_OBJECTIVES: readonly Objective[] = [
  { metric: 'accuracy', direction: 'maximize' },
  { metric: 'throughput', direction: 'maximize' },
  { metric: 'luts', direction: 'minimize' },
];

/**
 * Default objectives for a hardware model: {@link JOINT_OBJECTIVES} when it counts LUTs; for the tiling models
 * (DSPs, BRAM, energy) accuracy ↑, throughput ↑ and energy efficiency (GOPS/W) ↑ — the co-exploration fronts.
 */
export function defaultJointObjectives(model: string): readonly Objective[] {
  // A measured CPU latency model (issue 14) counts no LUTs: accuracy ↑, latency ↓.
  if (model === 'ort-cpu') return [{ metric: 'accuracy', direction: 'maximize' }, { metric: 'latencyMs', direction: 'minimize' }];
  // The edge accelerator (issue 13) counts latency and energy per image: accuracy ↑, latency ↓, energy ↓.
  if (model === 'edge') {
    return [{ metric: 'accuracy', direction: 'maximize' }, { metric: 'latencyMs', direction: 'minimize' }, { metric: 'energyNj', direction: 'minimize' }];
  }
  if (model !== 'fnas-tiling' && model !== 'multi-fpga') return JOINT_OBJECTIVES;
  return [{ metric: 'accuracy', direction: 'maximize' }, { metric: 'throughput', direction: 'maximize' }, { metric: 'gopsPerW', direction: 'maximize' }];
}

/** The space of a joint search: the configured preset, or the lu2019 space shaped for the dataset. */
export function jointSpace(c: SearchConfig): SearchSpace {
  if (isCustomDataset(c.dataset)) {
    // Your own data: the lu2019 space (grey images: the narrow MNIST variant) shaped to its images and classes.
    const info = datasetInfo(c.dataset);
    return shapedPresetSpace(c.space ?? (info.shape[2] === 3 ? 'lu2019-cifar10' : 'lu2019-mnist'), info.shape, info.classes);
  }
  const name: PresetName = c.space ?? (c.dataset === 'cifar10' ? 'lu2019-cifar10' : 'lu2019-mnist');
  return presetSpace(name);
}

/**
 * The constraints the hardware spec sets on what the model measures: the same function (hardware/spec.ts
 * specConstraints) gives the hardware models their violations.
 */
export function jointConstraints(c: SearchConfig): Constraint[] {
  const spec = parseHardwareSpec(jointHardwareSpec(c), 'hardware');
  return specConstraints(spec, hardwareModel(c.hardware.model).metrics);
}

/**
 * Hypervolume of a joint search, in minimisation form (−accuracy, −throughput, luts): normalised so the
 * spec's corner (accuracy 0, the required throughput, the LUT budget) is the nadir and (accuracy 1,
 * 10× the required throughput, 0 LUTs) the ideal; reference (1, 1, 1).
 */
export function jointHypervolumeSpec(objectives: readonly Objective[], c: SearchConfig, space?: SearchSpace): HypervolumeSpec | null {
  const names = objectives.map((o) => o.metric).join(',');
  if (names === 'accuracy,latencyMs,energyNj' && c.hardware.model === 'edge' && space?.meta.family === 'edge-mbnet') return edgeHypervolumeSpec(c, space);
  if (names !== 'accuracy,throughput,luts') return null;
  const thr = c.hardware.minThroughput ?? 100;
  const luts = c.hardware.lutBudget ?? 100_000;
  return { ideal: [-1, -10 * thr, 0], nadir: [0, -thr, luts], reference: [1, 1, 1] };
}

/**
 * The edge search's hypervolume box: accuracy 0–1; latency and energy per image from 0 to those of the space's
 * most expensive design on the spec's accelerator (the latency bound instead, when the spec sets one), so every
 * design lies in the box and the hypervolume reads "how much of it the front dominates".
 */
function edgeHypervolumeSpec(c: SearchConfig, space: SearchSpace): HypervolumeSpec | null {
  const spec = parseHardwareSpec(jointHardwareSpec(c), 'hardware');
  const g = largestEdgeMbnetGenome(space);
  const largest = hardwareModel('edge').evaluate(decodeArchitecture(space, g), decodeQuantization(space, g), spec);
  if (!Number.isFinite(largest.latencyMs) || largest.energyNj === undefined) return null;
  return { ideal: [-1, 0, 0], nadir: [0, c.hardware.maxLatencyMs ?? largest.latencyMs, largest.energyNj], reference: [1, 1, 1] };
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
  /** Where progress goes (default: nowhere). */
  readonly progress?: ProgressSinkFactory;
  readonly signal?: AbortSignal;
  /** Stage factories (tests inject small ones); default: the configured hardware model and tfjs training in a pool. */
  readonly stages?: (c: SearchConfig, space: SearchSpace, out: string) => Promise<JointStages>;
}

/** Fills in the main job's defaults where the configuration leaves them open. */
export function withJointDefaults(c: SearchConfig): SearchConfig {
  const budget = c.budget.trials === undefined && c.budget.minutes === undefined ? DEFAULT_JOINT_BUDGET : c.budget;
  // The default spec is a LUT budget and a throughput: a model that does not count LUTs gets the throughput only.
  const defaultSpec = countsLuts(c.hardware.model) ? DEFAULT_MNIST_SPEC : { minThroughput: DEFAULT_MNIST_SPEC.minThroughput };
  const hardware =
    c.hardware.lutBudget === undefined && c.hardware.minThroughput === undefined && c.hardware.maxLatencyMs === undefined && c.dataset !== 'cifar10'
      ? { ...c.hardware, ...defaultSpec }
      : c.hardware;
  return { ...c, budget: { ...budget }, hardware };
}

/** Runs (or resumes) a joint search and writes `summary.json`. */
export async function runJointSearch(config: SearchConfig, o: JointRunOptions): Promise<StudySummary> {
  const c0 = o.resume ? config : withJointDefaults(config);
  const out = c0.out!;
  // Pre-flight, part 1: what the space, dataset, model, objectives and training options say together.
  if (!o.resume) await assertJointConfig(c0, c0.objectives ?? defaultJointObjectives(c0.hardware.model), jointSpace);
  // Your own dataset is recorded with its absolute path and digest; on resume it must still match them.
  let c: SearchConfig = { ...c0, dataset: resolveDatasetRef(c0.dataset) };
  if (isCustomDataset(c.dataset) && c.executor?.kind === 'redis') {
    // Also on resume, where the executor may change: remote workers cannot read a local directory.
    throw new ConfigError([{ path: 'executor.kind', message: 'your own dataset trains on local workers only (remote workers cannot read its directory); leave out --redis' }], 'hwnas search: bad arguments');
  }
  const space = jointSpace(c);
  // Hot start (lib/zoo/warm.ts): the zoo must fit the data and space; its digest is recorded so resume is exact.
  const zoo = c.zoo ? openSearchZoo(c.zoo, c.dataset, space) : null;
  if (zoo && c.executor?.kind === 'redis') throw new ConfigError([{ path: '--zoo', message: 'a zoo warm-starts local workers only (remote workers cannot read its directory); leave out --redis' }], 'hwnas search: bad arguments');
  if (zoo) c = { ...c, zoo: { ...c.zoo!, dir: zoo.dir, digest: zoo.digest } };
  // The spec is checked before the run directory is even created (an impossible spec leaves nothing behind),
  // and before the training pool starts: a pool closed while its workers still load their modules can abort Node.
  const injected = o.stages ? await o.stages(c, space, out) : null;
  if (!o.resume) {
    try {
      await preflight(c, space, injected?.hardware ?? jointHardwareStage(c, space));
    } catch (err) {
      await injected?.close();
      throw err;
    }
  }
  const stages = injected ?? (await createJointStages(c, space, out));
  const objectives = c.objectives ?? defaultJointObjectives(c.hardware.model);
  let best = -Infinity;
  try {
    const { summary } = await runStudy({
      dir: out,
      resume: o.resume,
      create: {
        space,
        objectives,
        constraints: jointConstraints(c),
        strategy: c.strategy,
        seed: c.seed,
        meta: { kind: 'joint', dataset: c.dataset, config: c, hypervolume: jointHypervolumeSpec(objectives, c, space) },
        // A hot start evaluates the zoo's networks first (mapped into this space); strategies learn from them.
        ...(zoo && !o.resume ? { enqueue: await zooSeedGenomes(zoo, space, c.seed, (gs) => stages.hardware.evaluate(gs)) } : {}),
        // Fast exploration (strategies that search hardware genes): stage 1 alone, no training.
        precheck: async (genomes) => (await stages.hardware.evaluate(genomes)).map((r) => ({ feasible: r.feasible, violations: r.violations, metrics: r.metrics })),
      },
      evaluator: (study) => {
        const ranking = rungObjective(objectives);
        const fidelity = c.fidelity && ranking ? fidelityPlan(c.fidelity, ranking) : null;
        const evaluator = new TwoStageEvaluator({ space, hardware: stages.hardware, training: stages.training, trainConcurrency: stages.trainConcurrency, fidelity });
        evaluator.prime(study.finishedTrials().map((t) => ({ key: t.key, result: t })));
        for (const t of study.finishedTrials()) if (isFeasible(t, study.objectives)) best = Math.max(best, t.metrics.accuracy ?? -Infinity);
        return evaluator;
      },
      termination: { trials: c.budget.trials, minutes: c.budget.minutes },
      concurrency: stages.trainConcurrency,
      signal: o.signal,
      label: (study) => `joint search ${datasetLabel(c.dataset)}/${study.strategyName}`,
      progress: o.progress,
      opening: (study) =>
        `${o.resume ? 'resuming' : 'starting'} ${out}: ${datasetLabel(c.dataset)}, ${space.name}, ${stages.description}; ` +
        `spec ${jointConstraints(c).map(describeConstraint).join(', ') || 'none'}` +
        (o.resume ? `; ${study.trialCounts().finished} trials finished, ${study.trialCounts().running} to re-run` : ''),
      fields: (p, study) => {
        if (isFeasible(p.last, study.objectives)) best = Math.max(best, p.last.metrics.accuracy ?? -Infinity);
        return { feasible: p.feasible, trained: p.trained, best: Number.isFinite(best) ? `${(best * 100).toFixed(2)}%` : '—' };
      },
      hypervolume: (study) => (study.record.meta.hypervolume as HypervolumeSpec | null) ?? null,
      summaryExtra: (study, summary) => ({
        dataset: c.dataset,
        twoStage: twoStageCounts(study.finishedTrials()),
        ...fastExplorationOf(out),
        ...(summary.complete === 0 ? { noFeasibleDesign: tightestViolation(study.finishedTrials()) } : {}),
      }),
      closing: (study, summary) =>
        summary.complete === 0 ? `no feasible design found; the closest: ${tightestViolation(study.finishedTrials()) ?? 'no trial finished'}` : null,
    });
    return summary;
  } finally {
    await stages.close();
  }
}

/**
 * The fast-exploration counters (designs checked, rejected = trainings avoided, children rescued or declared
 * infeasible) from the strategy's latest snapshot, when it keeps them (REINFORCE on a space with hardware genes).
 */
function fastExplorationOf(dir: string): { fastExploration?: unknown } {
  try {
    const stored = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.snapshot), 'utf8')) as { snapshot?: { state?: { stats?: { fast?: unknown } } } };
    const fast = stored.snapshot?.state?.stats?.fast;
    return fast ? { fastExploration: fast } : {};
  } catch {
    return {};
  }
}

/** The infeasible trial closest to the spec, in words. */
export function tightestViolation(trials: readonly FinishedTrial[]): string | null {
  let closest: FinishedTrial | null = null;
  for (const t of trials) {
    if (t.status === 'infeasible' && (!closest || totalViolation(t.violations) < totalViolation(closest.violations))) closest = t;
  }
  if (!closest) return null;
  return `trial #${closest.number}: ${describeViolations(closest.violations)}${closest.extra?.reason ? ` (${String(closest.extra.reason)})` : ''}`;
}

/** Genomes sampled by the pre-flight check of a spec. */
export const PREFLIGHT_SAMPLES = 2000;

/**
 * Before any training: map a seeded sample of the space; when not one design meets the spec, stop now with the
 * tightest violation found instead of after hours of search.
 */
async function preflight(c: SearchConfig, space: SearchSpace, hardware: JointStages['hardware']): Promise<void> {
  const rng = Rng.fromSeed(c.seed).fork('preflight');
  const genomes = Array.from({ length: PREFLIGHT_SAMPLES }, () => space.sample(rng));
  const reports = await hardware.evaluate(genomes);
  if (reports.some((r) => r.feasible)) return;
  let closest = reports[0];
  for (const r of reports) if (totalViolation(r.violations) < totalViolation(closest.violations)) closest = r;
  const parts = Object.entries(closest.violations).filter(([, x]) => x > 0).map(([k, x]) => `${k} exceeds the spec by ${(x * 100).toFixed(1)}%`);
  throw new HwnasError(
    'INPUT_SPEC_INFEASIBLE',
    `no design of ${PREFLIGHT_SAMPLES} sampled from ${space.name} meets the spec on ${String(c.hardware.device)} ` +
      `(${jointConstraints(c).map(describeConstraint).join(', ')}); ` +
      `the closest: ${parts.join(', ')}${closest.reason ? ` — ${closest.reason}` : ''}. Loosen the spec or choose a larger device; nothing was written.`,
  );
}
