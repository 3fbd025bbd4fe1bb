/**
 * The checks of a joint search configuration that need its parts together — space and dataset, hardware model
 * and spec, objectives and the metrics the stages produce, training options and the dataset's splits, the
 * training backend and the machine — so that a mistake stops the run before anything is written or trained
 * (the pre-flight), and `hwnas config --check` finds exactly what `hwnas search` would refuse.
 */
import { createRequire } from 'node:module';
import { ConfigError, HwnasError, type Issue } from '../errors.js';
import { trainingConfigSchema, type SearchConfig } from '../config.js';
import { Rng } from '../rng.js';
import type { SearchSpace } from '../space/search-space.js';
import { presetSpace, SHAPEABLE_PRESETS, type PresetName } from '../space/index.js';
import type { Objective } from '../trial/index.js';
import { HARDWARE_MODELS, HARDWARE_MODEL_NAMES, parseHardwareSpec, type HardwareModelName } from '../../hardware/model.js';
import { ModelHardwareStage } from '../eval/hardware-stage.js';
import { TRAINING_METRICS } from '../eval/training-stage.js';
import { rungObjective } from '../eval/fidelity/scheduler.js';
import { isCustomDataset } from '../train/datasets/custom.js';
import { DATASET_INFO, datasetInfo, datasetLabel, datasetStatus, defaultValSize } from '../train/datasets/registry.js';
import { jointHardwareSpec } from './joint-stages.js';


/** Whether hardware model `model` counts LUTs (a LUT budget means nothing to the others). */
export function countsLuts(model: string): boolean {
  return Object.hasOwn(HARDWARE_MODELS, model) && HARDWARE_MODELS[model as HardwareModelName].metrics.includes('luts');
}

/** The hardware models that describe the MobileNet-like edge spaces' layers. */
export const EDGE_SPACE_MODELS: readonly string[] = ['edge'];

/** Genomes mapped to learn which metrics the hardware model reports for this space and spec. */
export const METRIC_PROBES = 16;

/** The metrics the hardware stage reports on a seeded sample of `space` (what a model reports depends on it). */
export async function hardwareMetricsOf(c: SearchConfig, space: SearchSpace): Promise<string[]> {
  const stage = new ModelHardwareStage({ space, spec: jointHardwareSpec(c), model: c.hardware.model as HardwareModelName });
  const rng = Rng.fromSeed(c.seed).fork('preflight-metrics');
  const outcomes = await stage.evaluate(Array.from({ length: METRIC_PROBES }, () => space.sample(rng)));
  return [...new Set(outcomes.flatMap((o) => Object.keys(o.metrics)))].sort();
}

const shape = (s: readonly number[]) => s.join('×');

// The spec fields hardware/model.ts names differently from the search configuration.

/**
 * Every issue of a validated joint configuration (`c` after the schema and, for a new run, the joint defaults),
 * each with the path of the bad value; `objectives` are the ones the run will use, `spaceOf` gives its space
 * (run-joint.ts jointSpace; a thunk, since a custom dataset must be readable to shape it).
 */
export async function jointConfigIssues(c: SearchConfig, objectives: readonly Objective[], spaceOf: (c: SearchConfig) => SearchSpace): Promise<Issue[]> {
  const issues: Issue[] = [];
  const model = c.hardware.model;
  const modelKnown = (HARDWARE_MODEL_NAMES as readonly string[]).includes(model);
  if (!modelKnown) issues.push({ path: 'hardware.model', message: `unknown hardware model "${model}"; known: ${HARDWARE_MODEL_NAMES.join(', ')}` });
  let specOk = true;
  try {
    parseHardwareSpec(jointHardwareSpec(c), 'hardware');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    specOk = false;
    issues.push(...err.issues);
  }
  if (modelKnown && c.hardware.lutBudget !== undefined && !countsLuts(model)) {
    issues.push({ path: 'hardware.lutBudget', message: `hardware model ${model} does not count LUTs (it counts DSPs and block RAM), so a LUT budget would be ignored; remove it` });
  }

  // The space must take the dataset's images. A custom dataset is read here (a bad directory is an issue now,
  // not a failure per trial) and reshapes the space to its images.
  let data: { shape: readonly [number, number, number]; classes: number; train: number } | null = null;
  if (isCustomDataset(c.dataset)) {
    try {
      data = datasetInfo(c.dataset);
    } catch (err) {
      if (!(err instanceof HwnasError)) throw err;
      issues.push({ path: 'dataset.path', message: err.message });
    }
    if (c.space !== undefined && !SHAPEABLE_PRESETS.includes(c.space)) {
      issues.push({ path: 'space', message: `${c.space} cannot take your dataset's images; use one of ${SHAPEABLE_PRESETS.join(', ')} (or leave space out)` });
    }
    if (c.executor?.kind === 'redis') {
      issues.push({ path: 'executor.kind', message: 'your own dataset trains on local workers only (remote workers cannot read its directory); use the local executor' });
    }
  } else {
    data = DATASET_INFO[c.dataset];
    const spaceName: PresetName = c.space ?? (c.dataset === 'cifar10' ? 'lu2019-cifar10' : 'lu2019-mnist');
    const meta = presetSpace(spaceName).meta;
    // MobileNet-like networks (depthwise, residual, global pooling) have a hardware view only on the edge model.
    if (meta.family === 'edge-mbnet' && modelKnown && !EDGE_SPACE_MODELS.includes(model)) {
      issues.push({ path: 'hardware.model', message: `${spaceName} has depthwise, residual and global-pooling layers, which hardware model ${model} does not describe; use ${EDGE_SPACE_MODELS.join(' or ')} (--model edge)` });
    }
    if (meta.input && shape(meta.input) !== shape(data.shape)) {
      const fits = c.dataset === 'cifar10' ? 'lu2019-cifar10' : 'lu2019-mnist';
      issues.push({
        path: 'space',
        message: `${spaceName} takes ${shape(meta.input)} images but dataset ${c.dataset} has ${shape(data.shape)}: every trained child would fail; use "${fits}" (or leave space out: it follows the dataset)`,
      });
    } else if (meta.classes !== undefined && meta.classes !== data.classes) {
      issues.push({ path: 'space', message: `${spaceName} has ${meta.classes} output classes but dataset ${c.dataset} has ${data.classes}` });
    }
    const status = datasetStatus(c.dataset);
    if (!status.ready) issues.push({ path: 'dataset', message: `${c.dataset} is not available in ${status.where}; run \`${status.howto}\` first` });
  }

  // Objectives on metrics nothing produces give an empty front after hours of training: the hardware model's
  // metrics are those it reports on a sample of the space (they depend on the model, the space and the spec).
  if (modelKnown && specOk && data && !issues.some((i) => i.path === 'space' || i.path === 'hardware.model')) {
    let hardware: string[] | null = null;
    try {
      hardware = await hardwareMetricsOf(c, spaceOf(c));
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else if (err instanceof HwnasError) issues.push({ path: 'hardware.model', message: `${model} cannot map this space: ${err.message}` });
      else throw err;
    }
    if (hardware) {
      const known = new Set<string>([...TRAINING_METRICS, ...hardware]);
      objectives.forEach((o, i) => {
        if (known.has(o.metric)) return;
        issues.push({
          path: c.objectives ? `objectives.${i}.metric` : 'objectives',
          message:
            `no stage produces "${o.metric}"${c.objectives ? '' : ' (a default objective)'}: training reports ${TRAINING_METRICS.join(', ')}; ` +
            `hardware model ${model} reports ${hardware!.join(', ')}${c.objectives ? '' : '; give "objectives" in the configuration'}`,
        });
      });
    }
  }

  // Successive halving ranks a rung by what training measures; objectives of hardware alone give it nothing to rank.
  if (c.fidelity && c.fidelity.method !== 'none' && !rungObjective(objectives)) {
    issues.push({ path: 'fidelity.method', message: `ranks children by an objective training measures (${TRAINING_METRICS.join(', ')}), and the objectives (${objectives.map((o) => o.metric).join(', ')}) have none; add one or leave out --fidelity` });
  }

  // Subsets larger than the splits would be cut without a word.
  if (data) {
    const valSplit = defaultValSize(data.train);
    const trainSplit = data.train - valSplit;
    const label = datasetLabel(c.dataset);
    // A user's dataset may be smaller than the default subsets: those (not values the user gave) then mean "all".
    const defaults = trainingConfigSchema.parse({});
    const given = (k: 'valSubset' | 'trainSubset') => !isCustomDataset(c.dataset) || c.training[k] !== defaults[k];
    if (c.training.valSubset > valSplit && given('valSubset')) {
      issues.push({ path: 'training.valSubset', message: `must be at most ${valSplit} (the validation split carved from ${label}'s ${data.train} training images), got ${c.training.valSubset}` });
    }
    if (c.training.trainSubset > trainSplit && given('trainSubset')) {
      issues.push({ path: 'training.trainSubset', message: `must be at most ${trainSplit} (${label}'s training images left after the validation split; 0 = all of them), got ${c.training.trainSubset}` });
    }
  }

  if (c.training.backend === 'tfjs-node' && !resolvable('@tensorflow/tfjs-node')) {
    issues.push({
      path: 'training.backend',
      message: '"tfjs-node" needs the optional package @tensorflow/tfjs-node, which is not installed here (npm install @tensorflow/tfjs-node --no-save --ignore-scripts=false: its install script downloads libtensorflow); use "auto" or "wasm"',
    });
  }
  return issues;
}

/** Throws one ConfigError listing every issue of {@link jointConfigIssues}. */
export async function assertJointConfig(c: SearchConfig, objectives: readonly Objective[], spaceOf: (c: SearchConfig) => SearchSpace, context = 'invalid search configuration'): Promise<void> {
  const issues = await jointConfigIssues(c, objectives, spaceOf);
  if (issues.length > 0) throw new ConfigError(issues, context);
}

function resolvable(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
