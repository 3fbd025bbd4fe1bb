/**
 * Two kernels of our own (no tfjs equivalent), registered for the wasm backend only; on other backends
 * lib/train/ops.ts composes the same computation from standard tfjs ops (the reference the tests compare to).
 *
 * - HwnasFakeQuant(x; scale, step, qmin, qmax) = clamp(roundHalfEven(x·scale), qmin, qmax)·step.
 * - HwnasActGrad(dy, z; lo, hi) = [dz, db]: dz = dy where lo ≤ z ≤ hi (else 0), db = Σ over all but the last
 *   axis of dz. The gradient of ReLU (lo = 2^−149, hi = ∞) or of an activation quantizer (its range), fused
 *   with the bias gradient.
 */
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { addressOf, kernelsFor } from './simd/runtime.js';
import { heapF32, WASM, type WasmBackendLike } from './wasm-util.js';

/** Kernel names. */
export const FAKE_QUANT_KERNEL = 'HwnasFakeQuant';
export const ACT_GRAD_KERNEL = 'HwnasActGrad';

/** Attributes of HwnasFakeQuant. */
export interface FakeQuantAttrs {
  readonly scale: number;
  readonly step: number;
  readonly qmin: number;
  readonly qmax: number;
}

function fakeQuantWasm(args: { inputs: { x?: TensorInfo }; backend: WasmBackendLike; attrs: NamedAttrMap }): TensorInfo {
  const { backend } = args;
  const x = args.inputs.x!;
  const a = args.attrs as unknown as FakeQuantAttrs;
  const k = kernelsFor(backend);
  const out = backend.makeOutput(x.shape.slice(), 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  if (k) {
    k.fake_quant(addressOf(backend, x), addressOf(backend, out), n >> 2, n & 3, a.scale, a.step, a.qmin, a.qmax);
    return out;
  }
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  for (let i = 0; i < n; i++) {
    // Math.fround: the same float32 products the wasm/cpu paths compute; round half to even.
    const v = Math.fround(src[i] * a.scale);
    const f = Math.floor(v);
    const d = v - f;
    const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
    dst[i] = Math.min(a.qmax, Math.max(a.qmin, r)) * a.step;
  }
  return out;
}

function actGradWasm(args: {
  inputs: { dy?: TensorInfo; z?: TensorInfo };
  backend: WasmBackendLike;
  attrs: NamedAttrMap;
}): TensorInfo[] {
  const { backend } = args;
  const dy = args.inputs.dy!;
  const z = args.inputs.z!;
  const { lo, hi } = args.attrs as unknown as { lo: number; hi: number };
  const m = dy.shape[dy.shape.length - 1];
  const pixels = tf.util.sizeFromShape(dy.shape) / m;
  const dz = backend.makeOutput(dy.shape.slice(), 'float32');
  const db = backend.makeOutput([m], 'float32');
  heapF32(backend, db).fill(0);
  const k = m % 4 === 0 ? kernelsFor(backend) : null;
  if (k) {
    k.act_grad(addressOf(backend, dy), addressOf(backend, z), addressOf(backend, dz), addressOf(backend, db), pixels, m / 4, lo, hi);
    return [dz, db];
  }
  const g = heapF32(backend, dy);
  const zz = heapF32(backend, z);
  const out = heapF32(backend, dz);
  const b = heapF32(backend, db);
  const flo = Math.fround(lo);
  const fhi = Math.fround(hi);
  for (let p = 0, i = 0; p < pixels; p++) {
    for (let c = 0; c < m; c++, i++) {
      const v = zz[i] >= flo && zz[i] <= fhi ? g[i] : 0;
      out[i] = v;
      b[c] += v;
    }
  }
  return [dz, db];
}

/** Kernel configs for the wasm backend. */
export function quantKernelConfigs(): KernelConfig[] {
  return [
    { kernelName: FAKE_QUANT_KERNEL, backendName: WASM, kernelFunc: fakeQuantWasm as unknown as tf.KernelFunc },
    { kernelName: ACT_GRAD_KERNEL, backendName: WASM, kernelFunc: actGradWasm as unknown as tf.KernelFunc },
  ];
}
