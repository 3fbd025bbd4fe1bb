/**
 * bench:fidelity — does multi-fidelity evaluation buy accuracy per trained image? A joint search on MNIST
 * (lu2019-mnist, the default spec, REINFORCE) with successive halving against the same search without it (the
 * anchor, measured in this run), same seed(s), on the same total of trained images: the search without runs
 * BENCH_TRIALS trials; the one with SHA runs until it has trained at least as many images (resumed batch by batch).
 * Cases, one JSON line each (DESIGN §8):
 * - best-accuracy: best feasible (complete, full-budget) accuracy at equal trained images, higher is better;
 * - images-to-target / time-to-target: trained images and wall time each search needed to first reach the lower of
 *   the two best accuracies ("at equal best accuracy"), lower is better.
 * Scale: BENCH_TRIALS (20), BENCH_BATCH (REINFORCE's batch, 10), BENCH_SEEDS (1) or BENCH_SEED_LIST, BENCH_EPOCHS (2), BENCH_TRAIN_SUBSET (10000), BENCH_METHOD (sha),
 * BENCH_ETA (3), BENCH_MIN_BUDGET (1/9), BENCH_WORKERS (cores).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSearchConfig, type SearchConfig } from '../lib/config.js';
import { runJointSearch } from '../lib/search/run-joint.js';
import { readJournalFile } from '../lib/study/journal.js';
import { finishedOf, replayTrials } from '../lib/study/journal.js';
import { isFeasible, type FinishedTrial, type Objective } from '../lib/trial/index.js';
import { twoStageCounts } from '../lib/eval/two-stage.js';

const env = (k: string, d: number): number => {
  const raw = process.env[k];
  if (!raw) return d;
  const frac = /^(\d+)\/(\d+)$/.exec(raw);
  return frac ? Number(frac[1]) / Number(frac[2]) : Number(raw);
};
const TRIALS = env('BENCH_TRIALS', 20);
/** REINFORCE's batch (both searches): SHA's cohort. Its default of 5 leaves ~2 feasible children per batch, too few to halve. */
const BATCH = env('BENCH_BATCH', 10);
/** Seeds 1…BENCH_SEEDS, or the list in BENCH_SEED_LIST (e.g. 2,3). */
const SEEDS = process.env.BENCH_SEED_LIST ? process.env.BENCH_SEED_LIST.split(',').map(Number) : Array.from({ length: env('BENCH_SEEDS', 1) }, (_, i) => i + 1);
const EPOCHS = env('BENCH_EPOCHS', 2);
const TRAIN_SUBSET = env('BENCH_TRAIN_SUBSET', 10_000);
const METHOD = (process.env.BENCH_METHOD ?? 'sha') as 'sha' | 'hyperband' | 'asha';
const ETA = env('BENCH_ETA', 3);
const MIN_BUDGET = env('BENCH_MIN_BUDGET', 1 / 9);
const WORKERS = process.env.BENCH_WORKERS ? Number(process.env.BENCH_WORKERS) : undefined;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-bench-fidelity-'));
const accuracy: Objective = { metric: 'accuracy', direction: 'maximize' };

function line(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ bench: 'fidelity', ...o }) + '\n');
}

interface Run {
  readonly trials: FinishedTrial[];
  readonly wallMs: number;
  readonly startedAt: number;
  readonly trainedImages: number;
  readonly best: number | null;
}

function readRun(dir: string, wallMs: number, startedAt: number): Run {
  const { file, events } = readJournalFile(dir);
  const trials = finishedOf(replayTrials(events, file));
  const feasible = trials.filter((t) => isFeasible(t, [accuracy]));
  return { trials, wallMs, startedAt, trainedImages: twoStageCounts(trials).trainedImages, best: feasible.length ? Math.max(...feasible.map((t) => t.metrics.accuracy)) : null };
}

/** Trials in finishing order with the trained images up to and including each. */
function cumulative(run: Run): { t: FinishedTrial; images: number }[] {
  const ordered = [...run.trials].sort((a, b) => Date.parse(a.finishedAt ?? '') - Date.parse(b.finishedAt ?? '') || a.number - b.number);
  let images = 0;
  return ordered.map((t) => {
    if (t.extra?.cached !== true && typeof t.extra?.trainedImages === 'number') images += t.extra.trainedImages;
    return { t, images };
  });
}

/** Best feasible accuracy among the trials finished while the trained images stayed within `budget`. */
function bestWithin(run: Run, budget: number): number | null {
  const acc = cumulative(run).filter((x) => x.images <= budget && isFeasible(x.t, [accuracy])).map((x) => x.t.metrics.accuracy);
  return acc.length ? Math.max(...acc) : null;
}

/** Trained images and wall time until a feasible full-budget accuracy ≥ target first appeared (in finishing order). */
function toTarget(run: Run, target: number): { images: number; ms: number } | null {
  for (const { t, images } of cumulative(run)) {
    if (isFeasible(t, [accuracy]) && t.metrics.accuracy >= target) return { images, ms: Date.parse(t.finishedAt!) - run.startedAt };
  }
  return null;
}

function config(seed: number, out: string, trials: number, fidelity: boolean): SearchConfig {
  return parseSearchConfig({
    dataset: 'mnist',
    space: 'lu2019-mnist',
    strategy: { name: 'reinforce', options: { batchSize: BATCH } },
    training: { epochs: EPOCHS, trainSubset: TRAIN_SUBSET },
    budget: { trials },
    seed,
    out,
    ...(WORKERS ? { workers: WORKERS } : {}),
    ...(fidelity ? { fidelity: { method: METHOD, eta: ETA, minBudget: MIN_BUDGET } } : {}),
  });
}

async function main(): Promise<void> {
  const load = os.loadavg()[0];
  for (const seed of SEEDS) {
    // The anchor: every feasible child trained at the full budget.
    const dirA = path.join(root, `none-s${seed}`);
    const t0 = Date.now();
    await runJointSearch(config(seed, dirA, TRIALS, false), { resume: false });
    const a = readRun(dirA, Date.now() - t0, t0);

    // Multi-fidelity on at least the anchor's trained images: resumed with a larger trial budget until it gets there.
    const dirB = path.join(root, `${METHOD}-s${seed}`);
    const t1 = Date.now();
    let trials = TRIALS;
    await runJointSearch(config(seed, dirB, trials, true), { resume: false });
    let b = readRun(dirB, Date.now() - t1, t1);
    for (let round = 0; b.trainedImages < a.trainedImages && round < 50; round++) {
      trials += BATCH;
      await runJointSearch(config(seed, dirB, trials, true), { resume: true });
      b = readRun(dirB, Date.now() - t1, t1);
    }

    const common = {
      seed,
      dataset: 'mnist',
      space: 'lu2019-mnist',
      strategy: 'reinforce',
      batch: BATCH,
      method: METHOD,
      eta: ETA,
      min_budget: MIN_BUDGET,
      epochs: EPOCHS,
      train_subset: TRAIN_SUBSET,
      trials: { [METHOD]: b.trials.length, none: a.trials.length },
      trained_children: { [METHOD]: twoStageCounts(b.trials).trained, none: twoStageCounts(a.trials).trained },
      pruned: twoStageCounts(b.trials).pruned,
      full_budget_children: { [METHOD]: b.trials.filter((t) => t.status === 'complete' && t.extra?.cached !== true).length, none: twoStageCounts(a.trials).trained },
      trained_images: { [METHOD]: b.trainedImages, none: a.trainedImages },
      wall_s: { [METHOD]: +(b.wallMs / 1000).toFixed(1), none: +(a.wallMs / 1000).toFixed(1) },
      load_average: +load.toFixed(2),
    };
    const ratio = (v: number | null, w: number | null) => (v !== null && w !== null && w !== 0 ? +(v / w).toFixed(4) : null);
    // Equal trained images: the multi-fidelity search's trials cut where its images pass the anchor's total.
    const bEqual = bestWithin(b, a.trainedImages);
    line({ case: `best-accuracy-s${seed}`, metric: 'best_feasible_accuracy_at_equal_trained_images', value: bEqual, best_over_whole_run: b.best, anchor: 'no multi-fidelity (same run)', anchor_value: a.best, ratio: ratio(bEqual, a.best), higher_is_better: true, ...common, ...(bEqual === null || a.best === null ? { note: 'a search found no feasible design' } : {}) });
    if (a.best === null || b.best === null) continue;
    const target = Math.min(a.best, b.best);
    const ta = toTarget(a, target);
    const tb = toTarget(b, target);
    line({ case: `images-to-target-s${seed}`, metric: 'trained_images_to_reach_target_accuracy', target, value: tb?.images ?? null, anchor: 'no multi-fidelity (same run)', anchor_value: ta?.images ?? null, ratio: ratio(tb?.images ?? null, ta?.images ?? null), higher_is_better: false, ...common });
    line({ case: `time-to-target-s${seed}`, metric: 'wall_s_to_reach_target_accuracy', target, value: tb ? +(tb.ms / 1000).toFixed(1) : null, anchor: 'no multi-fidelity (same run)', anchor_value: ta ? +(ta.ms / 1000).toFixed(1) : null, ratio: ratio(tb?.ms ?? null, ta?.ms ?? null), higher_is_better: false, ...common });
  }
  fs.rmSync(root, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`bench:fidelity: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
