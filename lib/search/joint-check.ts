/**
 * The checks of a joint search configuration that need its parts together — space and dataset, hardware model
 * and spec, objectives and the metrics the stages produce, training options and the dataset's splits, the
 * training backend and the machine — so that a mistake stops the run before anything is written or trained
 * (the pre-flight), and `hwnas config --check` finds exactly what `hwnas search` would refuse.
 */
import { createRequire } from 'node:module';
import { ConfigError, type Issue } from '../errors.js';
import { trainingConfigSchema, type SearchConfig } from '../config.js';
import type { Objective } from '../trial/index.js';
import { presetSpace, SHAPEABLE_PRESETS, type PresetName } from '../space/index.js';
import { HARDWARE_MODELS, HARDWARE_MODEL_NAMES, parseHardwareSpec } from '../../hardware/model.js';
import { HwnasError } from '../errors.js';
import { isCustomDataset } from '../train/datasets/custom.js';
import { DATASET_INFO, datasetInfo, datasetLabel, datasetStatus, defaultValSize } from '../train/datasets/registry.js';

/**
 * Metrics a trained child reports (PoolTrainingStage in joint-stages.ts; `testAccuracy` only when the test
 * split is scored). Keep in step with it.
 */
export const TRAINING_METRICS = ['accuracy', 'trainLoss', 'parameters', 'trainImagesPerS', 'testAccuracy'] as const;

/** Metrics a hardware report can carry (hardware/model.ts reportMetrics); `luts` only for models that count LUTs. */
export function hardwareMetrics(model: string): string[] {
  const m = (HARDWARE_MODELS as Record<string, { countsLuts: boolean }>)[model];
  // The tiling models also estimate energy (hardware/fpga-energy.ts); designs from hardware genes add port bits.
  const energy = model === 'fnas-tiling' || model === 'multi-fpga' ? ['energyNj', 'powerW', 'gopsPerW', 'portBits'] : [];
  return [...(m?.countsLuts ? ['luts'] : []), 'dsps', 'bramBits', 'cycles', 'latencyMs', 'throughput', ...energy];
}

const shape = (s: readonly number[]) => s.join('×');

// The spec fields hardware/model.ts names differently from the search configuration.
const SPEC_PATH: Record<string, string> = { lutBudget: 'luts', minThroughput: 'throughput', maxLatencyMs: 'latencyMs' };

/**
 * Every issue of a validated joint configuration (`c` after the schema and, for a new run, the joint defaults),
 * each with the path of the bad value; `objectives` are the ones the run will use.
 */
export function jointConfigIssues(c: SearchConfig, objectives: readonly Objective[]): Issue[] {
  const issues: Issue[] = [];
  const model = c.hardware.model;
  const modelKnown = (HARDWARE_MODEL_NAMES as readonly string[]).includes(model);
  if (!modelKnown) issues.push({ path: 'hardware.model', message: `unknown hardware model "${model}"; known: ${HARDWARE_MODEL_NAMES.join(', ')}` });
  try {
    parseHardwareSpec(
      { device: c.hardware.device, lutBudget: c.hardware.luts, minThroughput: c.hardware.throughput, maxLatencyMs: c.hardware.latencyMs, clockMHz: c.hardware.clockMHz },
      'hardware',
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues.map((i) => ({ ...i, path: i.path.replace(/^hardware\.(\w+)/, (_, k: string) => `hardware.${SPEC_PATH[k] ?? k}`) })));
  }
  if (modelKnown && c.hardware.luts !== undefined && !hardwareMetrics(model).includes('luts')) {
    issues.push({ path: 'hardware.luts', message: `hardware model ${model} does not count LUTs (it counts DSPs and block RAM), so a LUT budget would be ignored; remove it` });
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

  // Objectives on metrics nothing produces give an empty front after hours of training.
  if (modelKnown) {
    const known = new Set<string>([...TRAINING_METRICS, ...hardwareMetrics(model)]);
    objectives.forEach((o, i) => {
      if (known.has(o.metric)) return;
      issues.push({
        path: c.objectives ? `objectives.${i}.metric` : 'objectives',
        message:
          `no stage produces "${o.metric}"${c.objectives ? '' : ' (a default objective)'}: training reports ${TRAINING_METRICS.join(', ')}; ` +
          `hardware model ${model} reports ${hardwareMetrics(model).join(', ')}`,
      });
    });
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
      message: '"tfjs-node" needs the optional package @tensorflow/tfjs-node, which is not installed here (npm install @tensorflow/tfjs-node; it downloads libtensorflow); use "auto" or "wasm"',
    });
  }
  return issues;
}

/** Throws one ConfigError listing every issue of {@link jointConfigIssues}. */
export function assertJointConfig(c: SearchConfig, objectives: readonly Objective[], context = 'invalid search configuration'): void {
  const issues = jointConfigIssues(c, objectives);
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
