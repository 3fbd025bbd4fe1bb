/**
 * The tfjs backend training runs on. Order of preference: tfjs-node (native TensorFlow, an optional
 * dependency) when installed; otherwise tfjs-backend-wasm (XNNPACK, SIMD) with our own gradient kernels and,
 * for more than one thread, its threaded build started by hand (tfjs disables wasm threads under Node; the
 * emscripten pthread pool works with Node worker threads once its worker script is a real file). The pure-JS
 * cpu backend is used only when asked for by name: it is one to two orders of magnitude slower.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
// For its side effect: tfjs-core's Node bundle registers no gradient functions; the tfjs bundle registers all.
import '@tensorflow/tfjs';
import { HwnasError } from '../errors.js';
import { ownKernelsFromEnv, registerWasmTrainingKernels } from './kernels/index.js';
import { setKernelThreads } from './kernels/simd/runtime.js';
import { WA } from './kernels/simd/wasm-api.js';

const require = createRequire(import.meta.url);

/** What a caller may ask for. `auto` = tfjs-node if installed, else wasm; never cpu. */
export type BackendChoice = 'auto' | 'tfjs-node' | 'wasm' | 'cpu';

/** The backend a run actually used (every training result reports it). */
export interface BackendInfo {
  /** One line for logs and trial records, e.g. `wasm (SIMD, 1 thread, own kernels)`. */
  readonly name: string;
  /** Which implementation: native TensorFlow, WebAssembly (XNNPACK) or pure JavaScript. */
  readonly kind: 'tfjs-node' | 'wasm' | 'cpu';
  /** tfjs backend name (`tensorflow`, `wasm`, `cpu`). */
  readonly tfBackend: string;
  /** Compute threads of this backend in this worker. */
  readonly threads: number;
  /** WebAssembly SIMD in use (wasm only). */
  readonly simd: boolean;
  /** Our own kernels in use (wasm only). */
  readonly ownKernels: readonly string[];
  /** Anything the user should know (a fallback, a thread count that could not be changed). */
  readonly note?: string;
}

/** Options of {@link initTrainingBackend}. */
export interface BackendOptions {
  readonly backend?: BackendChoice;
  /** wasm compute threads (default {@link defaultTrainingThreads}). */
  readonly threads?: number;
}

/**
 * Default wasm threads for this thread: env `HWNAS_TRAIN_THREADS` if set; otherwise all cores on the main
 * thread and 1 inside a worker (a pool runs one training per worker; workers × threads = cores).
 */
export function defaultTrainingThreads(): number {
  const env = Number(process.env.HWNAS_TRAIN_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return isMainThread ? os.availableParallelism() : 1;
}

/** Threads per training worker so that workers × threads ≤ cores (at least 1). */
export function threadsPerWorker(workers: number, cores = os.availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}

let current: BackendInfo | null = null;
/** Backends started in this thread, by kind (each starts once; switching back reuses it). */
const started = new Map<BackendInfo['kind'], BackendInfo>();

/** The backend in use in this thread, if any. */
export function currentBackend(): BackendInfo | null {
  return current;
}

/**
 * Initialises (once per thread and kind) the training backend and returns what is in use. Asking for another
 * wasm thread count keeps the first (wasm threads are fixed at start-up) and says so in `note`.
 */
export async function initTrainingBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const choice = options.backend ?? 'auto';
  const threads = options.threads ?? defaultTrainingThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new HwnasError('INPUT_THREADS', `threads must be an integer ≥ 1, got ${threads}`);
  }
  const reuse =
    choice === 'auto' ? (started.get('tfjs-node') ?? started.get('wasm')) : started.get(choice === 'tfjs-node' ? 'tfjs-node' : choice);
  if (reuse) {
    await tf.setBackend(reuse.tfBackend);
    current = reuse;
    if (reuse.kind === 'wasm' && reuse.threads !== threads) {
      return { ...reuse, note: `wasm already started with ${reuse.threads} thread(s); asked for ${threads}` };
    }
    return reuse;
  }
  const remember = (info: BackendInfo): BackendInfo => {
    started.set(info.kind, info);
    return (current = info);
  };
  if (choice === 'tfjs-node' || choice === 'auto') {
    const node = await tryTfjsNode();
    if (node) return remember(node);
    if (choice === 'tfjs-node') {
      throw new HwnasError(
        'BACKEND_UNAVAILABLE',
        'backend "tfjs-node" requested but @tensorflow/tfjs-node is not installed (npm install @tensorflow/tfjs-node --no-save --ignore-scripts=false; ' +
          'its install script downloads libtensorflow), or set training.backend to "auto" or "wasm"',
      );
    }
  }
  if (choice === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new HwnasError('BACKEND_UNAVAILABLE', 'the cpu backend failed to start');
    return remember({ name: 'cpu (pure JavaScript)', kind: 'cpu', tfBackend: 'cpu', threads: 1, simd: false, ownKernels: [] });
  }
  return remember(await startWasm(threads));
}

async function tryTfjsNode(): Promise<BackendInfo | null> {
  try {
    // A variable specifier: tfjs-node is an optional dependency, absent on most machines.
    const name = '@tensorflow/tfjs-node';
    await import(name);
  } catch {
    return null;
  }
  if (!(await tf.setBackend('tensorflow'))) return null;
  const threads = os.availableParallelism();
  return { name: 'tfjs-node (native TensorFlow)', kind: 'tfjs-node', tfBackend: 'tensorflow', threads, simd: false, ownKernels: [] };
}

/** Directory of the tfjs-backend-wasm package. */
function wasmPackageDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/**
 * Runs `start` and removes the process-wide 'uncaughtException'/'unhandledRejection' handlers emscripten
 * installs while it starts (they rethrow, and print a megabyte of minified source with every crash).
 */
async function withoutEmscriptenHandlers<T>(start: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'];
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = events.map((e) => new Set(emitter.listeners(e)));
  try {
    return await start();
  } finally {
    events.forEach((e, i) => {
      for (const l of emitter.listeners(e)) if (!before[i].has(l)) emitter.removeListener(e, l as (...a: unknown[]) => void);
    });
  }
}

async function startWasm(threads: number): Promise<BackendInfo> {
  return withoutEmscriptenHandlers(() => startWasmBackend(threads));
}

async function startWasmBackend(threads: number): Promise<BackendInfo> {
  const wasmPkg = await import('@tensorflow/tfjs-backend-wasm');
  const dist = path.join(wasmPackageDir(), 'dist') + path.sep;
  registerWasmTrainingKernels();
  let note: string | undefined;
  let started = false;
  if (threads > 1) {
    try {
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', () => startThreadedWasm(wasmPkg, threads), 2);
      started = await tf.setBackend('wasm');
    } catch (err) {
      note = `threaded wasm failed (${err instanceof Error ? err.message : String(err)}); using 1 thread`;
    }
    if (!started) {
      note ??= 'threaded wasm failed to start; using 1 thread';
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', async () => new wasmPkg.BackendWasm((await loadPlainWasm(dist)) as never), 2);
    }
  }
  if (!started) {
    wasmPkg.setWasmPaths(dist);
    if (!(await tf.setBackend('wasm'))) throw new HwnasError('BACKEND_UNAVAILABLE', 'the wasm backend failed to start');
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const n = wasmPkg.getThreadsCount();
  setKernelThreads(n);
  const own = ownKernelsFromEnv();
  return {
    name: `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${n} thread${n > 1 ? 's' : ''}, ${own.length} own kernels)`,
    kind: 'wasm',
    tfBackend: 'wasm',
    threads: n,
    simd,
    ownKernels: own.slice(),
    ...(note ? { note } : {}),
  };
}

/** Module object of an emscripten build of tfjs-backend-wasm, as BackendWasm expects it. */
interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: unknown[]) => unknown;
  PThread?: { runningWorkers: { unref(): void }[]; unusedWorkers: { terminate(): void; unref(): void }[] };
  tfjs?: Record<string, unknown>;
}

function addTfjsBindings(m: EmscriptenModule): EmscriptenModule {
  // The same C entry points tfjs-backend-wasm's own init() binds.
  m.tfjs = {
    init: m.cwrap('init', null, []),
    initWithThreadsCount: m.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: m.cwrap('get_threads_count', 'number', []),
    registerTensor: m.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: m.cwrap('dispose_data', null, ['number']),
    dispose: m.cwrap('dispose', null, []),
  };
  return m;
}

/** The single-threaded SIMD build, loaded by hand (used after a failed threaded start). */
async function loadPlainWasm(dist: string): Promise<EmscriptenModule> {
  const factory = require(path.join(wasmPackageDir(), 'wasm-out', 'tfjs-backend-wasm.js')) as (
    cfg: object,
  ) => Promise<EmscriptenModule>;
  const m = await factory({ locateFile: (p: string) => (p.endsWith('.wasm') ? dist + 'tfjs-backend-wasm-simd.wasm' : p) });
  return addTfjsBindings(m);
}

/**
 * The emscripten pthread worker script as a real file: tfjs ships it as a JS string meant for a Blob URL,
 * which Node's Worker cannot load.
 */
function pthreadWorkerFile(): string {
  const pkg = JSON.parse(readFileSync(path.join(wasmPackageDir(), 'package.json'), 'utf8')) as { version: string };
  const dir = path.join(os.tmpdir(), `hwnas-tfjs-wasm-${pkg.version}`);
  const file = path.join(dir, 'pthread-worker.cjs');
  if (!existsSync(file)) {
    const { wasmWorkerContents } = require(
      path.join(wasmPackageDir(), 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'),
    ) as { wasmWorkerContents: string };
    mkdirSync(dir, { recursive: true });
    // tfjs escapes newlines the same way before making its Blob. Write-then-rename: workers may race here.
    const tmp = `${file}.${process.pid}.${Math.floor(performance.now() * 1000)}`;
    writeFileSync(tmp, wasmWorkerContents.replace(/\n/g, '\\n'));
    renameSync(tmp, file);
  }
  return file;
}

async function startThreadedWasm(
  wasmPkg: typeof import('@tensorflow/tfjs-backend-wasm'),
  threads: number,
): Promise<tf.KernelBackend> {
  const dir = wasmPackageDir();
  const script = path.join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const binary = path.join(dir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm');
  const worker = pthreadWorkerFile();
  const factory = require(script) as (cfg: object) => Promise<EmscriptenModule>;
  const m = await factory({
    locateFile: (p: string, prefix: string) =>
      p.endsWith('.worker.js') ? worker : p.endsWith('.wasm') ? binary : prefix + p,
    // pthreads evaluate the factory script themselves: give them its path, not a Blob.
    mainScriptUrlOrBlob: script,
    instantiateWasm: (imports: { env: Record<string, unknown> }, receive: (instance: unknown, module: unknown) => void) => {
      // tfjs caps its thread pool at (logical cores / 2), assuming hyper-threading; report enough cores that
      // the requested count is honoured.
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      WA.instantiate(readFileSync(binary), imports).then(
        (r) => receive(r.instance, r.module),
        (e: unknown) => {
          throw e;
        },
      );
      return {};
    },
  });
  addTfjsBindings(m);
  wasmPkg.setThreadsCount(threads);
  const backend = new wasmPkg.BackendWasm(m as never);
  const pool = m.PThread;
  if (pool) {
    // XNNPACK's pool threads are created above and live as long as the backend; idle pre-spawned workers
    // are dropped (memory), and none keeps the process alive.
    for (const w of pool.unusedWorkers) w.terminate();
    pool.unusedWorkers.length = 0;
    for (const w of pool.runningWorkers) w.unref();
  }
  return backend;
}
