/**
 * bench:onnx — inference speed of exported models in onnxruntime-node against the same models in tfjs (our
 * own quantized inference: lib/train/build-model.ts on the wasm backend), in the same run, same images (the
 * 10,000 MNIST test images), same thread count.
 *
 * Models: lu2019-family MNIST genomes trained briefly here (Adam, 2 epochs on 4,000 images, batch 32) so the weights are real:
 *  - mnist-2conv-8bit:  conv3×3-8 + pool, conv3×3-16 + pool, fc; 8-bit weights/activations (int8/uint8, opset 13), BatchNorm
 *  - mnist-4conv-8bit:  conv3×3-16, conv3×3-32 + pool, conv3×3-32, conv3×3-32 + pool, fc; 8-bit, BatchNorm
 *  - mnist-2conv-9bit:  conv5×5-16, conv3×3-32 + pool, fc; 9-bit (int16, opset 21), no BatchNorm
 *  - mnist-2conv-float: conv3×3-16 + pool, conv3×3-32 + pool, fc; float32, BatchNorm
 * Cases per model (one JSON line each, DESIGN §8): `<model>-b256` (images/s at batch 256) and `<model>-b1`
 * (images/s one image at a time, i.e. 1/latency). value = onnxruntime, anchor_value = tfjs; ratio > 1 means
 * ONNX Runtime is faster. Each line also carries the verification of that export on the same 10,000 images.
 * Env: BENCH_ONNX_THREADS (default 1: the machine is shared), BENCH_ONNX_SECONDS (timed seconds per
 * measurement, default 2).
 */
import * as ort from 'onnxruntime-node';
import { buildOnnxModel } from '../lib/onnx/export.js';
import { onnxLogits, onnxRuntimeVersion, verifyExport } from '../lib/onnx/verify.js';
import { Rng } from '../lib/rng.js';
import { LU2019_MNIST, lu2019Space } from '../lib/space/presets/lu2019.js';
import type { Genome } from '../lib/space/genome.js';
import type { SearchSpace } from '../lib/space/search-space.js';
import { initTrainingBackend } from '../lib/train/backend.js';
import { QuantizedCnn } from '../lib/train/build-model.js';
import { loadDataset, toFloat } from '../lib/train/datasets/registry.js';
import { trainGenome } from '../lib/train/train.js';

const THREADS = Number(process.env.BENCH_ONNX_THREADS ?? 1);
const SECONDS = Number(process.env.BENCH_ONNX_SECONDS ?? 2);
const BATCH = 256;

type Bits = { wInt: number; wFrac: number; aInt: number; aFrac: number };
interface ModelCase {
  name: string;
  float: boolean;
  layers: [number, number, boolean][];
  bits?: Bits;
  batchNorm: boolean;
}

const MODELS: ModelCase[] = [
  { name: 'mnist-2conv-8bit', float: false, layers: [[8, 3, true], [16, 3, true]], bits: { wInt: 2, wFrac: 6, aInt: 3, aFrac: 5 }, batchNorm: true },
  { name: 'mnist-4conv-8bit', float: false, layers: [[16, 3, false], [32, 3, true], [32, 3, false], [32, 3, true]], bits: { wInt: 2, wFrac: 6, aInt: 3, aFrac: 5 }, batchNorm: true },
  { name: 'mnist-2conv-9bit', float: false, layers: [[16, 5, false], [32, 3, true]], bits: { wInt: 3, wFrac: 6, aInt: 3, aFrac: 6 }, batchNorm: false },
  { name: 'mnist-2conv-float', float: true, layers: [[16, 3, true], [32, 3, true]], batchNorm: true },
];

function genomeFor(space: SearchSpace, m: ModelCase): Genome {
  // Any genome as a base: every active gene is set below.
  const g: Record<string, number | boolean | string> = { ...space.sample(Rng.fromSeed('bench-onnx')) };
  g.depth = m.layers.length;
  m.layers.forEach(([f, k, pool], i) => {
    const l = `L${i + 1}`;
    Object.assign(g, { [`${l}.filters`]: f, [`${l}.kernel`]: k, [`${l}.pool`]: pool });
    if (m.bits) Object.assign(g, { [`${l}.wInt`]: m.bits.wInt, [`${l}.wFrac`]: m.bits.wFrac, [`${l}.aInt`]: m.bits.aInt, [`${l}.aFrac`]: m.bits.aFrac });
  });
  if (m.bits) Object.assign(g, { 'fc.wInt': m.bits.wInt, 'fc.wFrac': m.bits.wFrac });
  return space.canonical(g);
}

/** Images/s of `run(start, n)` over the images in batches of `batch`: one warm-up pass, then ≥ SECONDS timed. */
async function throughput(count: number, batch: number, run: (start: number, n: number) => Promise<void> | void): Promise<number> {
  const pass = async (limit: number) => {
    for (let start = 0; start < limit; start += batch) await run(start, Math.min(batch, limit - start));
  };
  // Warm-up: a few batches (kernels, allocations).
  await pass(Math.min(count, batch * 4));
  let images = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    const limit = batch === 1 ? Math.min(count, 500) : count;
    await pass(limit);
    images += limit;
  }
  return (images / (performance.now() - t0)) * 1000;
}

async function main(): Promise<void> {
  const backend = await initTrainingBackend({ backend: 'wasm', threads: THREADS });
  const test = loadDataset('mnist', { split: 'test' });
  const images = toFloat(test, 0, test.count);
  const per = 28 * 28;
  for (const m of MODELS) {
    // A lu2019-family MNIST space holding these layers (the preset's filter choices may differ).
    const space = lu2019Space({
      ...LU2019_MNIST,
      name: m.float ? 'bench-onnx-float' : 'bench-onnx',
      filters: [...new Set(m.layers.map((l) => l[0]))],
      kernels: [...new Set(m.layers.map((l) => l[1]))],
      quantization: m.float ? 'float' : 'search',
    });
    const genome = genomeFor(space, m);
    const trained = await trainGenome({
      space: space.toJSON(),
      genome,
      dataset: 'mnist',
      // 250 steps of 32: BatchNorm's moving statistics (momentum 0.99) need that many to settle.
      epochs: 2,
      batchSize: 32,
      trainSubset: 4000,
      valSubset: 500,
      batchNorm: m.batchNorm,
      seed: 1,
      backend: 'wasm',
      threads: THREADS,
      returnWeights: true,
    });
    const exp = buildOnnxModel(trained.weights!);
    const verification = await verifyExport(exp.bytes, trained.weights!, [{ name: 'mnist/test', images, labels: test.labels, count: test.count }]);
    const v = verification.sets[0];
    const session = await ort.InferenceSession.create(exp.bytes, { intraOpNumThreads: THREADS, interOpNumThreads: 1 });
    const model = QuantizedCnn.fromTrained(trained.weights!);
    for (const batch of [BATCH, 1]) {
      const ortRate = await throughput(test.count, batch, async (start, n) => {
        await onnxLogits(session, images.subarray(start * per, (start + n) * per), n, [1, 28, 28], 10, n);
      });
      const tfRate = await throughput(test.count, batch, (start, n) => {
        model.predict(images.subarray(start * per, (start + n) * per), n, n);
      });
      process.stdout.write(
        JSON.stringify({
          bench: 'onnx',
          case: `${m.name}-b${batch}`,
          metric: 'images_per_s',
          value: Math.round(ortRate),
          anchor: 'tfjs-wasm (same model, same run)',
          anchor_value: Math.round(tfRate),
          ratio: +(ortRate / tfRate).toFixed(3),
          higher_is_better: true,
          batch,
          threads: THREADS,
          opset: exp.opset,
          bytes: exp.bytes.length,
          quantization: m.float ? 'float32' : `${m.bits!.wInt + m.bits!.wFrac}-bit weights, ${m.bits!.aInt + m.bits!.aFrac}-bit activations`,
          test_accuracy_onnx: v.onnxAccuracy,
          test_accuracy_tfjs: v.ourAccuracy,
          agreement: v.agreement,
          logits_exact_fraction: v.exactFraction,
          max_abs_logit_diff: v.maxAbsLogitDiff,
          max_abs_logit: v.maxAbsLogit,
          verified: verification.pass,
          runtime: `onnxruntime-node ${onnxRuntimeVersion()} (default graph optimizations)`,
          tfjs_backend: `${backend.kind}${backend.simd ? '+simd' : ''}×${backend.threads}`,
          note: 'machine shared with other jobs (2 cores)',
        }) + '\n',
      );
    }
    model.dispose();
    await session.release();
  }
}

await main();
