/**
 * IDX files (the MNIST / Fashion-MNIST format): a 4-byte magic (0, 0, type, rank), `rank` big-endian uint32
 * dimensions, then the data. Only unsigned bytes (type 0x08) occur in these datasets. Raw or gzip-compressed.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { HwnasError } from '../../errors.js';

/** A decoded IDX array of unsigned bytes. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** True when `buf` starts with the gzip magic bytes. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Decodes an IDX array (gunzipping first when needed). `source` names the data in errors. */
export function parseIdx(input: Uint8Array, source = 'IDX data'): IdxArray {
  const buf = isGzip(input) ? new Uint8Array(gunzipSync(input)) : input;
  const fail = (why: string): never => {
    throw new HwnasError('DATASET_CORRUPT', `${source} is not a valid IDX file: ${why}`);
  };
  if (buf.length < 4) fail('shorter than its header');
  if (buf[0] !== 0 || buf[1] !== 0) fail(`bad magic ${buf[0]},${buf[1]} (expected 0,0)`);
  if (buf[2] !== 0x08) fail(`element type 0x${buf[2].toString(16)} (only unsigned bytes, 0x08, are supported)`);
  const rank = buf[3];
  if (rank < 1 || buf.length < 4 + 4 * rank) fail(`bad rank ${rank}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  if (buf.length - start !== size) fail(`header says ${size} bytes of data, file has ${buf.length - start}`);
  return { dims, data: buf.subarray(start, start + size) };
}

/** Reads and decodes an IDX file (raw or .gz). */
export function readIdxFile(path: string): IdxArray {
  return parseIdx(readFileSync(path), path);
}

/** Encodes unsigned bytes as an IDX array (tests and fixtures). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
