/**
 * bench:hsconas — issue 14. Two questions:
 *  1. How well does the measured ORT CPU latency predictor (`hwnas profile`) predict end-to-end latency?
 *     ≥ 100 held-out random networks of lu2019-mnist(-float), predicted vs measured in onnxruntime-node:
 *     fraction within ±10 %, Kendall τ, RMSE %. Anchor: nn-Meter's 99.0 % within ±10 % on CPU (Zhang et al.,
 *     MobiSys 2021; not runnable here, so `anchor_value: null` with the figure in the note); target ≥ 90 %.
 *  2. A latency-constrained search on MNIST (`--model ort-cpu --latency-ms T`): HSCoNAS vs NSGA-II vs random at the
 *     same trained budget (`hwnas compare`'s joint method, which counts trained children exactly), seeds 1..3:
 *     best accuracy meeting T, the winner's measured ORT latency (timed as the predictor was; it must meet T),
 *     search time.
 * Environment: BENCH_TRAINED (8), BENCH_SEEDS (3), BENCH_TRAIN_SUBSET (2000), BENCH_LATENCY_MS (default: the 30th
 * percentile of predicted latencies of random lu2019-mnist designs, so most of the space misses it),
 * BENCH_VALIDATE (100), HWNAS_PREDICTOR_ORT_CPU (the predictor; profiled first with the defaults when missing).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import { runProfile, DEFAULT_PROFILE, measureNetworks, validatePredictor } from '../lib/profile/profile.js';
import { Rng } from '../lib/rng.js';
import { parseCompareConfig, runCompare, type CompareRow } from '../lib/search/compare.js';
import { decodeArchitecture, decodeQuantization, presetSpace, type Genome } from '../lib/space/index.js';
import { quantile } from '../hardware/predictor/fit.js';
import { loadPredictor, predictorPath } from '../hardware/predictor/predictor.js';

const env = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d);
const TRAINED = env('BENCH_TRAINED', 8);
const SEEDS = Array.from({ length: env('BENCH_SEEDS', 3) }, (_, i) => i + 1);
const TRAIN_SUBSET = env('BENCH_TRAIN_SUBSET', 2000);
const VALIDATE = env('BENCH_VALIDATE', 100);

function line(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ bench: 'hsconas', ...o }) + '\n');
}
const log = (m: string): void => {
  process.stderr.write(`bench:hsconas ${m}\n`);
};

async function predictorFile(): Promise<string> {
  const file = predictorPath('ort-cpu');
  if (fs.existsSync(file)) return file;
  log(`no predictor at ${file}: profiling with the defaults first`);
  const r = await runProfile({ ...DEFAULT_PROFILE, validationNetworks: 0 });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify(r.file, null, 1) + '\n');
  return file;
}

/** A genome from a trial key (`name=value;…`, active genes only). */
function genomeOfKey(key: string, space = presetSpace('lu2019-mnist')): Genome {
  const g: Record<string, unknown> = {};
  for (const part of key.split(';')) {
    const i = part.indexOf('=');
    g[part.slice(0, i)] = JSON.parse(part.slice(i + 1));
  }
  const full = { ...space.sample(Rng.fromSeed(0)), ...g };
  return space.canonical(full as Genome);
}

async function main(): Promise<void> {
  const file = await predictorFile();
  const predictor = loadPredictor(file);
  const f = predictor.file;
  const machine = { cpu: f.machine.cpu, cores: f.machine.cores, ort: f.machine.runtimeVersion, threads: f.machine.threads, statistic: f.settings.statistic, repeats: f.settings.repeats, load_avg_now: os.loadavg()[0] };

  // 1. Predictor accuracy on fresh held-out networks (a seed the profile never used).
  log(`validating ${file} on ${VALIDATE} held-out networks…`);
  const v = await validatePredictor(predictor, ['lu2019-mnist', 'lu2019-mnist-float'], VALIDATE, { seed: 1_000 + f.settings.seed });
  const common = { networks: VALIDATE, noise_iqr_over_median: v.noise, correction: f.correction.kind, machine };
  // value: against the plain measurement (as timed); normalised_value: against the measurement normalised by the
  // speed reference to the profile's load level (lib/profile/timing.ts), which helped in some runs and hurt in others.
  line({ case: 'predictor/ort-cpu', metric: 'within_10pct', value: v.rawAccuracy.within10, anchor: 'nn-Meter (CPU, reported)', anchor_value: null, ratio: null, higher_is_better: true, target: 0.9, note: 'nn-Meter reports 99.0 % within ±10 % on a mobile CPU; not runnable here', normalised_value: v.accuracy.within10, ...common });
  line({ case: 'predictor/ort-cpu', metric: 'kendall_tau', value: v.rawAccuracy.kendallTau, anchor: null, anchor_value: null, ratio: null, higher_is_better: true, normalised_value: v.accuracy.kendallTau, ...common });
  line({ case: 'predictor/ort-cpu', metric: 'rmse_pct', value: v.rawAccuracy.rmsePct, anchor: null, anchor_value: null, ratio: null, higher_is_better: false, normalised_value: v.accuracy.rmsePct, ...common });

  // 2. The latency-constrained search.
  const space = presetSpace('lu2019-mnist');
  const rng = Rng.fromSeed(7);
  const predicted = Array.from({ length: 500 }, () => {
    const g = space.sample(rng);
    return predictor.predictMs(decodeArchitecture(space, g), decodeQuantization(space, g));
  });
  const T = env('BENCH_LATENCY_MS', Number(quantile(predicted, 0.3).toFixed(3)));
  log(`search at latency ≤ ${T} ms (${(100 * predicted.filter((x) => x <= T).length / predicted.length).toFixed(0)} % of random designs predicted to meet it), ${TRAINED} trained children × seeds ${SEEDS.join(',')}`);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-bench-hsconas-'));
  const c = parseCompareConfig({
    dataset: 'mnist',
    hardware: { model: 'ort-cpu', device: 'ep4ce115' },
    specs: [{ name: 'latency', maxLatencyMs: T }],
    strategies: ['hsconas', 'nsga2', 'random'],
    strategyOptions: { hsconas: { population: Math.max(4, Math.floor(TRAINED / 2)), topK: 3, stageGenerations: 1, minSamples: 2 }, nsga2: { populationSize: Math.max(4, Math.floor(TRAINED / 2)) } },
    methods: ['joint'],
    seeds: SEEDS,
    trained: TRAINED,
    training: { trainSubset: TRAIN_SUBSET, valSubset: 500, epochs: 1 },
    out,
  });
  const rows = await runCompare(c);
  // Winners measured in onnxruntime-node (their exported graph: same nodes as `hwnas export`, random weights;
  // latency does not depend on the weight values).
  const winners = rows.filter((r) => r.best).map((r) => ({ space, genome: genomeOfKey(r.best!.key, space), key: `${r.strategy}-s${r.seed}` }));
  const measured = new Map((await measureNetworks(predictor, winners, { seed: 5, repeats: Math.max(101, f.settings.repeats) })).map((m) => [m.key, m]));
  const stat = (rs: CompareRow[]) => {
    const found = rs.filter((r) => r.best);
    const ms = found.map((r) => measured.get(`${r.strategy}-s${r.seed}`)!);
    return {
      acc: found.length ? found.reduce((a, r) => a + r.best!.accuracy, 0) / found.length : null,
      found: found.length,
      measuredMs: ms.map((m) => m.ms),
      rawMs: ms.map((m) => m.rawMs),
      // Conservative: both the normalised and the raw figure must meet the target.
      meets: ms.filter((m) => Math.max(m.ms, m.rawMs) <= T).length,
      predictedMs: found.map((r) => 1000 / r.best!.throughput),
      wallS: rs.reduce((a, r) => a + r.wallMs, 0) / rs.length / 1000,
      trained: rs.map((r) => r.trained),
    };
  };
  const by = (s: string) => stat(rows.filter((r) => r.strategy === s));
  const h = by('hsconas');
  for (const anchor of ['nsga2', 'random']) {
    const a = by(anchor);
    line({
      case: `mnist/latency<=${T}ms/hsconas-vs-${anchor}`, metric: 'best_accuracy_meeting_target', value: h.acc, anchor, anchor_value: a.acc,
      ratio: h.acc !== null && a.acc !== null ? h.acc / a.acc : null, higher_is_better: true,
      seeds: SEEDS, trained_budget: TRAINED, train_subset: TRAIN_SUBSET, epochs: 1, found_feasible: { hsconas: h.found, [anchor]: a.found }, trained: { hsconas: h.trained, [anchor]: a.trained },
    });
    line({
      case: `mnist/latency<=${T}ms/hsconas-vs-${anchor}`, metric: 'search_wall_s_per_run', value: h.wallS, anchor, anchor_value: a.wallS, ratio: a.wallS ? h.wallS / a.wallS : null, higher_is_better: false,
    });
  }
  for (const s of ['hsconas', 'nsga2', 'random']) {
    const x = by(s);
    line({
      case: `mnist/latency<=${T}ms/${s}`, metric: 'winners_measured_meeting_target', value: x.found ? x.meets / x.found : null, anchor: null, anchor_value: null, ratio: null, higher_is_better: true,
      target_ms: T, winners_predicted_ms: x.predictedMs, winners_measured_ms: x.measuredMs, winners_measured_raw_ms: x.rawMs, note: 'measured = timed in onnxruntime-node with the speed reference, at the predictor\'s load level; raw = as timed',
    });
  }
  log(`runs in ${out}`);
}

main().catch((err) => {
  process.stderr.write(`bench:hsconas failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
