/**
 * A team of helper threads running lists of our SIMD kernel calls on the same (shared) wasm memory, for the
 * threaded tfjs build: XNNPACK spreads its convolutions over its own thread pool, and this spreads ours.
 *
 * Protocol (all through one SharedArrayBuffer, no messages per job): the caller writes each helper's call list
 * into that helper's job area, bumps the generation word and wakes the helpers (Atomics.notify), runs its own
 * list, then waits until every helper has counted itself done. A call is [function index, argc, ...i32 args].
 * Helpers block in Atomics.wait between jobs, and are unref'd: they never keep a process alive.
 */
import { Worker } from 'node:worker_threads';
import type { WasmMemory, WasmModule } from './wasm-api.js';

/** One kernel call: index of the exported function and its (int32) arguments. */
export interface KernelCall {
  readonly fn: number;
  readonly args: readonly number[];
}

/** int32 slots per helper's job area (4 MB): about 70,000 calls; longer lists run in several rounds. */
const JOB_INTS = 1 << 20;
/** Control words: generation, helpers done, helpers ready. */
const GEN = 0;
const DONE = 1;
const READY = 2;

const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl, job, names } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((n) => exports[n]);
Atomics.add(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
let gen = 0;
for (;;) {
  Atomics.wait(ctl, ${GEN}, gen);
  gen = Atomics.load(ctl, ${GEN});
  if (gen < 0) break;
  const count = job[0];
  let at = 1;
  for (let i = 0; i < count; i++) {
    const argc = job[at + 1];
    fns[job[at]].apply(null, job.subarray(at + 2, at + 2 + argc));
    at += 2 + argc;
  }
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
}
`;

/** Helper threads sharing one wasm memory. */
export class KernelTeam {
  private readonly ctl: Int32Array;
  private readonly jobs: Int32Array[];
  private readonly workers: Worker[];
  private ready = false;

  /** `helpers` threads besides the caller's. */
  constructor(
    module: WasmModule,
    memory: WasmMemory,
    private readonly names: readonly string[],
    readonly helpers: number,
    private readonly local: (fn: number, args: readonly number[]) => void,
  ) {
    this.ctl = new Int32Array(new SharedArrayBuffer(16));
    this.jobs = Array.from({ length: helpers }, () => new Int32Array(new SharedArrayBuffer(JOB_INTS * 4)));
    this.workers = this.jobs.map((job) => {
      const w = new Worker(HELPER_SOURCE, { eval: true, workerData: { module, memory, ctl: this.ctl, job, names } });
      w.unref();
      return w;
    });
  }

  /** Threads in the team, the caller's included. */
  get size(): number {
    return this.helpers + 1;
  }

  /** Waits (up to `ms`) until every helper has started; false when they did not. */
  private awaitReady(ms: number): boolean {
    if (this.ready) return true;
    const deadline = performance.now() + ms;
    for (;;) {
      const n = Atomics.load(this.ctl, READY);
      if (n >= this.helpers) return (this.ready = true);
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.ctl, READY, n, left);
    }
  }

  /**
   * Runs lists[0] on this thread and lists[i] on helper i (i ≥ 1), returning when all are done. The lists
   * must not write the same memory. If the helpers have not started (yet), everything runs here.
   */
  run(lists: readonly KernelCall[][]): void {
    if (!this.awaitReady(2000)) {
      for (const list of lists) for (const c of list) this.local(c.fn, c.args);
      return;
    }
    const cursors = lists.map(() => 0);
    while (cursors.some((c, i) => c < lists[i].length)) {
      // One round: as many calls per helper as its job area holds.
      for (let h = 0; h < this.helpers; h++) {
        const list = lists[h + 1] ?? [];
        const job = this.jobs[h];
        let at = 1;
        let count = 0;
        while (cursors[h + 1] < list.length) {
          const c = list[cursors[h + 1]];
          if (at + 2 + c.args.length > JOB_INTS) break;
          job[at] = c.fn;
          job[at + 1] = c.args.length;
          for (let a = 0; a < c.args.length; a++) job[at + 2 + a] = c.args[a];
          at += 2 + c.args.length;
          count++;
          cursors[h + 1]++;
        }
        job[0] = count;
      }
      Atomics.store(this.ctl, DONE, 0);
      Atomics.add(this.ctl, GEN, 1);
      Atomics.notify(this.ctl, GEN);
      const own = lists[0] ?? [];
      for (; cursors[0] < own.length; cursors[0]++) this.local(own[cursors[0]].fn, own[cursors[0]].args);
      let done = Atomics.load(this.ctl, DONE);
      while (done < this.helpers) {
        Atomics.wait(this.ctl, DONE, done);
        done = Atomics.load(this.ctl, DONE);
      }
    }
  }

  /** Stops the helpers. */
  close(): void {
    Atomics.store(this.ctl, GEN, -1);
    Atomics.notify(this.ctl, GEN);
    for (const w of this.workers) void w.terminate();
  }
}
