/**
 * Building a model zoo: train the reference networks of a space (lib/space/reference-genomes.ts) fully on a
 * dataset, one after the other, and store each with its genome and accuracies (manifest.ts). Resumable: every
 * finished model is on disk before the manifest lists it, so a killed build skips what it finished.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HwnasError } from '../errors.js';
import { Rng } from '../rng.js';
import { referenceGenomes } from '../space/reference-genomes.js';
import type { SearchSpace } from '../space/search-space.js';
import type { DatasetName } from '../train/datasets/registry.js';
import { datasetDigest } from './dataset-digest.js';
import { saveTrainedModel } from '../train/model-store.js';
import { trainGenome } from '../train/train.js';
import { TRAINING_DEFAULTS } from '../train/defaults.js';
import type { BackendChoice } from '../train/backend.js';
import { SILENT, type ProgressSinkFactory } from '../search/progress.js';
import { fileSha256, readZooManifest, writeZooManifest, ZOO_FORMAT, ZOO_MANIFEST, type ZooManifest, type ZooModel, type ZooTraining } from './manifest.js';

/** Defaults of `hwnas zoo build`: 4 models × 2 epochs over the whole training split (a few minutes on MNIST). */
export const ZOO_DEFAULTS = { models: 4, epochs: 2, seed: 0 } as const;

/** Options of {@link buildZoo}. */
export interface ZooBuildOptions {
  readonly dir: string;
  readonly dataset: DatasetName;
  readonly space: SearchSpace;
  /** Models to train (default 4). */
  readonly models?: number;
  readonly epochs?: number;
  /** Training images per epoch (default: the whole training split). */
  readonly trainSubset?: number;
  readonly seed?: number;
  readonly backend?: BackendChoice;
  readonly threads?: number;
  readonly progress?: ProgressSinkFactory;
  readonly signal?: AbortSignal;
}

/** What a build did. */
export interface ZooBuildResult {
  readonly manifest: ZooManifest;
  /** Models trained by this call (the rest were finished before). */
  readonly trained: readonly string[];
  readonly skipped: readonly string[];
  readonly durationMs: number;
}

/** The manifest a resumed build must match (dataset, space, training); throws ZOO_MISMATCH naming the difference. */
function checkResumable(dir: string, old: ZooManifest, fresh: ZooManifest): void {
  const diff: string[] = [];
  if (old.dataset !== fresh.dataset) diff.push(`dataset ${old.dataset} (asked ${fresh.dataset})`);
  if (old.datasetDigest !== fresh.datasetDigest) diff.push(`dataset digest ${old.datasetDigest.slice(0, 19)}… (now ${fresh.datasetDigest.slice(0, 19)}…)`);
  if (old.space.name !== fresh.space.name || JSON.stringify(old.space) !== JSON.stringify(fresh.space)) diff.push(`space ${old.space.name} (asked ${fresh.space.name})`);
  if (JSON.stringify(old.training) !== JSON.stringify(fresh.training)) diff.push(`training ${JSON.stringify(old.training)} (asked ${JSON.stringify(fresh.training)})`);
  if (diff.length > 0) {
    throw new HwnasError('ZOO_MISMATCH', `${dir} holds a zoo built differently: ${diff.join('; ')}. Repeat its options to finish it, or choose another --out`);
  }
}

/**
 * Builds (or finishes) the zoo in `o.dir`: trains the models not yet in its manifest, in the planned order.
 * Asking for more models than a finished zoo holds extends it.
 */
export async function buildZoo(o: ZooBuildOptions): Promise<ZooBuildResult> {
  const t0 = performance.now();
  const dir = path.resolve(o.dir);
  const count = o.models ?? ZOO_DEFAULTS.models;
  const seed = o.seed ?? ZOO_DEFAULTS.seed;
  const training: ZooTraining = {
    epochs: o.epochs ?? ZOO_DEFAULTS.epochs,
    ...(o.trainSubset !== undefined ? { trainSubset: o.trainSubset } : {}),
    batchSize: TRAINING_DEFAULTS.batchSize,
    learningRate: TRAINING_DEFAULTS.learningRate,
    batchNorm: TRAINING_DEFAULTS.batchNorm,
    seed,
  };
  const plan = referenceGenomes(o.space, count, Rng.fromSeed(seed).fork('zoo'));
  let manifest: ZooManifest = {
    format: ZOO_FORMAT,
    dataset: o.dataset,
    datasetDigest: datasetDigest(o.dataset),
    space: o.space.toJSON() as unknown as ZooManifest['space'],
    training,
    planned: plan.map((p) => p.id),
    models: [],
    createdAt: new Date().toISOString(),
  };
  fs.mkdirSync(dir, { recursive: true });
  if (fs.existsSync(path.join(dir, ZOO_MANIFEST))) {
    const old = readZooManifest(dir);
    checkResumable(dir, old, manifest);
    manifest = { ...old, planned: plan.map((p) => p.id).length >= old.planned.length ? plan.map((p) => p.id) : old.planned };
  }
  writeZooManifest(dir, manifest);
  const done = new Set(manifest.models.map((m) => m.id));
  const todo = plan.filter((p) => !done.has(p.id));
  const sink = o.progress?.(`zoo ${o.dataset}/${o.space.name}`) ?? SILENT;
  const trained: string[] = [];
  const totalEpochs = todo.length * training.epochs;
  let epochsDone = 0;
  try {
    sink.message(`building ${dir}: ${plan.length} models of ${o.space.name} on ${o.dataset}, ${training.epochs} epochs each` + (done.size > 0 ? `; ${done.size} already finished (${[...done].join(', ')})` : ''));
    const started = performance.now();
    for (const p of todo) {
      o.signal?.throwIfAborted();
      const r = await trainGenome(
        {
          space: o.space.toJSON(),
          genome: p.genome,
          dataset: o.dataset,
          epochs: training.epochs,
          trainSubset: training.trainSubset,
          batchSize: training.batchSize,
          learningRate: training.learningRate,
          batchNorm: training.batchNorm,
          seed: `zoo/${seed}/${p.id}`,
          evaluateTest: true,
          returnWeights: true,
          backend: o.backend,
          threads: o.threads,
        },
        {
          signal: o.signal,
          onEpoch: (e) => {
            epochsDone++;
            const elapsed = performance.now() - started;
            sink.update({
              done: epochsDone,
              total: totalEpochs,
              etaMs: (elapsed / epochsDone) * (totalEpochs - epochsDone),
              fields: { model: p.id, epoch: `${e.epoch}/${training.epochs}`, loss: e.loss.toFixed(4), 'img/s': Math.round(e.imagesPerSecond) },
            });
          },
        },
      );
      const rel = path.join('models', p.id);
      // The model's files first, then the manifest naming them: a kill in between retrains this model only.
      saveTrainedModel(path.join(dir, rel), r.weights!);
      const entry: ZooModel = {
        id: p.id,
        genome: { ...p.genome },
        key: o.space.key(p.genome),
        dir: rel,
        valAccuracy: r.valAccuracy,
        ...(r.testAccuracy !== undefined ? { testAccuracy: r.testAccuracy } : {}),
        parameters: r.parameters,
        epochs: r.epochs,
        trainedImages: r.epochs * r.trainImages,
        durationMs: Math.round(r.durationMs),
        weightsSha256: fileSha256(path.join(dir, rel, 'weights.bin')),
      };
      const order = new Map(manifest.planned.map((id, i) => [id, i]));
      manifest = { ...manifest, models: [...manifest.models, entry].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)) };
      writeZooManifest(dir, manifest);
      trained.push(p.id);
      sink.message(`${p.id}: val ${(r.valAccuracy * 100).toFixed(2)}%, test ${((r.testAccuracy ?? NaN) * 100).toFixed(2)}%, ${r.parameters} parameters, ${(r.durationMs / 1000).toFixed(1)} s`);
    }
  } finally {
    sink.stop();
  }
  return { manifest, trained, skipped: [...done], durationMs: performance.now() - t0 };
}
