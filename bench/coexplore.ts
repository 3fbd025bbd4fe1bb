/**
 * bench:coexplore — hardware/software co-exploration (architecture, quantization and hardware genes searched
 * together by REINFORCE with fast exploration) against FNAS-style hardware-aware NAS on one fixed hardware design
 * (`fixed-hardware`: the same space with its hardware genes pinned), each with the same budget of trained
 * children, on coexplore-mnist / fnas-tiling / ZCU102 under a latency spec, over seeds.
 *
 * Per seed and method, from the runs' journals: hypervolume of the trained feasible children in (accuracy,
 * throughput) and in (accuracy, GOPS/W) — minimisation form, normalised by accuracy ∈ [0, 1] and by the best
 * throughput / efficiency any run of this bench reached (so both methods share one scale); the best throughput
 * and efficiency at equal accuracy (among children at least as accurate as the lower of the two methods' best
 * accuracies, minus 1 point); trainings avoided by fast exploration (designs the precheck rejected / (those +
 * trainings)); wall time. The anchor of every co-exploration line is the fixed-hardware baseline measured in the
 * same run; the paper's figures (Jiang et al. TCAD'20, ImageNet: +35.24 % throughput, +54.05 % energy efficiency,
 * 136× less search time, MODELS.md §3.1) are printed beside, not as anchors.
 *
 * Env: BENCH_SEEDS (default 3), BENCH_TRAINED (trained children per run, default 10), BENCH_EPOCHS (1),
 * BENCH_TRAIN_SUBSET (2000 images), BENCH_LATENCY_MS (0.5).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hypervolume, normalisePoints } from '../lib/pareto.js';
import { parseCompareConfig, runCompare } from '../lib/search/compare.js';
import { finishedOf, readJournalFile, replayTrials } from '../lib/study/journal.js';
import { isFeasible, wasTrained, type FinishedTrial } from '../lib/trial/index.js';

const env = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d);
const SEEDS = Array.from({ length: env('BENCH_SEEDS', 3) }, (_, i) => i + 1);
const TRAINED = env('BENCH_TRAINED', 10);
const LATENCY_MS = env('BENCH_LATENCY_MS', 0.5);
const PAPER = { throughput: 1.3524, efficiency: 1.5405, searchTime: 136 };
const METHODS = ['joint', 'fixed-hardware'] as const;

interface Run {
  readonly method: (typeof METHODS)[number];
  readonly seed: number;
  readonly trials: FinishedTrial[];
  readonly wallMs: number;
  readonly fast: { rejected: number; checked: number; rescued: number; declaredInfeasible: number } | null;
}

const round = (x: number, d = 4): number => Number(x.toFixed(d));
const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

function line(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ bench: 'coexplore', ...o }) + '\n');
}

async function main(): Promise<void> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-bench-coexplore-'));
  const config = parseCompareConfig({
    dataset: 'mnist',
    space: 'coexplore-mnist',
    hardware: { model: 'fnas-tiling', device: 'zcu102' },
    specs: [{ name: 'latency', maxLatencyMs: LATENCY_MS }],
    strategies: ['reinforce'],
    methods: [...METHODS],
    seeds: SEEDS,
    trained: TRAINED,
    training: { epochs: env('BENCH_EPOCHS', 1), trainSubset: env('BENCH_TRAIN_SUBSET', 2000), valSubset: 500 },
    out,
  });
  const rows = await runCompare(config);
  const runs: Run[] = rows.map((r) => {
    const dir = path.join(r.dir, r.method);
    const { events, file } = readJournalFile(dir);
    const trials = finishedOf(replayTrials(events, file));
    const snapFile = path.join(dir, 'strategy-snapshot.json');
    const snap = fs.existsSync(snapFile) ? JSON.parse(fs.readFileSync(snapFile, 'utf8')) : null;
    const fast = snap?.snapshot?.state?.stats?.fast ?? null;
    return { method: r.method as Run['method'], seed: r.seed, trials, wallMs: r.wallMs, fast };
  });
  const objectives = [{ metric: 'accuracy', direction: 'maximize' as const }];
  const good = (t: FinishedTrial): boolean => isFeasible(t, objectives) && wasTrained(t) && Number.isFinite(t.metrics.accuracy);
  const all = runs.flatMap((r) => r.trials.filter(good));
  const maxThr = Math.max(1, ...all.map((t) => t.metrics.throughput));
  const maxEff = Math.max(1e-9, ...all.map((t) => t.metrics.gopsPerW));
  const hvOf = (ts: FinishedTrial[], metric: 'throughput' | 'gopsPerW'): number => {
    const top = metric === 'throughput' ? maxThr : maxEff;
    const pts = ts.map((t) => [-t.metrics.accuracy, -t.metrics[metric]]);
    return pts.length === 0 ? 0 : hypervolume(normalisePoints(pts, { ideal: [-1, -top], nadir: [0, 0], reference: [1, 1] }), [1, 1]);
  };
  const per = SEEDS.map((seed) => {
    const co = runs.find((r) => r.seed === seed && r.method === 'joint')!;
    const fx = runs.find((r) => r.seed === seed && r.method === 'fixed-hardware')!;
    const coT = co.trials.filter(good), fxT = fx.trials.filter(good);
    const bestAcc = (ts: FinishedTrial[]) => Math.max(0, ...ts.map((t) => t.metrics.accuracy));
    const bar = Math.min(bestAcc(coT), bestAcc(fxT)) - 0.01;
    const bestAt = (ts: FinishedTrial[], m: string) => Math.max(0, ...ts.filter((t) => t.metrics.accuracy >= bar).map((t) => t.metrics[m]));
    const trainedCo = co.trials.filter(wasTrained).length;
    return {
      seed,
      hvThr: [hvOf(coT, 'throughput'), hvOf(fxT, 'throughput')],
      hvEff: [hvOf(coT, 'gopsPerW'), hvOf(fxT, 'gopsPerW')],
      thr: [bestAt(coT, 'throughput'), bestAt(fxT, 'throughput')],
      eff: [bestAt(coT, 'gopsPerW'), bestAt(fxT, 'gopsPerW')],
      bar,
      avoided: co.fast ? co.fast.rejected / Math.max(1, co.fast.rejected + trainedCo) : 0,
      fast: co.fast,
      wall: [co.wallMs, fx.wallMs],
      trials: [co.trials.length, fx.trials.length],
      trained: [trainedCo, fx.trials.filter(wasTrained).length],
      trainS: [co, fx].map((r) => r.trials.reduce((x, t) => x + (t.timings?.train ?? 0), 0) / 1000),
    };
  });
  const common = { seeds: SEEDS, trained_per_run: TRAINED, space: 'coexplore-mnist', model: 'fnas-tiling', device: 'zcu102', latency_ms: LATENCY_MS };
  const emit = (c: string, metric: string, pick: (p: (typeof per)[number]) => number[], extra: Record<string, unknown> = {}) => {
    const v = mean(per.map((p) => pick(p)[0]));
    const a = mean(per.map((p) => pick(p)[1]));
    line({
      case: c, metric, value: round(v), anchor: 'fixed-hardware (FNAS-style HW-aware NAS), same trained budget, same run', anchor_value: round(a),
      ratio: a > 0 ? round(v / a) : null, higher_is_better: true, per_seed: per.map((p) => pick(p).map((x) => round(x))), ...common, ...extra,
    });
  };
  emit('hv-accuracy-throughput', 'hv', (p) => p.hvThr, { normalisation: `accuracy [0,1], throughput [0, ${Math.round(maxThr)}] img/s` });
  emit('hv-accuracy-efficiency', 'hv', (p) => p.hvEff, { normalisation: `accuracy [0,1], efficiency [0, ${round(maxEff, 2)}] GOPS/W` });
  emit('best-throughput-at-equal-accuracy', 'img/s', (p) => p.thr, { paper_ratio: PAPER.throughput, accuracy_bars: per.map((p) => round(p.bar)) });
  emit('best-efficiency-at-equal-accuracy', 'GOPS/W', (p) => p.eff, { paper_ratio: PAPER.efficiency, accuracy_bars: per.map((p) => round(p.bar)) });
  line({
    case: 'trainings-avoided', metric: 'fraction', value: round(mean(per.map((p) => p.avoided))), anchor: 'target (issue 18)', anchor_value: 0.3,
    ratio: round(mean(per.map((p) => p.avoided)) / 0.3), higher_is_better: true, per_seed: per.map((p) => ({ ...p.fast, trained: p.trained[0] })), ...common,
    note: 'designs rejected by the hardware precheck during fast exploration / (those + trainings done); each would have cost a training in a search that trains to learn feasibility',
  });
  const wallCo = mean(per.map((p) => p.wall[0])), wallFx = mean(per.map((p) => p.wall[1]));
  line({
    case: 'wall-time', metric: 's', value: round(wallCo / 1000, 1), anchor: 'fixed-hardware, same trained budget', anchor_value: round(wallFx / 1000, 1),
    ratio: round(wallCo / wallFx), higher_is_better: false, paper_search_time_ratio: round(1 / PAPER.searchTime), trials: per.map((p) => p.trials), trained: per.map((p) => p.trained),
    training_s: per.map((p) => p.trainS.map((x) => round(x, 1))), ...common,
    note: 'the paper compares against a search that trains every candidate; both methods here prune by the hardware model before training',
  });
  fs.rmSync(out, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
