/**
 * `hwnas compare`: the joint search and the separate baselines, with several strategies, over seeds and specs,
 * each with the same budget of trained children; one table (JSON, Markdown) and every run's studies on disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { hardwareConfigSchema, JOINT_DATASETS, JOINT_SPACES, searchConfigSchema, trainingConfigSchema, type SearchConfig } from '../config.js';
import { STRATEGY_NAMES, parseStrategyOptions } from '../../strategies/registry.js';
import { ConfigError } from '../errors.js';
import { parseOrThrow } from '../validate.js';
import { METHODS, runMethod, type MethodResult } from './baselines.js';
import { createJointStages, createTrainingPool } from './joint-stages.js';
import { JOINT_OBJECTIVES, jointConstraints, jointHypervolumeSpec, jointSpace } from './run-joint.js';
import { writeJsonAtomic } from './run-dir.js';
import type { ProgressReporter } from '../cli/progress.js';

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
export async function runCompare(c: CompareConfig, progress: ProgressReporter, signal?: AbortSignal): Promise<CompareRow[]> {
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

