/** Binding our SIMD kernels to a running tfjs-backend-wasm: its memory, tensor addresses. */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../wasm-util.js';
import { simdKernels, type SimdKernels } from './kernels.js';
import type { WasmMemory } from './wasm-api.js';

interface ModuleWithMemory {
  wasmMemory?: WasmMemory;
  asm?: { memory?: WasmMemory };
}

let disabledReason: string | null = process.env.HWNAS_WASM_SIMD === '0' ? 'disabled by HWNAS_WASM_SIMD=0' : null;

/** Why the SIMD kernels are not in use, or null when they are (or were not tried yet). */
export function simdDisabledReason(): string | null {
  return disabledReason;
}

let threads = 1;

/** Threads our kernels may use (the backend's thread count; helpers exist only on a shared memory). */
export function setKernelThreads(n: number): void {
  threads = Math.max(1, Math.floor(n));
}

/** Turns the SIMD kernels off (`reason`) or back on (null): the kernels then take their fallback paths. */
export function setSimdDisabled(reason: string | null): void {
  disabledReason = reason;
}

/** The SIMD kernels on this backend's heap, or null (no memory found, module rejected): callers fall back. */
export function kernelsFor(backend: WasmBackendLike): SimdKernels | null {
  if (disabledReason) return null;
  const m = backend.wasm as unknown as ModuleWithMemory;
  const memory = m.wasmMemory ?? m.asm?.memory;
  if (!memory) {
    disabledReason = 'the wasm backend exposes no memory';
    return null;
  }
  try {
    return simdKernels(memory, threads);
  } catch (err) {
    disabledReason = `SIMD kernel module rejected: ${err instanceof Error ? err.message : String(err)}`;
    return null;
  }
}

/** Byte address of a tensor on the wasm heap. */
export function addressOf(backend: WasmBackendLike, t: TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new Error('tensor is not on the wasm backend');
  return d.memoryOffset;
}
