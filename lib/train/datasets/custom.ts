/**
 * A user's own dataset, from a directory in one of three layouts:
 *  - `folder`: `train/<class>/*.png` and `test/<class>/*.png` (classes are the sorted names of the train
 *    sub-folders; every image the same size; grey PNGs give 1 channel, colour PNGs 3, alpha is dropped);
 *  - `idx`: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 *    `t10k-labels-idx1-ubyte` (each optionally `.gz`; `test-` may replace `t10k-`), images N×H×W or N×H×W×C;
 *  - `npy`: `x_train.npy`, `y_train.npy`, `x_test.npy`, `y_test.npy` (Keras' names), images uint8 or floats
 *    in [0, 1], N×H×W or N×H×W×C; labels integers.
 * Labels are 0 … classes−1 (classes ≤ 256). The data's digest (sha256 over every file read: relative path and
 * bytes, in sorted order) is recorded in the run, and a run whose data changed is refused rather than mixing
 * trials trained on two datasets.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { z } from 'zod';
import { HwnasError } from '../../errors.js';
import { parseIdx } from './idx.js';
import { parseNpy } from './npy.js';

/** The layouts a custom dataset directory can have. */
export const CUSTOM_DATASET_KINDS = ['folder', 'idx', 'npy'] as const;
export type CustomDatasetKind = (typeof CUSTOM_DATASET_KINDS)[number];

/** A custom dataset as a configuration declares it (`dataset: {path: "…"}`). */
export interface CustomDatasetSpec {
  /** Layout of the directory; detected from its contents when absent. */
  readonly kind?: CustomDatasetKind;
  /** The directory (relative paths are relative to the working directory). */
  readonly path: string;
  /** Force 1 (grey, ITU-R BT.601 luma) or 3 (RGB) channels; default: what the data has. */
  readonly channels?: 1 | 3;
  /** `sha256:<hex>` of the data; set by the search in its run, checked whenever the data is read again. */
  readonly digest?: string;
}

/** Schema of {@link CustomDatasetSpec}. */
export const customDatasetSchema = z.strictObject({
  kind: z.enum(CUSTOM_DATASET_KINDS).optional(),
  path: z.string().min(1, 'must name the dataset directory'),
  channels: z.union([z.literal(1), z.literal(3)], { error: 'must be 1 (grey) or 3 (RGB)' }).optional(),
  digest: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" and 64 hex digits (or be left out: the search records it)')
    .optional(),
});

/** A custom dataset in memory: both parts, as bytes (N×H×W×C) and labels. */
export interface CustomData {
  readonly kind: CustomDatasetKind;
  /** Absolute directory. */
  readonly dir: string;
  readonly shape: readonly [number, number, number];
  readonly classes: number;
  /** Class names (folder layout: the sub-folder names), else "0", "1", …. */
  readonly classNames: readonly string[];
  readonly train: { readonly images: Uint8Array; readonly labels: Uint8Array };
  readonly test: { readonly images: Uint8Array; readonly labels: Uint8Array };
  /** `sha256:<hex>`. */
  readonly digest: string;
}

const IDX_NAMES = {
  trainImages: ['train-images-idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 'test-images-idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 'test-labels-idx1-ubyte'],
} as const;
const NPY_NAMES = ['x_train.npy', 'y_train.npy', 'x_test.npy', 'y_test.npy'] as const;

const LAYOUTS =
  'train/<class>/*.png + test/<class>/*.png (folder), train-images-idx3-ubyte + train-labels-idx1-ubyte + ' +
  't10k-images-idx3-ubyte + t10k-labels-idx1-ubyte (idx, .gz allowed), or x_train.npy + y_train.npy + x_test.npy + y_test.npy (npy)';

function missing(dir: string, what: string): never {
  throw new HwnasError('DATASET_MISSING', `dataset directory ${dir}: ${what}`);
}

/** The layout of `dir`, from its contents. */
export function detectDatasetKind(dir: string): CustomDatasetKind {
  if (!existsSync(dir)) missing(dir, 'does not exist');
  if (!statSync(dir).isDirectory()) missing(dir, 'is not a directory');
  const has = (f: string) => existsSync(path.join(dir, f));
  if (has('train') && statSync(path.join(dir, 'train')).isDirectory()) return 'folder';
  if (IDX_NAMES.trainImages.some((f) => has(f) || has(`${f}.gz`))) return 'idx';
  if (has('x_train.npy')) return 'npy';
  return missing(dir, `holds none of the known layouts: ${LAYOUTS}`);
}

/** Collects the files read, for the digest. */
class Digest {
  private readonly files: { rel: string; bytes: Uint8Array }[] = [];
  constructor(private readonly dir: string) {}
  read(file: string): Uint8Array {
    const bytes = readFileSync(file);
    this.files.push({ rel: path.relative(this.dir, file).split(path.sep).join('/'), bytes });
    return bytes;
  }
  value(): string {
    const h = createHash('sha256');
    for (const f of [...this.files].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) {
      h.update(`${f.rel}\0${f.bytes.length}\0`);
      h.update(f.bytes);
    }
    return `sha256:${h.digest('hex')}`;
  }
}

/** Converts N images of `from` channels to `to` channels (grey → RGB repeats, RGB → grey is BT.601 luma). */
function convertChannels(src: Uint8Array, pixels: number, from: number, to: number): Uint8Array {
  if (from === to) return src;
  const out = new Uint8Array(pixels * to);
  for (let p = 0; p < pixels; p++) {
    if (to === 3) {
      out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = src[p];
    } else {
      // Luma Y' = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601).
      out[p] = Math.round(0.299 * src[3 * p] + 0.587 * src[3 * p + 1] + 0.114 * src[3 * p + 2]);
    }
  }
  return out;
}

interface Part {
  images: Uint8Array;
  labels: Uint8Array;
  /** H, W, C of the stored data. */
  shape: [number, number, number];
}

function checkChannels(c: number, where: string): void {
  if (c !== 1 && c !== 3) throw new HwnasError('DATASET_CORRUPT', `${where}: images have ${c} channels; 1 (grey) or 3 (RGB) are supported`);
}

function readFolderPart(dir: string, part: 'train' | 'test', classNames: readonly string[] | null, d: Digest): { part: Part; classNames: string[] } {
  const root = path.join(dir, part);
  if (!existsSync(root) || !statSync(root).isDirectory()) missing(dir, `folder layout needs a ${part}/ sub-folder with one folder of PNG images per class`);
  const folders = readdirSync(root)
    .filter((n) => !n.startsWith('.') && statSync(path.join(root, n)).isDirectory())
    .sort();
  if (folders.length === 0) missing(dir, `${part}/ holds no class folders (expected ${part}/<class>/*.png)`);
  const names = classNames ?? folders;
  if (classNames) {
    const unknown = folders.filter((f) => !classNames.includes(f));
    if (unknown.length > 0) {
      throw new HwnasError('DATASET_CORRUPT', `dataset directory ${dir}: test/ has class folders train/ lacks: ${unknown.join(', ')}`);
    }
  }
  if (names.length > 256) throw new HwnasError('DATASET_CORRUPT', `dataset directory ${dir}: ${names.length} classes; at most 256 are supported`);
  const decoded: { rgba: Uint8Array; color: boolean; label: number }[] = [];
  let size: [number, number] | null = null;
  let first = '';
  for (const cls of folders) {
    const files = readdirSync(path.join(root, cls))
      .filter((n) => !n.startsWith('.'))
      .sort();
    for (const f of files) {
      const file = path.join(root, cls, f);
      if (!f.toLowerCase().endsWith('.png')) {
        throw new HwnasError('DATASET_CORRUPT', `${file}: only PNG images are read (convert it, or move it out of the dataset)`);
      }
      let png: { width: number; height: number; data: Uint8Array; color?: boolean };
      try {
        png = PNG.sync.read(Buffer.from(d.read(file)));
      } catch (err) {
        throw new HwnasError('DATASET_CORRUPT', `${file} is not a readable PNG: ${(err as Error).message}`);
      }
      if (size === null) {
        size = [png.height, png.width];
        first = file;
      } else if (png.height !== size[0] || png.width !== size[1]) {
        throw new HwnasError(
          'DATASET_CORRUPT',
          `${file} is ${png.width}×${png.height} but ${first} is ${size[1]}×${size[0]}: every image of a dataset must have the same size`,
        );
      }
      decoded.push({ rgba: png.data, color: png.color !== false, label: names.indexOf(cls) });
    }
  }
  if (decoded.length === 0 || size === null) missing(dir, `${part}/ holds no PNG images`);
  const [h, w] = size!;
  const c = decoded.some((x) => x.color) ? 3 : 1;
  const images = new Uint8Array(decoded.length * h * w * c);
  const labels = new Uint8Array(decoded.length);
  decoded.forEach((x, i) => {
    labels[i] = x.label;
    const o = i * h * w * c;
    for (let p = 0; p < h * w; p++) {
      if (c === 1) images[o + p] = x.rgba[4 * p];
      else {
        images[o + 3 * p] = x.rgba[4 * p];
        images[o + 3 * p + 1] = x.rgba[4 * p + 1];
        images[o + 3 * p + 2] = x.rgba[4 * p + 2];
      }
    }
  });
  return { part: { images, labels, shape: [h, w, c] }, classNames: [...names] };
}

function findIdx(dir: string, names: readonly string[], d: Digest): { bytes: Uint8Array; file: string } {
  for (const n of names) {
    for (const f of [n, `${n}.gz`]) {
      const file = path.join(dir, f);
      if (existsSync(file)) return { bytes: d.read(file), file };
    }
  }
  return missing(dir, `idx layout needs ${names[0]} (or ${names[0]}.gz); expected ${LAYOUTS}`);
}

function imagesShape(dims: readonly number[], where: string): [number, number, number] {
  if (dims.length === 3) return [dims[1], dims[2], 1];
  if (dims.length === 4) {
    checkChannels(dims[3], where);
    return [dims[1], dims[2], dims[3]];
  }
  throw new HwnasError('DATASET_CORRUPT', `${where}: images must be N×H×W or N×H×W×C, got ${dims.length} dimensions (${dims.join('×')})`);
}

function readIdxPart(dir: string, part: 'train' | 'test', d: Digest): Part {
  const im = findIdx(dir, part === 'train' ? IDX_NAMES.trainImages : IDX_NAMES.testImages, d);
  const lb = findIdx(dir, part === 'train' ? IDX_NAMES.trainLabels : IDX_NAMES.testLabels, d);
  const images = parseIdx(im.bytes, im.file);
  const labels = parseIdx(lb.bytes, lb.file);
  if (labels.dims.length !== 1) throw new HwnasError('DATASET_CORRUPT', `${lb.file}: labels must be one-dimensional, got ${labels.dims.join('×')}`);
  if (images.dims[0] !== labels.dims[0]) {
    throw new HwnasError('DATASET_CORRUPT', `${im.file} holds ${images.dims[0]} images but ${lb.file} ${labels.dims[0]} labels`);
  }
  return { images: images.data, labels: labels.data, shape: imagesShape(images.dims, im.file) };
}

function readNpyPart(dir: string, part: 'train' | 'test', d: Digest): Part {
  const [xn, yn] = part === 'train' ? [NPY_NAMES[0], NPY_NAMES[1]] : [NPY_NAMES[2], NPY_NAMES[3]];
  const read = (n: string) => {
    const file = path.join(dir, n);
    if (!existsSync(file)) missing(dir, `npy layout needs ${n}; expected ${LAYOUTS}`);
    return { arr: parseNpy(d.read(file), file), file };
  };
  const x = read(xn);
  const y = read(yn);
  const shape = imagesShape(x.arr.shape, x.file);
  let images: Uint8Array;
  if (x.arr.data instanceof Uint8Array) images = x.arr.data;
  else if (x.arr.dtype === 'f4' || x.arr.dtype === 'f8') {
    // Floats are taken as intensities in [0, 1] (Keras' x / 255).
    images = new Uint8Array(x.arr.data.length);
    for (let i = 0; i < images.length; i++) {
      const v = x.arr.data[i];
      if (!(v >= 0 && v <= 1)) throw new HwnasError('DATASET_CORRUPT', `${x.file}: float images must lie in [0, 1]; element ${i} is ${v}`);
      images[i] = Math.round(v * 255);
    }
  } else {
    throw new HwnasError('DATASET_CORRUPT', `${x.file}: images must be uint8 (0..255) or floats in [0, 1], got ${x.arr.dtype}`);
  }
  const ys = y.arr.shape;
  if (!(ys.length === 1 || (ys.length === 2 && ys[1] === 1)) || y.arr.dtype.startsWith('f')) {
    throw new HwnasError('DATASET_CORRUPT', `${y.file}: labels must be integers of shape (N,) or (N, 1), got ${y.arr.dtype} (${ys.join(', ')})`);
  }
  if (ys[0] !== x.arr.shape[0]) throw new HwnasError('DATASET_CORRUPT', `${x.file} holds ${x.arr.shape[0]} images but ${y.file} ${ys[0]} labels`);
  const labels = new Uint8Array(ys[0]);
  for (let i = 0; i < labels.length; i++) {
    const v = y.arr.data[i];
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new HwnasError('DATASET_CORRUPT', `${y.file}: label ${i} is ${v}; labels must be 0 … 255`);
    labels[i] = v;
  }
  return { images, labels, shape };
}

const cache = new Map<string, CustomData>();

/** Drops the per-thread cache of custom datasets. */
export function clearCustomCache(): void {
  cache.clear();
}

/**
 * Reads a custom dataset (cached per thread by directory, layout and channels). Throws DATASET_MISSING for an
 * absent directory or file, DATASET_CORRUPT for bad data, DATASET_CHANGED when `spec.digest` is set and the data
 * is no longer what it was.
 */
export function loadCustomData(spec: CustomDatasetSpec): CustomData {
  const dir = path.resolve(spec.path);
  const kind = spec.kind ?? detectDatasetKind(dir);
  const key = `${kind}:${spec.channels ?? ''}:${dir}`;
  let data = cache.get(key);
  if (!data) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) missing(dir, existsSync(dir) ? 'is not a directory' : 'does not exist');
    const d = new Digest(dir);
    let train: Part;
    let test: Part;
    let classNames: string[] | null = null;
    if (kind === 'folder') {
      const tr = readFolderPart(dir, 'train', null, d);
      train = tr.part;
      classNames = tr.classNames;
      test = readFolderPart(dir, 'test', classNames, d).part;
    } else if (kind === 'idx') {
      train = readIdxPart(dir, 'train', d);
      test = readIdxPart(dir, 'test', d);
    } else {
      train = readNpyPart(dir, 'train', d);
      test = readNpyPart(dir, 'test', d);
    }
    if (train.shape[0] !== test.shape[0] || train.shape[1] !== test.shape[1]) {
      throw new HwnasError('DATASET_CORRUPT', `dataset directory ${dir}: train images are ${train.shape[1]}×${train.shape[0]}, test images ${test.shape[1]}×${test.shape[0]}`);
    }
    let classes = classNames?.length ?? 0;
    if (!classNames) {
      for (const l of [...train.labels, ...test.labels]) classes = Math.max(classes, l + 1);
      classNames = Array.from({ length: classes }, (_, i) => String(i));
    }
    if (classes < 2) throw new HwnasError('DATASET_CORRUPT', `dataset directory ${dir}: ${classes} class; a classifier needs at least 2`);
    const c = spec.channels ?? Math.max(train.shape[2], test.shape[2]);
    const px = (p: Part) => p.labels.length * p.shape[0] * p.shape[1];
    data = {
      kind,
      dir,
      shape: [train.shape[0], train.shape[1], c],
      classes,
      classNames,
      train: { images: convertChannels(train.images, px(train), train.shape[2], c), labels: train.labels },
      test: { images: convertChannels(test.images, px(test), test.shape[2], c), labels: test.labels },
      digest: d.value(),
    };
    cache.set(key, data);
  }
  if (spec.digest !== undefined && spec.digest !== data.digest) {
    throw new HwnasError(
      'DATASET_CHANGED',
      `dataset directory ${dir} has changed since the run recorded it (${spec.digest.slice(0, 23)}…, now ${data.digest.slice(0, 23)}…): ` +
        'restore the data the run trained on, or start a new run',
    );
  }
  return data;
}

/** Whether `value` declares a custom dataset (an object) rather than naming a built-in one. */
export function isCustomDataset(value: unknown): value is CustomDatasetSpec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short label of a dataset reference for messages and file names: the built-in name or `custom:<dir>`. */
export function customDatasetLabel(spec: CustomDatasetSpec): string {
  return `custom:${path.basename(path.resolve(spec.path))}`;
}
