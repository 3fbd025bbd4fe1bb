/**
 * The real verification path (verify.ts: onnxruntime-node against our own tfjs inference, QuantizedCnn) on
 * edge-mbnet-reduced networks over CIFAR-10 test images (32×32×3, NHWC → NCHW), with and without BatchNorm, and
 * on a fixed-point network of the same layer kinds (depthwise, linear projection, residual, global pooling).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOnnxModel } from '../../lib/onnx/export.js';
import { decodeModel, encodeModel } from '../../lib/onnx/proto.js';
import { verifyExport, type VerifyImages } from '../../lib/onnx/verify.js';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture, type Architecture, type Quantization, type Shape3 } from '../../lib/space/decode.js';
import { edgeMbnetSpace, EDGE_MBNET_REDUCED } from '../../lib/space/index.js';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { loadDataset, toFloat } from '../../lib/train/datasets/registry.js';
import { randomTrained } from './edge-reference.js';

const space = edgeMbnetSpace(EDGE_MBNET_REDUCED);
let cifar: VerifyImages;

beforeAll(async () => {
  await initTrainingBackend({ backend: 'wasm', threads: 1 });
  const ds = loadDataset('cifar10', { split: 'test', subset: 200 });
  cifar = { name: 'cifar10/test[200]', images: toFloat(ds, 0, ds.count), labels: ds.labels, count: ds.count };
});

describe('edge-mbnet-reduced exports pass verify.ts against our tfjs inference (200 CIFAR-10 test images)', () => {
  const rng = Rng.fromSeed('edge-verify');
  const genomes = Array.from({ length: 4 }, () => space.sample(rng));
  for (const [i, g] of genomes.entries()) {
    for (const bn of [false, true]) {
      it(`random genome ${i}, ${bn ? 'BatchNorm' : 'no BatchNorm'}`, async () => {
        // Weights named and shaped as training names them: QuantizedCnn.fromTrained accepts them or throws.
        const trained = randomTrained(decodeArchitecture(space, g), `verify-${i}-${bn}`, bn);
        const v = await verifyExport(buildOnnxModel(trained).bytes, trained, [cifar]);
        const s = v.sets[0];
        expect(v.pass, s.failures.join('; ')).toBe(true);
        expect(s.inexactImages).toBe(0);
        expect(s.agreement).toBe(1);
        expect(s.maxAbsLogit).toBeGreaterThan(0.1);
        console.log(`edge verify genome ${i} bn=${bn}: max |Δlogit| ${s.maxAbsLogitDiff.toExponential(2)} (max |logit| ${s.maxAbsLogit.toFixed(2)})`);
      });
    }
  }

  it("catches padding that is not TF's (the odd pixel at the start of a stride-2 convolution)", async () => {
    const trained = randomTrained(decodeArchitecture(space, genomes[0]), 'pads', true);
    const model = decodeModel(buildOnnxModel(trained).bytes);
    const stem = model.graph.node.find((n) => n.name === 'stem/conv')!;
    const pads = stem.attribute!.find((a) => a.name === 'pads')!;
    expect(pads.ints!.map(Number)).toEqual([0, 0, 1, 1]);
    pads.ints = [1, 1, 0, 0];
    const v = await verifyExport(encodeModel(model), trained, [cifar]);
    expect(v.pass).toBe(false);
    expect(v.sets[0].inexactImages).toBeGreaterThan(100);
  });
});

describe('a fixed-point network of the edge layer kinds passes verify.ts', () => {
  const sh = (h: number, c: number): Shape3 => [h, h, c];
  const arch: Architecture = {
    input: sh(32, 3),
    classes: 10,
    layers: [
      { kind: 'conv', name: 'stem', filters: 8, kernel: 3, stride: 2, inShape: sh(32, 3), outShape: sh(16, 8) },
      { kind: 'conv', name: 'expand', filters: 24, kernel: 1, stride: 1, inShape: sh(16, 8), outShape: sh(16, 24) },
      { kind: 'conv', name: 'dw', filters: 24, kernel: 5, stride: 1, groups: 24, inShape: sh(16, 24), outShape: sh(16, 24) },
      { kind: 'conv', name: 'project', filters: 8, kernel: 1, stride: 1, activation: 'linear', inShape: sh(16, 24), outShape: sh(16, 8) },
      { kind: 'add', name: 'add', from: 'stem', inShape: sh(16, 8), outShape: sh(16, 8) },
      { kind: 'conv', name: 'down', filters: 16, kernel: 3, stride: 2, groups: 1, inShape: sh(16, 8), outShape: sh(8, 16) },
      { kind: 'globalpool', name: 'pool', inShape: sh(8, 16), outShape: sh(1, 16) },
      { kind: 'dense', name: 'fc', units: 10, inShape: sh(1, 16), outShape: [1, 1, 10] },
    ],
  };
  const w = { intBits: 2, fracBits: 5, signed: true };
  const u = { intBits: 3, fracBits: 4, signed: false };
  const quantization: Quantization = {
    layers: arch.layers.map((l) => {
      if (l.kind === 'dense') return { weight: w, activation: null };
      if (l.kind !== 'conv') return { weight: null, activation: null };
      return { weight: w, activation: l.activation === 'linear' ? { intBits: 3, fracBits: 4, signed: true } : u };
    }),
    inputBits: 8,
    float: false,
  };
  for (const bn of [false, true]) {
    it(bn ? 'with BatchNorm' : 'without BatchNorm', async () => {
      const trained = randomTrained(arch, `q-${bn}`, bn, quantization);
      const v = await verifyExport(buildOnnxModel(trained).bytes, trained, [cifar]);
      const s = v.sets[0];
      expect(v.pass, s.failures.join('; ')).toBe(true);
      expect(s.maxAbsLogit).toBeGreaterThan(0.1);
      console.log(`edge fixed-point verify bn=${bn}: max |Δlogit| ${s.maxAbsLogitDiff.toExponential(2)}, inexact images ${s.inexactImages}/${s.images}`);
    });
  }
});
