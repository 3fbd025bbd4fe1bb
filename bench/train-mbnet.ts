/**
 * bench:train-mbnet — does a MobileNet-like child of `edge-mbnet-reduced` (issue 13 item 4: strided, depthwise
 * and linear convolutions, residual additions, global pooling on CIFAR-10) train "in minutes" on the wasm backend?
 *
 * For each of BENCH_MBNET_GENOMES genomes sampled from the space (seeds 1, 2, …), one JSON line per case (DESIGN §8):
 *  - speed-g<seed>: training images/s, 1 thread, batch 64, BENCH_MBNET_SPEED_STEPS steps (the best of two
 *    epochs, so start-up and a load spike weigh less); anchor: a third of the forward pass's rate (inference,
 *    batch 64, same process and backend), the bound of a step costing ~3 forward passes;
 *  - acc-g<seed>: validation accuracy after BENCH_MBNET_EPOCHS epochs (default 2) on BENCH_MBNET_TRAIN CIFAR-10
 *    training images (default 10,000; 2,000 validation images), Adam 2e-3 (the training default), float, no
 *    BatchNorm (BENCH_MBNET_BN=1 adds it); anchor_value null: no reference trains these exact children here;
 *    chance is 0.10. Also its wall time in minutes (`train_minutes`).
 * Every line carries the load average: the machine is shared, and timings move with it.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../lib/rng.js';
import { presetSpace } from '../lib/space/index.js';
import { decodeArchitecture } from '../lib/space/decode.js';
import type { Genome } from '../lib/space/genome.js';
import type { SearchSpace } from '../lib/space/search-space.js';
import { QuantizedCnn } from '../lib/train/build-model.js';
import { datasetStatus } from '../lib/train/datasets/registry.js';
import { trainGenome } from '../lib/train/train.js';

const BATCH = 64;
const GENOMES = Number(process.env.BENCH_MBNET_GENOMES ?? 3);
const SPEED_STEPS = Number(process.env.BENCH_MBNET_SPEED_STEPS ?? 30);
const TRAIN = Number(process.env.BENCH_MBNET_TRAIN ?? 10000);
const EPOCHS = Number(process.env.BENCH_MBNET_EPOCHS ?? 2);
const BN = process.env.BENCH_MBNET_BN === '1';
const SKIP_ACCURACY = process.env.BENCH_MBNET_SKIP_ACCURACY === '1';

const load = () => os.loadavg().map((v) => Math.round(v * 100) / 100);

/** Multiply-accumulates of one image's forward pass (convolutions and the dense layer). */
function macs(space: SearchSpace, genome: Genome): number {
  let m = 0;
  for (const l of decodeArchitecture(space, genome).layers) {
    if (l.kind === 'conv') m += l.outShape[0] * l.outShape[1] * l.filters * l.kernel * l.kernel * (l.inShape[2] / (l.groups ?? 1));
    if (l.kind === 'dense') m += l.inShape[0] * l.inShape[1] * l.inShape[2] * l.units;
  }
  return m;
}

/** Images/s of the forward pass alone (no tape) at batch 64: the best of four bursts. */
function forwardRate(space: SearchSpace, genome: Genome): number {
  const model = QuantizedCnn.fromGenome(space, genome, { seed: 0, batchNorm: BN });
  const [h, w, c] = model.architecture.input;
  const x = tf.tensor4d(Float32Array.from({ length: BATCH * h * w * c }, (_, i) => ((i * 7919) % 256) / 255), [BATCH, h, w, c]);
  const pass = () => tf.tidy(() => model.apply(x, false)).dataSync();
  for (let i = 0; i < 3; i++) pass();
  let best = 0;
  const burst = Math.max(1, Math.round(SPEED_STEPS / 4));
  for (let b = 0; b < 4; b++) {
    const t0 = performance.now();
    for (let i = 0; i < burst; i++) pass();
    best = Math.max(best, (burst * BATCH) / ((performance.now() - t0) / 1000));
  }
  x.dispose();
  model.dispose();
  return best;
}

function line(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ bench: 'train-mbnet', ...o, load_avg: load() }) + '\n');
}

async function main(): Promise<void> {
  if (!datasetStatus('cifar10').ready) throw new Error('CIFAR-10 is not prepared: run `node bin/hwnas.js data cifar10` first');
  const space = presetSpace('edge-mbnet-reduced');
  for (let seed = 1; seed <= GENOMES; seed++) {
    const genome = space.sample(Rng.fromSeed(seed));
    const arch = decodeArchitecture(space, genome);
    const about = {
      genome,
      layers: arch.layers.length,
      depthwise: arch.layers.filter((l) => l.kind === 'conv' && (l.groups ?? 1) > 1).length,
      residual_adds: arch.layers.filter((l) => l.kind === 'add').length,
      mmacs_per_image: Math.round(macs(space, genome) / 1e4) / 100,
      batch_norm: BN,
    };
    const base = { space: space.toJSON(), genome, dataset: 'cifar10' as const, batchSize: BATCH, seed: 1, backend: 'wasm' as const, threads: 1, batchNorm: BN, valSubset: 2000 };
    process.stderr.write(`bench:train-mbnet: genome ${seed} speed…\n`);
    const rates: number[] = [];
    const speed = await trainGenome({ ...base, trainSubset: SPEED_STEPS * BATCH, epochs: 2 }, { onEpoch: (e) => rates.push(e.imagesPerSecond) });
    const fwd = forwardRate(space, genome);
    const value = Math.max(...rates);
    line({
      case: `speed-g${seed}`,
      metric: 'train_images_per_second_1_thread',
      value: Math.round(value),
      anchor: 'forward_pass_rate_div_3',
      anchor_value: Math.round(fwd / 3),
      ratio: Math.round((value / (fwd / 3)) * 1000) / 1000,
      higher_is_better: true,
      epoch_rates: rates.map(Math.round),
      parameters: speed.parameters,
      backend: speed.backend.name,
      ...about,
    });
    if (SKIP_ACCURACY) continue;
    process.stderr.write(`bench:train-mbnet: genome ${seed}: ${EPOCHS} epochs on ${TRAIN} images…\n`);
    const t0 = performance.now();
    const r = await trainGenome({ ...base, trainSubset: TRAIN, epochs: EPOCHS }, { onEpoch: (e) => process.stderr.write(`  epoch ${e.epoch}: loss ${e.loss.toFixed(3)}, ${Math.round(e.imagesPerSecond)} img/s\n`) });
    line({
      case: `acc-g${seed}`,
      metric: 'val_accuracy',
      value: Math.round(r.valAccuracy * 1000) / 1000,
      anchor: 'chance',
      anchor_value: null,
      note: 'no reference trains these children here; chance is 0.10',
      ratio: null,
      higher_is_better: true,
      train_minutes: Math.round(((performance.now() - t0) / 60000) * 100) / 100,
      train_images: r.trainImages,
      val_images: r.valImages,
      epochs: EPOCHS,
      loss_history: r.trainLossHistory.map((l) => Math.round(l * 1000) / 1000),
      images_per_second: Math.round(r.imagesPerSecond),
      ...about,
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:train-mbnet failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
