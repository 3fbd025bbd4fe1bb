/**
 * bench:joint — the experiment of Lu et al. 2019 at reduced scale. For a strict and a loose spec, on MNIST and
 * (when prepared) CIFAR-10: the best feasible accuracy of the joint search against each separate baseline with
 * the same budget of trained children (anchor = the baseline, measured in this run); and the speedup of
 * two-stage evaluation over training every child (anchor = training every child, in this run; FNAS reported
 * up to 11.13×). One JSON line per case (DESIGN §8). Scale with BENCH_TRAINED, BENCH_SEEDS, BENCH_TRAIN_SUBSET,
 * BENCH_SPEEDUP_TRIALS; BENCH_DATASETS=mnist skips CIFAR-10.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProgressReporter } from '../lib/cli/progress.js';
import { parseCompareConfig, runCompare, type CompareRow } from '../lib/search/compare.js';
import { createJointStages } from '../lib/search/joint-stages.js';
import { JOINT_OBJECTIVES, jointConstraints, jointSpace } from '../lib/search/run-joint.js';
import { searchConfigSchema } from '../lib/config.js';
import { createStudy } from '../lib/study/study.js';
import { MemoryStorage } from '../lib/study/memory-storage.js';
import { TwoStageEvaluator } from '../lib/eval/two-stage.js';
import { datasetStatus } from '../lib/train/datasets/registry.js';

const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
const TRAINED = env('BENCH_TRAINED', 8);
const SEEDS = Array.from({ length: env('BENCH_SEEDS', 1) }, (_, i) => i + 1);
const TRAIN_SUBSET = env('BENCH_TRAIN_SUBSET', 3000);
const SPEEDUP_TRIALS = env('BENCH_SPEEDUP_TRIALS', 24);
const DATASETS = (process.env.BENCH_DATASETS ?? 'mnist,cifar10').split(',');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-bench-joint-'));

const SPECS = {
  mnist: [
    { name: 'strict', lutBudget: 5_000, minThroughput: 10_000 },
    { name: 'loose', lutBudget: 30_000, minThroughput: 1_000 },
  ],
  cifar10: [
    { name: 'strict', lutBudget: 30_000, minThroughput: 1_000 },
    { name: 'loose', lutBudget: 100_000, minThroughput: 500 },
  ],
} as const;

function line(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ bench: 'joint', ...o }) + '\n');
}

async function accuracyCases(dataset: 'mnist' | 'cifar10'): Promise<void> {
  const c = parseCompareConfig({
    dataset,
    specs: SPECS[dataset],
    strategies: ['reinforce'],
    seeds: SEEDS,
    trained: TRAINED,
    training: { trainSubset: TRAIN_SUBSET, valSubset: 500, epochs: 1 },
    out: path.join(out, dataset),
  });
  const rows = await runCompare(c, new ProgressReporter(`bench:joint ${dataset}`, process.stderr.isTTY ? 'bar' : 'lines'));
  for (const spec of c.specs) {
    const of = (m: string) => rows.filter((r: CompareRow) => r.spec === spec.name && r.method === m);
    const mean = (rs: CompareRow[]) => {
      const acc = rs.filter((r) => r.best).map((r) => r.best!.accuracy);
      return acc.length ? acc.reduce((a, b) => a + b, 0) / acc.length : null;
    };
    const joint = of('joint');
    for (const m of ['nas-then-quantize', 'quant-only', 'nas-then-map']) {
      const base = of(m);
      const v = mean(joint);
      const a = mean(base);
      line({
        case: `${dataset}/${spec.name}/joint-vs-${m}`,
        metric: 'best_feasible_accuracy',
        value: v,
        anchor: m,
        anchor_value: a,
        ratio: v !== null && a !== null ? v / a : null,
        higher_is_better: true,
        joint_found_feasible: joint.filter((r) => r.best).length,
        anchor_found_feasible: base.filter((r) => r.best).length,
        runs: joint.length,
        spec,
        trained_budget: TRAINED,
        trained: { joint: joint.map((r) => r.trained), anchor: base.map((r) => r.trained) },
        train_subset: TRAIN_SUBSET,
        ...(a === null ? { note: `${m} found no feasible design` } : {}),
      });
    }
  }
}

/** Same search, same trials: two-stage (prune infeasible) against training every child. */
async function speedupCase(): Promise<void> {
  const sc = searchConfigSchema.parse({
    dataset: 'mnist',
    hardware: { lutBudget: SPECS.mnist[0].lutBudget, minThroughput: SPECS.mnist[0].minThroughput },
    training: { trainSubset: TRAIN_SUBSET, valSubset: 500, epochs: 1 },
    strategy: { name: 'random', options: { batchSize: 4 } },
    seed: 7,
  });
  const space = jointSpace(sc);
  const measure = async (prune: boolean) => {
    const stages = await createJointStages(sc, space, path.join(out, `speedup-${prune}`));
    const study = await createStudy({ space, objectives: JOINT_OBJECTIVES, constraints: jointConstraints(sc), strategy: sc.strategy, seed: sc.seed, storage: new MemoryStorage() });
    const ev = new TwoStageEvaluator({ space, hardware: stages.hardware, training: stages.training, trainConcurrency: stages.trainConcurrency, pruneInfeasible: prune });
    const t0 = performance.now();
    await study.optimize({ evaluator: ev, termination: { trials: SPEEDUP_TRIALS }, concurrency: stages.trainConcurrency });
    const ms = performance.now() - t0;
    await stages.close();
    return { ms, trained: ev.stats.trained, infeasible: study.finishedTrials().filter((t) => t.status === 'infeasible').length };
  };
  const two = await measure(true);
  const all = await measure(false);
  line({
    case: 'mnist/strict/two-stage-speedup',
    metric: 'search_wall_s',
    value: two.ms / 1000,
    anchor: 'train-every-child',
    anchor_value: all.ms / 1000,
    ratio: two.ms / all.ms,
    higher_is_better: false,
    speedup: all.ms / two.ms,
    trials: SPEEDUP_TRIALS,
    children_trained: two.trained,
    anchor_children_trained: all.trained,
    infeasible: two.infeasible,
    paper_reference: 'FNAS reported up to 11.13x',
  });
}

async function main(): Promise<void> {
  await speedupCase();
  if (DATASETS.includes('mnist')) await accuracyCases('mnist');
  if (!DATASETS.includes('cifar10')) return;
  if (datasetStatus('cifar10').ready) await accuracyCases('cifar10');
  else line({ case: 'cifar10', metric: 'best_feasible_accuracy', value: null, anchor: null, anchor_value: null, ratio: null, higher_is_better: true, note: `CIFAR-10 not prepared: run ${datasetStatus('cifar10').howto}` });
  fs.rmSync(out, { recursive: true, force: true });
}

await main();
