/**
 * NPY files (NumPy's `np.save` format, versions 1–3): the magic `\x93NUMPY`, a major/minor version, a header
 * length (uint16 LE in v1, uint32 LE in v2/v3), then a Python-literal dict `{'descr': '<u1', 'fortran_order':
 * False, 'shape': (60000, 28, 28), }` padded with spaces, then the C-order data. Format reference:
 * numpy/lib/format.py ("A Simple File Format for NumPy Arrays", NEP 1).
 *
 * Images must be unsigned bytes, or floats in [0, 1] (scaled to bytes); labels any integer type.
 */
import { readFileSync } from 'node:fs';
import { HwnasError } from '../../errors.js';

/** A decoded NPY array, as numbers (bytes for u1 data). */
export interface NpyArray {
  readonly shape: readonly number[];
  /** `descr` without its byte-order character, e.g. `u1`, `i8`, `f4`. */
  readonly dtype: string;
  readonly data: Uint8Array | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Element readers by dtype (little- or big-endian through DataView). */
const READERS: Record<string, { size: number; get: (v: DataView, o: number, le: boolean) => number }> = {
  u1: { size: 1, get: (v, o) => v.getUint8(o) },
  i1: { size: 1, get: (v, o) => v.getInt8(o) },
  b1: { size: 1, get: (v, o) => v.getUint8(o) },
  u2: { size: 2, get: (v, o, le) => v.getUint16(o, le) },
  i2: { size: 2, get: (v, o, le) => v.getInt16(o, le) },
  u4: { size: 4, get: (v, o, le) => v.getUint32(o, le) },
  i4: { size: 4, get: (v, o, le) => v.getInt32(o, le) },
  u8: { size: 8, get: (v, o, le) => Number(v.getBigUint64(o, le)) },
  i8: { size: 8, get: (v, o, le) => Number(v.getBigInt64(o, le)) },
  f4: { size: 4, get: (v, o, le) => v.getFloat32(o, le) },
  f8: { size: 8, get: (v, o, le) => v.getFloat64(o, le) },
};

/** Decodes an NPY file's bytes. `source` names it in errors. */
export function parseNpy(buf: Uint8Array, source = 'NPY data'): NpyArray {
  const fail = (why: string): never => {
    throw new HwnasError('DATASET_CORRUPT', `${source} is not a usable .npy file: ${why}`);
  };
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) fail('it does not start with \\x93NUMPY (save it with numpy.save)');
  const major = buf[6];
  if (major < 1 || major > 3) fail(`format version ${major}.${buf[7]} (1, 2 and 3 are supported)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 + headerLen : 12 + headerLen;
  if (buf.length < start) fail('shorter than its header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(major === 1 ? 10 : 12, start));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`unreadable header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') fail('Fortran order (save a C-ordered array: numpy.ascontiguousarray)');
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`bad shape (${shapeText})`);
  const order = descr![0];
  const dtype = '<>|='.includes(order) ? descr!.slice(1) : descr!;
  const reader = READERS[dtype];
  if (!reader) fail(`element type "${descr}" (supported: unsigned/signed integers, bool, float32, float64)`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length - start !== count * reader!.size) fail(`shape (${shape.join(', ')}) of ${descr} needs ${count * reader!.size} bytes of data, the file has ${buf.length - start}`);
  if (dtype === 'u1') return { shape, dtype, data: buf.subarray(start, start + count) };
  const le = order !== '>';
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = reader!.get(view, start + i * reader!.size, le);
  return { shape, dtype, data };
}

/** Reads and decodes an NPY file. */
export function readNpyFile(file: string): NpyArray {
  return parseNpy(readFileSync(file), file);
}

/** Encodes unsigned bytes or int64 labels as an NPY v1 file (tests and fixtures). */
export function encodeNpy(shape: readonly number[], data: Uint8Array | readonly number[], descr: '|u1' | '<i8' | '<f4' = '|u1'): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  // Total header (magic + version + length + dict + newline) is a multiple of 64 bytes.
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const size = descr === '|u1' ? 1 : descr === '<f4' ? 4 : 8;
  const out = new Uint8Array(10 + header.length + data.length * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const at = 10 + header.length;
  for (let i = 0; i < data.length; i++) {
    if (descr === '|u1') out[at + i] = data[i];
    else if (descr === '<f4') view.setFloat32(at + i * 4, data[i], true);
    else view.setBigInt64(at + i * 8, BigInt(data[i]), true);
  }
  return out;
}
