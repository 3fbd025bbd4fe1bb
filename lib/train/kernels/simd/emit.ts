/**
 * A minimal WebAssembly binary emitter: just what our SIMD training kernels need (i32/f32/v128 locals,
 * loads/stores, a few arithmetic and SIMD opcodes, structured loops). No toolchain: the module is built in
 * memory at start-up and validated by the engine, so the repository carries no binary.
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Unsigned LEB128. */
export function u32(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function s32(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function name(s: string): number[] {
  const bytes = [...Buffer.from(s, 'utf8')];
  return [...u32(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...u32(body.length), ...body];
}

const simd = (op: number): number[] => [0xfd, ...u32(op)];

/** Instruction encoders (each returns its bytes). Memory offsets are byte offsets. */
export const op = {
  get: (i: number) => [0x20, ...u32(i)],
  set: (i: number) => [0x21, ...u32(i)],
  tee: (i: number) => [0x22, ...u32(i)],
  i32: (v: number) => [0x41, ...s32(v)],
  f32: (v: number) => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    return [0x43, ...b];
  },
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32LeS: [0x4c],
  f32Load: (offset = 0) => [0x2a, 2, ...u32(offset)],
  f32Store: (offset = 0) => [0x38, 2, ...u32(offset)],
  f32Mul: [0x94],
  f32Min: [0x96],
  f32Max: [0x97],
  f32Nearest: [0x90],
  v128Load: (offset = 0) => [...simd(0x00), 4, ...u32(offset)],
  v128Load32Splat: (offset = 0) => [...simd(0x09), 2, ...u32(offset)],
  v128Store: (offset = 0) => [...simd(0x0b), 4, ...u32(offset)],
  f32x4Splat: simd(0x13),
  f32x4Gt: simd(0x44),
  f32x4Ge: simd(0x46),
  f32x4Le: simd(0x45),
  v128Not: simd(0x4d),
  v128And: simd(0x4e),
  v128AndNot: simd(0x4f),
  v128Or: simd(0x50),
  v128Bitselect: simd(0x52),
  f32x4Nearest: simd(0x6a),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
  f32x4Min: simd(0xe8),
  f32x4Max: simd(0xe9),
};

/** `block … end` (no result). */
export function block(...body: number[][]): number[] {
  return [0x02, 0x40, ...body.flat(), 0x0b];
}

/**
 * `count` iterations of `body` with a do-while loop on local `counter` (decremented); skipped when the
 * count is ≤ 0. `count` is the code pushing the initial count.
 */
export function repeat(counter: number, count: number[], ...body: number[][]): number[] {
  return block(
    count,
    op.tee(counter),
    op.i32(0),
    op.i32LeS,
    [0x0d, 0], // br_if 0: nothing to do
    [0x03, 0x40], // loop
    body.flat(),
    op.get(counter),
    op.i32(1),
    op.i32Sub,
    op.tee(counter),
    [0x0d, 0], // br_if 0 (the loop) while counter ≠ 0
    [0x0b], // end loop
  );
}

/** `local[i] += delta` (i32). */
export function addTo(i: number, delta: number[]): number[] {
  return [...op.get(i), ...delta, ...op.i32Add, ...op.set(i)];
}

/** One function of a module. */
export interface FuncDef {
  readonly name: string;
  readonly params: ValType[];
  readonly locals: ValType[];
  readonly body: number[];
}

/**
 * A module importing `env.memory` and exporting `funcs` (no results). `shared` memory (threaded tfjs) needs
 * the maximum declared: 65536 pages (4 GiB), the threaded tfjs build's own maximum.
 */
export function moduleBytes(funcs: readonly FuncDef[], memory: { shared: boolean }): Uint8Array {
  const types: number[][] = funcs.map((f) => [0x60, ...u32(f.params.length), ...f.params, 0]);
  const typeSec = section(1, [...u32(types.length), ...types.flat()]);
  const memType = memory.shared ? [0x03, ...u32(1), ...u32(65536)] : [0x00, ...u32(1)];
  const importSec = section(2, [...u32(1), ...name('env'), ...name('memory'), 0x02, ...memType]);
  const funcSec = section(3, [...u32(funcs.length), ...funcs.flatMap((_, i) => u32(i))]);
  const exportSec = section(7, [...u32(funcs.length), ...funcs.flatMap((f, i) => [...name(f.name), 0x00, ...u32(i)])]);
  const bodies = funcs.map((f) => {
    // Locals as runs of equal types.
    const groups: [number, number][] = [];
    for (const t of f.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const code = [...u32(groups.length), ...groups.flatMap(([n, t]) => [...u32(n), t]), ...f.body, 0x0b];
    return [...u32(code.length), ...code];
  });
  const codeSec = section(10, [...u32(bodies.length), ...bodies.flat()]);
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...typeSec, ...importSec, ...funcSec, ...exportSec, ...codeSec]);
}
