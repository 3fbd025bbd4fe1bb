/**
 * bench:hotnas — HotNAS's hot start (Jiang et al., CODES+ISSS'20; MODELS.md §4.1) against a cold start on the same
 * spec, MNIST, the same strategy, seeds and trial budget. The cold run is the anchor, measured in this run.
 *   1. A model zoo is built once (timed apart: its cost is amortised over every search that starts from it).
 *   2. Per seed: a cold search, and a hot one (`--zoo`: the zoo's networks first, every child inherits from its
 *      nearest zoo model and is fine-tuned on `warmImages` images instead of the cold 2 × 10,000).
 *   3. From the journals: B = the cold run's best feasible accuracy; training time (worker-seconds of training,
 *      the sum of the trials' train times), trained images and wall time until a feasible trial reaches B, in each
 *      run (the cold one: until it found B itself); and the best feasible accuracy at equal wall time (the hot run's
 *      length). HotNAS reports ≈66× less search time (200 → under 3 GPU hours) and +5.79 % top-1 (ImageNet, 5 ms).
 * Target: ≥ 5× less training time to the cold start's best accuracy.
 * Env: BENCH_SEEDS (3), BENCH_TRIALS (16), BENCH_ZOO_MODELS (4), BENCH_ZOO_EPOCHS (1), BENCH_ZOO_SUBSET (0 = the
 * whole training split), BENCH_ZOO_DIR (a zoo built before, e.g. by `hwnas zoo build`: not rebuilt, its recorded
 * training time reported), BENCH_WARM_IMAGES (2000), BENCH_SPACE (hotnas-mnist when its search runs, else
 * lu2019-mnist), BENCH_MODEL (fnas-tiling for hotnas-mnist), BENCH_LATENCY_MS (0.5: the timing spec of the hotnas
 * space, which about half of its designs meet; lu2019-mnist keeps the default LUT and throughput spec), BENCH_WORKERS (2).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProgressReporter } from '../lib/cli/progress.js';
import { JOINT_SPACES, parseSearchConfig, type SearchConfig } from '../lib/config.js';
import { assertJointConfig } from '../lib/search/joint-check.js';
import { defaultJointObjectives, jointSpace, runJointSearch, withJointDefaults } from '../lib/search/run-joint.js';
import { presetSpace } from '../lib/space/index.js';
import { buildZoo } from '../lib/zoo/build.js';
import { WARM_DEFAULT_IMAGES } from '../lib/zoo/defaults.js';
import { openZoo } from '../lib/zoo/manifest.js';

const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
const SEEDS = Array.from({ length: env('BENCH_SEEDS', 3) }, (_, i) => i + 1);
const TRIALS = env('BENCH_TRIALS', 16);
const ZOO_MODELS = env('BENCH_ZOO_MODELS', 4);
const ZOO_EPOCHS = env('BENCH_ZOO_EPOCHS', 1);
const ZOO_SUBSET = env('BENCH_ZOO_SUBSET', 0);
const WARM_IMAGES = env('BENCH_WARM_IMAGES', WARM_DEFAULT_IMAGES);
const WORKERS = env('BENCH_WORKERS', 2);
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-bench-hotnas-'));
const mode = process.stderr.isTTY ? 'bar' : 'lines';
/** HotNAS's figures [paper, MODELS.md §4.1]: 200 GPU hours → under 3 (≥ 66.7×); +5.79 % top-1 at 5 ms. */
const PAPER = { speedup: 200 / 3, topOneGainPoints: 5.79 };

function line(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ bench: 'hotnas', ...o }) + '\n');
}

/** The run's trials in finishing order: wall time from the run's start, and what training each cost. */
interface Finished {
  readonly t: number;
  readonly feasible: boolean;
  readonly accuracy: number;
  readonly trainMs: number;
  readonly images: number;
}

function finishedOf(dir: string): Finished[] {
  const events = fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const t0 = Date.parse(events[0].at);
  return events
    .filter((e) => e.type === 'result')
    .map((e) => {
      const r = e.result;
      const trained = r.extra?.cached !== true && typeof r.extra?.trainMs === 'number';
      return {
        t: (Date.parse(e.at) - t0) / 1000,
        feasible: r.status === 'complete' && typeof r.metrics?.accuracy === 'number',
        accuracy: r.metrics?.accuracy ?? NaN,
        trainMs: trained ? r.extra.trainMs : 0,
        images: trained ? (r.extra.trainedImages ?? 0) : 0,
      };
    });
}

/** Costs until the first feasible trial with accuracy ≥ `target` (null when none reaches it). */
function until(trials: readonly Finished[], target: number): { trainS: number; images: number; wallS: number; trial: number } | null {
  let trainMs = 0;
  let images = 0;
  for (let i = 0; i < trials.length; i++) {
    trainMs += trials[i].trainMs;
    images += trials[i].images;
    if (trials[i].feasible && trials[i].accuracy >= target) return { trainS: trainMs / 1000, images, wallS: trials[i].t, trial: i };
  }
  return null;
}

const best = (trials: readonly Finished[], atS = Infinity) => Math.max(-Infinity, ...trials.filter((x) => x.feasible && x.t <= atS).map((x) => x.accuracy));
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const geomean = (xs: readonly number[]) => (xs.length ? Math.exp(xs.reduce((a, b) => a + Math.log(b), 0) / xs.length) : null);

/** The space of the bench: the hotnas compression space when a search over it passes its pre-flight. */
async function chooseSpace(): Promise<{ space: string; hardware: Record<string, unknown>; note?: string }> {
  const wanted = process.env.BENCH_SPACE ?? 'hotnas-mnist';
  const hotnas = wanted.startsWith('hotnas');
  const model = process.env.BENCH_MODEL ?? (hotnas ? 'fnas-tiling' : undefined);
  const hardware = { ...(model ? { model } : {}), ...(hotnas ? { maxLatencyMs: env('BENCH_LATENCY_MS', 0.5) } : {}) };
  if (!(JOINT_SPACES as readonly string[]).includes(wanted)) return { space: 'lu2019-mnist', hardware: {}, note: `${wanted} is not a search space yet` };
  try {
    const c = withJointDefaults(parseSearchConfig({ space: wanted, hardware, workers: WORKERS }));
    await assertJointConfig(c, c.objectives ?? defaultJointObjectives(c.hardware.model), jointSpace);
    return { space: wanted, hardware };
  } catch (err) {
    if (wanted === 'lu2019-mnist') throw err;
    return { space: 'lu2019-mnist', hardware: {}, note: `${wanted} cannot be searched here yet (${(err as Error).message.replace(/\s+/g, ' ')}); lu2019-mnist instead` };
  }
}

async function main(): Promise<void> {
  const chosen = await chooseSpace();
  const prebuilt = process.env.BENCH_ZOO_DIR;
  const zooDir = prebuilt ? path.resolve(prebuilt) : path.join(out, 'zoo');
  const z = prebuilt
    ? (() => {
        const manifest = openZoo(zooDir).manifest;
        return { manifest, durationMs: manifest.models.reduce((s, m) => s + m.durationMs, 0) };
      })()
    : await buildZoo({
        dir: zooDir,
        dataset: 'mnist',
        space: presetSpace('lu2019-mnist'),
        models: ZOO_MODELS,
        epochs: ZOO_EPOCHS,
        ...(ZOO_SUBSET > 0 ? { trainSubset: ZOO_SUBSET } : {}),
        progress: (label) => new ProgressReporter(`bench:hotnas ${label}`, mode),
      });
  const zooImages = z.manifest.models.reduce((s, m) => s + m.trainedImages, 0);
  const zooTrainS = z.manifest.models.reduce((s, m) => s + m.durationMs, 0) / 1000;

  const runs: { seed: number; cold: Finished[]; hot: Finished[] }[] = [];
  for (const seed of SEEDS) {
    const base = {
      dataset: 'mnist',
      space: chosen.space,
      hardware: chosen.hardware,
      budget: { trials: TRIALS },
      seed,
      workers: WORKERS,
    };
    const run = async (name: string, extra: Record<string, unknown>) => {
      const dir = path.join(out, `${name}-s${seed}`);
      const c: SearchConfig = parseSearchConfig({ ...base, ...extra, out: dir });
      await runJointSearch(c, { resume: false, progress: (label) => new ProgressReporter(`bench:hotnas ${name} s${seed} ${label}`, mode) });
      return finishedOf(dir);
    };
    const cold = await run('cold', {});
    const hot = await run('hot', { zoo: { dir: zooDir, warmImages: WARM_IMAGES } });
    runs.push({ seed, cold, hot });
  }

  const per = runs.map(({ seed, cold, hot }) => {
    const target = best(cold);
    const c = Number.isFinite(target) ? until(cold, target) : null;
    const h = Number.isFinite(target) ? until(hot, target) : null;
    const hotEnd = hot.length ? hot[hot.length - 1].t : 0;
    return {
      seed,
      coldBest: Number.isFinite(target) ? target : null,
      hotBest: Number.isFinite(best(hot)) ? best(hot) : null,
      cold: c,
      hot: h,
      equalTimeS: hotEnd,
      coldAtEqualTime: Number.isFinite(best(cold, hotEnd)) ? best(cold, hotEnd) : null,
      hotAtEqualTime: Number.isFinite(best(hot, hotEnd)) ? best(hot, hotEnd) : null,
    };
  });
  const reached = per.filter((p) => p.cold && p.hot);
  const common = {
    seeds: SEEDS,
    trials: TRIALS,
    space: chosen.space,
    hardware: chosen.hardware,
    ...(chosen.note ? { space_note: chosen.note } : {}),
    warm_images: WARM_IMAGES,
    cold_images_per_child: '2 epochs x 10000',
    reached_by_hot: `${reached.length}/${per.length}`,
    load_average: os.loadavg().map((x) => +x.toFixed(2)),
    cores: os.availableParallelism(),
  };
  for (const [key, metric] of [['trainS', 'train_s_to_cold_best'], ['images', 'trained_images_to_cold_best'], ['wallS', 'wall_s_to_cold_best']] as const) {
    const hv = mean(reached.map((p) => p.hot![key]));
    const cv = mean(reached.map((p) => p.cold![key]));
    const speedups = reached.map((p) => p.cold![key] / Math.max(p.hot![key], 1e-9));
    line({
      case: metric.replace(/_/g, '-'),
      metric,
      value: hv,
      anchor: 'cold-start',
      anchor_value: cv,
      ratio: hv !== null && cv ? hv / cv : null,
      higher_is_better: false,
      speedup: cv !== null && hv ? cv / hv : null,
      speedup_geomean: geomean(speedups),
      per_seed: reached.map((p) => ({ seed: p.seed, hot: p.hot![key], cold: p.cold![key] })),
      ...(metric === 'train_s_to_cold_best' ? { target_speedup: 5, paper: 'HotNAS: 200 -> <3 GPU hours', paper_speedup: +PAPER.speedup.toFixed(1) } : {}),
      ...(reached.length < per.length ? { note: `the hot start did not reach the cold start's best in ${per.length - reached.length} seed(s): ${per.filter((p) => !p.hot).map((p) => `seed ${p.seed} hot ${p.hotBest} < cold ${p.coldBest}`).join('; ')}` } : {}),
      ...common,
    });
  }
  // Searches after which the zoo's training has paid for itself: zoo training time / training time saved per search.
  const savedS = (mean(reached.map((p) => p.cold!.trainS)) ?? 0) - (mean(reached.map((p) => p.hot!.trainS)) ?? 0);
  const hv = mean(per.flatMap((p) => (p.hotAtEqualTime !== null ? [p.hotAtEqualTime] : [])));
  const cv = mean(per.flatMap((p) => (p.coldAtEqualTime !== null ? [p.coldAtEqualTime] : [])));
  line({
    case: 'accuracy-at-equal-time',
    metric: 'best_feasible_accuracy',
    value: hv,
    anchor: 'cold-start',
    anchor_value: cv,
    ratio: hv !== null && cv ? hv / cv : null,
    higher_is_better: true,
    gain_points: hv !== null && cv !== null ? +((hv - cv) * 100).toFixed(2) : null,
    paper_gain_points: PAPER.topOneGainPoints,
    paper_note: 'HotNAS: +5.79 % top-1 on ImageNet under a 5 ms timing constraint',
    per_seed: per.map((p) => ({ seed: p.seed, at_s: +p.equalTimeS.toFixed(1), hot: p.hotAtEqualTime, cold: p.coldAtEqualTime, cold_final: p.coldBest, hot_final: p.hotBest })),
    ...(cv === null ? { note: 'the cold start had no feasible trained trial within the hot run\'s time' } : {}),
    ...common,
  });
  line({
    case: 'zoo-build',
    metric: 'zoo_build_wall_s',
    value: +(z.durationMs / 1000).toFixed(1),
    zoo: prebuilt ? `prebuilt ${zooDir} (its models' recorded training times)` : 'built in this run',
    zoo_epochs: z.manifest.training.epochs,
    zoo_train_subset: z.manifest.training.trainSubset ?? 'all',
    anchor: null,
    anchor_value: null,
    ratio: null,
    higher_is_better: false,
    zoo_train_s: +zooTrainS.toFixed(1),
    zoo_images: zooImages,
    models: z.manifest.models.map((m) => ({ id: m.id, val: +m.valAccuracy.toFixed(4), test: m.testAccuracy === undefined ? null : +m.testAccuracy.toFixed(4) })),
    amortised_train_s_per_search: +(zooTrainS / SEEDS.length).toFixed(1),
    break_even_searches: savedS > 0 ? +(zooTrainS / savedS).toFixed(1) : null,
    note: `built once and reused by every search on mnist with a compatible space; amortised here over the ${SEEDS.length} hot searches of this bench (zoo training seconds / searches); break_even_searches = zoo training seconds / training seconds a search saves to reach the cold best. Not included in the hot-start figures above (HotNAS's zoo is pre-trained too)`,
    load_average: os.loadavg().map((x) => +x.toFixed(2)),
  });
  fs.rmSync(out, { recursive: true, force: true });
}

await main();
