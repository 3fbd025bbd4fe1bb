/**
 * Export of MobileNet-like edge networks (edge-mbnet-reduced): strided convolutions with TF's asymmetric 'same'
 * padding, depthwise convolutions, linear projections, residual additions and global pooling. Each exported
 * graph runs in onnxruntime-node (default optimizations) and is compared with an independent forward pass
 * (edge-reference.ts, plain loops over NHWC), itself checked against tfjs's own 'same' convolutions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnnxModel, nhwcToNchw, samePads, writeOnnxAtomic } from '../../lib/onnx/export.js';
import { decodeModel, type OnnxModel, type OnnxNode } from '../../lib/onnx/proto.js';
import { onnxLogits } from '../../lib/onnx/verify.js';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture, type Architecture, type ConvLayer, type FixedPoint, type LayerSpec, type Quantization, type Shape3 } from '../../lib/space/decode.js';
import { edgeMbnetSpace, EDGE_MBNET_REDUCED } from '../../lib/space/index.js';
import { initTrainingBackend } from '../../lib/train/backend.js';
import type { TrainedModel } from '../../lib/train/build-model.js';
import { expectChecker } from './helpers.js';
import { randomImages, randomTrained, referenceConv, referenceForward } from './edge-reference.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-onnx-edge-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
beforeAll(async () => {
  await initTrainingBackend({ backend: 'wasm', threads: 1 });
});

const space = edgeMbnetSpace(EDGE_MBNET_REDUCED);

function attr(n: OnnxNode, name: string): number[] | number | undefined {
  const a = n.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  return a.ints && a.ints.length ? a.ints.map(Number) : Number(a.i);
}

/** ORT logits (NHWC images through nhwcToNchw) and the reference's, with the largest difference. */
async function compare(trained: TrainedModel, images: Float32Array, count: number) {
  const exp = buildOnnxModel(trained);
  const session = await ort.InferenceSession.create(exp.bytes);
  const [H, W, C] = trained.architecture.input;
  const classes = trained.architecture.classes;
  const onnx = await onnxLogits(session, images, count, [C, H, W], classes);
  await session.release();
  const per = H * W * C;
  let maxDiff = 0;
  let maxAbs = 0;
  let sameClass = 0;
  const argmax = (v: ArrayLike<number>, o: number) => {
    let b = 0;
    for (let k = 1; k < classes; k++) if (v[o + k] > v[o + b]) b = k;
    return b;
  };
  const ref = new Float64Array(count * classes);
  for (let i = 0; i < count; i++) ref.set(referenceForward(trained, images.subarray(i * per, (i + 1) * per)), i * classes);
  for (let i = 0; i < ref.length; i++) {
    maxDiff = Math.max(maxDiff, Number.isNaN(onnx[i]) ? Infinity : Math.abs(onnx[i] - ref[i]));
    maxAbs = Math.max(maxAbs, Math.abs(ref[i]));
  }
  for (let i = 0; i < count; i++) if (argmax(onnx, i * classes) === argmax(ref, i * classes)) sameClass++;
  // Logits that vary between images: the network is alive, the comparison means something.
  let spread = 0;
  for (let i = 1; i < count; i++) for (let k = 0; k < classes; k++) spread = Math.max(spread, Math.abs(ref[i * classes + k] - ref[k]));
  return { exp, onnx, ref, maxDiff, maxAbs, rel: maxDiff / (1 + maxAbs), sameClass, spread };
}

describe('TF same padding', () => {
  it('is asymmetric, the odd pixel at the end, as tf.nn.conv2d documents', () => {
    expect(samePads(32, 3, 2)).toEqual([0, 1]);
    expect(samePads(32, 5, 2)).toEqual([1, 2]);
    expect(samePads(31, 3, 2)).toEqual([1, 1]);
    expect(samePads(8, 1, 2)).toEqual([0, 0]);
    expect(samePads(7, 5, 1)).toEqual([2, 2]);
    expect(samePads(4, 4, 1)).toEqual([1, 2]);
  });

  it("the reference convolution is tfjs's own 'same' convolution (strided, depthwise, odd and even sides)", () => {
    const r = Rng.fromSeed('ref-vs-tfjs');
    for (const [side, K, s, depthwise] of [[8, 3, 2, false], [8, 5, 2, true], [7, 3, 2, true], [7, 5, 2, false], [9, 1, 2, false], [6, 3, 1, true], [8, 5, 1, false]] as const) {
      const C = 3;
      const F = depthwise ? C : 4;
      const x = Float32Array.from({ length: side * side * C }, () => r.uniform(-1, 1));
      const k = Float32Array.from({ length: K * K * C * (depthwise ? 1 : F) }, () => r.uniform(-1, 1));
      const b = Float32Array.from({ length: F }, () => r.uniform(-1, 1));
      const out: Shape3 = [Math.ceil(side / s), Math.ceil(side / s), F];
      const layer: ConvLayer = { kind: 'conv', name: 'c', filters: F, kernel: K, stride: s, ...(depthwise ? { groups: C } : {}), inShape: [side, side, C], outShape: out };
      const ours = referenceConv({ data: Float64Array.from(x), h: side, w: side, c: C }, layer, k, b);
      const theirs = tf.tidy(() => {
        const xt = tf.tensor4d(x, [1, side, side, C]);
        const y = depthwise ? tf.depthwiseConv2d(xt, tf.tensor4d(k, [K, K, C, 1]), s, 'same') : tf.conv2d(xt, tf.tensor4d(k, [K, K, C, F]), s, 'same');
        return tf.add(y, tf.tensor1d(b));
      });
      expect(theirs.shape).toEqual([1, ...out]);
      const t = theirs.dataSync();
      theirs.dispose();
      let d = 0;
      for (let i = 0; i < t.length; i++) d = Math.max(d, Math.abs(t[i] - ours.data[i]));
      expect(d, `side ${side}, K ${K}, stride ${s}, depthwise ${depthwise}`).toBeLessThan(1e-5);
    }
  });
});

describe('NHWC → NCHW for 3-channel images', () => {
  it('moves channel c of pixel (y, x) to plane c', () => {
    // 2 images of 2×3×3, value = n·100 + y·10 + x + c/10.
    const h = 2;
    const w = 3;
    const nhwc = new Float32Array(2 * h * w * 3);
    for (let n = 0; n < 2; n++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) nhwc[((n * h + y) * w + x) * 3 + c] = n * 100 + y * 10 + x + c / 10;
    const nchw = nhwcToNchw(nhwc, 2, [h, w, 3]);
    for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(nchw[((n * 3 + c) * h + y) * w + x]).toBeCloseTo(n * 100 + y * 10 + x + c / 10, 5);
  });
});

describe('edge-mbnet-reduced graphs', () => {
  // Stage 2: an inverted bottleneck, kernel 5 (stride 2 over 16: pads 1 before, 2 after); stage 5: two fused
  // blocks (the second with a residual); stage 1: expansion 1 (no expand convolution).
  const genome = space.canonical({
    ...space.sample(Rng.fromSeed('edge-structure')),
    'S1.op': 'ibn', 'S1.expansion': 1, 'S1.kernel': 3, 'S1.width': 1,
    'S2.op': 'ibn', 'S2.kernel': 5, 'S2.expansion': 3, 'S2.blocks': 2, 'S2.width': 1,
    'S5.op': 'fused', 'S5.kernel': 3, 'S5.blocks': 2, 'S5.expansion': 3,
  });
  const arch = decodeArchitecture(space, genome);
  const byName = (m: OnnxModel, name: string) => m.graph.node.find((n) => n.name === name)!;

  it('strided and depthwise Conv with TF pads and group = C, linear projections without Relu, Add, GlobalAveragePool', () => {
    const model = decodeModel(buildOnnxModel(randomTrained(arch, 1, false)).bytes);
    const stem = byName(model, 'stem/conv');
    expect([attr(stem, 'strides'), attr(stem, 'pads'), attr(stem, 'group')]).toEqual([[2, 2], [0, 0, 1, 1], 1]);
    const dw = byName(model, 's2b1.dw/conv');
    const dwLayer = arch.layers.find((l) => l.name === 's2b1.dw') as ConvLayer;
    expect(dwLayer.inShape[0]).toBe(16);
    expect([attr(dw, 'strides'), attr(dw, 'pads'), attr(dw, 'group'), attr(dw, 'kernel_shape')]).toEqual([[2, 2], [1, 1, 2, 2], dwLayer.filters, [5, 5]]);
    expect(model.graph.initializer.find((t) => t.name === 's2b1.dw/weight')!.dims.map(Number)).toEqual([dwLayer.filters, 1, 5, 5]);
    expect(attr(byName(model, 's2b2.dw/conv'), 'pads')).toEqual([2, 2, 2, 2]);
    expect(model.graph.node.some((n) => n.name === 's1b1.expand/conv')).toBe(false);
    const convs = arch.layers.filter((l): l is ConvLayer => l.kind === 'conv');
    const relus = model.graph.node.filter((n) => n.opType === 'Relu');
    expect(relus.map((n) => n.name)).toEqual(convs.filter((c) => c.activation !== 'linear').map((c) => `${c.name}/relu`));
    for (const c of convs.filter((c) => c.activation === 'linear')) {
      expect(model.graph.node.filter((n) => n.input.includes(`${c.name}/conv`)).map((n) => n.opType)).not.toContain('Relu');
    }
    const adds = arch.layers.filter((l) => l.kind === 'add');
    expect(adds.map((a) => a.name)).toEqual(expect.arrayContaining(['s2b2.add', 's5b2.add']));
    for (const a of adds) {
      const n = byName(model, `${a.name}/add`);
      expect(n.opType).toBe('Add');
      const from = arch.layers.find((l) => a.kind === 'add' && l.name === a.from)!;
      expect(n.input[1]).toBe(from.kind === 'add' ? from.name : `${from.name}/${from.kind === 'conv' && from.activation === 'linear' ? 'conv' : 'relu'}`);
    }
    expect(model.graph.node.filter((n) => n.opType === 'GlobalAveragePool').map((n) => n.input[0])).toEqual(['head/relu']);
    expect(model.graph.node.slice(-2).map((n) => n.opType)).toEqual(['Flatten', 'Gemm']);
    expect(model.graph.input[0].type.tensorType.shape.dim.slice(1).map((d) => Number(d.dimValue))).toEqual([3, 32, 32]);
  });

  it('computes what the architecture defines, on random edge-mbnet-reduced networks, with and without BatchNorm', async (ctx) => {
    const count = 3;
    const seen = { fused: 0, ibn: 0, add: 0, k5s2: 0, noExpand: 0 };
    const worst = { rel: 0, abs: 0 };
    const rng = Rng.fromSeed('edge-random-archs');
    for (let i = 0; i < 8; i++) {
      const g = space.sample(rng);
      const a = decodeArchitecture(space, g);
      const bn = i % 2 === 1;
      for (const l of a.layers) {
        if (l.name.endsWith('.fused')) seen.fused++;
        if (l.name.endsWith('.dw')) seen.ibn++;
        if (l.kind === 'add') seen.add++;
        if (l.kind === 'conv' && l.stride === 2 && l.kernel === 5) seen.k5s2++;
        if (l.name.endsWith('.dw') && !a.layers.some((m) => m.name === l.name.replace('.dw', '.expand'))) seen.noExpand++;
      }
      const trained = randomTrained(a, `rand-${i}`, bn);
      const images = randomImages(a.input, count, i);
      const c = await compare(trained, images, count);
      expect(c.exp.float).toBe(true);
      expect(c.spread, `net ${i} is alive`).toBeGreaterThan(1e-3);
      expect(c.sameClass, `net ${i}`).toBe(count);
      expect(c.rel, `net ${i}: max |ONNX − reference| ${c.maxDiff} for max |logit| ${c.maxAbs}`).toBeLessThan(1e-4);
      worst.rel = Math.max(worst.rel, c.rel);
      worst.abs = Math.max(worst.abs, c.maxDiff);
      if (i < 2) {
        const file = path.join(tmp(), `edge-${i}.onnx`);
        writeOnnxAtomic(file, c.exp.bytes);
        await expectChecker(file, ctx);
      }
    }
    // The sample covers every block form the space has.
    expect(Object.values(seen).every((v) => v > 0), JSON.stringify(seen)).toBe(true);
    console.log(`edge export vs reference (8 random edge-mbnet-reduced nets × ${count} images): max |Δlogit| ${worst.abs.toExponential(2)}, relative ${worst.rel.toExponential(2)}`);
  });
});

describe('fixed-point edge layers (the quantized forms where formats are set)', () => {
  // 8×8×3 → stem 3×3/2 → depthwise 3×3 → linear 1×1 projection → residual add with the stem → 5×5/2 → global
  // pool over 2×2 → dense. Inputs, weights and biases on power-of-two grids and a pooled area of 4 make every
  // operation exact in float32, so ONNX and the reference agree bit for bit.
  const sh = (h: number, c: number): Shape3 => [h, h, c];
  const layers: LayerSpec[] = [
    { kind: 'conv', name: 'stem', filters: 6, kernel: 3, stride: 2, inShape: sh(8, 3), outShape: sh(4, 6) },
    { kind: 'conv', name: 'dw', filters: 6, kernel: 3, stride: 1, groups: 6, inShape: sh(4, 6), outShape: sh(4, 6) },
    { kind: 'conv', name: 'project', filters: 6, kernel: 1, stride: 1, activation: 'linear', inShape: sh(4, 6), outShape: sh(4, 6) },
    { kind: 'add', name: 'add', from: 'stem', inShape: sh(4, 6), outShape: sh(4, 6) },
    { kind: 'conv', name: 'c5', filters: 8, kernel: 5, stride: 2, inShape: sh(4, 6), outShape: sh(2, 8) },
    { kind: 'globalpool', name: 'pool', inShape: sh(2, 8), outShape: sh(1, 8) },
    { kind: 'dense', name: 'fc', units: 5, inShape: sh(1, 8), outShape: [1, 1, 5] },
  ];
  const arch: Architecture = { input: sh(8, 3), classes: 5, layers };
  const w = (i: number, f: number): FixedPoint => ({ intBits: i, fracBits: f, signed: true });
  const a = (i: number, f: number, signed = false): FixedPoint => ({ intBits: i, fracBits: f, signed });
  const quantization: Quantization = {
    layers: [
      { weight: w(2, 4), activation: a(2, 4) },
      { weight: w(2, 5), activation: a(3, 3) },
      { weight: w(2, 4), activation: a(3, 4, true) },
      { weight: null, activation: null },
      { weight: w(1, 5), activation: a(2, 5) },
      { weight: null, activation: null },
      { weight: w(2, 4), activation: null },
    ],
    inputBits: 8,
    float: false,
  };
  const onGrid = (t: TrainedModel): TrainedModel => ({
    ...t,
    weights: t.weights.map((x) => (x.name.endsWith('/bias') ? { ...x, data: x.data.map((v) => Math.round(v * 64) / 64) } : x)),
  });

  it('depthwise, linear (signed activation), strided and dense layers export as QDQ and agree exactly', async (ctx) => {
    const trained = onGrid(randomTrained(arch, 'q', false, quantization));
    const r = Rng.fromSeed('grid-images');
    const count = 16;
    const images = Float32Array.from({ length: count * 8 * 8 * 3 }, () => r.int(0, 64) / 64);
    const c = await compare(trained, images, count);
    expect(c.exp.opset).toBe(13);
    expect(c.exp.float).toBe(false);
    const q = c.exp.quantized;
    expect(q.filter((t) => t.tensor === 'activation').map((t) => [t.layer, t.container])).toEqual([['stem', 'uint8'], ['dw', 'uint8'], ['project', 'int8'], ['c5', 'uint8']]);
    const model = decodeModel(c.exp.bytes);
    expect(model.graph.initializer.find((t) => t.name === 'dw/weight_q')!.dims.map(Number)).toEqual([6, 1, 3, 3]);
    expect(model.graph.node.some((n) => n.name === 'project/relu')).toBe(false);
    expect(c.spread).toBeGreaterThan(1e-3);
    expect(c.maxDiff).toBeLessThanOrEqual(1e-6 * (1 + c.maxAbs));
    const file = path.join(tmp(), 'q.onnx');
    writeOnnxAtomic(file, c.exp.bytes);
    await expectChecker(file, ctx);
  });

  it('refuses what it cannot reproduce, with INPUT_ codes', () => {
    const trained = randomTrained(arch, 'q', false, quantization);
    const withLayers = (ls: LayerSpec[], qs = quantization): TrainedModel => ({ ...trained, architecture: { ...arch, layers: ls }, quantization: qs });
    const grouped = { ...(layers[4] as ConvLayer), groups: 2 };
    expect(() => buildOnnxModel(withLayers([...layers.slice(0, 4), grouped, ...layers.slice(5)]))).toThrow(expect.objectContaining({ code: 'INPUT_UNSUPPORTED_LAYER', message: expect.stringContaining('2 groups') }));
    const badFrom = { ...layers[3], from: 'nowhere' } as LayerSpec;
    expect(() => buildOnnxModel(withLayers([...layers.slice(0, 3), badFrom, ...layers.slice(4)]))).toThrow(expect.objectContaining({ code: 'INPUT_BAD_MODEL', message: expect.stringContaining('"nowhere"') }));
    const badStride = { ...(layers[4] as ConvLayer), stride: 1 };
    expect(() => buildOnnxModel(withLayers([...layers.slice(0, 4), badStride, ...layers.slice(5)]))).toThrow(expect.objectContaining({ code: 'INPUT_BAD_MODEL', message: expect.stringContaining('output shape [2,2,8]') }));
    const qAdd = { ...quantization, layers: quantization.layers.map((l, i) => (i === 3 ? { weight: null, activation: a(2, 4) } : l)) };
    expect(() => buildOnnxModel(withLayers(layers, qAdd))).toThrow(expect.objectContaining({ code: 'INPUT_UNSUPPORTED_FORMAT' }));
    const dwWrong = { ...trained, weights: trained.weights.map((x) => (x.name === 'dw/kernel' ? { ...x, shape: [3, 3, 6, 6], data: new Float32Array(324) } : x)) };
    expect(() => buildOnnxModel(dwWrong)).toThrow(expect.objectContaining({ code: 'INPUT_BAD_MODEL', message: expect.stringContaining('expected [3,3,6,1]') }));
  });
});
