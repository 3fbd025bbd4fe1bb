/**
 * Filter re-layouts as single passes over the wasm heap (tfjs-wasm's generic Slice, Transpose and Reverse take
 * ~40 ns per element on 4-D filters: 20+ ms per step for one 5×5×104×624 kernel):
 *
 * - `flipTransposeFilter`: (KH,KW,C,M) → (KH,KW,M,C) flipped in both spatial axes, the filter of
 *   Conv2DBackpropInput as a forward convolution (conv2d-backprop-input.ts);
 * - kernel `HwnasCropTaps(x; h0, w0, kh, kw)`: the taps [h0, h0+kh) × [w0, w0+kw) of a (KH,KW,…) filter, each
 *   tap one contiguous copy (ops.ts crops kernels to the taps that read the image). Standard ops elsewhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, WASM, type WasmBackendLike } from './wasm-util.js';

/** Kernel name. */
export const CROP_TAPS_KERNEL = 'HwnasCropTaps';

/** Attributes of HwnasCropTaps. */
export interface CropTapsAttrs {
  readonly h0: number;
  readonly w0: number;
  readonly kh: number;
  readonly kw: number;
}

/** A new (KH,KW,M,C) tensor: the filter with in/out channels swapped and both spatial axes reversed. */
export function flipTransposeFilter(backend: WasmBackendLike, filter: TensorInfo): TensorInfo {
  const [KH, KW, C, M] = filter.shape;
  const out = backend.makeOutput([KH, KW, M, C], 'float32');
  // Views after the allocation (it may grow the heap).
  const src = heapF32(backend, filter);
  const dst = heapF32(backend, out);
  const tap = C * M;
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const s0 = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * tap;
      const d0 = (kh * KW + kw) * tap;
      for (let c = 0; c < C; c++) {
        const s = s0 + c * M;
        for (let m = 0, d = d0 + c; m < M; m++, d += C) dst[d] = src[s + m];
      }
    }
  }
  return out;
}

function cropTaps(args: { inputs: { x?: TensorInfo }; backend: WasmBackendLike; attrs: NamedAttrMap }): TensorInfo {
  const { backend } = args;
  const x = args.inputs.x!;
  const a = args.attrs as unknown as CropTapsAttrs;
  const [, KW, ...rest] = x.shape;
  const tap = rest.reduce((p, q) => p * q, 1);
  const out = backend.makeOutput([a.kh, a.kw, ...rest], x.dtype);
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  for (let i = 0; i < a.kh; i++) {
    for (let j = 0; j < a.kw; j++) {
      const s = ((a.h0 + i) * KW + a.w0 + j) * tap;
      dst.set(src.subarray(s, s + tap), (i * a.kw + j) * tap);
    }
  }
  return out;
}

/** Kernel config (registered by {@link registerWasmTrainingKernels}). */
export function cropTapsConfig(): KernelConfig {
  return { kernelName: CROP_TAPS_KERNEL, backendName: WASM, kernelFunc: cropTaps as unknown as tf.KernelFunc };
}
