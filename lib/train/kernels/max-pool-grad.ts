/**
 * MaxPoolGrad for the wasm backend: our SIMD kernel for 2×2/2 pools over a multiple of 4 channels, otherwise a
 * JavaScript pass over the pooling windows on the wasm heap. Both route each dy to
 * the FIRST maximum of its window in row-major order (strict `>`), exactly like the cpu backend. Quantized
 * activations tie often, so "first max only" matters: a mask of all maxima would count a gradient twice.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { addressOf, kernelsFor } from './simd/runtime.js';
import { heapF32, WASM, type WasmBackendLike } from './wasm-util.js';

function maxPoolGrad(args: {
  inputs: { dy?: TensorInfo; input?: TensorInfo };
  backend: WasmBackendLike;
  attrs: NamedAttrMap;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy!;
  const input = inputs.input!;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: FH, effectiveFilterWidth: FW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  const out = backend.makeOutput(input.shape.slice(), 'float32');
  const is2x2 = FH === 2 && FW === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && OH * 2 <= H && OW * 2 <= W;
  const simd = is2x2 && C % 4 === 0 ? kernelsFor(backend) : null;
  // Views after the allocation (an allocation may grow the heap).
  const dx = heapF32(backend, out);
  if (simd) {
    // The windows tile the input except a last odd row/column: only then does dx need zeroing first.
    if (OH * 2 !== H || OW * 2 !== W) dx.fill(0);
    simd.pool_grad_2x2(
      addressOf(backend, input),
      addressOf(backend, dy),
      addressOf(backend, out),
      N,
      OH,
      OW,
      C / 4,
      W * C * 4,
      H * W * C * 4,
    );
    return out;
  }
  const x = heapF32(backend, input);
  const g = heapF32(backend, dy);
  dx.fill(0);
  if (is2x2) {
    pool2x2Grad(x, g, dx, N, H, W, C, OH, OW);
    return out;
  }
  const rowStride = W * C;
  const best = new Float32Array(C);
  const bestAt = new Int32Array(C);
  for (let n = 0; n < N; n++) {
    const xBase = n * H * rowStride;
    for (let oh = 0; oh < OH; oh++) {
      const r0 = oh * sh - top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(H, r0 + FH);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = ow * sw - left;
        const cMin = Math.max(0, c0);
        const cMax = Math.min(W, c0 + FW);
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let r = rMin; r < rMax; r++) {
          for (let col = cMin; col < cMax; col++) {
            const at = xBase + r * rowStride + col * C;
            for (let c = 0; c < C; c++) {
              const v = x[at + c];
              if (v > best[c]) {
                best[c] = v;
                bestAt[c] = at + c;
              }
            }
          }
        }
        const gAt = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          const at = bestAt[c];
          if (at >= 0) dx[at] += g[gAt + c];
        }
      }
    }
  }
  return out;
}

/** The common 2×2/2 'valid' case: four loads per output, no per-window scratch. Same first-max rule. */
function pool2x2Grad(
  x: Float32Array,
  g: Float32Array,
  dx: Float32Array,
  N: number,
  H: number,
  W: number,
  C: number,
  OH: number,
  OW: number,
): void {
  const row = W * C;
  let gi = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      let p = (n * H + oh * 2) * row;
      for (let ow = 0; ow < OW; ow++, p += 2 * C) {
        for (let c = 0; c < C; c++, gi++) {
          const a = p + c;
          const b = a + C;
          const d = a + row;
          const e = d + C;
          // Row-major window order a, b, d, e; strict '>' keeps the first of equal maxima.
          let at = -1;
          let best = -Infinity;
          const va = x[a];
          if (va > best) {
            best = va;
            at = a;
          }
          const vb = x[b];
          if (vb > best) {
            best = vb;
            at = b;
          }
          const vd = x[d];
          if (vd > best) {
            best = vd;
            at = d;
          }
          if (x[e] > best) at = e;
          if (at >= 0) dx[at] = g[gi];
        }
      }
    }
  }
}

/** Kernel config (registered by {@link registerWasmTrainingKernels}); overrides tfjs-wasm's own. */
export function maxPoolGradConfig(): KernelConfig {
  return { kernelName: tf.MaxPoolGrad, backendName: WASM, kernelFunc: maxPoolGrad as unknown as tf.KernelFunc };
}
