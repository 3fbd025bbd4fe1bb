/**
 * BatchMatMul for the wasm backend: tfjs-wasm sends every product with a transposed operand (the dense
 * layer's two gradients: dW = xᵀ·dy, dx = dy·Wᵀ) to a scalar triple loop; only the plain product reaches
 * XNNPACK. For single-batch products we transpose the operand explicitly (cheap) and take the fast path.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { captureKernel, release, reshapeView, run, WASM, type WasmBackendLike } from './wasm-util.js';

/** The original kernel, registered under this name so we can call it after overriding BatchMatMul. */
const ORIGINAL = 'BatchMatMul';

function batchMatMul(args: {
  inputs: { a?: TensorInfo; b?: TensorInfo };
  backend: WasmBackendLike;
  attrs: NamedAttrMap;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const a = inputs.a!;
  const b = inputs.b!;
  const transposeA = attrs.transposeA === true;
  const transposeB = attrs.transposeB === true;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  if ((!transposeA && !transposeB) || batchA !== 1 || batchB !== 1) {
    return run(ORIGINAL, backend, { a, b }, attrs);
  }
  const as2 = (t: TensorInfo, transpose: boolean): TensorInfo => {
    const r = t.shape[t.shape.length - 2];
    const c = t.shape[t.shape.length - 1];
    const v = reshapeView(backend, t, [r, c]);
    if (!transpose) return v;
    const tt = run('Transpose', backend, { x: v }, { perm: [1, 0] });
    release(backend, v);
    return tt;
  };
  const a2 = as2(a, transposeA);
  const b2 = as2(b, transposeB);
  const out = run(ORIGINAL, backend, { a: a2, b: b2 }, { transposeA: false, transposeB: false });
  release(backend, a2, b2);
  // Keep the rank tfjs expects: the broadcast batch dims (all 1) in front.
  const rank = Math.max(a.shape.length, b.shape.length);
  out.shape = [...new Array<number>(rank - 2).fill(1), a2.shape[0], b2.shape[1]];
  return out;
}

/** Kernel config (registered by {@link registerWasmTrainingKernels}); overrides tfjs-wasm's own. */
export function batchMatMulConfig(): KernelConfig {
  for (const k of ['BatchMatMul', 'Transpose']) captureKernel(k);
  return { kernelName: tf.BatchMatMul, backendName: WASM, kernelFunc: batchMatMul as unknown as tf.KernelFunc };
}
