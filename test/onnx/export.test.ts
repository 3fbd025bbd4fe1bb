/**
 * The ONNX graph builder and its verification: the protobuf is what the schema says (decoded back with
 * protobufjs), weights are the genome's integer codes with scale 2^−F in the right layout, containers and
 * opsets follow the widths, and the models compute what our own quantized inference computes on real MNIST
 * test images in onnxruntime-node (default optimizations) — and a broken model is caught.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HwnasError } from '../../lib/errors.js';
import { buildOnnxModel, containerFor, nhwcToNchw, writeOnnxAtomic } from '../../lib/onnx/export.js';
import { DataType, decodeModel, encodeModel, metadataValue, onnxProtoPath, type OnnxModel } from '../../lib/onnx/proto.js';
import { compareLogits, ourLogits, verifyExport, type VerifyImages } from '../../lib/onnx/verify.js';
import { decodeArchitecture } from '../../lib/space/decode.js';
import { initTrainingBackend } from '../../lib/train/backend.js';
import type { TrainedModel } from '../../lib/train/build-model.js';
import { loadDataset, toFloat } from '../../lib/train/datasets/registry.js';
import { quantizeToCodes } from '../../lib/train/fake-quant.js';
import { aliveModel, expectChecker, floatSpace, genomeOf, quantSpace } from './helpers.js';

const B8 = { wInt: 2, wFrac: 4, aInt: 2, aFrac: 4 };
const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-onnx-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

let test1000: VerifyImages;

beforeAll(async () => {
  await initTrainingBackend({ backend: 'wasm', threads: 1 });
  const ds = loadDataset('mnist', { split: 'test', subset: 1000 });
  test1000 = { name: 'mnist/test[1000]', images: toFloat(ds, 0, ds.count), labels: ds.labels, count: ds.count };
});

function initializer(model: OnnxModel, name: string) {
  const t = model.graph.initializer.find((i) => i.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  return t;
}

function ints(t: { dataType: number; rawData: Uint8Array }): number[] {
  const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
  const out: number[] = [];
  const w = t.dataType === DataType.INT16 || t.dataType === DataType.UINT16 ? 2 : t.dataType === DataType.FLOAT ? 4 : 1;
  for (let i = 0; i < t.rawData.byteLength / w; i++) {
    if (t.dataType === DataType.INT8) out.push(dv.getInt8(i));
    else if (t.dataType === DataType.UINT8) out.push(dv.getUint8(i));
    else if (t.dataType === DataType.INT16) out.push(dv.getInt16(2 * i, true));
    else if (t.dataType === DataType.UINT16) out.push(dv.getUint16(2 * i, true));
    else out.push(dv.getFloat32(4 * i, true));
  }
  return out;
}

describe('the ONNX schema', () => {
  it('is the vendored onnx.proto, loaded by protobufjs, with its Apache-2.0 header', () => {
    const text = fs.readFileSync(onnxProtoPath(), 'utf8');
    expect(text).toContain('SPDX-License-Identifier: Apache-2.0');
    expect(text).toContain('message ModelProto');
  });

  it('rejects a model that does not fit the schema', () => {
    const bad = { irVersion: 7, opsetImport: [], producerName: 'x', producerVersion: '0', graph: { name: 'g', node: 'not a list' }, metadataProps: [] };
    expect(() => encodeModel(bad as unknown as OnnxModel)).toThrow(/does not fit onnx.proto/);
  });
});

describe('buildOnnxModel: structure', () => {
  const genome = genomeOf(quantSpace, [[8, 3, true], [16, 5, false]], [B8, { wInt: 1, wFrac: 3, aInt: 3, aFrac: 2 }], { wInt: 2, wFrac: 5 });

  it('stores the genome’s integer codes with scale 2^−F, int8/uint8, opset 13, no ConvInteger', () => {
    const trained = aliveModel(quantSpace, genome, 1, true);
    const exp = buildOnnxModel(trained);
    const model = decodeModel(exp.bytes);
    expect(model.irVersion).toBe(7);
    expect(model.opsetImport).toEqual([{ domain: '', version: 13 }]);
    expect(exp.opset).toBe(13);
    const ops = model.graph.node.map((n) => n.opType);
    expect(ops).not.toContain('ConvInteger');
    expect(ops).not.toContain('MatMulInteger');
    expect(ops.filter((o) => o === 'QuantizeLinear')).toHaveLength(2); // one per quantized activation
    // Conv weights: HWIO master weights → codes → OIHW.
    const k = trained.weights.find((w) => w.name === 'L2/kernel')!;
    const codes = quantizeToCodes(k.data, { intBits: 1, fracBits: 3, signed: true });
    const q = initializer(model, 'L2/weight_q');
    expect(q.dataType).toBe(DataType.INT8);
    expect(q.dims).toEqual([16, 8, 5, 5]);
    const stored = ints(q);
    const [K, cin, cout] = [5, 8, 16];
    for (const [o, i, h, w] of [[0, 0, 0, 0], [3, 5, 2, 4], [15, 7, 4, 1]]) {
      expect(stored[((o * cin + i) * K + h) * K + w]).toBe(codes[((h * K + w) * cin + i) * cout + o]);
    }
    // I=1 (the sign), F=3: codes in [−8, 7]; the stored tensor is all of them, not a sample.
    expect(Math.min(...stored)).toBeGreaterThanOrEqual(-8);
    expect(Math.max(...stored)).toBeLessThanOrEqual(7);
    expect(stored).toEqual(Array.from(codes.keys(), (j) => {
      const o = Math.floor(j / (cin * K * K)), i = Math.floor(j / (K * K)) % cin, h = Math.floor(j / K) % K, w = j % K;
      return codes[((h * K + w) * cin + i) * cout + o];
    }));
    expect(ints(initializer(model, 'L2/weight_scale'))).toEqual([2 ** -3]);
    // Activations: uint8 containers; L1 (I=2, F=4: codes ≤ 63) needs a Clip, so does L2 (I=3, F=2: ≤ 31).
    expect(initializer(model, 'L1/act_zero_point').dataType).toBe(DataType.UINT8);
    expect(ints(initializer(model, 'L1/act_scale'))).toEqual([2 ** -4]);
    expect(ints(initializer(model, 'L1/act_max'))).toEqual([63 / 16]);
    expect(ints(initializer(model, 'L2/act_max'))).toEqual([31 / 4]);
    // The conv layer: exact Conv over dequantized codes, float bias, BatchNorm in our inference's arithmetic
    // (float32 Sub, Mul; double Div, Add; one rounding), then the activation quantizer.
    expect(model.graph.node.filter((n) => n.name.startsWith('L1/')).map((n) => n.opType)).toEqual([
      'DequantizeLinear', 'Conv', 'Add', 'Sub', 'Mul', 'Cast', 'Div', 'Add', 'Cast', 'Relu', 'Clip', 'QuantizeLinear', 'DequantizeLinear',
    ]);
    // The dense layer: [units, C, H, W] with tfjs row (h, w, c) → [u, c, h, w].
    const fc = trained.weights.find((w) => w.name === 'fc/kernel')!;
    const fcCodes = quantizeToCodes(fc.data, { intBits: 2, fracBits: 5, signed: true });
    const fq = initializer(model, 'fc/weight_q');
    expect(fq.dims).toEqual([10, 16, 14, 14]);
    const fstored = ints(fq);
    for (const [u, c, h, w] of [[0, 0, 0, 0], [7, 9, 3, 11], [9, 15, 13, 13]]) {
      expect(fstored[((u * 16 + c) * 14 + h) * 14 + w]).toBe(fcCodes[((h * 14 + w) * 16 + c) * 10 + u]);
    }
    const quant = JSON.parse(metadataValue(model, 'hwnas.quantization')!);
    expect(quant.rounding).toBe('half-to-even');
    expect(quant.tensors.map((t: { layer: string; tensor: string; container: string }) => `${t.layer}.${t.tensor}:${t.container}`)).toEqual([
      'L1.weight:int8',
      'L1.activation:uint8',
      'L2.weight:int8',
      'L2.activation:uint8',
      'fc.weight:int8',
    ]);
  });

  it('uses int16 and opset 21 (IR 10) above 8 bits, and no Clip where the range fills the container', () => {
    const g = genomeOf(quantSpace, [[8, 3, false]], [{ wInt: 3, wFrac: 6, aInt: 2, aFrac: 6 }], { wInt: 2, wFrac: 6 });
    const exp = buildOnnxModel(aliveModel(quantSpace, g, 2, false));
    const model = decodeModel(exp.bytes);
    expect([exp.opset, exp.irVersion]).toEqual([21, 10]);
    expect(initializer(model, 'L1/weight_q').dataType).toBe(DataType.INT16); // 9 bits signed
    expect(initializer(model, 'L1/act_zero_point').dataType).toBe(DataType.UINT8); // 8 bits unsigned: [0, 255]
    expect(model.graph.node.some((n) => n.name === 'L1/act_clip')).toBe(false);
    expect(initializer(model, 'fc/weight_q').dataType).toBe(DataType.INT8);
    expect(containerFor({ intBits: 3, fracBits: 6, signed: false })).toBe('int16');
    expect(containerFor({ intBits: 8, fracBits: 8, signed: false })).toBe('uint16');
    expect(() => containerFor({ intBits: 9, fracBits: 8, signed: true })).toThrow(HwnasError);
  });

  it('exports a float genome as a plain float graph', () => {
    const g = genomeOf(floatSpace, [[8, 3, true], [8, 3, true]]);
    const exp = buildOnnxModel(aliveModel(floatSpace, g, 3, true));
    const ops = decodeModel(exp.bytes).graph.node.map((n) => n.opType);
    expect(exp.float).toBe(true);
    expect(ops).toEqual(['Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm']);
  });

  it('refuses unsupported layers and weights that do not fit the architecture, with INPUT_ codes', () => {
    const trained = aliveModel(quantSpace, genome, 1, false);
    const withLayer = (layer: unknown): TrainedModel => ({
      ...trained,
      architecture: { ...trained.architecture, layers: [layer as never, ...trained.architecture.layers] },
      quantization: { ...trained.quantization, layers: [{ weight: null, activation: null }, ...trained.quantization.layers] },
    });
    const avg = { kind: 'avgpool', name: 'P', inShape: [28, 28, 1], outShape: [14, 14, 1] };
    expect(() => buildOnnxModel(withLayer(avg))).toThrow(expect.objectContaining({ code: 'INPUT_UNSUPPORTED_LAYER', message: expect.stringContaining('avgpool') }));
    // A stride the layer's shapes do not follow (28 → 28 at stride 2), and a stride that is no stride.
    const strided = { ...trained.architecture.layers[0], stride: 2 };
    expect(() => buildOnnxModel({ ...trained, architecture: { ...trained.architecture, layers: [strided, ...trained.architecture.layers.slice(1)] } })).toThrow(
      expect.objectContaining({ code: 'INPUT_BAD_MODEL', message: expect.stringContaining('output shape [28,28,8] is not the [14,14,8]') }),
    );
    const halfStride = { ...trained.architecture.layers[0], stride: 0.5 };
    expect(() => buildOnnxModel({ ...trained, architecture: { ...trained.architecture, layers: [halfStride, ...trained.architecture.layers.slice(1)] } })).toThrow(
      expect.objectContaining({ code: 'INPUT_UNSUPPORTED_LAYER' }),
    );
    const missing = { ...trained, weights: trained.weights.filter((w) => w.name !== 'L2/bias') };
    expect(() => buildOnnxModel(missing)).toThrow(expect.objectContaining({ code: 'INPUT_BAD_MODEL', message: expect.stringContaining('L2/bias') }));
    const nan = { ...trained, weights: trained.weights.map((w) => (w.name === 'fc/bias' ? { ...w, data: new Float32Array(10).fill(NaN) } : w)) };
    expect(() => buildOnnxModel(nan)).toThrow(expect.objectContaining({ code: 'INPUT_BAD_MODEL' }));
  });

  it('writes atomically: a failed write leaves no file and no temporary', () => {
    const dir = tmp();
    const target = path.join(dir, 'is-a-dir');
    fs.mkdirSync(target);
    expect(() => writeOnnxAtomic(target, new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'ONNX_WRITE' }));
    expect(fs.readdirSync(dir)).toEqual(['is-a-dir']);
    writeOnnxAtomic(path.join(dir, 'm.onnx'), new Uint8Array([1, 2, 3]));
    expect(fs.readdirSync(dir).sort()).toEqual(['is-a-dir', 'm.onnx']);
  });
});

describe('exports compute what we trained (onnxruntime-node, default optimizations, 1000 real MNIST test images)', () => {
  const cases: { name: string; genome: ReturnType<typeof genomeOf>; bn: boolean; float?: boolean }[] = [
    { name: '2 conv, 8-bit, BatchNorm', genome: genomeOf(quantSpace, [[8, 3, true], [16, 3, true]], [B8]), bn: true },
    { name: '3 conv, mixed widths incl. 9-bit (int16), no BatchNorm', genome: genomeOf(quantSpace, [[8, 5, false], [16, 3, true], [8, 1, true]], [{ wInt: 3, wFrac: 6, aInt: 3, aFrac: 6 }, { wInt: 1, wFrac: 2, aInt: 1, aFrac: 3 }, B8], { wInt: 3, wFrac: 3 }), bn: false },
    { name: '1 conv 7×7, coarse (I=1, F=0 activations), BatchNorm', genome: genomeOf(quantSpace, [[16, 7, true]], [{ wInt: 2, wFrac: 2, aInt: 1, aFrac: 0 }], { wInt: 1, wFrac: 3 }), bn: true },
    { name: 'float genome, BatchNorm', genome: genomeOf(floatSpace, [[8, 3, true], [16, 5, true]]), bn: true, float: true },
  ];

  for (const [i, c] of cases.entries()) {
    it(c.name, async (ctx) => {
      const space = c.float ? floatSpace : quantSpace;
      const trained = aliveModel(space, c.genome, 10 + i, c.bn);
      const exp = buildOnnxModel(trained);
      const v = await verifyExport(exp.bytes, trained, [test1000]);
      const s = v.sets[0];
      expect(v.pass, s.failures.join('; ')).toBe(true);
      expect(s.agreement).toBeGreaterThanOrEqual(0.999);
      expect(s.exactFraction).toBeGreaterThanOrEqual(0.99);
      // These four nets happen to have no image with a flipped activation code: all logits equal up to rounding.
      expect(s.inexactImages).toBe(0);
      expect(s.maxAbsLogitDiff).toBeLessThanOrEqual(s.logitTolerance);
      expect(s.maxAbsLogit).toBeGreaterThan(0.1); // the net is alive: the comparison means something
      expect(s.onnxAccuracy).toBeCloseTo(s.ourAccuracy, 2);
      // The official checker, when installed, accepts it.
      const dir = tmp();
      const file = path.join(dir, 'm.onnx');
      writeOnnxAtomic(file, exp.bytes);
      await expectChecker(file, ctx);
    });
  }

  it('runs on a batch of any size (symbolic batch dimension)', async () => {
    const g = cases[0].genome;
    const trained = aliveModel(quantSpace, g, 10, true);
    const session = await ort.InferenceSession.create(buildOnnxModel(trained).bytes);
    const x = nhwcToNchw(test1000.images.subarray(0, 3 * 784), 3, [28, 28, 1]);
    const out = await session.run({ input: new ort.Tensor('float32', x, [3, 1, 28, 28]) });
    expect(out.logits.dims).toEqual([3, 10]);
    const ours = ourLogits(trained, test1000.images, 3);
    for (let k = 0; k < 30; k++) expect(Math.abs((out.logits.data as Float32Array)[k] - ours[k])).toBeLessThan(1e-4);
    await session.release();
  });

  it('catches a model that does not compute what we trained', async () => {
    const trained = aliveModel(quantSpace, cases[0].genome, 10, true);
    const model = decodeModel(buildOnnxModel(trained).bytes);
    // Sabotage: the activation scale of layer 1 off by one bit (a wrong fraction-bit count).
    const scale = initializer(model, 'L1/act_scale');
    const dv = new DataView(scale.rawData.buffer, scale.rawData.byteOffset, 4);
    dv.setFloat32(0, dv.getFloat32(0, true) * 2, true);
    const v = await verifyExport(encodeModel(model), trained, [test1000]);
    expect(v.pass).toBe(false);
    expect(v.sets[0].failures.join(' ')).toMatch(/logits agree within float32 rounding .* on only/);
    expect(v.sets[0].inexactImages).toBeGreaterThan(100);
  });

  it('fails when the accuracy measured after training is not reproduced', async () => {
    const trained = aliveModel(quantSpace, cases[0].genome, 10, true);
    const exp = buildOnnxModel(trained);
    const v = await verifyExport(exp.bytes, trained, [{ ...test1000, expectedAccuracy: 0.987, expectedFrom: 'a made-up figure' }]);
    expect(v.pass).toBe(false);
    expect(v.sets[0].failures.join(' ')).toMatch(/differs from the 98.70 % measured after training \(a made-up figure\)/);
  });
});

describe('compareLogits', () => {
  it('counts agreement, the largest difference and accuracies', () => {
    // 3 images × 3 classes; image 2's argmax differs.
    const ours = new Float32Array([1, 2, 3, 5, 1, 0, 0, 1, 0.9]);
    const theirs = new Float32Array([1, 2, 3, 5, 1, 0, 0, 0.8, 0.9]);
    const c = compareLogits(ours, theirs, [2, 0, 2], 3, 3);
    expect(c.agreeing).toBe(2);
    expect(c.agreement).toBeCloseTo(2 / 3, 12);
    expect(c.maxAbsLogitDiff).toBeCloseTo(0.2, 6);
    expect(c.maxAbsLogit).toBe(5);
    expect(c.inexactImages).toBe(1);
    expect(c.ourAccuracy).toBeCloseTo(2 / 3, 12);
    expect(c.onnxAccuracy).toBe(1);
  });

  it('treats NaN logits as an infinite difference', () => {
    const c = compareLogits(new Float32Array([1, 0]), new Float32Array([NaN, 0]), [0], 1, 2);
    expect(c.maxAbsLogitDiff).toBe(Infinity);
  });

  it('checks the shapes', () => {
    expect(() => compareLogits(new Float32Array(4), new Float32Array(6), [0, 1], 2, 3)).toThrow(RangeError);
  });
});

describe('the exported architecture is the decoded one', () => {
  it('names input/output and shapes them NCHW with a symbolic batch', () => {
    const g = genomeOf(quantSpace, [[8, 3, true]], [B8]);
    const arch = decodeArchitecture(quantSpace, g);
    const model = decodeModel(buildOnnxModel(aliveModel(quantSpace, g, 4, false)).bytes);
    const dims = model.graph.input[0].type.tensorType.shape.dim;
    expect(model.graph.input[0].name).toBe('input');
    expect(dims).toEqual([{ dimParam: 'N' }, { dimValue: arch.input[2] }, { dimValue: arch.input[0] }, { dimValue: arch.input[1] }]);
    expect(model.graph.output[0].name).toBe('logits');
    expect(model.graph.output[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'N' }, { dimValue: 10 }]);
  });
});
