/**
 * Conv2DBackpropFilter for the wasm backend (which lacks it).
 *
 * Main path: our SIMD kernel (simd/kernels.ts), one register-blocked reduction per (tap, 4 input channels,
 * 4–16 filters) straight over x and dy on the wasm heap: no transposes, no packing.
 *
 * Fallback (SIMD module unavailable): ONE forward convolution (XNNPACK). It is exact but slower, because
 * XNNPACK re-packs dy as a fresh filter on every call:
 *
 *   dW[kh,kw,c,m] = Σ_{n,oh,ow} xpad[n, oh·sh + kh, ow·sw + kw, c] · dy[n,oh,ow,m]
 *
 * is a convolution whose "batch" is the input channel c, whose "channels" are the images n, whose filter is
 * dy (of size OH×OW, dilated by the forward stride) and whose output is the K×K window:
 * x → (C,H,W,N), dy → (OH,OW,N,M), conv with dilation = stride, explicit padding = the forward padding,
 * keep the K×K window of the result, transpose (C,K,K,M) → (K,K,C,M). (DESIGN §5.)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { addressOf, kernelsFor } from './simd/runtime.js';
import type { SimdKernels } from './simd/kernels.js';
import type { KernelCall } from './simd/team.js';
import { captureKernel, heapF32, release, run, WASM, type WasmBackendLike } from './wasm-util.js';

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** Bytes of x and dy rows per pixel chunk (within a 512 KB L2 cache with room to spare). */
const CHUNK_BYTES = 192 * 1024;

/** First and one-past-last output index o with 0 ≤ o·s + k − p < size (the outputs tap k reaches). */
function validRange(k: number, p: number, s: number, size: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil((p - k) / s));
  const hi = Math.min(outSize, Math.floor((size - 1 + p - k) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

function simdBackpropFilter(
  k: SimdKernels,
  backend: WasmBackendLike,
  x: TensorInfo,
  dyIn: TensorInfo,
  info: ConvInfo,
): TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: M } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  // Filters padded to a multiple of 4 (one f32x4 lane group); the extra outputs are sliced off below.
  const Mp = Math.ceil(M / 4) * 4;
  const dy =
    Mp === M
      ? dyIn
      : run('PadV2', backend, { x: dyIn }, {
          paddings: [
            [0, 0],
            [0, 0],
            [0, 0],
            [0, Mp - M],
          ],
          constantValue: 0,
        } as unknown as NamedAttrMap);
  const out = backend.makeOutput([KH, KW, C, Mp], 'float32');
  heapF32(backend, out).fill(0);
  const xA = addressOf(backend, x);
  const dyA = addressOf(backend, dy);
  const outA = addressOf(backend, out);
  const xN = H * W * C * 4;
  const xRow = sh * W * C * 4;
  const xPix = sw * C * 4;
  const dyN = OH * OW * Mp * 4;
  const dyRow = OW * Mp * 4;
  const dyPix = Mp * 4;
  // Filter blocks: as many as possible of the widest that keeps all accumulators in registers, then a tail.
  const blocks = (cb: number): [number, number][] => {
    const wide = cb <= 2 ? 16 : 8;
    const out: [number, number][] = [];
    let m0 = 0;
    for (const mb of [wide, 8, 4]) {
      if (mb > wide) continue;
      const count = Math.floor((Mp - m0) / mb);
      if (count > 0) out.push([mb, count]);
      m0 += count * mb;
    }
    return out;
  };
  const plans = [1, 2, 3, 4].map(blocks);
  // Pixels are processed in chunks whose x and dy rows fit in L2 cache: every (tap, channel block, filter
  // block) sweep of a chunk then reads cache, not memory (a sweep over all pixels at once was memory-bound).
  const bytesPerRow = OW * (sw * C + Mp) * 4;
  const rowsPerChunk = Math.max(1, Math.min(OH, Math.floor(CHUNK_BYTES / bytesPerRow)));
  const imagesPerChunk = rowsPerChunk === OH ? Math.max(1, Math.floor(CHUNK_BYTES / (bytesPerRow * OH))) : 1;
  // Work split between threads by output region (tap, channel block): regions never share output memory.
  const threads = k.team ? k.team.size : 1;
  const lists: KernelCall[][] = Array.from({ length: threads }, () => []);
  const fnIndex = (cb: number, mb: number) => k.index(`bpf_${cb}x${mb}`);
  for (let n0 = 0; n0 < N; n0 += imagesPerChunk) {
    const nc = Math.min(imagesPerChunk, N - n0);
    for (let o0 = 0; o0 < OH; o0 += rowsPerChunk) {
      const o1 = Math.min(OH, o0 + rowsPerChunk);
      let region = 0;
      for (let kh = 0; kh < KH; kh++) {
        const [t0, t1] = validRange(kh, pt, sh, H, OH);
        const r0 = Math.max(o0, t0);
        const rows = Math.min(o1, t1) - r0;
        for (let kw = 0; kw < KW; kw++) {
          const [c0w, c1w] = validRange(kw, pl, sw, W, OW);
          const cols = c1w - c0w;
          // Address of x[n0, r0·sh + kh − pt, c0w·sw + kw − pl, 0] and dy[n0, r0, c0w, 0].
          const xTap = xA + n0 * xN + ((r0 * sh + kh - pt) * W + (c0w * sw + kw - pl)) * C * 4;
          const dyTap = dyA + n0 * dyN + (r0 * OW + c0w) * Mp * 4;
          for (let c0 = 0; c0 < C; c0 += 4, region++) {
            if (rows <= 0 || cols <= 0) continue;
            const cb = Math.min(4, C - c0);
            const list = lists[region % threads];
            let m0 = 0;
            for (const [mb, count] of plans[cb - 1]) {
              list.push({
                fn: fnIndex(cb, mb),
                args: [
                  xTap + c0 * 4,
                  dyTap + m0 * 4,
                  outA + (((kh * KW + kw) * C + c0) * Mp + m0) * 4,
                  nc,
                  rows,
                  cols,
                  xN,
                  xRow,
                  xPix,
                  dyN,
                  dyRow,
                  dyPix,
                  Mp * 4,
                  count,
                ],
              });
              m0 += mb * count;
            }
          }
        }
      }
    }
  }
  if (k.team) k.team.run(lists);
  else for (const c of lists[0]) k.call(c.fn, c.args);
  if (dy !== dyIn) release(backend, dy);
  if (Mp === M) return out;
  const sliced = run('Slice', backend, { x: out }, { begin: [0, 0, 0, 0], size: [KH, KW, C, M] });
  release(backend, out);
  return sliced;
}

function conv2DBackpropFilter(args: {
  inputs: { x?: TensorInfo; dy?: TensorInfo };
  backend: WasmBackendLike;
  attrs: NamedAttrMap;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x!;
  const dy = inputs.dy!;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const simd = kernelsFor(backend);
  if (simd) return simdBackpropFilter(simd, backend, x, dy, info);
  const { inHeight: H, inWidth: W, filterHeight: KH, filterWidth: KW, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Padded extent the dilated dy filter must sweep to produce exactly KH×KW outputs.
  const bottom = Math.max(0, KH + (OH - 1) * sh - H - top);
  const right = Math.max(0, KW + (OW - 1) * sw - W - left);

  const xT = run('Transpose', backend, { x }, { perm: [3, 1, 2, 0] }); // (C,H,W,N)
  const dyT = run('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] }); // (OH,OW,N,M)
  const conv = run(
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [sh, sw],
    } as unknown as NamedAttrMap,
  ); // (C, ≥KH, ≥KW, M)
  release(backend, xT, dyT);
  let window = conv;
  if (conv.shape[1] !== KH || conv.shape[2] !== KW) {
    // 'valid' padding with rows/columns the forward pass never read: the sweep is longer than K; keep K.
    window = run('Slice', backend, { x: conv }, { begin: [0, 0, 0, 0], size: [conv.shape[0], KH, KW, conv.shape[3]] });
    release(backend, conv);
  }
  const out = run('Transpose', backend, { x: window }, { perm: [1, 2, 0, 3] }); // (KH,KW,C,M)
  release(backend, window);
  return out;
}

/** Kernel config (registered by {@link registerWasmTrainingKernels}). */
export function conv2DBackpropFilterConfig(): KernelConfig {
  for (const k of ['Transpose', 'Conv2D', 'Slice', 'PadV2']) captureKernel(k);
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: WASM,
    kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
  };
}
