/**
 * `hwnas compare`: the joint search and the separate baselines, with several strategies, over seeds and specs,
 * each with the same budget of trained children; one table (JSON, Markdown) and every run's studies on disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { hardwareSpecSchema } from '../../hardware/model.js';
import { hardwareConfigSchema, JOINT_DATASETS, JOINT_SPACES, searchConfigSchema, trainingConfigSchema, type SearchConfig } from '../config.js';
import { STRATEGY_NAMES, parseStrategyOptions } from '../../strategies/registry.js';
import { ConfigError, HwnasError, type Issue } from '../errors.js';
import { parseOrThrow } from '../validate.js';
import { fidelityConfigSchema } from '../eval/fidelity/options.js';
import { FIXED_ARCHITECTURE_RULES, METHODS, fixedArchitectureOf, runMethod, type MethodResult } from './baselines.js';
import { createJointStages, createTrainingPool } from './joint-stages.js';
import { defaultJointObjectives, jointConstraints, jointHypervolumeSpec, jointSpace } from './run-joint.js';
import { writeJsonAtomic } from './run-dir.js';
import { restrictSpace } from '../space/restrict.js';
import { withTrainingMemo, type TrainingMemo } from './training-memo.js';
import { jointConfigIssues } from './joint-check.js';
import { DATASET_INFO, DEFAULT_VAL_SIZE } from '../train/datasets/registry.js';
import { SILENT, type ProgressSink } from './progress.js';

/** The bounds a compared spec sets: the hardware spec's own fields (hardware/spec.ts), with a name. */
const SPEC_BOUNDS = { lutBudget: true, dspBudget: true, bramBudgetBits: true, minThroughput: true, maxLatencyMs: true, maxEnergyNj: true, maxAreaUm2: true, minGopsPerW: true, portBitsBudget: true } as const;
const specSchema = hardwareSpecSchema
  .pick(SPEC_BOUNDS)
  .extend({ name: z.string().regex(/^[\w.-]+$/, 'use letters, digits, dot, dash, underscore') });

/** Configuration of a comparison. */
export const compareConfigSchema = z
  .object({
    dataset: z.enum(JOINT_DATASETS).default('mnist'),
    space: z.enum(JOINT_SPACES).optional(),
    hardware: hardwareConfigSchema.omit(SPEC_BOUNDS).prefault({}),
    specs: z.array(specSchema).min(1).default([
      { name: 'strict', lutBudget: 30_000, minThroughput: 1_000 },
      { name: 'loose', lutBudget: 100_000, minThroughput: 500 },
    ]),
    strategies: z.array(z.enum(STRATEGY_NAMES as [string, ...string[]])).min(1).default(['random', 'nsga2', 'reinforce']),
    strategyOptions: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /** Default: Lu et al.'s four; `fixed-hardware` (FNAS-style) needs a space with hardware genes (coexplore-*). */
    methods: z.array(z.enum(METHODS)).min(1).default(METHODS.filter((m) => m !== 'fixed-hardware')),
    seeds: z.array(z.number().int().min(0)).min(1).default([1]),
    /**
     * Fixed architecture of `quant-only`: `median` (the space's median-size architecture by MACs, a choice made
     * without knowing the spec), `mid` (deepest, middle width, 3×3), or its architecture genes.
     */
    fixedArchitecture: z.union([z.enum(FIXED_ARCHITECTURE_RULES), z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]))]).default('median'),
    /** Multi-fidelity training of every method's children (lib/eval/fidelity); absent = none. */
    fidelity: fidelityConfigSchema.optional(),
    /** Trained children per method run (the fair budget). */
    trained: z.number().int().min(2).default(12),
    training: trainingConfigSchema.default(trainingConfigSchema.parse({})),
    workers: z.number().int().min(1).max(64).optional(),
    out: z.string().min(1).default('runs/compare'),
  })
  .strict();

/** A validated comparison configuration. */
export type CompareConfig = z.output<typeof compareConfigSchema>;

/** Validates a comparison configuration (strategy options included), every issue at once. */
export function parseCompareConfig(raw: unknown): CompareConfig {
  const c = parseOrThrow(compareConfigSchema, raw, '', 'invalid comparison configuration');
  const issues = [];
  for (const [name, options] of Object.entries(c.strategyOptions)) {
    try {
      parseStrategyOptions(name, options, `strategyOptions.${name}`);
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, 'invalid comparison configuration');
  return c;
}

/**
 * Every issue of a comparison that the joint pre-flight finds (lib/search/joint-check.ts) for any of its specs,
 * with paths in the comparison's terms (`specs.1.luts`).
 */
export async function compareConfigIssues(c: CompareConfig): Promise<Issue[]> {
  const seen = new Map<string, Issue>();
  for (const [i, spec] of c.specs.entries()) {
    for (const issue of await jointConfigIssues(searchConfigFor(c, spec, c.strategies[0], c.seeds[0]), defaultJointObjectives(c.hardware.model), jointSpace)) {
      const p = issue.path.replace(/^hardware\.(luts|throughput|latencyMs)/, `specs.${i}.$1`).replace(/^objectives$/, 'objectives (of every method)');
      seen.set(`${p}\u0000${issue.message}`, { path: p, message: issue.message });
    }
  }
  if (c.methods.includes('quant-only')) {
    // The fixed architecture of quant-only must be one of the space's (checked as the method will pin it).
    const space = jointSpace(searchConfigFor(c, c.specs[0], c.strategies[0], c.seeds[0]));
    try {
      restrictSpace(space, fixedArchitectureOf(space, c.fixedArchitecture), 'fixed');
    } catch (err) {
      if (err instanceof ConfigError) for (const i of err.issues) seen.set(i.path, { path: i.path.replace(/^fixed\./, 'fixedArchitecture.'), message: i.message });
      else if (err instanceof HwnasError) seen.set('fixedArchitecture', { path: 'fixedArchitecture', message: err.message.replace(/^fixedArchitecture: /, '') });
      else throw err;
    }
  }
  return [...seen.values()];
}

/**
 * Training rates measured by `npm run bench:train` on one thread of a 2-core machine (README, benchmarks):
 * net (a) on 28×28×1 images 2,424 img/s, net (b) on 32×32×3 images 446 img/s. Children of the lu2019 spaces
 * reach up to ~135k parameters, several times net (a): measured here at 60–70 img/s on a machine loaded 11×
 * over its cores, i.e. ~700 img/s idle. So the estimate spans the bench rate to a tenth of it.
 */
export const BENCH_TRAIN_IMG_PER_S: Readonly<Record<string, number>> = { mnist: 2424, 'fashion-mnist': 2424, cifar10: 446 };
/** Slowest children relative to the bench net (see {@link BENCH_TRAIN_IMG_PER_S}). */
const SLOWEST_CHILD_FACTOR = 10;

/** What a comparison will cost, before it starts: runs, trainings and a rough duration range. */
export interface CompareEstimate {
  readonly runs: number;
  readonly trainings: number;
  readonly imagesPerTraining: number;
  readonly workers: number;
  /** How much busier the machine is than its cores (1 = idle or less): other processes slow training down. */
  readonly load: number;
  readonly minutes: readonly [number, number];
  readonly text: string;
}

/** A rough duration of a comparison from its size, the bench:train rates and the machine's current load. */
export function compareEstimate(
  c: CompareConfig,
  workers = c.workers ?? Math.max(1, os.availableParallelism()),
  load = Math.max(1, os.loadavg()[0] / os.availableParallelism()),
): CompareEstimate {
  const runs = c.specs.length * c.methods.length * c.strategies.length * c.seeds.length;
  const trainings = runs * c.trained;
  const info = typeof c.dataset === 'string' ? DATASET_INFO[c.dataset] : null;
  const split = info ? info.train - DEFAULT_VAL_SIZE : c.training.trainSubset || 10_000;
  // Validation is a forward pass only: about a third of a training step per image.
  const imagesPerTraining = (c.training.trainSubset === 0 ? split : Math.min(c.training.trainSubset, split)) * c.training.epochs + c.training.valSubset / 3;
  const rate = BENCH_TRAIN_IMG_PER_S[typeof c.dataset === 'string' ? c.dataset : 'mnist'] ?? BENCH_TRAIN_IMG_PER_S.mnist;
  const seconds = (trainings * imagesPerTraining * load) / (rate * Math.min(workers, os.availableParallelism()));
  const minutes: [number, number] = [seconds / 60, (SLOWEST_CHILD_FACTOR * seconds) / 60];
  const n = (k: number, word: string, one = '', many = 's') => `${k} ${word}${k === 1 ? one : many}`;
  const fmt = (m: number) => (m < 1 ? `${Math.max(1, Math.round(m * 60))} s` : m < 90 ? `${Math.round(m)} min` : `${(m / 60).toFixed(1)} h`);
  const text =
    `${n(runs, 'run')} (${n(c.specs.length, 'spec')} × ${n(c.methods.length, 'method')} × ${n(c.strategies.length, 'strateg', 'y', 'ies')} × ${n(c.seeds.length, 'seed')}) × ` +
    `${c.trained} trained children = ${trainings} trainings of ${Math.round(imagesPerTraining)} images; ` +
    `estimated ${fmt(minutes[0])} to ${fmt(minutes[1])} on ${n(workers, 'worker')}` +
    (load > 1.2 ? ` (the machine is busy: load ${load.toFixed(1)}× its cores)` : '') +
    ` — from bench:train's ${rate} img/s per thread, to a tenth of it for the largest children`;
  return { runs, trainings, imagesPerTraining, workers, load, minutes, text };
}

/** One row of the comparison table. */
export interface CompareRow extends MethodResult {
  readonly spec: string;
}

function searchConfigFor(c: CompareConfig, spec: CompareConfig['specs'][number], strategy: string, seed: number): SearchConfig {
  return searchConfigSchema.parse({
    dataset: c.dataset,
    space: c.space,
    hardware: { ...c.hardware, ...Object.fromEntries(Object.entries(spec).filter(([k]) => k !== 'name')) },
    training: c.training,
    ...(c.fidelity ? { fidelity: c.fidelity } : {}),
    strategy: { name: strategy, options: c.strategyOptions[strategy] ?? {} },
    seed,
    workers: c.workers,
  });
}

const pct = (v: number | undefined) => (v === undefined ? '—' : `${(v * 100).toFixed(2)}%`);

/** The comparison table as Markdown. */
export function compareTable(rows: readonly CompareRow[]): string {
  const head = '| spec | method | strategy | seed | best feasible accuracy | throughput (img/s) | LUTs | trials | trained | wall (s) |';
  const sep = '|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((r) =>
    `| ${r.spec} | ${r.method} | ${r.strategy} | ${r.seed} | ${r.best ? pct(r.best.accuracy) : 'no feasible design'} | ${r.best ? Math.round(r.best.throughput) : '—'} | ${r.best ? Math.round(r.best.luts) : '—'} | ${r.trials} | ${r.trained} | ${(r.wallMs / 1000).toFixed(1)} |`,
  );
  return [head, sep, ...lines].join('\n');
}

/** Runs every (spec, method, strategy, seed) and writes `results.json` and `table.md` into `c.out`. */
export async function runCompare(c: CompareConfig, progress: ProgressSink = SILENT, signal?: AbortSignal): Promise<CompareRow[]> {
  fs.mkdirSync(c.out, { recursive: true });
  const rows: CompareRow[] = [];
  const total = c.specs.length * c.methods.length * c.strategies.length * c.seeds.length;
  const base = searchConfigFor(c, c.specs[0], c.strategies[0], c.seeds[0]);
  const space = jointSpace(base);
  // A bad fixed architecture fails here, before anything trains.
  const fixedArchitecture = c.methods.includes('quant-only') ? fixedArchitectureOf(space, c.fixedArchitecture) : undefined;
  const pool = createTrainingPool(base);
  // The spec-independent NAS phases train the same children for every spec: train each once (training-memo.ts).
  const memo: TrainingMemo = new Map();
  try {
    for (const spec of c.specs) {
      for (const method of c.methods) {
        for (const strategy of c.strategies) {
          for (const seed of c.seeds) {
            const sc = searchConfigFor(c, spec, strategy, seed);
            const dir = path.join(c.out, spec.name, method, `${strategy}-s${seed}`);
            // Each method's studies live in subdirectories of `dir`; their models go there too.
            const stages = withTrainingMemo(await createJointStages(sc, space, dir, pool), memo);
            const r = await runMethod(method, {
              space,
              stages,
              constraints: jointConstraints(sc),
              objectives: defaultJointObjectives(c.hardware.model),
              hypervolume: jointHypervolumeSpec(defaultJointObjectives(c.hardware.model), sc, space),
              strategy: sc.strategy,
              seed,
              trained: c.trained,
              fixedArchitecture,
              fidelity: sc.fidelity,
              dir,
              // What a joint run records, so `hwnas train --run <phase dir>` retrains a design found here.
              meta: { dataset: sc.dataset, config: sc },
              signal,
            });
            await stages.close();
            rows.push({ spec: spec.name, ...r });
            writeJsonAtomic(path.join(c.out, 'results.json'), { config: c, ...(fixedArchitecture ? { quantOnlyArchitecture: fixedArchitecture } : {}), rows });
            fs.writeFileSync(path.join(c.out, 'table.md'), compareTable(rows) + '\n');
            progress.update({ done: rows.length, total, fields: { last: `${spec.name}/${method}/${strategy}/s${seed}`, best: r.best ? pct(r.best.accuracy) : 'none' } });
          }
        }
      }
    }
  } finally {
    progress.stop();
    await pool.pool.close();
  }
  return rows;
}

