/**
 * The shared memory between the training thread and one replica worker (data-parallel training, see
 * data-parallel.ts). Every step goes through these SharedArrayBuffers and one Atomics word each way: no
 * message (structured clone) per step. Messages carry only the set-up of a training (once per training).
 *
 * Per step: the trainer writes the replica's images and labels and the current weights, then bumps `SEQ`
 * (Atomics.notify); the replica computes the gradients of its share of the batch and writes them, its
 * BatchNorm moving statistics and its loss, then stores `SEQ`'s value into `DONE` (Atomics.notify).
 */

import type { Architecture, Quantization } from '../../space/decode.js';

/** Control words (Int32Array indices). */
export const CTL = {
  /** Command sequence number, bumped by the trainer for every command. */
  SEQ: 0,
  /** Sequence number of the last command the replica finished. */
  DONE: 1,
  /** The command (see {@link CMD}). */
  CMD: 2,
  /** Images in this step's share. */
  COUNT: 3,
  /** 0 ok, 1 error (message in `error`). */
  STATUS: 4,
  /** Bytes of the error message. */
  ERROR_BYTES: 5,
  /** Images in the whole batch (a share's loss is its mean × count / total, so the shares' gradients add up). */
  TOTAL: 6,
} as const;
export const CTL_WORDS = 8;

/** Commands. */
export const CMD = {
  /** Read the set-up message (a new training). */
  SETUP: 1,
  /** Compute the gradients of this step's share. */
  STEP: 2,
  /** Leave the loop (the thread ends). */
  STOP: 3,
} as const;

/** Sizes of one training's buffers. */
export interface ReplicaLayout {
  /** Most images a replica's share can hold. */
  readonly maxImages: number;
  /** Floats per image (h·w·c). */
  readonly perImage: number;
  readonly classes: number;
  /** Floats of every model variable (trainable weights and BatchNorm moving statistics), in model order. */
  readonly weightFloats: number;
  /** Floats of the trainable variables' gradients, in model order. */
  readonly gradFloats: number;
}

/** The shared buffers of one replica for one training. */
export interface ReplicaBuffers {
  readonly images: SharedArrayBuffer;
  /** One-hot labels (float32, maxImages × classes). */
  readonly labels: SharedArrayBuffer;
  readonly weights: SharedArrayBuffer;
  /** Gradients (gradFloats), then the replica's moving statistics after its step (weightFloats − gradFloats). */
  readonly out: SharedArrayBuffer;
  /** The replica's share of the loss (float64). */
  readonly loss: SharedArrayBuffer;
}

/** Bytes of the error message area. */
export const ERROR_AREA = 4096;

/** Allocates a replica's buffers for `layout`. */
export function allocateBuffers(l: ReplicaLayout): ReplicaBuffers {
  return {
    images: new SharedArrayBuffer(4 * l.maxImages * l.perImage),
    labels: new SharedArrayBuffer(4 * l.maxImages * l.classes),
    weights: new SharedArrayBuffer(4 * l.weightFloats),
    out: new SharedArrayBuffer(4 * l.weightFloats),
    loss: new SharedArrayBuffer(8),
  };
}

/** What the trainer sends a replica once per training (with {@link CMD.SETUP}). */
export interface SetupMessage {
  /** The trainer's model, as data: the replica builds the same network (its weights come with every step). */
  readonly architecture: Architecture;
  readonly quantization: Quantization;
  readonly batchNorm: boolean;
  readonly bnMomentum: number;
  readonly bnEpsilon: number;
  readonly layout: ReplicaLayout;
  readonly buffers: ReplicaBuffers;
  /** Input shape [h, w, c]. */
  readonly input: readonly [number, number, number];
}
