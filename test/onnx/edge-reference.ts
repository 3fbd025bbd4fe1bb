/**
 * For the edge-network export tests: an independent forward pass (plain typed-array loops over NHWC, float64
 * accumulation) of any Architecture with the TrainedModel's weights, and trained models with seeded random
 * weights named as training names them (`<layer>/kernel` HWIO, depthwise [K, K, C, 1], `<layer>/bias`,
 * BatchNorm `<layer>/gamma|beta|moving_mean|moving_variance`, dense `fc/kernel` [in, units]).
 */
import { Rng } from '../../lib/rng.js';
import type { Architecture, ConvLayer, LayerSpec, Quantization } from '../../lib/space/decode.js';
import type { NamedArray, TrainedModel } from '../../lib/train/build-model.js';
import { BIAS_QUANTIZATION, isFloatFormat, quantizeArray, quantizeValue, ROUNDING } from '../../lib/train/fake-quant.js';

export type Tensor = { data: Float64Array; h: number; w: number; c: number };

/**
 * TF 'same' padding before the first pixel, written from tf.nn.convolution's documentation: out = ⌈in/s⌉,
 * pad_total = max((out − 1)·s + k − in, 0), pad_before = ⌊pad_total / 2⌋.
 */
function padBefore(size: number, k: number, s: number): number {
  const out = Math.ceil(size / s);
  return Math.floor(Math.max((out - 1) * s + k - size, 0) / 2);
}

/** One convolution ('same', stride, depthwise or not) plus bias, NHWC, float64 sums. */
export function referenceConv(x: Tensor, l: ConvLayer, kernel: Float32Array, bias: Float32Array): Tensor {
  const K = l.kernel;
  const s = l.stride;
  const depthwise = (l.groups ?? 1) > 1;
  const ho = Math.ceil(x.h / s);
  const wo = Math.ceil(x.w / s);
  const F = l.filters;
  const pt = padBefore(x.h, K, s);
  const pl = padBefore(x.w, K, s);
  const out = new Float64Array(ho * wo * F);
  for (let oy = 0; oy < ho; oy++) {
    for (let ox = 0; ox < wo; ox++) {
      for (let f = 0; f < F; f++) {
        let acc = bias[f];
        for (let ky = 0; ky < K; ky++) {
          const iy = oy * s + ky - pt;
          if (iy < 0 || iy >= x.h) continue;
          for (let kx = 0; kx < K; kx++) {
            const ix = ox * s + kx - pl;
            if (ix < 0 || ix >= x.w) continue;
            const base = (iy * x.w + ix) * x.c;
            if (depthwise) acc += x.data[base + f] * kernel[(ky * K + kx) * F + f];
            else for (let c = 0; c < x.c; c++) acc += x.data[base + c] * kernel[((ky * K + kx) * x.c + c) * F + f];
          }
        }
        out[(oy * wo + ox) * F + f] = acc;
      }
    }
  }
  return { data: out, h: ho, w: wo, c: F };
}

/** Logits of one NHWC image, computed from the architecture's definition (not from the exporter's code). */
export function referenceForward(trained: TrainedModel, image: Float32Array): Float64Array {
  const arch = trained.architecture;
  const w = new Map(trained.weights.map((a) => [a.name, a.data]));
  const get = (n: string): Float32Array => {
    const v = w.get(n);
    if (!v) throw new Error(`no weight ${n}`);
    return v;
  };
  let x: Tensor = { data: Float64Array.from(image), h: arch.input[0], w: arch.input[1], c: arch.input[2] };
  const outputs = new Map<string, Tensor>();
  arch.layers.forEach((l: LayerSpec, li) => {
    const q = trained.quantization.layers[li];
    if (l.kind === 'conv') {
      let y = referenceConv(x, l, quantizeArray(get(`${l.name}/kernel`), q.weight), get(`${l.name}/bias`));
      if (trained.batchNorm) {
        const g = get(`${l.name}/gamma`);
        const b = get(`${l.name}/beta`);
        const m = get(`${l.name}/moving_mean`);
        const v = get(`${l.name}/moving_variance`);
        for (let i = 0; i < y.data.length; i++) {
          const f = i % y.c;
          y.data[i] = ((y.data[i] - m[f]) * g[f]) / Math.sqrt(v[f] + trained.bnEpsilon) + b[f];
        }
      }
      if ((l.activation ?? 'relu') === 'relu') for (let i = 0; i < y.data.length; i++) y.data[i] = Math.max(0, y.data[i]);
      if (!isFloatFormat(q.activation)) for (let i = 0; i < y.data.length; i++) y.data[i] = quantizeValue(y.data[i], q.activation);
      x = y;
    } else if (l.kind === 'maxpool') {
      const ho = Math.floor(x.h / 2);
      const wo = Math.floor(x.w / 2);
      const out = new Float64Array(ho * wo * x.c);
      for (let y = 0; y < ho; y++) {
        for (let xx = 0; xx < wo; xx++) {
          for (let c = 0; c < x.c; c++) {
            let m = -Infinity;
            for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) m = Math.max(m, x.data[((2 * y + dy) * x.w + 2 * xx + dx) * x.c + c]);
            out[(y * wo + xx) * x.c + c] = m;
          }
        }
      }
      x = { data: out, h: ho, w: wo, c: x.c };
    } else if (l.kind === 'add') {
      const other = outputs.get(l.from)!;
      x = { ...x, data: Float64Array.from(x.data, (v, i) => v + other.data[i]) };
    } else if (l.kind === 'globalpool') {
      const out = new Float64Array(x.c);
      for (let i = 0; i < x.data.length; i++) out[i % x.c] += x.data[i];
      for (let c = 0; c < x.c; c++) out[c] /= x.h * x.w;
      x = { data: out, h: 1, w: 1, c: x.c };
    } else {
      const k = quantizeArray(get(`${l.name}/kernel`), q.weight);
      const b = get(`${l.name}/bias`);
      const n = x.data.length;
      const out = new Float64Array(l.units);
      for (let u = 0; u < l.units; u++) {
        let acc = b[u];
        for (let i = 0; i < n; i++) acc += x.data[i] * k[i * l.units + u];
        out[u] = acc;
      }
      x = { data: out, h: 1, w: 1, c: l.units };
    }
    outputs.set(l.name, x);
  });
  return x.data;
}

/** The weights training would hold for `arch` (names and shapes), filled by `fill(name, shape)`. */
export function weightsFor(arch: Architecture, batchNorm: boolean, fill: (name: string, shape: number[], fanIn: number) => Float32Array): NamedArray[] {
  const out: NamedArray[] = [];
  const add = (name: string, shape: number[], fanIn: number) => out.push({ name, shape, data: fill(name, shape, fanIn) });
  for (const l of arch.layers) {
    if (l.kind === 'conv') {
      const depthwise = (l.groups ?? 1) > 1;
      const cin = l.inShape[2];
      add(`${l.name}/kernel`, depthwise ? [l.kernel, l.kernel, cin, 1] : [l.kernel, l.kernel, cin, l.filters], l.kernel * l.kernel * (depthwise ? 1 : cin));
      add(`${l.name}/bias`, [l.filters], 1);
      if (batchNorm) for (const s of ['gamma', 'beta', 'moving_mean', 'moving_variance']) add(`${l.name}/${s}`, [l.filters], 1);
    } else if (l.kind === 'dense') {
      const inSize = l.inShape[0] * l.inShape[1] * l.inShape[2];
      add(`${l.name}/kernel`, [inSize, l.units], inSize);
      add(`${l.name}/bias`, [l.units], 1);
    }
  }
  return out;
}

/**
 * A trained model of `arch` with seeded random weights that keep activations alive through a deep network:
 * He-normal kernels, small biases, BatchNorm statistics away from the identity.
 */
export function randomTrained(arch: Architecture, seed: string | number, batchNorm: boolean, quantization?: Quantization): TrainedModel {
  const rng = Rng.fromSeed(`edge-export/${seed}`);
  const weights = weightsFor(arch, batchNorm, (name, shape, fanIn) => {
    const r = rng.fork(name);
    const n = shape.reduce((a, b) => a * b, 1);
    const f = (g: () => number) => Float32Array.from({ length: n }, g);
    if (name.endsWith('/gamma')) return f(() => r.uniform(0.5, 1.5));
    if (name.endsWith('/beta')) return f(() => r.uniform(-0.2, 0.2));
    if (name.endsWith('/moving_mean')) return f(() => r.uniform(-0.2, 0.2));
    if (name.endsWith('/moving_variance')) return f(() => r.uniform(0.2, 2));
    if (name.endsWith('/bias')) return f(() => r.uniform(-0.1, 0.2));
    return f(() => r.normal() * Math.sqrt(2 / fanIn));
  });
  return {
    format: 'hwnas-trained-cnn/1',
    architecture: arch,
    quantization: quantization ?? { layers: arch.layers.map(() => ({ weight: null, activation: null })), inputBits: 8, float: true },
    batchNorm,
    bnEpsilon: 1e-3,
    rounding: ROUNDING,
    bias: BIAS_QUANTIZATION,
    weights,
  };
}

/** `count` seeded random NHWC images of `shape`, pixels k/255 as the datasets give them. */
export function randomImages(shape: readonly [number, number, number], count: number, seed: string | number): Float32Array {
  const r = Rng.fromSeed(`edge-images/${seed}`);
  return Float32Array.from({ length: count * shape[0] * shape[1] * shape[2] }, () => r.int(0, 255) / 255);
}
