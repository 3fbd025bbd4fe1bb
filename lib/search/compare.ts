/**
 * `hwnas compare`: the joint search and the separate baselines, with several strategies, over seeds and specs,
 * each with the same budget of trained children; one table (JSON, Markdown) and every run's studies on disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { hardwareConfigSchema, JOINT_DATASETS, JOINT_SPACES, searchConfigSchema, trainingConfigSchema, type SearchConfig } from '../config.js';
import { STRATEGY_NAMES, parseStrategyOptions } from '../../strategies/registry.js';
import { ConfigError, type Issue } from '../errors.js';
import { parseOrThrow } from '../validate.js';
import { METHODS, runMethod, type MethodResult } from './baselines.js';
import { createJointStages, createTrainingPool } from './joint-stages.js';
import { JOINT_OBJECTIVES, jointConstraints, jointHypervolumeSpec, jointSpace } from './run-joint.js';
import { writeJsonAtomic } from './run-dir.js';
import { jointConfigIssues } from './joint-check.js';
import { DATASET_INFO, DEFAULT_VAL_SIZE } from '../train/datasets/registry.js';
import { SILENT, type ProgressSink } from './progress.js';

const specSchema = z
  .object({
    name: z.string().regex(/^[\w.-]+$/, 'use letters, digits, dot, dash, underscore'),
    luts: z.number().positive().optional(),
    throughput: z.number().positive().optional(),
    latencyMs: z.number().positive().optional(),
  })
  .strict();

/** Configuration of a comparison. */
export const compareConfigSchema = z
  .object({
    dataset: z.enum(JOINT_DATASETS).default('mnist'),
    space: z.enum(JOINT_SPACES).optional(),
    hardware: hardwareConfigSchema.omit({ luts: true, throughput: true, latencyMs: true }).default({ model: 'lu2019-pipeline', device: 'ep4ce115' }),
    specs: z.array(specSchema).min(1).default([
      { name: 'strict', luts: 30_000, throughput: 1_000 },
      { name: 'loose', luts: 100_000, throughput: 500 },
    ]),
    strategies: z.array(z.enum(STRATEGY_NAMES as [string, ...string[]])).min(1).default(['random', 'nsga2', 'reinforce']),
    strategyOptions: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    methods: z.array(z.enum(METHODS)).min(1).default([...METHODS]),
    seeds: z.array(z.number().int().min(0)).min(1).default([1]),
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
export function compareConfigIssues(c: CompareConfig): Issue[] {
  const seen = new Map<string, Issue>();
  c.specs.forEach((spec, i) => {
    for (const issue of jointConfigIssues(searchConfigFor(c, spec, c.strategies[0], c.seeds[0]), JOINT_OBJECTIVES)) {
      const p = issue.path.replace(/^hardware\.(luts|throughput|latencyMs)/, `specs.${i}.$1`).replace(/^objectives$/, 'objectives (of every method)');
      seen.set(`${p}\u0000${issue.message}`, { path: p, message: issue.message });
    }
  });
  return [...seen.values()];
}

/**
 * Training rates measured by `npm run bench:train` on one thread of a 2-core machine (README, benchmarks):
 * net (a) on 28×28×1 images 2,424 img/s, net (b) on 32×32×3 images 446 img/s. Children of the lu2019 spaces
 * are mostly smaller, some deeper: the estimate spans 1× to 3× that time.
 */
export const BENCH_TRAIN_IMG_PER_S: Readonly<Record<CompareConfig['dataset'], number>> = { mnist: 2424, 'fashion-mnist': 2424, cifar10: 446 };

/** What a comparison will cost, before it starts: runs, trainings and a rough duration range. */
export interface CompareEstimate {
  readonly runs: number;
  readonly trainings: number;
  readonly imagesPerTraining: number;
  readonly workers: number;
  readonly minutes: readonly [number, number];
  readonly text: string;
}

/** A rough duration of a comparison from its size and the bench:train rates ({@link BENCH_TRAIN_IMG_PER_S}). */
export function compareEstimate(c: CompareConfig, workers = c.workers ?? Math.max(1, os.availableParallelism())): CompareEstimate {
  const runs = c.specs.length * c.methods.length * c.strategies.length * c.seeds.length;
  const trainings = runs * c.trained;
  const split = DATASET_INFO[c.dataset].train - DEFAULT_VAL_SIZE;
  // Validation is a forward pass only: about a third of a training step per image.
  const imagesPerTraining = (c.training.trainSubset === 0 ? split : Math.min(c.training.trainSubset, split)) * c.training.epochs + c.training.valSubset / 3;
  const seconds = (trainings * imagesPerTraining) / (BENCH_TRAIN_IMG_PER_S[c.dataset] * workers);
  const minutes: [number, number] = [seconds / 60, (3 * seconds) / 60];
  const n = (k: number, word: string, one = '', many = 's') => `${k} ${word}${k === 1 ? one : many}`;
  const fmt = (m: number) => (m < 1 ? '< 1 min' : m < 90 ? `${Math.round(m)} min` : `${(m / 60).toFixed(1)} h`);
  const text =
    `${runs} runs (${n(c.specs.length, 'spec')} × ${n(c.methods.length, 'method')} × ${n(c.strategies.length, 'strateg', 'y', 'ies')} × ${n(c.seeds.length, 'seed')}) × ` +
    `${c.trained} trained children = ${trainings} trainings of ${Math.round(imagesPerTraining)} images; ` +
    `estimated ${fmt(minutes[0])} to ${fmt(minutes[1])} on ${workers} worker${workers > 1 ? 's' : ''} (from bench:train's ${BENCH_TRAIN_IMG_PER_S[c.dataset]} img/s per thread on ${c.dataset}-sized images)`;
  return { runs, trainings, imagesPerTraining, workers, minutes, text };
}

/** One row of the comparison table. */
export interface CompareRow extends MethodResult {
  readonly spec: string;
}

function searchConfigFor(c: CompareConfig, spec: CompareConfig['specs'][number], strategy: string, seed: number): SearchConfig {
  return searchConfigSchema.parse({
    dataset: c.dataset,
    space: c.space,
    hardware: { ...c.hardware, luts: spec.luts, throughput: spec.throughput, latencyMs: spec.latencyMs },
    training: c.training,
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
  const pool = createTrainingPool(base);
  try {
    for (const spec of c.specs) {
      for (const method of c.methods) {
        for (const strategy of c.strategies) {
          for (const seed of c.seeds) {
            const sc = searchConfigFor(c, spec, strategy, seed);
            const dir = path.join(c.out, spec.name, method, `${strategy}-s${seed}`);
            // Each method's studies live in subdirectories of `dir`; their models go there too.
            const stages = await createJointStages(sc, space, dir, pool);
            const r = await runMethod(method, {
              space,
              stages,
              constraints: jointConstraints(sc),
              objectives: JOINT_OBJECTIVES,
              hypervolume: jointHypervolumeSpec(JOINT_OBJECTIVES, sc),
              strategy: sc.strategy,
              seed,
              trained: c.trained,
              dir,
              signal,
            });
            await stages.close();
            rows.push({ spec: spec.name, ...r });
            writeJsonAtomic(path.join(c.out, 'results.json'), { config: c, rows });
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

