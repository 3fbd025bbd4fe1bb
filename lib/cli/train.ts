/**
 * `hwnas train --run <dir> --trial N --epochs E`: retrains a design a search found (proxy-trained: a few epochs
 * on a subset) on the whole training split, to its real accuracy. The genome, dataset and training options come
 * from the run's journal; flags override the data size, batch size, learning rate and seed. Validation and
 * test accuracy are measured after every epoch; a checkpoint after every epoch in `<run>/retrain/trial-N/`
 * makes it resumable after kill -9 (the same command continues). The trained model and `retrain.json` land
 * in the same directory, where `hwnas export --run <dir> --trial N` finds them.
 *
 * Trains in this process on the wasm backend with threads (or tfjs-node when installed), never on the pure-JS
 * cpu backend.
 */
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, HwnasError, isInputError } from '../errors.js';
import { trainingConfigSchema } from '../config.js';
import { loadRun, type LoadedRun } from '../report/load.js';
import { readRunConfig } from '../search/run-joint.js';
import { SearchSpace } from '../space/search-space.js';
import { CNN_FAMILIES, decodesToCnn } from '../space/decode.js';
import { takeLock, releaseLock } from '../study/run-lock.js';
import { isFeasible, mostAccurateFeasible, type FinishedTrial } from '../trial/index.js';
import { datasetLabel, datasetRefSchema, type DatasetRef } from '../train/datasets/registry.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { RETRAIN_FILES, retrain, retrainDir, type RetrainRecord } from '../train/retrain.js';
import type { TrainRequest } from '../train/request.js';
import { DEFAULT_MULTI_THREAD, PARALLEL_MODES, type ParallelChoice } from '../train/parallel/mode.js';
import { FlagReader } from './flags.js';
import { ProgressReporter, type ProgressMode } from './progress.js';

interface TrainFlags {
  run?: string;
  trial?: string;
  best?: boolean;
  epochs?: string;
  images?: string;
  evalImages?: string;
  batchSize?: string;
  lr?: string;
  seed?: string;
  threads?: string;
  parallel?: string;
  force?: boolean;
  restart?: boolean;
  quiet?: boolean;
  json?: boolean;
}

/** What a retraining of a run's trial needs, read from the run (see {@link planRetrain}). */
export interface RetrainPlan {
  readonly dir: string;
  readonly trial: FinishedTrial;
  readonly dataset: DatasetRef;
  readonly request: TrainRequest;
  readonly config: Record<string, unknown>;
  /** The search-time (proxy) training, for comparison. */
  readonly proxy: { readonly epochs: number; readonly trainImages: number | 'all'; readonly accuracy?: number; readonly testAccuracy?: number };
}

/** Overrides of the run's training options. */
export interface RetrainOverrides {
  readonly epochs: number;
  readonly images?: number;
  /** Validation and test images measured after every epoch (default: the whole splits). */
  readonly evalImages?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  readonly seed?: number | string;
  readonly threads?: number;
  /** How ≥ 2 threads are used (lib/train/parallel/mode.ts): `auto`, `intra-op` or `data`. */
  readonly parallel?: ParallelChoice;
  /** Retrain a trial that is not feasible and complete (infeasible, failed, pruned). */
  readonly force?: boolean;
}

function describeStatus(t: FinishedTrial): string {
  if (t.status === 'complete') return 'complete but violating a constraint';
  if (t.status === 'failed') return `failed${t.error ? ` (${t.error})` : ''}`;
  return t.status;
}

/** Reads run `runDir` and builds the retraining of trial `n`: every input problem is an HwnasError with an INPUT_ code. */
export function planRetrain(runDir: string, which: number | 'best', o: RetrainOverrides, warn: (m: string) => void = () => {}): RetrainPlan {
  const run: LoadedRun = loadRun(runDir, { warn });
  const config = readRunConfig(runDir);
  const space = new SearchSpace(run.record.space);
  if (!decodesToCnn(space)) {
    throw new HwnasError('INPUT_UNSUPPORTED_SPACE', `${runDir} searched space "${space.name}" (family "${String(space.meta.family)}"): only ${CNN_FAMILIES.join(' and ')} family networks can be retrained`);
  }
  const best = which === 'best' ? mostAccurateFeasible(run.trials) : null;
  if (which === 'best' && !best) throw new HwnasError('INPUT_NO_FEASIBLE', `${runDir} has no feasible complete trial with an accuracy to retrain`);
  const n = best ? best.number : (which as number);
  const t = best ?? run.trials.find((x) => x.number === n);
  if (!t) {
    const max = run.trials.reduce((m, x) => Math.max(m, x.number), -1);
    const running = run.running > 0 ? ` (${run.running} trial(s) still running)` : '';
    throw new HwnasError('INPUT_NO_TRIAL', `${runDir} has no finished trial ${n}${max >= 0 ? `; finished trials are numbered 0..${max}` : ''}${running}`);
  }
  if (!isFeasible(t) && !o.force) {
    throw new HwnasError('INPUT_TRIAL_UNUSABLE', `trial ${n} is ${describeStatus(t)}: not a design the search found; add --force to retrain it anyway`);
  }
  const parsed = datasetRefSchema.safeParse(run.record.meta.dataset);
  if (!parsed.success) throw new HwnasError('INPUT_BAD_RUN', `${runDir} does not record a known dataset (study meta "dataset" is ${JSON.stringify(run.record.meta.dataset)})`);
  const dataset = parsed.data;
  // The run's training options (defaults where it leaves them open); keys added by later versions are ignored.
  const tr = trainingConfigSchema.loose().safeParse(config.training ?? {});
  if (!tr.success) throw new HwnasError('INPUT_BAD_RUN', `${runDir}: its training options do not parse: ${tr.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const training = tr.data as Record<string, unknown> & typeof tr.data;
  const splitSeed = typeof training.splitSeed === 'number' || typeof training.splitSeed === 'string' ? training.splitSeed : 0;
  const valSize = typeof training.valSize === 'number' ? training.valSize : undefined;
  // The seed the search trained this trial with (lib/study/study.ts), unless --seed says otherwise.
  const seed = o.seed ?? `${run.record.seed}/trial/${n}`;
  const batchSize = o.batchSize ?? training.batchSize;
  const learningRate = o.learningRate ?? training.learningRate;
  const request: TrainRequest = {
    space: run.record.space as unknown as TrainRequest['space'],
    genome: t.genome,
    dataset,
    epochs: o.epochs,
    ...(o.images !== undefined ? { trainSubset: o.images } : {}),
    ...(o.evalImages !== undefined ? { valSubset: o.evalImages, testSubset: o.evalImages } : {}),
    ...(valSize !== undefined ? { valSize } : {}),
    splitSeed,
    batchSize,
    learningRate,
    seed,
    batchNorm: training.batchNorm,
    // Never the pure-JS cpu backend: a full training there takes days.
    backend: training.backend === 'cpu' ? 'wasm' : training.backend,
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    ...(o.parallel !== undefined ? { parallel: o.parallel } : {}),
  };
  // What a checkpoint must match to be continued (the epoch count may grow: Adam has no schedule to change).
  const retrainConfig = {
    space: space.name,
    genome: t.genome,
    dataset,
    trainImages: o.images ?? 'all',
    evalImages: o.evalImages ?? 'all',
    valSize: valSize ?? 'default',
    splitSeed,
    batchSize,
    learningRate,
    seed,
    batchNorm: training.batchNorm,
  };
  return {
    dir: retrainDir(runDir, n),
    trial: t,
    dataset,
    request,
    config: retrainConfig,
    proxy: {
      epochs: training.epochs,
      trainImages: training.trainSubset === 0 ? 'all' : training.trainSubset,
      ...(t.metrics?.accuracy !== undefined ? { accuracy: t.metrics.accuracy } : {}),
      ...(t.metrics?.testAccuracy !== undefined ? { testAccuracy: t.metrics.testAccuracy } : {}),
    },
  };
}

const pct = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(2)} %`);

function formatEta(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

export function register(program: Command): void {
  program
    .command('train')
    .description("retrain a design a search found (its proxy training was short) on the whole training set, resumable; `hwnas export` then exports the retrained model")
    .option('--run <dir>', 'run directory (journal.jsonl)')
    .option('--trial <n>', 'the trial to retrain')
    .option('--best', 'retrain the feasible complete trial with the highest accuracy')
    .option('--epochs <e>', 'epochs to train (a finished retraining continues when asked for more)')
    .option('--images <n>', 'training images (default: the whole training split)')
    .option('--eval-images <n>', 'validation and test images measured after every epoch, each (default: the whole splits)')
    .option('--batch-size <n>', "batch size (default: the run's)")
    .option('--lr <x>', "Adam learning rate (default: the run's)")
    .option('--seed <s>', 'seed of the initial weights and batch order (default: the seed the search trained this trial with)')
    .option('--threads <n>', 'wasm compute threads (default: all cores)')
    .option('--parallel <mode>', `how ≥ 2 threads are used: data (one replica per thread, each on a share of every batch), intra-op (threads inside each operator) or auto (default: ${DEFAULT_MULTI_THREAD})`)
    .option('--force', 'retrain a trial that is infeasible, failed or pruned')
    .option('--restart', 'discard an existing retraining of this trial (its checkpoint and record) and start over')
    .option('--quiet', 'no progress display')
    .option('--json', 'one JSON line per event on stdout')
    .action(async (flags: TrainFlags) => {
      const r = new FlagReader();
      if (!flags.run) r.add('--run', 'is required: the run directory of the search');
      if ((flags.trial === undefined) === !flags.best) r.add('--trial/--best', `give exactly one of --trial <n> (see summary.json or hwnas report) and --best${flags.best ? ' (both given)' : ''}`);
      if (flags.epochs === undefined) r.add('--epochs', 'is required: how many epochs to train');
      if (flags.quiet && flags.json) r.add('--json', 'cannot be combined with --quiet');
      const trial = r.int('trial', flags.trial, 0);
      const epochs = r.int('epochs', flags.epochs, 1, 1000);
      const images = r.int('images', flags.images, 1);
      const evalImages = r.int('eval-images', flags.evalImages, 1);
      const batchSize = r.int('batch-size', flags.batchSize, 1, 4096);
      const lr = r.positive('lr', flags.lr);
      if (lr !== undefined && lr > 10) r.add('--lr', `must be at most 10, got ${flags.lr}`);
      const threads = r.int('threads', flags.threads, 1, 256);
      const parallel = flags.parallel as ParallelChoice | undefined;
      if (parallel !== undefined && !(PARALLEL_MODES as readonly string[]).includes(parallel)) {
        r.add('--parallel', `must be one of ${PARALLEL_MODES.join(', ')}, got "${parallel}"`);
      }
      let seed: number | string | undefined = flags.seed;
      if (seed !== undefined) {
        if (seed.trim() === '') r.add('--seed', 'must not be empty');
        else if (/^-?\d+$/.test(seed)) seed = Number(seed);
      }
      if (r.issues.length > 0) throw new ConfigError(r.issues, 'hwnas train: bad arguments');
      const warn = (m: string) => process.stderr.write(`hwnas: warning: ${m}\n`);
      let plan: RetrainPlan;
      try {
        plan = planRetrain(flags.run!, flags.best ? 'best' : trial!, { epochs: epochs!, images, evalImages, batchSize, learningRate: lr, seed, threads, parallel, force: flags.force }, warn);
      } catch (err) {
        if (isInputError(err)) {
          const where = ['INPUT_NO_TRIAL', 'INPUT_TRIAL_UNUSABLE'].includes(err.code) ? '--trial' : '--run';
          throw new ConfigError([{ path: where, message: err.message }], 'hwnas train: bad arguments');
        }
        throw err;
      }
      const mode: ProgressMode = flags.quiet ? 'quiet' : flags.json ? 'json' : 'auto';
      const bar = new ProgressReporter(`retrain trial ${plan.trial.number}`, mode);
      const lock = path.join(plan.dir, RETRAIN_FILES.lock);
      fs.mkdirSync(plan.dir, { recursive: true });
      try {
        takeLock(lock, warn);
      } catch (err) {
        if (err instanceof HwnasError && err.code === 'RUN_LOCKED') {
          throw new HwnasError('RUN_LOCKED', `trial ${plan.trial.number} of ${flags.run} is being retrained by another process (lock ${lock}); wait for it to finish or stop it, then run the same command again to resume`, { cause: err });
        }
        throw err;
      }
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let lastEpoch: { val: number; test?: number } | null = null;
      let t0 = 0;
      let s0 = -1;
      let lastUpdate = 0;
      let record: RetrainRecord;
      try {
        bar.message(
          `retraining trial ${plan.trial.number} of ${flags.run} (${datasetLabel(plan.dataset)}): ${epochs} epochs on ${images ?? 'all'} training images, ` +
            `batch ${plan.request.batchSize}, lr ${plan.request.learningRate}, seed ${plan.request.seed}; ` +
            `the search trained it ${plan.proxy.epochs} epoch(s) on ${plan.proxy.trainImages} images${plan.proxy.accuracy !== undefined ? ` (validation ${pct(plan.proxy.accuracy)})` : ''}`,
        );
        record = await retrain({
          dir: plan.dir,
          request: plan.request,
          config: plan.config,
          restart: flags.restart,
          signal: abort.signal,
          record: { run: path.resolve(flags.run!), trial: plan.trial.number, proxy: plan.proxy },
          onResume: (done, of) =>
            bar.message(done >= of ? `trial ${plan.trial.number}: all ${of} epochs already trained (checkpoint in ${plan.dir})` : `resuming trial ${plan.trial.number} from epoch ${done}/${of} (checkpoint in ${plan.dir})`),
          onStep: ({ step, total, epoch }) => {
            if (s0 < 0) {
              s0 = step;
              t0 = performance.now();
            }
            // At most a few updates a second (--json writes each one as a line).
            const now = performance.now();
            if (step > s0 && now - lastUpdate < 500) return;
            lastUpdate = now;
            const rate = step > s0 ? (step - s0) / (now - t0) : 0;
            bar.update({
              done: step,
              total,
              etaMs: rate > 0 ? (total - step) / rate : undefined,
              fields: { epoch: `${epoch}/${epochs}`, ...(lastEpoch ? { val: pct(lastEpoch.val), test: pct(lastEpoch.test) } : {}) },
            });
          },
          onEpoch: (e, of) => {
            lastEpoch = { val: e.valAccuracy, test: e.testAccuracy };
            bar.message(
              `epoch ${e.epoch}/${of}: loss ${e.loss.toFixed(4)}, validation ${pct(e.valAccuracy)}, test ${pct(e.testAccuracy)}, ${Math.round(e.imagesPerSecond)} img/s (checkpoint saved)`,
            );
          },
        });
      } catch (err) {
        if (abort.signal.aborted && err instanceof HwnasError && err.code === 'TRAIN_ABORTED') {
          const ck = fs.existsSync(path.join(plan.dir, RETRAIN_FILES.checkpoint)) ? loadCheckpoint(path.join(plan.dir, RETRAIN_FILES.checkpoint)) : null;
          throw new HwnasError(
            'TRAIN_ABORTED',
            ck
              ? `stopped; the checkpoint after epoch ${ck.epoch}/${epochs} is in ${plan.dir}: run the same command to resume from it`
              : `stopped before the first epoch finished (no checkpoint yet); run the same command to start again`,
          );
        }
        if (isInputError(err)) throw new ConfigError([{ path: err.code === 'INPUT_RESUME_CONFLICT' || err.code === 'CHECKPOINT_CORRUPT' ? '--restart' : '--run', message: err.message }], 'hwnas train: bad arguments');
        throw err;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        bar.stop();
        releaseLock(lock);
        // Stopped before anything was written (bad data, a conflict): leave no empty directories behind.
        for (const d of [plan.dir, path.dirname(plan.dir)]) if (fs.readdirSync(d).length === 0) fs.rmdirSync(d);
      }
      if (flags.json) {
        process.stdout.write(JSON.stringify({ event: 'retrained', dir: plan.dir, ...record }) + '\n');
        return;
      }
      const secs = record.history.reduce((s, e) => s + e.trainMs, 0) / 1000;
      process.stdout.write(
        [
          `trial ${plan.trial.number} retrained: ${record.epochs} epochs on ${record.trainImages} images (${formatEta(secs * 1000)} of training, ${record.backend})`,
          `  validation ${pct(record.valAccuracy)} on ${record.valImages} images (search-time proxy: ${pct(plan.proxy.accuracy)}), test ${pct(record.testAccuracy)} on ${record.testImages} images`,
          `  written: ${path.join(plan.dir, 'model.json')}, ${path.join(plan.dir, RETRAIN_FILES.record)}`,
          `  export it: hwnas export --run ${flags.run} --trial ${plan.trial.number} --out trial-${plan.trial.number}.onnx`,
        ].join('\n') + '\n',
      );
    });
}
