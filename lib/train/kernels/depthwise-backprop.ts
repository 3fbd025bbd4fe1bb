/**
 * The two gradient kernels of a depthwise convolution (channel multiplier 1), which tfjs-backend-wasm lacks:
 *
 * - DepthwiseConv2dNativeBackpropInput as ONE forward depthwise convolution (XNNPACK), the same identity as
 *   conv2d-backprop-input.ts: dx is the full correlation of dy (dilated by the stride) with the spatially
 *   flipped filter; a depthwise filter has no channel axes to swap (channel c reads only channel c).
 * - DepthwiseConv2dNativeBackpropFilter: dW[kh,kw,c] = Σ_{n,oh,ow} xpad[n, oh·sh + kh, ow·sw + kw, c] · dy[n,oh,ow,c],
 *   one SIMD reduction per tap over 4-channel vectors (simd/kernels.ts `dwbpf_<V>`) straight on the wasm heap,
 *   pixels in cache-sized chunks as in conv2d-backprop-filter.ts; a plain loop over the heap when the channels
 *   are not a multiple of 4 or the SIMD module is unavailable.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { gradientSource } from './conv2d-backprop-input.js';
import { addressOf, kernelsFor } from './simd/runtime.js';
import type { SimdKernels } from './simd/kernels.js';
import type { KernelCall } from './simd/team.js';
import { captureKernel, heapF32, release, run, WASM, type WasmBackendLike } from './wasm-util.js';

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface DepthwiseAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Bytes of x and dy rows per pixel chunk (as conv2d-backprop-filter.ts: well within a 512 KB L2). */
const CHUNK_BYTES = 192 * 1024;

/** Refuses what these kernels do not implement (a multiplier > 1, dilation): tfjs would compute it wrong silently. */
function checkSupported(kernel: string, filterShape: readonly number[], dilations: DepthwiseAttrs['dilations']): void {
  if (filterShape[3] !== 1) throw new Error(`wasm ${kernel} supports channel multiplier 1 only, got filter shape [${filterShape}]`);
  const d = dilations ?? 1;
  if (!(d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1))) throw new Error(`wasm ${kernel} supports dilation 1 only, got ${String(d)}`);
}

function depthwiseInfo(xShape: number[], filterShape: number[], a: DepthwiseAttrs): ConvInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    true,
    'channelsLast',
  );
}

/** First and one-past-last output index o with 0 ≤ o·s + k − p < size (the outputs tap k reaches). */
function validRange(k: number, p: number, s: number, size: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil((p - k) / s));
  const hi = Math.min(outSize, Math.floor((size - 1 + p - k) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

function simdFilterGrad(k: SimdKernels, backend: WasmBackendLike, x: TensorInfo, dy: TensorInfo, out: TensorInfo, info: ConvInfo): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const xA = addressOf(backend, x);
  const dyA = addressOf(backend, dy);
  const outA = addressOf(backend, out);
  const xN = H * W * C * 4;
  const xRow = sh * W * C * 4;
  const xPix = sw * C * 4;
  const dyN = OH * OW * C * 4;
  const dyRow = OW * C * 4;
  const dyPix = C * 4;
  // Channel vectors in blocks of 4 (16 channels), then 2, then 1.
  const c4 = C / 4;
  const plan: [number, number][] = [];
  let left = c4;
  for (const v of [4, 2, 1]) {
    const count = Math.floor(left / v);
    if (count > 0) plan.push([v, count]);
    left -= count * v;
  }
  const bytesPerRow = OW * (sw + 1) * C * 4;
  const rowsPerChunk = Math.max(1, Math.min(OH, Math.floor(CHUNK_BYTES / bytesPerRow)));
  const imagesPerChunk = rowsPerChunk === OH ? Math.max(1, Math.floor(CHUNK_BYTES / (bytesPerRow * OH))) : 1;
  // Work split between threads by tap: taps never share output memory, and a tap keeps its thread in every chunk.
  const threads = k.team ? k.team.size : 1;
  const lists: KernelCall[][] = Array.from({ length: threads }, () => []);
  for (let n0 = 0; n0 < N; n0 += imagesPerChunk) {
    const nc = Math.min(imagesPerChunk, N - n0);
    for (let o0 = 0; o0 < OH; o0 += rowsPerChunk) {
      const o1 = Math.min(OH, o0 + rowsPerChunk);
      for (let kh = 0; kh < KH; kh++) {
        const [t0, t1] = validRange(kh, pt, sh, H, OH);
        const r0 = Math.max(o0, t0);
        const rows = Math.min(o1, t1) - r0;
        for (let kw = 0; kw < KW; kw++) {
          const [c0w, c1w] = validRange(kw, pl, sw, W, OW);
          const cols = c1w - c0w;
          if (rows <= 0 || cols <= 0) continue;
          const xTap = xA + n0 * xN + ((r0 * sh + kh - pt) * W + (c0w * sw + kw - pl)) * C * 4;
          const dyTap = dyA + n0 * dyN + (r0 * OW + c0w) * C * 4;
          const list = lists[(kh * KW + kw) % threads];
          let c0 = 0;
          for (const [v, count] of plan) {
            list.push({
              fn: k.index(`dwbpf_${v}`),
              args: [xTap + c0 * 4, dyTap + c0 * 4, outA + ((kh * KW + kw) * C + c0) * 4, nc, rows, cols, xN, xRow, xPix, dyN, dyRow, dyPix, count],
            });
            c0 += v * 4 * count;
          }
        }
      }
    }
  }
  if (k.team) k.team.run(lists);
  else for (const c of lists[0]) k.call(c.fn, c.args);
}

/** The same sums as a plain loop over the heap (channels not a multiple of 4, or no SIMD module). */
function loopFilterGrad(backend: WasmBackendLike, x: TensorInfo, dy: TensorInfo, out: TensorInfo, info: ConvInfo): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const xs = heapF32(backend, x);
  const gs = heapF32(backend, dy);
  const o = heapF32(backend, out);
  for (let kh = 0; kh < KH; kh++) {
    const [r0, r1] = validRange(kh, pt, sh, H, OH);
    for (let kw = 0; kw < KW; kw++) {
      const [c0, c1] = validRange(kw, pl, sw, W, OW);
      const ob = (kh * KW + kw) * C;
      for (let n = 0; n < N; n++) {
        for (let r = r0; r < r1; r++) {
          for (let col = c0; col < c1; col++) {
            const xb = ((n * H + r * sh + kh - pt) * W + col * sw + kw - pl) * C;
            const gb = ((n * OH + r) * OW + col) * C;
            for (let c = 0; c < C; c++) o[ob + c] += xs[xb + c] * gs[gb + c];
          }
        }
      }
    }
  }
}

function depthwiseBackpropFilter(args: { inputs: { x?: TensorInfo; dy?: TensorInfo }; backend: WasmBackendLike; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend } = args;
  const x = inputs.x!;
  const dy = inputs.dy!;
  const a = args.attrs as unknown as DepthwiseAttrs & { filterShape: [number, number, number, number] };
  checkSupported('DepthwiseConv2dNativeBackpropFilter', a.filterShape, a.dilations);
  const info = depthwiseInfo(x.shape, a.filterShape, a);
  const out = backend.makeOutput(a.filterShape.slice(), 'float32');
  heapF32(backend, out).fill(0);
  const simd = info.inChannels % 4 === 0 ? kernelsFor(backend) : null;
  if (simd) simdFilterGrad(simd, backend, x, dy, out, info);
  else loopFilterGrad(backend, x, dy, out, info);
  return out;
}

function depthwiseBackpropInput(args: { inputs: { dy?: TensorInfo; filter?: TensorInfo }; backend: WasmBackendLike; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend } = args;
  const dy = inputs.dy!;
  const filter = inputs.filter!;
  const a = args.attrs as unknown as DepthwiseAttrs & { inputShape: [number, number, number, number] };
  checkSupported('DepthwiseConv2dNativeBackpropInput', filter.shape, a.dilations);
  const info = depthwiseInfo(a.inputShape, filter.shape, a);
  const wF = run('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const { src, pt, pb, pl, pr } = gradientSource(backend, dy, info);
  const out = run('DepthwiseConv2dNative', backend, { x: src, filter: wF }, {
    strides: [1, 1],
    pad: [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ],
    dilations: [1, 1],
  } as unknown as NamedAttrMap);
  if (src !== dy) release(backend, src);
  release(backend, wF);
  return out;
}

/** Kernel configs (registered by {@link registerWasmTrainingKernels}); tfjs-wasm has neither. */
export function depthwiseBackpropConfigs(): KernelConfig[] {
  for (const k of ['Reverse', 'PadV2', 'Slice', 'DepthwiseConv2dNative']) captureKernel(k);
  return [
    { kernelName: tf.DepthwiseConv2dNativeBackpropFilter, backendName: WASM, kernelFunc: depthwiseBackpropFilter as unknown as tf.KernelFunc },
    { kernelName: tf.DepthwiseConv2dNativeBackpropInput, backendName: WASM, kernelFunc: depthwiseBackpropInput as unknown as tf.KernelFunc },
  ];
}
