/**
 * Helpers for our own wasm-backend kernels: calling the backend's registered kernels directly (no engine,
 * no tape) and viewing tensors on the wasm heap. Intermediates made here are disposed here.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmMemory } from './simd/wasm-api.js';

/** The parts of tfjs-backend-wasm's BackendWasm our kernels use. */
export interface WasmBackendLike {
  readonly dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  readonly wasm: { HEAPU8: Uint8Array; wasmMemory?: WasmMemory };
  disposeData(dataId: object, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  incRef(dataId: object): void;
}

/** Backend name our kernels register for. */
export const WASM = 'wasm';

/**
 * The kernel functions of the wasm backend as registered when our kernels were installed, captured before we
 * override any, so an override never calls itself.
 */
const captured = new Map<string, tf.KernelFunc>();

/** Captures the wasm backend's current kernel `name` (once) so our kernels can call it. */
export function captureKernel(name: string): void {
  if (captured.has(name)) return;
  const cfg = tf.getKernel(name, WASM);
  if (!cfg) throw new Error(`wasm backend has no kernel "${name}" to build on`);
  captured.set(name, cfg.kernelFunc);
}

/** Runs the captured wasm kernel `name`; the caller owns (and disposes) the result. */
export function run(name: string, backend: WasmBackendLike, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  const fn = captured.get(name);
  if (!fn) throw new Error(`kernel "${name}" was not captured`);
  return fn({ inputs, backend, attrs }) as TensorInfo;
}

/** Releases an intermediate made by {@link run}. */
export function release(backend: WasmBackendLike, ...infos: (TensorInfo | null | undefined)[]): void {
  for (const i of infos) if (i) backend.disposeData(i.dataId);
}

/** A reshaped view of `x` that owns one more reference to its data (release it like any intermediate). */
export function reshapeView(backend: WasmBackendLike, x: TensorInfo, shape: number[]): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/** A Float32Array view of a tensor on the wasm heap (valid until the next allocation may grow the heap). */
export function heapF32(backend: WasmBackendLike, x: TensorInfo): Float32Array {
  const data = backend.dataIdMap.get(x.dataId);
  if (!data) throw new Error('tensor is not on the wasm backend');
  // With a growable (shared) memory the cached HEAPU8 may lag behind a growth: prefer the live buffer.
  const live = backend.wasm.wasmMemory?.buffer;
  const buffer = live && live.byteLength > backend.wasm.HEAPU8.buffer.byteLength ? live : backend.wasm.HEAPU8.buffer;
  return new Float32Array(buffer, data.memoryOffset, tf.util.sizeFromShape(x.shape));
}
