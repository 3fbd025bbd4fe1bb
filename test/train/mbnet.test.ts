/**
 * MobileNet-like networks (edge-mbnet-reduced: strided, depthwise and linear convolutions, residual additions,
 * global average pooling) in QuantizedCnn: their weights and initialisation (He: Glorot leaves deep children at chance), the whole network's loss and
 * gradients on wasm against the cpu backend (float, BatchNorm, fake-quantized), inference after a round trip
 * through the trained-model format, the refusals of inheritance and pruning, and real training on CIFAR-10
 * (the loss falls; the same seed gives identical weights).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { presetSpace } from '../../lib/space/index.js';
import { decodeArchitecture, type Architecture, type Quantization } from '../../lib/space/decode.js';
import type { Genome } from '../../lib/space/genome.js';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { defaultInit, QuantizedCnn, type NamedArray } from '../../lib/train/build-model.js';
import { datasetStatus } from '../../lib/train/datasets/registry.js';
import { inheritWeights } from '../../lib/train/inherit.js';
import { chooseMasks } from '../../lib/train/masks.js';
import { StepKeeper } from '../../lib/train/ops.js';
import { trainGenome, type TrainRequest } from '../../lib/train/train.js';

const space = presetSpace('edge-mbnet-reduced');

/** A small genome with every layer kind: inverted bottlenecks (depthwise 3×3 and 5×5), fused blocks, residuals. */
function smallGenome(): Genome {
  const g: Record<string, number | string> = {};
  for (let i = 1; i <= 5; i++) Object.assign(g, { [`S${i}.op`]: i % 2 ? 'ibn' : 'fused', [`S${i}.kernel`]: i === 3 ? 5 : 3, [`S${i}.expansion`]: 3, [`S${i}.blocks`]: 1, [`S${i}.width`]: 0.75 });
  g['S2.blocks'] = 2;
  g['S3.blocks'] = 2;
  return space.canonical(g as Genome);
}

const genome = smallGenome();
const arch = decodeArchitecture(space, genome);

/**
 * Signed 20-bit weights (2.18) on every conv and the dense layer; activations with 18 fraction bits, unsigned
 * (4.18) after a ReLU, signed (5.18) after a linear projection: a fine grid, so that the small signals deep in an
 * untrained network do not all round to 0 and the two backends' different summation orders rarely round apart.
 */
function quantized(a: Architecture): Quantization {
  return {
    layers: a.layers.map((l) =>
      l.kind === 'conv'
        ? { weight: { intBits: 2, fracBits: 18, signed: true }, activation: l.activation === 'linear' ? { intBits: 5, fracBits: 18, signed: true } : { intBits: 4, fracBits: 18, signed: false } }
        : l.kind === 'dense'
          ? { weight: { intBits: 2, fracBits: 18, signed: true }, activation: null }
          : { weight: null, activation: null },
    ),
  };
}
const float = (a: Architecture): Quantization => ({ layers: a.layers.map(() => ({ weight: null, activation: null })) });

function images(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n * 32 * 32 * 3 }, () => rng.next());
}

/** Largest difference relative to the largest reference value (at least 1e-4: BatchNorm makes bias gradients ~0). */
function maxRelErr(a: Float32Array, b: Float32Array): number {
  let scale = 1e-4;
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return err / scale;
}

/** Loss and gradients (by weight name) of one training step's forward pass on the current backend. */
function lossAndGrads(model: QuantizedCnn, x: Float32Array, labels: number[]): { loss: number; grads: Map<string, Float32Array> } {
  const keeper = new StepKeeper();
  const names = model.getWeights().map((w) => w.name);
  const vars = model.trainableVariables;
  const trainableNames = names.filter((n) => !/moving_/.test(n));
  const r = tf.tidy(() => {
    const xt = tf.tensor4d(x, [labels.length, 32, 32, 3]);
    const y = tf.oneHot(labels, 10);
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(xt, true, keeper)) as tf.Scalar, vars);
    return { loss: value.dataSync()[0], grads: new Map(vars.map((v, i) => [trainableNames[i], grads[v.name].dataSync() as Float32Array])) };
  });
  keeper.release();
  return r;
}

describe('MobileNet-like networks in QuantizedCnn', () => {
  beforeAll(async () => {
    await import('@tensorflow/tfjs-backend-cpu');
    const info = await initTrainingBackend({ backend: 'wasm', threads: 1 });
    expect(info.kind).toBe('wasm');
  });

  it('the genome decodes to every layer kind the model must build', () => {
    const kinds = new Set(arch.layers.map((l) => (l.kind === 'conv' ? `conv/s${l.stride}/${(l.groups ?? 1) > 1 ? 'dw' : 'full'}/${l.activation ?? 'relu'}` : l.kind)));
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining(['add', 'conv/s1/dw/relu', 'conv/s2/dw/relu', 'conv/s1/full/linear', 'conv/s2/full/relu', 'conv/s1/full/relu', 'dense', 'globalpool']),
    );
  });

  it('weights: depthwise kernels [K,K,C,1], He-uniform with per-group fan-in (gain 1 before no ReLU), Glorot for lu2019 chains, one parameter count', () => {
    expect(defaultInit(arch)).toBe('he');
    const lu = presetSpace('lu2019-cifar10-float');
    expect(defaultInit(decodeArchitecture(lu, lu.sample(Rng.fromSeed(1))))).toBe('glorot');
    tf.setBackend('wasm');
    const model = new QuantizedCnn(arch, float(arch), { seed: 3 });
    const w = new Map(model.getWeights().map((x) => [x.name, x]));
    let expected = 0;
    for (const l of arch.layers) {
      if (l.kind === 'conv') {
        const dw = (l.groups ?? 1) > 1;
        const k = w.get(`${l.name}/kernel`)!;
        expect(k.shape).toEqual(dw ? [l.kernel, l.kernel, l.inShape[2], 1] : [l.kernel, l.kernel, l.inShape[2], l.filters]);
        const fanIn = dw ? l.kernel ** 2 : l.kernel ** 2 * l.inShape[2];
        const limit = Math.sqrt((3 * (l.activation === 'linear' ? 1 : 2)) / fanIn);
        const max = k.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(max).toBeLessThanOrEqual(limit);
        if (k.data.length >= 200) expect(max).toBeGreaterThan(0.9 * limit);
        expect(w.get(`${l.name}/bias`)!.shape).toEqual([l.filters]);
        expected += k.data.length + l.filters;
      } else if (l.kind === 'dense') {
        expect(w.get(`${l.name}/kernel`)!.shape).toEqual([l.inShape[2], l.units]);
        expected += l.inShape[2] * l.units + l.units;
      } else {
        expect([...w.keys()].some((n) => n.startsWith(`${l.name}/`))).toBe(false);
      }
    }
    expect(model.parameterCount).toBe(expected);
    model.dispose();
  });

  for (const variant of ['float', 'batchnorm', 'quantized'] as const) {
    it(`${variant}: the loss and every gradient on wasm match the cpu backend`, () => {
      const q = variant === 'quantized' ? quantized(arch) : float(arch);
      const rng = Rng.fromSeed(`grads/${variant}`);
      const x = images(rng, 3);
      const labels = [0, 3, 9];
      tf.setBackend('wasm');
      const a = new QuantizedCnn(arch, q, { seed: 5, batchNorm: variant === 'batchnorm' });
      const onWasm = lossAndGrads(a, x, labels);
      const weights = a.getWeights();
      a.dispose();
      tf.setBackend('cpu');
      const b = new QuantizedCnn(arch, q, { seed: 0, batchNorm: variant === 'batchnorm' });
      b.setWeights(weights);
      const onCpu = lossAndGrads(b, x, labels);
      b.dispose();
      tf.setBackend('wasm');
      expect(Number.isFinite(onWasm.loss)).toBe(true);
      expect(Math.abs(onWasm.loss - onCpu.loss)).toBeLessThan(1e-4 * Math.max(1, onCpu.loss));
      expect([...onWasm.grads.keys()]).toEqual([...onCpu.grads.keys()]);
      let nonzero = 0;
      // Errors relative to the layer's largest gradient, or to 1 % of the network's (BatchNorm makes conv bias
      // gradients ~0: float noise there). Quantized: a value on a rounding boundary may round apart on the two
      // backends and move a whole step, which later layers' roundings and masks amplify: the bound is looser (with
      // 12 fraction bits the errors reach 6 %, with 18 about 3 %; a wrong mask or quantizer gives O(1) errors).
      const global = Math.max(...[...onCpu.grads.values()].map((g) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
      for (const [name, g] of onCpu.grads) {
        const w = onWasm.grads.get(name)!;
        const local = g.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const err = g.reduce((m, v, i) => Math.max(m, Math.abs(v - w[i])), 0) / Math.max(local, 0.01 * global);
        expect(err, name).toBeLessThan(variant === 'quantized' ? 0.1 : 2e-3);
        if (g.some((v) => v !== 0)) nonzero++;
      }
      // Gradients reach every layer (through the residuals, the depthwise and the linear convolutions).
      expect(nonzero).toBe(onCpu.grads.size);
    });
  }

  for (const batchNorm of [false, true]) {
    it(`inference after a round trip through the trained-model format is exact${batchNorm ? ' (BatchNorm)' : ''}; quantization changes it`, () => {
      tf.setBackend('wasm');
      const m = new QuantizedCnn(arch, float(arch), { seed: 9, batchNorm });
      // One training step moves BatchNorm's statistics off their initial values.
      const keeper = new StepKeeper();
      const rng = Rng.fromSeed('roundtrip');
      const x = images(rng, 8);
      tf.tidy(() => m.apply(tf.tensor4d(x, [8, 32, 32, 3]), true, keeper));
      keeper.release();
      const trained = m.toTrainedModel();
      expect(trained.format).toBe('hwnas-trained-cnn/1');
      expect(trained.architecture.layers.some((l) => l.kind === 'add')).toBe(true);
      const copy = QuantizedCnn.fromTrained(JSON.parse(JSON.stringify({ ...trained, weights: [] })) as typeof trained);
      copy.setWeights(trained.weights);
      const p1 = m.predict(x, 8);
      const p2 = copy.predict(x, 8);
      expect(Array.from(p2)).toEqual(Array.from(p1));
      const qm = QuantizedCnn.fromTrained({ ...trained, quantization: quantized(arch) });
      const p3 = qm.predict(x, 8);
      expect(maxRelErr(p1, p3)).toBeGreaterThan(0);
      expect(maxRelErr(p1, p3)).toBeLessThan(0.5);
      for (const mm of [m, copy, qm]) mm.dispose();
    });
  }

  it('refuses what it cannot build: grouped (not depthwise) convolutions, residuals that do not line up', () => {
    const dw = arch.layers.findIndex((l) => l.kind === 'conv' && (l.groups ?? 1) > 1);
    const grouped = { ...arch, layers: arch.layers.map((l, i) => (i === dw && l.kind === 'conv' ? { ...l, groups: 2 } : l)) };
    expect(() => new QuantizedCnn(grouped, float(grouped))).toThrow(/groups 2/);
    const add = arch.layers.findIndex((l) => l.kind === 'add');
    const bad = { ...arch, layers: arch.layers.map((l, i) => (i === add && l.kind === 'add' ? { ...l, from: 'stem' } : l)) };
    expect(() => new QuantizedCnn(bad, float(bad))).toThrow(/adds stem/);
  });

  it('inheritance copies between like layers only; pruning refuses depthwise layers and residual networks', () => {
    tf.setBackend('wasm');
    const child = new QuantizedCnn(arch, float(arch), { seed: 1 });
    const parent = new QuantizedCnn(arch, float(arch), { seed: 2 });
    const trained = parent.toTrainedModel();
    const same = inheritWeights(trained, arch, child.getWeights());
    expect(same.stats.copied).toBe(same.stats.total);
    // The parent's depthwise layer made regular (as a parent whose block is fused would be): nothing copied there.
    const dw = arch.layers.find((l) => l.kind === 'conv' && (l.groups ?? 1) > 1)!;
    const regular: NamedArray[] = trained.weights.map((w) => (w.name === `${dw.name}/kernel` ? { ...w, shape: [w.shape[0], w.shape[1], w.shape[2], w.shape[2]], data: new Float32Array(w.shape[0] * w.shape[1] * w.shape[2] * w.shape[2]).fill(1) } : w));
    const parentArch = { ...arch, layers: arch.layers.map((l) => (l.name === dw.name && l.kind === 'conv' ? { ...l, groups: 1 } : l)) };
    const mixed = inheritWeights({ ...trained, architecture: parentArch, weights: regular }, arch, child.getWeights());
    expect(mixed.stats.layers).not.toContain(`${dw.name}/kernel`);
    expect(mixed.weights.find((w) => w.name === `${dw.name}/kernel`)!.data).toEqual(child.getWeights().find((w) => w.name === `${dw.name}/kernel`)!.data);
    const comp = (layer: string) => ({ layers: [{ layer, kernel: 3, filters: 8, keptFilters: 4, pattern: null }], support: { patterns: false, packing: false } });
    expect(() => chooseMasks(arch, comp(dw.name), child.getWeights())).toThrow(/depthwise/);
    expect(() => chooseMasks(arch, comp('head'), child.getWeights())).toThrow(/residual additions/);
    child.dispose();
    parent.dispose();
  });

  const cifarReady = datasetStatus('cifar10').ready;
  if (!cifarReady) console.warn('[skip] CIFAR-10 not prepared: run `hwnas data cifar10` to test training on it');
  it.runIf(cifarReady)('trains on real CIFAR-10 images: the loss falls, and the same seed gives identical weights', async () => {
    const request: TrainRequest = {
      space: space.toJSON(),
      genome,
      dataset: 'cifar10',
      trainSubset: 128,
      valSubset: 64,
      epochs: 3,
      batchSize: 32,
      seed: 11,
      backend: 'wasm',
      threads: 1,
      returnWeights: true,
    };
    const before = tf.memory().numTensors;
    const a = await trainGenome(request);
    expect(a.backend.kind).toBe('wasm');
    expect(a.trainLossHistory).toHaveLength(3);
    expect(a.trainLossHistory[2]).toBeLessThan(a.trainLossHistory[0]);
    expect(a.trainLossHistory[0]).toBeLessThan(2.6);
    expect(tf.memory().numTensors).toBe(before);
    const b = await trainGenome({ ...request, epochs: 1, trainSubset: 64 });
    const c = await trainGenome({ ...request, epochs: 1, trainSubset: 64 });
    expect(b.weights!.weights.map((w) => Array.from(w.data))).toEqual(c.weights!.weights.map((w) => Array.from(w.data)));
    const d = await trainGenome({ ...request, epochs: 1, trainSubset: 64, seed: 12 });
    expect(d.weights!.weights[0].data).not.toEqual(b.weights!.weights[0].data);
  });
});
