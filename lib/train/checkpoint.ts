/**
 * Training checkpoints: everything that makes the continuation of an interrupted training exact — the model's
 * weights (moving statistics included), the optimizer's state (Adam's step count, moments and its running
 * β₁ᵗ, β₂ᵗ products) and the finished epochs — in ONE file, written to a temporary and renamed, so a kill -9
 * at any moment leaves either the previous checkpoint or the new one, never a mix.
 *
 * The batch order needs no saved state: epoch e's order is drawn from `Rng(seed).fork('batches').fork('epoch/e')`
 * (train.ts), a function of the seed and the epoch alone; the checkpoint records that seed so a resume can
 * check it.
 *
 * File layout: `HWCK` magic, u32 LE header length, the header (JSON), zero padding to a multiple of 4, then
 * the float32 payload (little-endian) that the header's entries index; the header carries the payload's
 * SHA-256, so a damaged file is refused instead of resumed from.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { HwnasError } from '../errors.js';
import type { NamedArray, QuantizedCnn } from './build-model.js';

const MAGIC = 'HWCK';
/** The checkpoint format this code writes and reads. */
export const CHECKPOINT_FORMAT = 'hwnas-checkpoint/1';

/** An array's place in the payload. */
interface Entry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly length: number;
}

/** The optimizer's state beyond its slot arrays. */
export interface OptimizerScalars {
  /** Steps taken (tfjs `iterations`). */
  readonly iterations: number;
  /** Adam's running products β₁ᵗ⁺¹ and β₂ᵗ⁺¹ as float32 (tfjs recomputes them with pow on restore, which can differ in the last bit). */
  readonly accBeta1?: number;
  readonly accBeta2?: number;
}

/** The live state of a training: what {@link captureTrainingState} reads and {@link restoreTrainingState} writes back. */
export interface TrainingState {
  readonly weights: readonly NamedArray[];
  /** Optimizer slot arrays, in the optimizer's own order (Adam: first moments, then second moments). */
  readonly slots: readonly NamedArray[];
  readonly optimizer: OptimizerScalars;
}

/** A checkpoint: the training state after `epoch` finished epochs, and what the caller keeps beside it. */
export interface Checkpoint<M = Record<string, unknown>> {
  /** Finished epochs. */
  readonly epoch: number;
  /** Mean training loss of every finished epoch. */
  readonly losses: readonly number[];
  /** The seed of the batch order (train.ts draws epoch e's order from it and e alone). */
  readonly orderSeed: string;
  /** The caller's data (configuration, per-epoch accuracies …), JSON. */
  readonly meta: M;
  readonly state: TrainingState;
}

interface Header<M> {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly epoch: number;
  readonly losses: readonly number[];
  readonly orderSeed: string;
  readonly meta: M;
  readonly optimizer: OptimizerScalars;
  readonly weights: readonly Entry[];
  readonly slots: readonly Entry[];
  readonly payloadBytes: number;
  readonly sha256: string;
  readonly savedAt: string;
}

interface AdamInternals {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

/** Reads the model's weights and the optimizer's state (copies). */
export async function captureTrainingState(model: QuantizedCnn, optimizer: tf.Optimizer): Promise<TrainingState> {
  const named = await optimizer.getWeights();
  // The first entry is the step count, as a tensor tfjs made for us (the others are the optimizer's own variables).
  const [iter, ...rest] = named;
  const iterations = (await iter.tensor.data())[0];
  iter.tensor.dispose();
  const slots = rest.map((n) => ({ name: n.name, shape: n.tensor.shape.slice(), data: (n.tensor.dataSync() as Float32Array).slice() }));
  const adam = optimizer as unknown as AdamInternals;
  return {
    weights: model.getWeights(),
    slots,
    optimizer: {
      iterations,
      ...(adam.accBeta1 ? { accBeta1: adam.accBeta1.dataSync()[0] } : {}),
      ...(adam.accBeta2 ? { accBeta2: adam.accBeta2.dataSync()[0] } : {}),
    },
  };
}

/** Writes a captured state back into a fresh model and optimizer of the same network. */
export async function restoreTrainingState(model: QuantizedCnn, optimizer: tf.Optimizer, s: TrainingState): Promise<void> {
  model.setWeights(s.weights);
  if (s.slots.length > 0) {
    const iter = tf.scalar(s.optimizer.iterations, 'int32');
    // setWeights keeps the slot tensors as its variables: they are not disposed here.
    await optimizer.setWeights([{ name: 'iter', tensor: iter }, ...s.slots.map((w) => ({ name: w.name, tensor: tf.tensor(w.data, w.shape.slice(), 'float32') }))]);
    iter.dispose();
  }
  const adam = optimizer as unknown as AdamInternals;
  for (const [v, x] of [
    [adam.accBeta1, s.optimizer.accBeta1],
    [adam.accBeta2, s.optimizer.accBeta2],
  ] as const) {
    if (v && x !== undefined) {
      const t = tf.scalar(x);
      v.assign(t);
      t.dispose();
    }
  }
}

function layout(arrays: readonly NamedArray[], start: number): { entries: Entry[]; end: number } {
  let offset = start;
  const entries = arrays.map((a) => {
    const e = { name: a.name, shape: a.shape.slice(), offset, length: a.data.length };
    offset += a.data.length;
    return e;
  });
  return { entries, end: offset };
}

/** Saves a checkpoint to `file` atomically (a temporary in the same directory, then a rename). */
export function saveCheckpoint<M>(file: string, c: Checkpoint<M>): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new HwnasError('PLATFORM_UNSUPPORTED', 'checkpoints are little-endian; this machine is not');
  }
  const w = layout(c.state.weights, 0);
  const s = layout(c.state.slots, w.end);
  const payload = new Float32Array(s.end);
  c.state.weights.forEach((a, i) => payload.set(a.data, w.entries[i].offset));
  c.state.slots.forEach((a, i) => payload.set(a.data, s.entries[i].offset));
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const header: Header<M> = {
    format: CHECKPOINT_FORMAT,
    epoch: c.epoch,
    losses: c.losses,
    orderSeed: c.orderSeed,
    meta: c.meta,
    optimizer: c.state.optimizer,
    weights: w.entries,
    slots: s.entries,
    payloadBytes: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    savedAt: new Date().toISOString(),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((8 + json.length) % 4)) % 4;
  const head = Buffer.alloc(8 + json.length + pad);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, 4);
  json.copy(head, 8);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.tmp-${process.pid}`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, head);
      fs.writeSync(fd, bytes);
      // On disk before the rename: a power cut then leaves the old checkpoint or the whole new one.
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new HwnasError('WRITE_FAILED', `could not write the checkpoint ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function damaged(file: string, why: string): HwnasError {
  return new HwnasError('CHECKPOINT_CORRUPT', `${file} is not a usable checkpoint (${why}); remove it or start over with --restart`);
}

/** Loads a checkpoint saved by {@link saveCheckpoint}; null when there is none, CHECKPOINT_CORRUPT when it is damaged. */
export function loadCheckpoint<M = Record<string, unknown>>(file: string): Checkpoint<M> | null {
  if (!fs.existsSync(file)) return null;
  const buf = fs.readFileSync(file);
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== MAGIC) throw damaged(file, 'no HWCK header');
  const len = buf.readUInt32LE(4);
  if (8 + len > buf.length) throw damaged(file, 'truncated header');
  let header: Header<M>;
  try {
    header = JSON.parse(buf.toString('utf8', 8, 8 + len)) as Header<M>;
  } catch {
    throw damaged(file, 'its header is not JSON');
  }
  if (header.format !== CHECKPOINT_FORMAT) throw damaged(file, `format ${JSON.stringify(header.format)}, expected ${CHECKPOINT_FORMAT}`);
  const start = 8 + len + ((4 - ((8 + len) % 4)) % 4);
  const bytes = buf.subarray(start);
  if (bytes.length !== header.payloadBytes) throw damaged(file, `payload of ${bytes.length} bytes, the header says ${header.payloadBytes}`);
  if (createHash('sha256').update(bytes).digest('hex') !== header.sha256) throw damaged(file, 'its payload does not match its digest');
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const read = (entries: readonly Entry[]): NamedArray[] =>
    entries.map((e) => ({ name: e.name, shape: e.shape, data: all.slice(e.offset, e.offset + e.length) }));
  return {
    epoch: header.epoch,
    losses: header.losses,
    orderSeed: header.orderSeed,
    meta: header.meta,
    state: { weights: read(header.weights), slots: read(header.slots), optimizer: header.optimizer },
  };
}
