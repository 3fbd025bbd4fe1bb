/**
 * How data-parallel training shares a batch and a network among replicas: contiguous shares of the batch
 * (the trainer's first), a loss per share that makes the shares' gradients add up to the whole batch's, and
 * one flat layout of the network's variables in shared memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { QuantizedCnn } from '../build-model.js';

/**
 * Sizes of the contiguous shares of a batch of `n` images among `replicas` (the first ones one larger when
 * `n` does not divide); shares of 0 images take no part in the step.
 */
export function splitBatch(n: number, replicas: number): number[] {
  const base = Math.floor(n / replicas);
  return Array.from({ length: replicas }, (_, i) => base + (i < n % replicas ? 1 : 0));
}

/**
 * The loss of a share of a batch: its mean softmax cross-entropy × count / total, so the gradients of the
 * shares sum to the gradient of the whole batch's mean loss (tfjs's default reduction is the mean).
 */
export function shareLoss(y: tf.Tensor2D, logits: tf.Tensor2D, count: number, total: number): tf.Scalar {
  const mean = tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  return count === total ? mean : tf.mul(mean, count / total);
}

/** A model variable's place in the flat weight buffer. */
export interface WeightSlot {
  readonly name: string;
  readonly shape: number[];
  /** Position in `model.getWeights()`. */
  readonly index: number;
  readonly offset: number;
  readonly length: number;
  /** Trained by the optimizer (else a BatchNorm moving statistic). */
  readonly trainable: boolean;
}

/** The variables of `model` in `getWeights()` order, with their offsets in one flat float32 buffer. */
export function weightLayout(model: QuantizedCnn): WeightSlot[] {
  // tfjs variable names are `hwnas/<name>/<sequence>` (build-model.ts): the trainable ones by their short name.
  const trainable = new Set(model.trainableVariables.map((v) => v.name.replace(/^hwnas\//, '').replace(/\/\d+$/, '')));
  let offset = 0;
  return model.getWeights().map((w, index) => {
    const slot = { name: w.name, shape: w.shape.slice(), index, offset, length: w.data.length, trainable: trainable.has(w.name) };
    offset += w.data.length;
    return slot;
  });
}
