/**
 * The slice of the WebAssembly JS API we use, typed here: the project compiles without the DOM library, and
 * @types/node does not declare the `WebAssembly` global.
 */

/** A WebAssembly.Memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

/** A compiled module (opaque). */
export type WasmModule = object;

/** An instance's exports. */
export type WasmExports = Record<string, unknown>;

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: WasmExports };
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: WasmExports }; module: WasmModule }>;
  validate(bytes: Uint8Array): boolean;
  RuntimeError: new (...args: unknown[]) => Error;
}

/** The global WebAssembly object. */
export const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** True when `err` is a WebAssembly.RuntimeError (a trap or an abort of a wasm runtime). */
export function isWasmRuntimeError(err: unknown): boolean {
  return err instanceof WA.RuntimeError;
}
