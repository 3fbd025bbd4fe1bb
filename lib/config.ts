/**
 * The search configuration: one zod schema over space, strategy options, spec, device, dataset and budgets.
 * A config file (`--config search.json`) and command-line flags both end up here; flags override the file;
 * every issue is reported at once with its path.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError, type Issue } from './errors.js';
import { zodIssues } from './validate.js';
import { TRAINING_BACKENDS, TRAINING_DEFAULTS } from './train/defaults.js';
import { STRATEGY_NAMES, parseStrategyOptions } from '../strategies/registry.js';
import { PROBLEM_NAMES } from '../problems/index.js';
import { deviceRefSchema } from '../hardware/device.js';
import { DEFAULT_HARDWARE_MODEL, HARDWARE_MODEL_NAMES, hardwareSpecSchema, type HardwareModelName } from '../hardware/model.js';
import { redisExecutorConfigSchema } from './eval/redis/options.js';
import { datasetRefSchema } from './train/datasets/registry.js';
import { WARM_DEFAULT_IMAGES } from './zoo/defaults.js';
import { fidelityConfigSchema, fidelityIssues } from './eval/fidelity/options.js';

/** Datasets the joint search trains on. */
export const JOINT_DATASETS = ['mnist', 'fashion-mnist', 'cifar10'] as const;

/** Spaces the joint search runs over (lu2019 family). */
export const JOINT_SPACES = ['lu2019-mnist', 'lu2019-cifar10', 'lu2019-mnist-float', 'lu2019-cifar10-float', 'lu2019-fmnist', 'lu2019-fmnist-float', 'coexplore-mnist', 'coexplore-cifar10', 'hotnas-mnist', 'hotnas-cifar10', 'edge-mbnet-reduced'] as const;

const objectiveSchema = z
  .object({ metric: z.string().min(1), direction: z.enum(['minimize', 'maximize']) })
  .strict();


/**
 * The hardware block of a search: the one hardware spec schema (hardware/spec.ts: device, budgets,
 * throughput, latency, energy, area …) plus the model that measures designs against it.
 */
export const hardwareConfigSchema = hardwareSpecSchema.extend({
  /** Hardware model (hardware/model.ts registry). */
  model: z
    .enum(HARDWARE_MODEL_NAMES as [HardwareModelName, ...HardwareModelName[]], { error: (iss) => `unknown hardware model ${JSON.stringify(iss.input)}; known: ${HARDWARE_MODEL_NAMES.join(', ')}` })
    .default(DEFAULT_HARDWARE_MODEL),
  /** Catalog device name, or a custom device object. */
  device: deviceRefSchema.default('ep4ce115'),
});

/** Proxy training of each feasible child. */
export const trainingConfigSchema = z
  .object({
    epochs: z.number().int().min(1).default(TRAINING_DEFAULTS.epochs),
    /** Training images used (a seeded subset of the training split; 0 = all). */
    trainSubset: z.number().int().min(0).default(10000),
    /** Validation images (carved from the training set by seed). */
    valSubset: z.number().int().min(100).default(1000),
    batchSize: z.number().int().min(1).max(4096).default(TRAINING_DEFAULTS.batchSize),
    learningRate: z.number().positive().max(10).default(TRAINING_DEFAULTS.learningRate),
    batchNorm: z.boolean().default(TRAINING_DEFAULTS.batchNorm),
    /** Training backend: auto (tfjs-node if installed, else wasm); `cpu` only when asked by name. */
    backend: z.enum(TRAINING_BACKENDS).default(TRAINING_DEFAULTS.backend),
  })
  .strict();

/** The whole search configuration. */
export const searchConfigSchema = z
  .object({
    /** A benchmark problem instead of the joint search (no training, no hardware). */
    problem: z.enum(PROBLEM_NAMES as [string, ...string[]]).optional(),
    /** Your own problem, defined in code: a module whose default export is `defineProblem({...})` (absolute path). */
    problemFile: z.string().min(1).optional(),
    /** Your own tabular problem: a CSV whose rows are designs (problems/table.ts). */
    table: z
      .object({
        file: z.string().min(1),
        objectives: z.array(z.object({ column: z.string().min(1), direction: z.enum(['minimize', 'maximize']) }).strict()).min(1),
        /** Decision columns (default: every column that is not an objective). */
        genes: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .optional(),
    /** A built-in dataset's name, or your own data: {path, kind?, channels?} (lib/train/datasets/custom.ts). */
    dataset: datasetRefSchema.default('mnist'),
    /** Space preset; default lu2019-mnist for MNIST-shaped data, lu2019-cifar10 for CIFAR-10. */
    space: z.enum(JOINT_SPACES).optional(),
    hardware: hardwareConfigSchema.prefault({}),
    training: trainingConfigSchema.default(trainingConfigSchema.parse({})),
    /** Multi-fidelity training of the children (lib/eval/fidelity): sha, hyperband, asha; absent = none. */
    fidelity: fidelityConfigSchema.optional(),
    strategy: z
      .object({
        name: z.enum(STRATEGY_NAMES as [string, ...string[]]).default('reinforce'),
        options: z.record(z.string(), z.unknown()).default({}),
      })
      .strict()
      .default({ name: 'reinforce', options: {} }),
    /** Objectives; default for the joint search: accuracy ↑, throughput ↑, LUTs ↓. */
    objectives: z.array(objectiveSchema).min(1).optional(),
    budget: z
      .object({
        trials: z.number().int().min(1).optional(),
        minutes: z.number().positive().optional(),
      })
      .strict()
      .default({}),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    /** Worker threads for training (default: cores). */
    workers: z.number().int().min(1).max(64).optional(),
    /** Where evaluations run: the local thread pool (default) or a Redis queue served by `hwnas worker` processes. */
    executor: z.discriminatedUnion('kind', [z.object({ kind: z.literal('local') }).strict(), redisExecutorConfigSchema]).optional(),
    out: z.string().min(1).optional(),
    /** Hot start from a model zoo (lib/zoo/warm.ts): its genomes first, children inherit and fine-tune on `warmImages` images. */
    zoo: z
      .object({ dir: z.string().min(1), warmImages: z.number().int().min(1).default(WARM_DEFAULT_IMAGES), digest: z.string().optional() })
      .strict()
      .optional(),
  })
  .strict();

/** A validated search configuration (defaults filled in). */
export type SearchConfig = z.output<typeof searchConfigSchema>;
/** A search configuration as written by a user. */
export type SearchConfigInput = z.input<typeof searchConfigSchema>;

/** Deep merge of plain objects: `over` wins; arrays are replaced, not merged. */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return over;
  if (typeof over !== 'object' || over === null || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = mergeConfig(out[k], v);
  return out;
}

/** What a JSON value is, in words (`an array`, `null`, `a number`). */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/**
 * Reads a JSON config file that must hold one object; issues (missing file, not a file, bad JSON, not an object)
 * are reported with `flag` as path. Returns `{}` when there is an issue.
 */
export function readConfigFile(file: string, issues: Issue[], flag = '--config'): Record<string, unknown> {
  let text: string;
  try {
    if (!fs.statSync(file).isFile()) {
      issues.push({ path: flag, message: `${file} is not a file` });
      return {};
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    issues.push({ path: flag, message: code === 'ENOENT' ? `file ${file} does not exist` : `cannot read ${file} (${code ?? (err as Error).message})` });
    return {};
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    issues.push({ path: flag, message: `${file} is not valid JSON: ${(err as Error).message}` });
    return {};
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    issues.push({ path: flag, message: `${file} must hold a JSON object ({ … }, see \`hwnas config --print-default\`), got ${kindOf(v)}` });
    return {};
  }
  return v as Record<string, unknown>;
}

/** Validates a raw config (file merged with flags): every issue at once, strategy options included. */
export function parseSearchConfig(raw: unknown, issues: Issue[] = []): SearchConfig {
  const r = searchConfigSchema.safeParse(raw);
  if (!r.success) issues.push(...zodIssues(r.error, ''));
  if (r.success) {
    try {
      parseStrategyOptions(r.data.strategy.name, r.data.strategy.options, 'strategy.options');
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  }
  if (r.success) {
    const given = (['problem', 'problemFile', 'table'] as const).filter((k) => r.data[k] !== undefined);
    if (given.length > 1) issues.push({ path: given[1], message: `cannot be combined with ${given[0]}: a search runs one problem` });
    const f = r.data.fidelity;
    if (f && f.method !== 'none') {
      if (given.length > 0) issues.push({ path: 'fidelity.method', message: `applies to the joint search only (it scales the children's training); a ${given[0]} search trains nothing` });
      else issues.push(...fidelityIssues(f, { images: r.data.training.trainSubset || undefined, epochs: r.data.training.epochs }));
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, 'invalid search configuration');
  return r.data!;
}

/** The complete default configuration of the main job, as `hwnas config --print-default` prints it. */
export function defaultSearchConfig(): SearchConfig {
  return parseSearchConfig({});
}
