/**
 * Our WebAssembly SIMD training kernels, working in place on tfjs-backend-wasm's heap (the module imports the
 * backend's own memory). Each is a loop nest with register blocking; byte addresses and strides are computed
 * by the TypeScript callers, so the wasm side stays small.
 *
 * - `bpf_<CB>x<MB>`: Conv2DBackpropFilter for one tap and CB ≤ 4 input channels, over blocks of MB filters:
 *   out[kh,kw,c0+i,m0+j] += Σ_{n,rows,cols} x[…, c0+i] · dy[…, m0+j] with CB×MB/4 f32x4 accumulators.
 * - `pool_grad_2x2`: MaxPoolGrad of a 2×2/2 pool, four channels at a time, first maximum wins.
 * - `act_grad`: dz = dy where lo ≤ z ≤ hi (else 0) and db += Σ_pixels dz (ReLU / quantizer gradient + bias grad).
 * - `fake_quant`: y = clamp(nearest(z·scale), qmin, qmax)·step (nearest = round half to even, as ROUNDING).
 * - `dwbpf_<V>`: DepthwiseConv2dNativeBackpropFilter for one tap over blocks of 4·V channels:
 *   out[kh,kw,c] += Σ_{n,rows,cols} x[…, c] · dy[…, c] with V f32x4 accumulators.
 */
import { addTo, F32, I32, moduleBytes, op, repeat, V128, type FuncDef, type ValType } from './emit.js';
import { KernelTeam } from './team.js';
import { WA, type WasmMemory, type WasmModule } from './wasm-api.js';

/** Channel blocks (CB) and filter blocks (MB) we generate Conv2DBackpropFilter variants for. */
export const BPF_CB = [1, 2, 3, 4] as const;
export const BPF_MB = [4, 8, 16] as const;

/** Parameter and local indices the (image, row, column) loop nest of a filter-gradient reduction reads. */
interface LoopNestSlots {
  readonly P: { readonly n: number; readonly rows: number; readonly cols: number; readonly xN: number; readonly xRow: number; readonly dyN: number; readonly dyRow: number };
  readonly L: { readonly cn: number; readonly cr: number; readonly cc: number; readonly xi: number; readonly di: number; readonly xr: number; readonly dr: number; readonly xp: number; readonly dp: number };
}

/**
 * The loops over images, output rows and output columns around `inner` (which steps the pixel pointers xp, dp
 * itself): x and dy start at xi, di, move a row (xRow, dyRow) per row and an image (xN, dyN) per image.
 */
function imageRowColumnLoops(P: LoopNestSlots['P'], L: LoopNestSlots['L'], inner: number[][]): number[] {
  return repeat(
    L.cn,
    op.get(P.n),
    op.get(L.xi),
    op.set(L.xr),
    op.get(L.di),
    op.set(L.dr),
    repeat(
      L.cr,
      op.get(P.rows),
      op.get(L.xr),
      op.set(L.xp),
      op.get(L.dr),
      op.set(L.dp),
      repeat(L.cc, op.get(P.cols), ...inner),
      addTo(L.xr, op.get(P.xRow)),
      addTo(L.dr, op.get(P.dyRow)),
    ),
    addTo(L.xi, op.get(P.xN)),
    addTo(L.di, op.get(P.dyN)),
  );
}

/**
 * bpf_<CB>x<MB>(x, dy, out, n, rows, cols, xN, xRow, xPix, dyN, dyRow, dyPix, outC, mBlocks)
 * For each of `mBlocks` consecutive blocks of MB filters: out[c0+i, m0+j] += Σ over n images × rows × cols
 * output pixels of x[…, c0+i] · dy[…, m0+j], with CB × MB/4 f32x4 accumulators loaded from and stored back
 * to `out` (so callers can split the pixels into cache-sized chunks).
 * x, dy: byte addresses of the first contributing elements; xN/xRow/xPix and dyN/dyRow/dyPix: byte strides per
 * image, output row and output column; out: byte address of out[kh,kw,c0,m0]; outC: bytes between channels.
 */
function bpfBlock(CB: number, MB: number): FuncDef {
  const P = { x: 0, dy: 1, out: 2, n: 3, rows: 4, cols: 5, xN: 6, xRow: 7, xPix: 8, dyN: 9, dyRow: 10, dyPix: 11, outC: 12, mBlocks: 13 };
  const params: ValType[] = new Array(14).fill(I32);
  let next = 14;
  const L = { cn: next++, cr: next++, cc: next++, cm: next++, xi: next++, di: next++, xr: next++, dr: next++, xp: next++, dp: next++, o: next++ };
  const locals: ValType[] = new Array(11).fill(I32);
  const V = MB / 4;
  const acc: number[][] = [];
  for (let i = 0; i < CB; i++) {
    acc.push([]);
    for (let j = 0; j < V; j++) {
      acc[i].push(next++);
      locals.push(V128);
    }
  }
  const d: number[] = [];
  for (let j = 0; j < V; j++) {
    d.push(next++);
    locals.push(V128);
  }
  const s = next++;
  locals.push(V128);

  const inner: number[][] = [];
  for (let j = 0; j < V; j++) inner.push(op.get(L.dp), op.v128Load(16 * j), op.set(d[j]));
  for (let i = 0; i < CB; i++) {
    inner.push(op.get(L.xp), op.v128Load32Splat(4 * i), op.set(s));
    for (let j = 0; j < V; j++) {
      inner.push(op.get(acc[i][j]), op.get(s), op.get(d[j]), op.f32x4Mul, op.f32x4Add, op.set(acc[i][j]));
    }
  }
  inner.push(addTo(L.xp, op.get(P.xPix)), addTo(L.dp, op.get(P.dyPix)));

  // Accumulators in and out of `out`: row i of the block is at o + i·outC.
  const loadAcc: number[][] = [];
  const storeAcc: number[][] = [];
  for (let i = 0; i < CB; i++) {
    for (let j = 0; j < V; j++) {
      const at = [...op.get(L.o), ...(i > 0 ? [...op.get(P.outC), ...op.i32(i), ...op.i32Mul, ...op.i32Add] : [])];
      loadAcc.push([...at, ...op.v128Load(16 * j), ...op.set(acc[i][j])]);
      storeAcc.push([...at, ...op.get(acc[i][j]), ...op.v128Store(16 * j)]);
    }
  }
  const body: number[][] = [
    [...op.get(P.out), ...op.set(L.o)],
    repeat(
      L.cm,
      op.get(P.mBlocks),
      ...loadAcc,
      [...op.get(P.x), ...op.set(L.xi), ...op.get(P.dy), ...op.set(L.di)],
      imageRowColumnLoops(P, L, inner),
      ...storeAcc,
      // Next block of MB filters: dy and out move MB floats along.
      addTo(P.dy, op.i32(MB * 4)),
      addTo(L.o, op.i32(MB * 4)),
    ),
  ];
  return { name: `bpf_${CB}x${MB}`, params, locals, body: body.flat() };
}

/**
 * pool_grad_2x2(x, g, dx, n, oh, ow, c4, xRow, xImg): x, dx (N,H,W,C), g (N,OH,OW,C); c4 = C/4; xRow = bytes
 * of one input row (W·C·4); xImg = bytes of one input image. Writes every dx element a window covers (the
 * caller zeroes dx first when H or W is odd). Ties: the first in row-major window order, like the cpu backend.
 */
function poolGrad2x2(): FuncDef {
  const P = { x: 0, g: 1, dx: 2, n: 3, oh: 4, ow: 5, c4: 6, xRow: 7, xImg: 8 };
  const params: ValType[] = new Array(9).fill(I32);
  let next = 9;
  const L = { cn: next++, cr: next++, cw: next++, cc: next++, img: next++, row: next++, at: next++, cB: next++ };
  const locals: ValType[] = new Array(8).fill(I32);
  const v = { a: next++, b: next++, d: next++, e: next++, g: next++, gb: next++, gd: next++, ge: next++, best: next++ };
  for (let i = 0; i < 9; i++) locals.push(V128);
  // Window (0,0)=a at `at`, (0,1)=b at at+cB, (1,0)=d at at+xRow, (1,1)=e at at+xRow+cB.
  const addr = (base: number, dRow: boolean, dCol: boolean): number[] => [
    ...op.get(base),
    ...op.get(L.at),
    ...op.i32Add,
    ...(dRow ? [...op.get(P.xRow), ...op.i32Add] : []),
    ...(dCol ? [...op.get(L.cB), ...op.i32Add] : []),
  ];
  const inner: number[][] = [
    [...addr(P.x, false, false), ...op.v128Load(0), ...op.set(v.a)],
    [...addr(P.x, false, true), ...op.v128Load(0), ...op.set(v.b)],
    [...addr(P.x, true, false), ...op.v128Load(0), ...op.set(v.d)],
    [...addr(P.x, true, true), ...op.v128Load(0), ...op.set(v.e)],
    [...op.get(P.g), ...op.v128Load(0), ...op.set(v.g)],
    // gb = b > a; best = gb ? b : a; gd = d > best; best = gd ? d : best; ge = e > best (strict: first max wins).
    [...op.get(v.b), ...op.get(v.a), ...op.f32x4Gt, ...op.set(v.gb)],
    [...op.get(v.b), ...op.get(v.a), ...op.get(v.gb), ...op.v128Bitselect, ...op.set(v.best)],
    [...op.get(v.d), ...op.get(v.best), ...op.f32x4Gt, ...op.set(v.gd)],
    [...op.get(v.d), ...op.get(v.best), ...op.get(v.gd), ...op.v128Bitselect, ...op.set(v.best)],
    [...op.get(v.e), ...op.get(v.best), ...op.f32x4Gt, ...op.set(v.ge)],
    // Winners: e = ge; d = gd & ~ge; b = gb & ~gd & ~ge; a = ~(gb | gd | ge).
    [...addr(P.dx, true, true), ...op.get(v.g), ...op.get(v.ge), ...op.v128And, ...op.v128Store(0)],
    [...addr(P.dx, true, false), ...op.get(v.g), ...op.get(v.gd), ...op.get(v.ge), ...op.v128AndNot, ...op.v128And, ...op.v128Store(0)],
    [
      ...addr(P.dx, false, true),
      ...op.get(v.g),
      ...op.get(v.gb),
      ...op.get(v.gd),
      ...op.v128AndNot,
      ...op.get(v.ge),
      ...op.v128AndNot,
      ...op.v128And,
      ...op.v128Store(0),
    ],
    [
      ...addr(P.dx, false, false),
      ...op.get(v.g),
      ...op.get(v.gb),
      ...op.get(v.gd),
      ...op.v128Or,
      ...op.get(v.ge),
      ...op.v128Or,
      ...op.v128AndNot,
      ...op.v128Store(0),
    ],
    addTo(L.at, op.i32(16)),
    addTo(P.g, op.i32(16)),
  ];
  const body: number[][] = [
    [...op.get(P.c4), ...op.i32(16), ...op.i32Mul, ...op.set(L.cB)],
    [...op.i32(0), ...op.set(L.img)],
    repeat(
      L.cn,
      op.get(P.n),
      [...op.get(L.img), ...op.set(L.row)],
      repeat(
        L.cr,
        op.get(P.oh),
        [...op.get(L.row), ...op.set(L.at)],
        repeat(
          L.cw,
          op.get(P.ow),
          repeat(L.cc, op.get(P.c4), ...inner),
          // Skip the window's second column: its channels were handled through cB.
          addTo(L.at, op.get(L.cB)),
        ),
        addTo(L.row, [...op.get(P.xRow), ...op.i32(2), ...op.i32Mul]),
      ),
      addTo(L.img, op.get(P.xImg)),
    ),
  ];
  return { name: 'pool_grad_2x2', params, locals, body: body.flat() };
}

/**
 * act_grad(dy, z, dz, db, pixels, M4, lo, hi): dz = (lo ≤ z ≤ hi) ? dy : 0 and db[m] += Σ dz[·, m].
 * Channels M = 4·M4 innermost. db must be zeroed by the caller.
 */
function actGrad(): FuncDef {
  const P = { dy: 0, z: 1, dz: 2, db: 3, pixels: 4, m4: 5, lo: 6, hi: 7 };
  const params: ValType[] = [I32, I32, I32, I32, I32, I32, F32, F32];
  let next = 8;
  const L = { cp: next++, cm: next++, bp: next++ };
  const locals: ValType[] = [I32, I32, I32];
  const v = { lo: next++, hi: next++, z: next++, d: next++ };
  locals.push(V128, V128, V128, V128);
  const body: number[][] = [
    op.get(P.lo),
    op.f32x4Splat,
    op.set(v.lo),
    op.get(P.hi),
    op.f32x4Splat,
    op.set(v.hi),
    repeat(
      L.cp,
      op.get(P.pixels),
      op.get(P.db),
      op.set(L.bp),
      repeat(
        L.cm,
        op.get(P.m4),
        [...op.get(P.z), ...op.v128Load(0), ...op.set(v.z)],
        // d = dy & (z ≥ lo) & (z ≤ hi)
        op.get(P.dy),
        op.v128Load(0),
        op.get(v.z),
        op.get(v.lo),
        op.f32x4Ge,
        op.v128And,
        op.get(v.z),
        op.get(v.hi),
        op.f32x4Le,
        op.v128And,
        op.set(v.d),
        [...op.get(P.dz), ...op.get(v.d), ...op.v128Store(0)],
        [...op.get(L.bp), ...op.get(L.bp), ...op.v128Load(0), ...op.get(v.d), ...op.f32x4Add, ...op.v128Store(0)],
        addTo(P.dy, op.i32(16)),
        addTo(P.z, op.i32(16)),
        addTo(P.dz, op.i32(16)),
        addTo(L.bp, op.i32(16)),
      ),
    ),
  ];
  return { name: 'act_grad', params, locals, body: body.flat() };
}

/**
 * fake_quant(z, y, n4, tail, scale, step, qmin, qmax): y = clamp(nearest(z·scale), qmin, qmax)·step for
 * 4·n4 + tail elements. Scaling by a power of two is exact, so this equals the cpu composition bit for bit.
 */
function fakeQuant(): FuncDef {
  const P = { z: 0, y: 1, n4: 2, tail: 3, scale: 4, step: 5, qmin: 6, qmax: 7 };
  const params: ValType[] = [I32, I32, I32, I32, F32, F32, F32, F32];
  let next = 8;
  const L = { c: next++ };
  const locals: ValType[] = [I32];
  const v = { scale: next++, step: next++, qmin: next++, qmax: next++ };
  locals.push(V128, V128, V128, V128);
  const body: number[][] = [
    [...op.get(P.scale), ...op.f32x4Splat, ...op.set(v.scale)],
    [...op.get(P.step), ...op.f32x4Splat, ...op.set(v.step)],
    [...op.get(P.qmin), ...op.f32x4Splat, ...op.set(v.qmin)],
    [...op.get(P.qmax), ...op.f32x4Splat, ...op.set(v.qmax)],
    repeat(
      L.c,
      op.get(P.n4),
      op.get(P.y),
      op.get(P.z),
      op.v128Load(0),
      op.get(v.scale),
      op.f32x4Mul,
      op.f32x4Nearest,
      op.get(v.qmin),
      op.f32x4Max,
      op.get(v.qmax),
      op.f32x4Min,
      op.get(v.step),
      op.f32x4Mul,
      op.v128Store(0),
      addTo(P.z, op.i32(16)),
      addTo(P.y, op.i32(16)),
    ),
    repeat(
      L.c,
      op.get(P.tail),
      op.get(P.y),
      op.get(P.z),
      op.f32Load(0),
      op.get(P.scale),
      op.f32Mul,
      op.f32Nearest,
      op.get(P.qmin),
      op.f32Max,
      op.get(P.qmax),
      op.f32Min,
      op.get(P.step),
      op.f32Mul,
      op.f32Store(0),
      addTo(P.z, op.i32(4)),
      addTo(P.y, op.i32(4)),
    ),
  ];
  return { name: 'fake_quant', params, locals, body: body.flat() };
}

/** Channel blocks (f32x4 vectors) we generate depthwise filter-gradient variants for. */
export const DWBPF_V = [1, 2, 4] as const;

/**
 * dwbpf_<V>(x, dy, out, n, rows, cols, xN, xRow, xPix, dyN, dyRow, dyPix, cBlocks)
 * For each of `cBlocks` consecutive blocks of 4·V channels: out[c] += Σ over n images × rows × cols output
 * pixels of x[…, c] · dy[…, c] (a depthwise convolution's filter gradient at one tap: each channel meets only
 * itself). Accumulators are loaded from and stored back to `out`, so callers can split the pixels into chunks.
 * Addresses and strides in bytes as for bpf_<CB>x<MB>.
 */
function dwbpfBlock(V: number): FuncDef {
  const P = { x: 0, dy: 1, out: 2, n: 3, rows: 4, cols: 5, xN: 6, xRow: 7, xPix: 8, dyN: 9, dyRow: 10, dyPix: 11, cBlocks: 12 };
  const params: ValType[] = new Array(13).fill(I32);
  let next = 13;
  const L = { cn: next++, cr: next++, cc: next++, cb: next++, xi: next++, di: next++, xr: next++, dr: next++, xp: next++, dp: next++ };
  const locals: ValType[] = new Array(10).fill(I32);
  const acc: number[] = [];
  for (let j = 0; j < V; j++) {
    acc.push(next++);
    locals.push(V128);
  }
  const inner: number[][] = [];
  for (let j = 0; j < V; j++) {
    inner.push(op.get(acc[j]), op.get(L.xp), op.v128Load(16 * j), op.get(L.dp), op.v128Load(16 * j), op.f32x4Mul, op.f32x4Add, op.set(acc[j]));
  }
  inner.push(addTo(L.xp, op.get(P.xPix)), addTo(L.dp, op.get(P.dyPix)));
  const loadAcc = acc.map((a, j) => [...op.get(P.out), ...op.v128Load(16 * j), ...op.set(a)]);
  const storeAcc = acc.map((a, j) => [...op.get(P.out), ...op.get(a), ...op.v128Store(16 * j)]);
  const body: number[][] = [
    repeat(
      L.cb,
      op.get(P.cBlocks),
      ...loadAcc,
      [...op.get(P.x), ...op.set(L.xi), ...op.get(P.dy), ...op.set(L.di)],
      imageRowColumnLoops(P, L, inner),
      ...storeAcc,
      // Next block of 4·V channels: x, dy and out all move 4·V floats along.
      addTo(P.x, op.i32(V * 16)),
      addTo(P.dy, op.i32(V * 16)),
      addTo(P.out, op.i32(V * 16)),
    ),
  ];
  return { name: `dwbpf_${V}`, params, locals, body: body.flat() };
}

/** Every function of the module. */
export function kernelFunctions(): FuncDef[] {
  const fns: FuncDef[] = [];
  for (const cb of BPF_CB) for (const mb of BPF_MB) fns.push(bpfBlock(cb, mb));
  fns.push(poolGrad2x2(), actGrad(), fakeQuant());
  for (const v of DWBPF_V) fns.push(dwbpfBlock(v));
  return fns;
}

/** The exported functions, typed, plus a helper team on a shared memory. */
export interface SimdKernels {
  bpf(cb: number, mb: number): (...args: number[]) => void;
  pool_grad_2x2(x: number, g: number, dx: number, n: number, oh: number, ow: number, c4: number, xRow: number, xImg: number): void;
  act_grad(dy: number, z: number, dz: number, db: number, pixels: number, m4: number, lo: number, hi: number): void;
  fake_quant(z: number, y: number, n4: number, tail: number, scale: number, step: number, qmin: number, qmax: number): void;
  /** Index of an exported function, for {@link KernelTeam} calls. */
  index(name: string): number;
  /** Runs one call on this thread. */
  call(fn: number, args: readonly number[]): void;
  /** Helper threads (threaded tfjs build with more than one thread), or null. */
  readonly team: KernelTeam | null;
}

const compiled = new Map<boolean, WasmModule>();
const instances = new WeakMap<WasmMemory, SimdKernels>();

/**
 * The kernels bound to `memory` (compiled once per memory kind, instantiated once per memory). With a shared
 * memory and `threads` > 1, a team of threads − 1 helpers runs kernel call lists alongside this thread.
 */
export function simdKernels(memory: WasmMemory, threads = 1): SimdKernels {
  const have = instances.get(memory);
  if (have) return have;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const fns = kernelFunctions();
  let mod = compiled.get(shared);
  if (!mod) {
    mod = new WA.Module(moduleBytes(fns, { shared }));
    compiled.set(shared, mod);
  }
  const ex = new WA.Instance(mod, { env: { memory } }).exports as Record<string, (...a: number[]) => void>;
  const names = fns.map((f) => f.name);
  const byIndex = names.map((n) => ex[n]);
  const team =
    shared && threads > 1 ? new KernelTeam(mod, memory, names, threads - 1, (fn, args) => byIndex[fn](...args)) : null;
  const k: SimdKernels = {
    bpf: (cb, mb) => ex[`bpf_${cb}x${mb}`],
    pool_grad_2x2: ex.pool_grad_2x2,
    act_grad: ex.act_grad,
    fake_quant: ex.fake_quant,
    index: (name) => names.indexOf(name),
    call: (fn, args) => byIndex[fn](...args),
    team,
  };
  instances.set(memory, k);
  return k;
}
