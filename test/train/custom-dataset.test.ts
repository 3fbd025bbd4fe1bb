/** A user's own dataset: a folder of PNGs per class, IDX or NPY files; shape, classes, digest, errors. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { HwnasError } from '../../lib/errors.js';
import { detectDatasetKind, loadCustomData } from '../../lib/train/datasets/custom.js';
import { encodeIdx } from '../../lib/train/datasets/idx.js';
import { encodeNpy, parseNpy } from '../../lib/train/datasets/npy.js';
import { clearDatasetCache, datasetInfo, datasetRefSchema, loadDataset, resolveDatasetRef } from '../../lib/train/datasets/registry.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-data-'));

/** An h×w PNG whose pixel p is (v(p), v(p)+1, v(p)+2) in colour or v(p) in grey. */
function png(file: string, w: number, h: number, v: (p: number) => number, grey: boolean): void {
  const img = new PNG({ width: w, height: h });
  for (let p = 0; p < w * h; p++) {
    const g = v(p) & 255;
    img.data[4 * p] = g;
    img.data[4 * p + 1] = grey ? g : (g + 1) & 255;
    img.data[4 * p + 2] = grey ? g : (g + 2) & 255;
    img.data[4 * p + 3] = 255;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(img, { colorType: grey ? 0 : 2 }));
}

/** train/<class>/ and test/<class>/ with `n` images per class: image i of class c has pixels c*40 + i + p. */
function folderDataset(classes: string[], n: number, o: { w?: number; h?: number; grey?: boolean } = {}): string {
  const dir = tmp();
  for (const part of ['train', 'test']) {
    classes.forEach((c, ci) => {
      for (let i = 0; i < (part === 'train' ? n : 2); i++) {
        png(path.join(dir, part, c, `img${i}.png`), o.w ?? 5, o.h ?? 4, (p) => ci * 40 + i + p, o.grey ?? true);
      }
    });
  }
  return dir;
}

afterEach(() => clearDatasetCache());

describe('custom datasets', () => {
  it('reads a folder of grey PNGs per class: classes from the sorted folder names, pixels exact, a digest', () => {
    const dir = folderDataset(['owl', 'cat', 'dog'], 4);
    expect(detectDatasetKind(dir)).toBe('folder');
    const d = loadCustomData({ path: dir });
    expect(d.shape).toEqual([4, 5, 1]);
    expect(d.classNames).toEqual(['cat', 'dog', 'owl']);
    expect(d.classes).toBe(3);
    expect(d.train.labels.length).toBe(12);
    expect(d.test.labels.length).toBe(6);
    // cat (class 0) was written as ci = 1 above: image 2 of cat has pixel p = 40 + 2 + p.
    const i = Array.from(d.train.labels).indexOf(0) + 2;
    expect(Array.from(d.train.images.subarray(i * 20, i * 20 + 3))).toEqual([42, 43, 44]);
    expect(d.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    clearDatasetCache();
    expect(loadCustomData({ path: dir }).digest).toBe(d.digest);
    // A changed file changes the digest, and a run that recorded the old one is refused.
    png(path.join(dir, 'train', 'dog', 'img0.png'), 5, 4, () => 7, true);
    clearDatasetCache();
    expect(() => loadCustomData({ path: dir, digest: d.digest })).toThrow(/has changed since the run recorded it/);
  });

  it('reads colour PNGs as RGB, or as grey luma when asked', () => {
    const dir = folderDataset(['a', 'b'], 2, { grey: false });
    const rgb = loadCustomData({ path: dir, kind: 'folder' });
    expect(rgb.shape).toEqual([4, 5, 3]);
    expect(Array.from(rgb.train.images.subarray(0, 6))).toEqual([0, 1, 2, 1, 2, 3]);
    const grey = loadCustomData({ path: dir, channels: 1 });
    expect(grey.shape).toEqual([4, 5, 1]);
    // BT.601 luma of (1, 2, 3) = 0.299 + 1.174 + 0.342 = 1.815 → 2.
    expect(grey.train.images[1]).toBe(2);
  });

  it('reads IDX files (gzipped or raw, MNIST names) and NPY files (Keras names, uint8 or [0, 1] floats)', () => {
    const idx = tmp();
    const img = (n: number) => Uint8Array.from({ length: n * 36 }, (_, i) => i % 251);
    fs.writeFileSync(path.join(idx, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdx([4, 6, 6], img(4))));
    fs.writeFileSync(path.join(idx, 'train-labels-idx1-ubyte'), encodeIdx([4], Uint8Array.from([0, 1, 2, 3])));
    fs.writeFileSync(path.join(idx, 't10k-images-idx3-ubyte'), encodeIdx([2, 6, 6], img(2)));
    fs.writeFileSync(path.join(idx, 't10k-labels-idx1-ubyte'), encodeIdx([2], Uint8Array.from([4, 0])));
    expect(detectDatasetKind(idx)).toBe('idx');
    expect(datasetInfo({ path: idx })).toEqual({ shape: [6, 6, 1], classes: 5, train: 4, test: 2 });

    const npy = tmp();
    fs.writeFileSync(path.join(npy, 'x_train.npy'), encodeNpy([3, 2, 2, 3], Uint8Array.from({ length: 36 }, (_, i) => i)));
    fs.writeFileSync(path.join(npy, 'y_train.npy'), encodeNpy([3], [1, 0, 1], '<i8'));
    fs.writeFileSync(path.join(npy, 'x_test.npy'), encodeNpy([1, 2, 2, 3], Array.from({ length: 12 }, () => 0.5), '<f4'));
    fs.writeFileSync(path.join(npy, 'y_test.npy'), encodeNpy([1], [0], '<i8'));
    const n = loadCustomData({ path: npy });
    expect(n.kind).toBe('npy');
    expect(n.shape).toEqual([2, 2, 3]);
    expect(n.classes).toBe(2);
    expect(Array.from(n.train.labels)).toEqual([1, 0, 1]);
    expect(n.test.images[0]).toBe(128);
    expect(parseNpy(encodeNpy([2], [5, -1], '<i8')).data).toEqual(Float64Array.from([5, -1]));
  });

  it('splits train/val by seed (a tenth for validation by default) and records the resolved reference', () => {
    const dir = folderDataset(['a', 'b'], 10);
    const ref = { path: dir };
    const train = loadDataset(ref, { split: 'train', seed: 1 });
    const val = loadDataset(ref, { split: 'val', seed: 1 });
    expect([train.count, val.count]).toEqual([18, 2]);
    expect(train.name).toBe(`custom:${path.basename(dir)}`);
    expect(loadDataset(ref, { split: 'test' }).count).toBe(4);
    const resolved = resolveDatasetRef({ path: path.relative(process.cwd(), dir) });
    expect(resolved).toEqual({ kind: 'folder', path: dir, digest: loadCustomData(ref).digest });
    expect(datasetRefSchema.parse(resolved)).toEqual(resolved);
  });

  it('says what is wrong, naming the file', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(HwnasError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    const none = path.join(tmp(), 'nothing');
    expect(err(() => loadCustomData({ path: none }))).toMatch(/nothing: does not exist/);
    expect(err(() => loadCustomData({ path: tmp() }))).toMatch(/holds none of the known layouts: train\/<class>/);
    const sizes = folderDataset(['a', 'b'], 2);
    png(path.join(sizes, 'train', 'b', 'big.png'), 9, 9, () => 1, true);
    expect(err(() => loadCustomData({ path: sizes }))).toMatch(/b[/\\]big\.png is 9×9 but .*a[/\\]img0\.png is 5×4/);
    const junk = folderDataset(['a', 'b'], 1);
    fs.writeFileSync(path.join(junk, 'test', 'a', 'notes.txt'), 'x');
    expect(err(() => loadCustomData({ path: junk }))).toMatch(/notes\.txt: only PNG images are read/);
    const noTest = folderDataset(['a', 'b'], 1);
    fs.rmSync(path.join(noTest, 'test'), { recursive: true });
    expect(err(() => loadCustomData({ path: noTest }))).toMatch(/needs a test\/ sub-folder/);
    const one = folderDataset(['a'], 2);
    expect(err(() => loadCustomData({ path: one }))).toMatch(/1 class; a classifier needs at least 2/);
    const bad = tmp();
    fs.writeFileSync(path.join(bad, 'x_train.npy'), encodeNpy([2, 2, 2], new Uint8Array(8)));
    fs.writeFileSync(path.join(bad, 'y_train.npy'), encodeNpy([3], [0, 1, 1], '<i8'));
    expect(err(() => loadCustomData({ path: bad }))).toMatch(/x_train\.npy holds 2 images but .*y_train\.npy 3 labels/);
    expect(err(() => parseNpy(new Uint8Array(20), 'z.npy'))).toMatch(/z\.npy is not a usable \.npy file/);
    // The schema names the field.
    const r = datasetRefSchema.safeParse({ path: 'x', channels: 2, color: true });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error!.issues)).toMatch(/channels|color/);
    expect(datasetRefSchema.safeParse('imagenet').error!.issues[0].message).toMatch(/must be one of mnist, fashion-mnist, cifar10, or \{"path"/);
  });
});
