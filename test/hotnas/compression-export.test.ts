/**
 * Issue 15 item 3: the pruning is kept in the ONNX export (lib/onnx/export.ts applies the model's masks): the
 * pruned weights are zero codes in the initializers, and the export of a masked network trained on MNIST
 * verifies in onnxruntime-node against our own inference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOnnxModel } from '../../lib/onnx/export.js';
import { decodeModel, DataType, type OnnxModel } from '../../lib/onnx/proto.js';
import { verifyExport, type VerifyImages } from '../../lib/onnx/verify.js';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture } from '../../lib/space/decode.js';
import { extendGenome } from '../../lib/space/presets/hotnas.js';
import { presetSpace } from '../../lib/space/index.js';
import { initTrainingBackend } from '../../lib/train/backend.js';
import type { TrainedModel } from '../../lib/train/build-model.js';
import { loadDataset, toFloat } from '../../lib/train/datasets/registry.js';
import { maskArrays } from '../../lib/train/masks.js';
import { trainGenome } from '../../lib/train/train.js';

const space = presetSpace('hotnas-mnist');
const genome = extendGenome(space, {
  depth: 2,
  'L1.filters': 8, 'L1.kernel': 3, 'L1.pool': true, 'L1.pattern': 'patdnn4', 'L1.keep': 0.75,
  'L2.filters': 8, 'L2.kernel': 3, 'L2.pool': true, 'L2.pattern': 'hotnas6', 'L2.keep': 0.5,
  'L1.wInt': 2, 'L1.wFrac': 5, 'L1.aInt': 3, 'L1.aFrac': 4,
  'L2.wInt': 2, 'L2.wFrac': 5, 'L2.aInt': 3, 'L2.aFrac': 4,
  'fc.wInt': 2, 'fc.wFrac': 5,
}, Rng.fromSeed('hw'));

let trained: TrainedModel;
let test: VerifyImages;

beforeAll(async () => {
  await initTrainingBackend({ backend: 'wasm', threads: 1 });
  const r = await trainGenome({
    space: space.toJSON(), genome, dataset: 'mnist', epochs: 2, trainSubset: 1024, valSubset: 200, learningRate: 0.01,
    seed: 7, backend: 'wasm', threads: 1, returnWeights: true,
  });
  trained = r.weights!;
  const ds = loadDataset('mnist', { split: 'test', subset: 300 });
  test = { name: 'mnist/test[300]', images: toFloat(ds, 0, ds.count), labels: ds.labels, count: ds.count };
}, 120_000);

/** The integer codes of an int8/int16 initializer. */
function codes(model: OnnxModel, name: string): number[] {
  const t = model.graph.initializer.find((i) => i.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
  const w = t.dataType === DataType.INT16 ? 2 : 1;
  return Array.from({ length: t.rawData.byteLength / w }, (_, i) => (w === 2 ? dv.getInt16(2 * i, true) : dv.getInt8(i)));
}

/** The masks of layer `name` in ONNX's OIHW order (conv kernels). */
function oihwMask(name: string, K: number, cin: number, cout: number): number[] {
  const m = maskArrays(decodeArchitecture(space, genome), trained.compression!).get(`${name}/kernel`)!;
  const out: number[] = [];
  for (let o = 0; o < cout; o++) for (let i = 0; i < cin; i++) for (let h = 0; h < K; h++) for (let w = 0; w < K; w++) out.push(m[((h * K + w) * cin + i) * cout + o]);
  return out;
}

describe('ONNX export of a pruned network', () => {
  it('writes the pruned weights as zero codes, and keeps the others', () => {
    const model = decodeModel(buildOnnxModel(trained).bytes);
    for (const [name, cin] of [['L1', 1], ['L2', 8]] as const) {
      const q = codes(model, `${name}/weight_q`);
      const mask = oihwMask(name, 3, cin, 8);
      expect(q).toHaveLength(mask.length);
      expect(q.filter((_, j) => mask[j] === 0).every((c) => c === 0)).toBe(true);
      expect(mask.filter((x) => x === 0).length).toBeGreaterThan(mask.length / 3);
      expect(q.filter((c, j) => mask[j] === 1 && c !== 0).length).toBeGreaterThan(0);
    }
  });

  it('applies the masks even when the stored masters are not zero (a model whose weights were edited)', () => {
    const dirty: TrainedModel = {
      ...trained,
      weights: trained.weights.map((w) => (w.name === 'L2/kernel' ? { ...w, data: Float32Array.from(w.data, (x) => (x === 0 ? 0.5 : x)) } : w)),
    };
    const q = codes(decodeModel(buildOnnxModel(dirty).bytes), 'L2/weight_q');
    const mask = oihwMask('L2', 3, 8, 8);
    expect(q.filter((_, j) => mask[j] === 0).every((c) => c === 0)).toBe(true);
  });

  it('verifies in onnxruntime-node against our own inference on MNIST test images', async () => {
    const v = await verifyExport(buildOnnxModel(trained).bytes, trained, [test]);
    expect(v.sets[0].failures).toEqual([]);
    expect(v.pass).toBe(true);
    expect(v.sets[0].onnxAccuracy).toBeGreaterThan(0.5);
  });
});
