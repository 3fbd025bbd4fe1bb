/**
 * Data-parallel training on several threads: the training thread and N−1 replica workers (replica-worker.ts),
 * each with its own single-threaded tfjs-wasm, compute the gradients of contiguous shares of every batch; the
 * training thread sums them in replica order, applies the optimizer step to its model (the only one the
 * optimizer, masks, checkpoints and hooks see) and sends the weights with the next step.
 *
 * Why: the batches of our children are small convolutions; XNNPACK's threads inside one operator spend most
 * of a step waiting for the main thread's dispatch (bench:train net (a): 1.08× on two threads). Whole-network
 * replicas keep both cores busy for the whole step.
 *
 * Semantics (equal to single-thread training up to float summation order):
 * - the gradient is the whole batch's: each share's loss is its mean × share / batch (share.ts), and the sum
 *   is taken in replica order, so a seed gives the same weights whatever the timing;
 * - BatchNorm normalises each share with that share's own batch statistics (as PyTorch's DistributedDataParallel
 *   without SyncBatchNorm: "ghost" batches of batch/threads images); the moving statistics are the share-weighted
 *   mean of the replicas' (for the moving mean this equals the update from the whole batch's mean);
 * - pruning masks and fake quantization work unchanged: the replicas compute with the masked weights they are
 *   sent; the trainer re-applies the masks after the step, as in single-thread training.
 *
 * Per step only shared memory and Atomics (protocol.ts): no structured clone. Workers stay alive between
 * trainings (unref'd: they never keep the process alive) and are reused by the next one in this thread.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { HwnasError } from '../../errors.js';
import type { QuantizedCnn } from '../build-model.js';
import type { StepKeeper } from '../ops.js';
import { allocateBuffers, CMD, CTL, CTL_WORDS, ERROR_AREA, type ReplicaBuffers, type ReplicaLayout, type SetupMessage } from './protocol.js';
import { shareLoss, splitBatch, weightLayout, type WeightSlot } from './share.js';

/** Path of the compiled replica worker (from sources, e.g. under vitest: the build in dist/). */
export function replicaWorkerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const compiled = path.join(path.dirname(here), 'replica-worker.js');
  if (here.endsWith('.js') && existsSync(compiled)) return compiled;
  const dist = here.replace(/[\\/]lib[\\/]train[\\/]parallel[\\/]data-parallel\.ts$/, '/dist/lib/train/parallel/replica-worker.js');
  if (!existsSync(dist)) {
    throw new HwnasError('BACKEND_UNAVAILABLE', `data-parallel training: compiled replica worker not found at ${dist}: run "npm run build" first`);
  }
  return dist;
}

/** Longest blocking wait for a replica before the event loop runs once (ms). */
const WAIT_SLICE_MS = 50;

/** One replica worker thread and its control words. */
class ReplicaThread {
  readonly ctl = new Int32Array(new SharedArrayBuffer(4 * CTL_WORDS));
  private readonly error = new SharedArrayBuffer(ERROR_AREA);
  private readonly port: MessagePort;
  private readonly worker: Worker;
  /** Set when the thread died (crash, heap limit): every wait ends with it. */
  private death: Error | null = null;
  private readonly died: Promise<void>;
  private seq = 0;
  buffers: ReplicaBuffers | null = null;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(replicaWorkerFile(), {
      workerData: { ctl: this.ctl.buffer, error: this.error, port: port2 },
      transferList: [port2],
    });
    this.worker.unref();
    this.port.unref();
    this.died = new Promise((resolve) => {
      const end = (err: Error) => {
        this.death ??= err;
        resolve();
      };
      this.worker.once('error', (err) => end(err));
      this.worker.once('exit', (code) => end(new Error(`data-parallel replica thread exited (status ${code})`)));
    });
  }

  get alive(): boolean {
    return this.death === null;
  }

  /** Alive, finished with its last command and without error (a wasm abort leaves its runtime unusable). */
  get reusable(): boolean {
    return this.alive && Atomics.load(this.ctl, CTL.DONE) === this.seq && this.ctl[CTL.STATUS] === 0;
  }

  /** Issues a command (the replica wakes on the sequence word). */
  command(cmd: number, count = 0, total = 0): void {
    if (this.death) throw this.death;
    this.ctl[CTL.CMD] = cmd;
    this.ctl[CTL.COUNT] = count;
    this.ctl[CTL.TOTAL] = total;
    this.seq = Atomics.add(this.ctl, CTL.SEQ, 1) + 1;
    Atomics.notify(this.ctl, CTL.SEQ);
  }

  /** Sends a training's set-up and waits until the replica has built its network. */
  async setup(msg: SetupMessage): Promise<void> {
    this.buffers = msg.buffers;
    this.port.postMessage(msg);
    this.command(CMD.SETUP);
    await this.done();
  }

  /**
   * Waits for the last command; throws the replica's error. Blocks in Atomics.wait (woken at once, unlike
   * Atomics.waitAsync, whose wake-up goes through the event loop), in slices between which the event loop runs
   * once, so a thread that died (its 'exit' event) ends the wait.
   */
  async done(): Promise<void> {
    for (;;) {
      const at = Atomics.load(this.ctl, CTL.DONE);
      if (at === this.seq) break;
      if (this.death) throw this.death;
      if (Atomics.wait(this.ctl, CTL.DONE, at, WAIT_SLICE_MS) === 'timed-out') {
        await Promise.race([new Promise<void>((resolve) => setImmediate(resolve)), this.died]);
      }
    }
    if (this.ctl[CTL.STATUS] !== 0) {
      const bytes = new Uint8Array(this.error, 0, this.ctl[CTL.ERROR_BYTES]).slice();
      throw new Error(`data-parallel replica: ${new TextDecoder().decode(bytes)}`);
    }
  }

  /** Whether the thread keeps the process alive: while it serves a training, not while idle. */
  hold(on: boolean): void {
    if (on) this.worker.ref();
    else this.worker.unref();
  }

  /** Ends the thread. */
  async stop(): Promise<void> {
    if (this.alive) this.command(CMD.STOP);
    await this.worker.terminate();
  }
}

/** Replica threads of this thread, kept between trainings (starting one costs a tfjs-wasm start-up). */
const idle: ReplicaThread[] = [];

function takeThreads(n: number): ReplicaThread[] {
  const out: ReplicaThread[] = [];
  while (out.length < n) {
    const t = idle.pop();
    if (!t) out.push(new ReplicaThread());
    else if (t.alive) out.push(t);
  }
  for (const t of out) t.hold(true);
  return out;
}

/** Ends the idle replica threads of this thread (tests, or to free their memory). */
export async function stopIdleReplicas(): Promise<void> {
  const all = idle.splice(0);
  await Promise.all(all.map((t) => t.stop()));
}

/** Options of {@link DataParallel.start}. */
export interface DataParallelOptions {
  /** Replicas in all, the training thread's included (≥ 2). */
  readonly replicas: number;
  /** Largest batch. */
  readonly batchSize: number;
}

/** Data-parallel steps of one training: the training thread's model and its replica threads. */
export class DataParallel {
  private closed = false;

  private constructor(
    private readonly model: QuantizedCnn,
    private readonly threads: ReplicaThread[],
    private readonly slots: WeightSlot[],
    private readonly layout: ReplicaLayout,
  ) {}

  /** Starts (or reuses) the replica threads and gives them `model`'s network. */
  static async start(model: QuantizedCnn, o: DataParallelOptions): Promise<DataParallel> {
    if (!Number.isInteger(o.replicas) || o.replicas < 2) throw new RangeError(`data-parallel training needs ≥ 2 replicas, got ${o.replicas}`);
    const [h, w, c] = model.architecture.input;
    const slots = weightLayout(model);
    const weightFloats = slots.reduce((s, x) => s + x.length, 0);
    const gradFloats = slots.filter((s) => s.trainable).reduce((s, x) => s + x.length, 0);
    const layout: ReplicaLayout = {
      // The largest share a replica other than the first gets (splitBatch gives the first one the extra image).
      maxImages: Math.ceil(o.batchSize / o.replicas),
      perImage: h * w * c,
      classes: model.architecture.classes,
      weightFloats,
      gradFloats,
    };
    const threads = takeThreads(o.replicas - 1);
    try {
      await Promise.all(
        threads.map((t) =>
          t.setup({
            architecture: model.architecture,
            quantization: model.quantization,
            batchNorm: model.batchNorm,
            bnMomentum: model.bnMomentum,
            bnEpsilon: model.bnEpsilon,
            layout,
            buffers: allocateBuffers(layout),
            input: [h, w, c],
          }),
        ),
      );
    } catch (err) {
      await Promise.all(threads.map((t) => t.stop()));
      throw err;
    }
    return new DataParallel(model, threads, slots, layout);
  }

  /** Replicas in all (the training thread's included). */
  get replicas(): number {
    return this.threads.length + 1;
  }

  /**
   * One optimisation step on a batch of `n` images (`x`: n × h·w·c floats, `y`: n × classes one-hot): returns
   * the batch's mean loss. The caller re-applies masks afterwards, as after `optimizer.minimize`.
   */
  async step(optimizer: tf.Optimizer, keeper: StepKeeper, x: Float32Array, y: Float32Array, n: number): Promise<number> {
    if (this.closed) throw new Error('data-parallel trainer was closed');
    const { perImage: per, classes } = this.layout;
    const shares = splitBatch(n, this.replicas);
    // The weights as they are now (after any hook or restore): every replica computes with the same ones.
    const weights = this.model.getWeights();
    let start = shares[0];
    const busy: ReplicaThread[] = [];
    this.threads.forEach((t, i) => {
      const count = shares[i + 1];
      if (count > 0) {
        const b = t.buffers!;
        const wv = new Float32Array(b.weights);
        for (const s of this.slots) wv.set(weights[s.index].data, s.offset);
        new Float32Array(b.images).set(x.subarray(start * per, (start + count) * per));
        new Float32Array(b.labels).set(y.subarray(start * classes, (start + count) * classes));
        t.command(CMD.STEP, count, n);
        busy.push(t);
      }
      start += count;
    });
    // This thread's share, while the replicas compute theirs.
    const n0 = shares[0];
    const [h, w, c] = this.model.architecture.input;
    const vars = this.model.trainableVariables;
    const xs = tf.tensor4d(x.subarray(0, n0 * per), [n0, h, w, c]);
    const ys = tf.tensor2d(y.subarray(0, n0 * classes), [n0, classes]);
    let own: { value: tf.Scalar; grads: tf.NamedTensorMap };
    try {
      own = optimizer.computeGradients(() => shareLoss(ys, this.model.apply(xs, true, keeper), n0, n), vars);
    } finally {
      keeper.release();
      xs.dispose();
      ys.dispose();
    }
    let loss: number;
    const summed: tf.NamedTensorMap = {};
    try {
      loss = own.value.dataSync()[0];
      await Promise.all(busy.map((t) => t.done()));
      // Sum in replica order (deterministic whatever the timing); float32 rounding after every addition, as tf.add.
      const outs = busy.map((t) => new Float32Array(t.buffers!.out));
      let at = 0;
      for (const v of vars) {
        const g = Float32Array.from(own.grads[v.name].dataSync() as Float32Array);
        for (const o of outs) {
          for (let k = 0; k < g.length; k++) g[k] = Math.fround(g[k] + o[at + k]);
        }
        summed[v.name] = tf.tensor(g, v.shape);
        at += v.size;
      }
      busy.forEach((t) => (loss += new Float64Array(t.buffers!.loss)[0]));
    } finally {
      own.value.dispose();
      tf.dispose(own.grads);
    }
    try {
      optimizer.applyGradients(summed);
    } finally {
      tf.dispose(summed);
    }
    if (busy.length > 0) this.mergeMovingStatistics(shares, n, busy);
    return loss;
  }

  /** BatchNorm moving statistics: the share-weighted mean of every replica's after this step. */
  private mergeMovingStatistics(shares: number[], n: number, busy: ReplicaThread[]): void {
    const stats = this.slots.filter((s) => !s.trainable);
    if (stats.length === 0) return;
    const live = this.model.getWeights();
    const outs = busy.map((t) => new Float32Array(t.buffers!.out));
    const weightsOf = [shares[0] / n, ...shares.slice(1).filter((s) => s > 0).map((s) => s / n)];
    let at = this.layout.gradFloats;
    const merged = stats.map((s) => {
      const own = live[s.index].data;
      const out = new Float32Array(s.length);
      for (let k = 0; k < s.length; k++) {
        let v = Math.fround(own[k] * weightsOf[0]);
        outs.forEach((o, r) => (v = Math.fround(v + Math.fround(o[at + k] * weightsOf[r + 1]))));
        out[k] = v;
      }
      at += s.length;
      return { name: s.name, shape: s.shape, data: out };
    });
    this.model.setWeights(merged);
  }

  /** Gives the replica threads back for the next training of this thread. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.threads) {
      t.hold(false);
      if (t.reusable) idle.push(t);
      else void t.stop().catch(() => {});
    }
  }
}
