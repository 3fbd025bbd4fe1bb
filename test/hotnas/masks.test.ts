/**
 * Issue 15 item 3: compression applied as masks in training (lib/train/masks.ts): the choice rule on
 * hand-made weights, and a real training on MNIST where the masked weights stay exactly zero.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture, type Architecture } from '../../lib/space/decode.js';
import { decodeCompression, type Compression } from '../../lib/space/decode-compression.js';
import { extendGenome, PATTERN_SETS } from '../../lib/space/presets/hotnas.js';
import { presetSpace } from '../../lib/space/index.js';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { QuantizedCnn } from '../../lib/train/build-model.js';
import { chooseMasks, maskArrays, type CompressionMasks } from '../../lib/train/masks.js';
import { trainGenome } from '../../lib/train/train.js';
import { StepKeeper } from '../../lib/train/ops.js';

beforeAll(async () => {
  await initTrainingBackend({ backend: 'wasm', threads: 1 });
});

// One 3×3 conv, 1 input channel, 2 filters, then a dense layer over a 2×2×2 map.
const arch: Architecture = {
  input: [2, 2, 1],
  classes: 3,
  layers: [
    { kind: 'conv', name: 'L1', filters: 2, kernel: 3, stride: 1, inShape: [2, 2, 1], outShape: [2, 2, 2] },
    { kind: 'dense', name: 'fc', units: 3, inShape: [2, 2, 2], outShape: [1, 1, 3] },
  ],
};
const comp = (keptFilters: number, pattern: boolean): Compression => ({
  layers: [{ layer: 'L1', kernel: 3, filters: 2, keptFilters, pattern: pattern ? { name: 'hotnas6', set: PATTERN_SETS.hotnas6, kept: 6 } : null }],
  support: { patterns: false, packing: false },
});
/** HWIO kernel (3,3,1,2) from two row-major 3×3 filters. */
const kernel = (f0: number[], f1: number[]) => ({ name: 'L1/kernel', shape: [3, 3, 1, 2], data: Float32Array.from(f0.flatMap((x, i) => [x, f1[i]])) });

describe('the mask choice rule', () => {
  it('each kernel takes the pattern of its set keeping the most L2 magnitude (ties: the first)', () => {
    // Filter 0 is large where hotnas6 pattern 2 (1,1,0 / 1,1,0 / 1,1,0) keeps; filter 1 is all equal (a tie).
    const f0 = [5, 5, 0, 5, 5, 0, 5, 5, 0];
    const f1 = [1, 1, 1, 1, 1, 1, 1, 1, 1];
    const m = chooseMasks(arch, comp(2, true), [kernel(f0, f1)]);
    expect(m.layers[0].prunedFilters).toEqual([]);
    expect(m.layers[0].patterns?.choice).toEqual([2, 0]);
    const k = maskArrays(arch, m).get('L1/kernel')!;
    expect(Array.from({ length: 9 }, (_, p) => k[p * 2])).toEqual([...PATTERN_SETS.hotnas6[2]]);
    expect(Array.from({ length: 9 }, (_, p) => k[p * 2 + 1])).toEqual([...PATTERN_SETS.hotnas6[0]]);
  });

  it('channel pruning drops the filters of smallest L1 norm, with bias, BatchNorm and the next layer’s inputs', () => {
    const f0 = [1, 1, 1, 1, 1, 1, 1, 1, 1]; // L1 norm 9
    const f1 = [0, 0, 0, 0, -9.5, 0, 0, 0, 0]; // 9.5: kept
    const m = chooseMasks(arch, comp(1, false), [kernel(f0, f1)]);
    expect(m.layers[0].prunedFilters).toEqual([0]);
    const a = maskArrays(arch, m);
    expect(Array.from(a.get('L1/kernel')!)).toEqual(Array.from({ length: 18 }, (_, j) => (j % 2 === 0 ? 0 : 1)));
    for (const n of ['L1/bias', 'L1/gamma', 'L1/beta']) expect(Array.from(a.get(n)!)).toEqual([0, 1]);
    // fc rows are the flattened (h, w, c): c = 0 rows are dead, 3 units each.
    const fc = a.get('fc/kernel')!;
    expect(Array.from(fc)).toEqual(Array.from({ length: 24 }, (_, j) => (Math.floor(j / 3) % 2 === 0 ? 0 : 1)));
  });

  it('ties between equal filters keep the lower index', () => {
    const f = [1, 1, 1, 1, 1, 1, 1, 1, 1];
    expect(chooseMasks(arch, comp(1, false), [kernel(f, f)]).layers[0].prunedFilters).toEqual([1]);
  });
});

describe('training with masks', () => {
  const space = presetSpace('hotnas-mnist');
  const genome = extendGenome(space, {
    depth: 2,
    'L1.filters': 8, 'L1.kernel': 3, 'L1.pool': true, 'L1.pattern': 'hotnas6', 'L1.keep': 0.5,
    'L2.filters': 8, 'L2.kernel': 3, 'L2.pool': false, 'L2.pattern': 'patdnn4', 'L2.keep': 0.75,
    'L1.wInt': 2, 'L1.wFrac': 5, 'L1.aInt': 3, 'L1.aFrac': 4,
    'L2.wInt': 2, 'L2.wFrac': 5, 'L2.aInt': 3, 'L2.aFrac': 4,
    'fc.wInt': 2, 'fc.wFrac': 5,
  }, Rng.fromSeed('hw'));

  function zeros(masks: CompressionMasks, weights: readonly { name: string; data: Float32Array }[]) {
    const arrays = maskArrays(decodeArchitecture(space, genome), masks);
    let masked = 0;
    let nonZeroMasked = 0;
    let changedKept = 0;
    for (const w of weights) {
      const m = arrays.get(w.name);
      if (!m) continue;
      w.data.forEach((x, j) => {
        if (m[j] === 0) {
          masked++;
          if (x !== 0) nonZeroMasked++;
        } else if (x !== 0) changedKept++;
      });
    }
    return { masked, nonZeroMasked, changedKept };
  }

  it('an Adam step moves masked weights; reapplyMasks puts the zeros back (what train.ts does after each step)', () => {
    const model = QuantizedCnn.fromGenome(space, genome, { seed: 1 });
    const masks = chooseMasks(model.architecture, decodeCompression(space, genome), model.getWeights());
    const dense = model.parameterCount;
    model.setMasks(masks);
    expect(zeros(masks, model.getWeights()).nonZeroMasked).toBe(0);
    // The pruned weights are not parameters of the compressed network.
    const maskedTrainable = zeros(masks, model.getWeights().filter((w) => !/moving/.test(w.name))).masked;
    expect(maskedTrainable).toBeGreaterThan(0);
    expect(model.parameterCount).toBe(dense - maskedTrainable);
    const opt = tf.train.adam(0.01);
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const keeper = new StepKeeper();
    opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, true, keeper)) as tf.Scalar);
    keeper.release();
    expect(zeros(masks, model.getWeights()).nonZeroMasked).toBeGreaterThan(0);
    model.reapplyMasks();
    expect(zeros(masks, model.getWeights()).nonZeroMasked).toBe(0);
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  });

  for (const batchNorm of [false, true]) {
    it(`masked weights stay exactly zero after training steps (batchNorm ${batchNorm}); the rest trains`, async () => {
      const init = QuantizedCnn.fromGenome(space, genome, { seed: 4, batchNorm });
      const initial = init.getWeights();
      const expected = chooseMasks(init.architecture, decodeCompression(space, genome), initial);
      init.dispose();
      const r = await trainGenome({
        space: space.toJSON(), genome, dataset: 'mnist', epochs: 1, trainSubset: 512, valSubset: 200, batchSize: 64,
        seed: 4, batchNorm, backend: 'wasm', threads: 1, returnWeights: true,
      });
      const trained = r.weights!;
      // The masks were chosen from the starting weights, and travel with the model.
      expect(trained.compression).toEqual(expected);
      const z = zeros(expected, trained.weights);
      // L1: 4 pruned of 8 filters → 4·9 zeros, the 4 kept filters lose 3 of 9 each; more in L2 and fc.
      expect(z.masked).toBeGreaterThan(4 * 9 + 4 * 3);
      expect(z.nonZeroMasked).toBe(0);
      expect(z.changedKept).toBeGreaterThan(0);
      // Training moved the unmasked weights (8 steps of Adam).
      const k0 = initial.find((w) => w.name === 'L2/kernel')!.data;
      const k1 = trained.weights.find((w) => w.name === 'L2/kernel')!.data;
      expect(k1.some((x, j) => x !== 0 && x !== k0[j])).toBe(true);
      expect(r.valAccuracy).toBeGreaterThan(0.2);
      // Loading the trained model applies the same masks (our inference = export's).
      const back = QuantizedCnn.fromTrained(trained);
      expect(back.toTrainedModel().compression).toEqual(expected);
      back.dispose();
    }, 120_000);
  }
});
