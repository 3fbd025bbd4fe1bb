/**
 * A replica of data-parallel training (data-parallel.ts), run as a worker thread: its own single-threaded
 * tfjs-wasm instance with our kernels, and a copy of the trainer's network. For every step it takes the current
 * weights and its share of the batch from shared memory and writes back that share's gradients, its BatchNorm
 * moving statistics and its share of the loss (protocol.ts). It blocks in Atomics.wait between commands: its
 * event loop never runs while it serves a training, and the set-up message is read synchronously.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initTrainingBackend } from '../backend.js';
import { QuantizedCnn } from '../build-model.js';
import { StepKeeper } from '../ops.js';
import { CMD, CTL, ERROR_AREA, type SetupMessage } from './protocol.js';
import { shareLoss, weightLayout, type WeightSlot } from './share.js';

const { ctl: ctlBuffer, error: errorBuffer, port } = workerData as { ctl: SharedArrayBuffer; error: SharedArrayBuffer; port: MessagePort };
const ctl = new Int32Array(ctlBuffer);
const errorBytes = new Uint8Array(errorBuffer);

/** One training's replica: the network and views of the shared buffers. */
class Replica {
  private readonly model: QuantizedCnn;
  private readonly keeper = new StepKeeper();
  private readonly slots: WeightSlot[];
  private readonly hasStatistics: boolean;
  private readonly images: Float32Array;
  private readonly labels: Float32Array;
  private readonly weights: Float32Array;
  private readonly out: Float32Array;
  private readonly loss: Float64Array;

  constructor(private readonly setup: SetupMessage) {
    this.model = new QuantizedCnn(setup.architecture, setup.quantization, {
      batchNorm: setup.batchNorm,
      bnMomentum: setup.bnMomentum,
      bnEpsilon: setup.bnEpsilon,
    });
    this.slots = weightLayout(this.model);
    this.hasStatistics = this.slots.some((s) => !s.trainable);
    const floats = this.slots.reduce((s, w) => s + w.length, 0);
    if (floats !== setup.layout.weightFloats) throw new Error(`replica network has ${floats} weights, the trainer's ${setup.layout.weightFloats}`);
    const b = setup.buffers;
    this.images = new Float32Array(b.images);
    this.labels = new Float32Array(b.labels);
    this.weights = new Float32Array(b.weights);
    this.out = new Float32Array(b.out);
    this.loss = new Float64Array(b.loss);
  }

  /** Gradients of `count` images of a batch of `total` (mean loss × count / total: the shares' gradients add up). */
  step(count: number, total: number): void {
    const { perImage, classes } = this.setup.layout;
    const [h, w, c] = this.setup.input;
    this.model.setWeights(this.slots.map((s) => ({ name: s.name, shape: s.shape, data: this.weights.subarray(s.offset, s.offset + s.length) })));
    const x = tf.tensor4d(this.images.subarray(0, count * perImage), [count, h, w, c]);
    const y = tf.tensor2d(this.labels.subarray(0, count * classes), [count, classes]);
    const vars = this.model.trainableVariables;
    let result: { value: tf.Scalar; grads: tf.NamedTensorMap } | null = null;
    try {
      result = tf.variableGrads(() => shareLoss(y, this.model.apply(x, true, this.keeper), count, total), vars);
      let at = 0;
      for (const v of vars) {
        const g = result.grads[v.name];
        this.out.set(g.dataSync() as Float32Array, at);
        at += v.size;
      }
      // The moving statistics this share's forward pass left, after the gradients (BatchNorm only).
      if (this.hasStatistics) {
        const live = this.model.getWeights();
        for (const s of this.slots) {
          if (!s.trainable) this.out.set(live[s.index].data, at), (at += s.length);
        }
      }
      this.loss[0] = result.value.dataSync()[0];
    } finally {
      this.keeper.release();
      x.dispose();
      y.dispose();
      if (result) {
        result.value.dispose();
        tf.dispose(result.grads);
      }
    }
  }

  dispose(): void {
    this.keeper.release();
    this.model.dispose();
  }
}

function reportError(err: unknown): void {
  const text = new TextEncoder().encode(err instanceof Error ? `${err.message}` : String(err)).subarray(0, ERROR_AREA);
  errorBytes.set(text);
  ctl[CTL.ERROR_BYTES] = text.length;
  ctl[CTL.STATUS] = 1;
}

async function serve(): Promise<void> {
  let backendError: unknown = null;
  try {
    await initTrainingBackend({ backend: 'wasm', threads: 1 });
  } catch (err) {
    backendError = err;
  }
  let replica: Replica | null = null;
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, CTL.SEQ, seen);
    seen = Atomics.load(ctl, CTL.SEQ);
    const cmd = ctl[CTL.CMD];
    if (cmd === CMD.STOP) break;
    ctl[CTL.STATUS] = 0;
    try {
      if (backendError) throw backendError;
      if (cmd === CMD.SETUP) {
        replica?.dispose();
        replica = null;
        const msg = receiveMessageOnPort(port);
        if (!msg) throw new Error('set-up command without a set-up message');
        replica = new Replica(msg.message as SetupMessage);
      } else if (cmd === CMD.STEP) {
        if (!replica) throw new Error('step before set-up');
        replica.step(ctl[CTL.COUNT], ctl[CTL.TOTAL]);
      }
    } catch (err) {
      reportError(err);
    }
    Atomics.store(ctl, CTL.DONE, seen);
    Atomics.notify(ctl, CTL.DONE);
  }
  replica?.dispose();
  port.close();
}

await serve();
