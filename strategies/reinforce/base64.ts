/** Float32 arrays as base64 of their little-endian bytes (the snapshot format of weights), whatever the host's endianness. */

/** `a` as base64 of little-endian float32 bytes. */
export function float32ToBase64(a: Float32Array): string {
  const bytes = Buffer.alloc(a.length * 4);
  for (let i = 0; i < a.length; i++) bytes.writeFloatLE(a[i], i * 4);
  return bytes.toString('base64');
}

/** Decodes {@link float32ToBase64}; throws when the length is not `expected` floats. */
export function base64ToFloat32(s: string, expected: number, what: string): Float32Array {
  if (typeof s !== 'string') throw new TypeError(`${what}: expected a base64 string`);
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length !== expected * 4) {
    throw new RangeError(`${what}: expected ${expected} float32 values, got ${bytes.length / 4}`);
  }
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
