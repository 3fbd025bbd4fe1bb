/** Weight inheritance (lib/train/inherit.ts) and the warm start of a training request (initialWeights). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetSpace } from '../../lib/space/index.js';
import { decodeArchitecture, decodeQuantization, type Architecture } from '../../lib/space/decode.js';
import type { Genome } from '../../lib/space/genome.js';
import { inheritWeights } from '../../lib/train/inherit.js';
import type { NamedArray, TrainedModel } from '../../lib/train/build-model.js';
import { saveTrainedModel } from '../../lib/train/model-store.js';
import { trainGenome } from '../../lib/train/train.js';
import { BIAS_QUANTIZATION, ROUNDING } from '../../lib/train/fake-quant.js';

const lu = presetSpace('lu2019-mnist-float');

function net(layers: [number, number, boolean][]): Genome {
  const g: Record<string, number | boolean> = { depth: layers.length };
  for (let i = 1; i <= 4; i++) {
    const [f, k, p] = layers[i - 1] ?? [4, 1, false];
    Object.assign(g, { [`L${i}.filters`]: f, [`L${i}.kernel`]: k, [`L${i}.pool`]: p });
  }
  return lu.canonical(g);
}

/** Weights of `arch` named as QuantizedCnn names them, each value from `f(name, index)`. */
function weightsOf(arch: Architecture, f: (name: string, i: number) => number): NamedArray[] {
  const out: NamedArray[] = [];
  const add = (name: string, shape: number[]) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => f(name, i));
    out.push({ name, shape, data });
  };
  for (const l of arch.layers) {
    if (l.kind === 'conv') {
      add(`${l.name}/kernel`, [l.kernel, l.kernel, l.inShape[2], l.filters]);
      add(`${l.name}/bias`, [l.filters]);
    } else if (l.kind === 'dense') {
      add(`${l.name}/kernel`, [l.inShape[0] * l.inShape[1] * l.inShape[2], l.units]);
      add(`${l.name}/bias`, [l.units]);
    }
  }
  return out;
}

function model(genome: Genome, f: (name: string, i: number) => number): TrainedModel {
  const architecture = decodeArchitecture(lu, genome);
  return { format: 'hwnas-trained-cnn/1', architecture, quantization: decodeQuantization(lu, genome), batchNorm: false, bnEpsilon: 1e-3, rounding: ROUNDING, bias: BIAS_QUANTIZATION, weights: weightsOf(architecture, f) };
}

/** Parent values are positive and encode their index; the child's own initialisation is −1. */
const PARENT = (_: string, i: number) => i + 1;
const CHILD = () => -1;
const at = (w: readonly NamedArray[], name: string) => w.find((x) => x.name === name)!;
/** Index of (a, b, c, d) in a row-major array of `shape`. */
const idx = (shape: readonly number[], ...ix: number[]) => ix.reduce((s, v, d) => s * shape[d] + v, 0);

describe('inheritWeights', () => {
  it('copies everything between equal networks', () => {
    const g = net([[8, 3, true], [16, 3, true]]);
    const p = model(g, PARENT);
    const { weights, stats } = inheritWeights(p, p.architecture, model(g, CHILD).weights);
    expect(weights.map((w) => Array.from(w.data))).toEqual(p.weights.map((w) => Array.from(w.data)));
    expect(stats.copied).toBe(stats.total);
  });

  it('copies the overlapping channels of a narrower or wider layer and initialises the rest', () => {
    const p = model(net([[16, 3, true], [16, 3, true]]), PARENT);
    const childGenome = net([[8, 3, true], [24, 3, true]]);
    const c = model(childGenome, CHILD);
    const { weights, stats } = inheritWeights(p, c.architecture, c.weights);
    const k1 = at(weights, 'L1/kernel');
    const pk1 = at(p.weights, 'L1/kernel');
    // L1: 8 of the parent's 16 output channels.
    expect(k1.data[idx(k1.shape, 1, 2, 0, 7)]).toBe(pk1.data[idx(pk1.shape, 1, 2, 0, 7)]);
    // L2: input channels 0..7 of 16 and output channels 0..15 of 24 copied; channels 16..23 stay initialised.
    const k2 = at(weights, 'L2/kernel');
    const pk2 = at(p.weights, 'L2/kernel');
    expect(k2.data[idx(k2.shape, 0, 0, 7, 15)]).toBe(pk2.data[idx(pk2.shape, 0, 0, 7, 15)]);
    expect(k2.data[idx(k2.shape, 0, 0, 7, 16)]).toBe(-1);
    expect(Array.from(at(weights, 'L2/bias').data)).toEqual([...Array.from(at(p.weights, 'L2/bias').data), ...Array(8).fill(-1)]);
    // The classifier sees 7×7×24 against the parent's 7×7×16: rows of channels < 16 copied, per position.
    const fc = at(weights, 'fc/kernel');
    const pfc = at(p.weights, 'fc/kernel');
    expect(fc.data[idx(fc.shape, 3 * 24 + 15, 9)]).toBe(pfc.data[idx(pfc.shape, 3 * 16 + 15, 9)]);
    expect(fc.data[idx(fc.shape, 3 * 24 + 16, 9)]).toBe(-1);
    expect(stats.copied).toBeGreaterThan(0);
    expect(stats.copied).toBeLessThan(stats.total);
  });

  it('centres a smaller kernel in a larger one, and takes the centre of a larger one', () => {
    const p3 = model(net([[8, 3, true]]), PARENT);
    const c5 = model(net([[8, 5, true]]), CHILD);
    const up = at(inheritWeights(p3, c5.architecture, c5.weights).weights, 'L1/kernel');
    const pk = at(p3.weights, 'L1/kernel');
    expect(up.data[idx(up.shape, 1, 1, 0, 3)]).toBe(pk.data[idx(pk.shape, 0, 0, 0, 3)]);
    expect(up.data[idx(up.shape, 3, 3, 0, 3)]).toBe(pk.data[idx(pk.shape, 2, 2, 0, 3)]);
    expect(up.data[idx(up.shape, 0, 0, 0, 3)]).toBe(-1);
    expect(up.data[idx(up.shape, 4, 2, 0, 3)]).toBe(-1);
    const p5 = model(net([[8, 5, true]]), PARENT);
    const c3 = model(net([[8, 3, true]]), CHILD);
    const down = at(inheritWeights(p5, c3.architecture, c3.weights).weights, 'L1/kernel');
    const pk5 = at(p5.weights, 'L1/kernel');
    expect(down.data[idx(down.shape, 0, 0, 0, 2)]).toBe(pk5.data[idx(pk5.shape, 1, 1, 0, 2)]);
    expect(down.data[idx(down.shape, 2, 2, 0, 2)]).toBe(pk5.data[idx(pk5.shape, 3, 3, 0, 2)]);
  });

  it('leaves a layer the parent lacks, and a classifier over another map size, initialised', () => {
    const p = model(net([[8, 3, true]]), PARENT);
    const c = model(net([[8, 3, true], [8, 3, false]]), CHILD);
    const { weights, stats } = inheritWeights(p, c.architecture, c.weights);
    expect(Array.from(at(weights, 'L2/kernel').data).every((v) => v === -1)).toBe(true);
    // fc over 14×14×8 in both (layer 2 does not pool): copied whole; its bias too.
    expect(Array.from(at(weights, 'fc/kernel').data)).toEqual(Array.from(at(p.weights, 'fc/kernel').data));
    const pooled = model(net([[8, 3, true], [8, 3, true]]), CHILD);
    const r = inheritWeights(p, pooled.architecture, pooled.weights);
    expect(Array.from(at(r.weights, 'fc/kernel').data).every((v) => v === -1)).toBe(true);
    expect(Array.from(at(r.weights, 'fc/bias').data)).toEqual(Array.from(at(p.weights, 'fc/bias').data));
    expect(stats.layers).toEqual(['L1/kernel', 'L1/bias', 'fc/kernel', 'fc/bias']);
  });
});

describe('a warm-started training request', () => {
  it('starts from the saved model (initialWeights) and reports what it inherited', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-warm-'));
    const g = net([[8, 3, true], [8, 3, true]]);
    const parent = model(g, (_, i) => ((i % 7) - 3) / 100);
    saveTrainedModel(path.join(dir, 'parent'), parent);
    let first: NamedArray[] = [];
    const base = { space: lu.toJSON(), genome: g, dataset: 'mnist' as const, epochs: 1, trainSubset: 64, valSubset: 100, backend: 'wasm' as const };
    const r = await trainGenome({ ...base, initialWeights: { model: path.join(dir, 'parent'), id: 'parent' } }, {
      beforeStep: (m, step) => {
        if (step === 0) first = m.getWeights();
      },
    });
    expect(first.map((w) => Array.from(w.data))).toEqual(parent.weights.map((w) => Array.from(w.data)));
    expect(r.inherited).toEqual({ id: 'parent', copied: r.parameters, total: r.parameters });
    // A cold request with the same seed starts elsewhere.
    let cold: NamedArray[] = [];
    const c = await trainGenome(base, { beforeStep: (m, step) => step === 0 && (cold = m.getWeights()) && undefined });
    expect(c.inherited).toBeUndefined();
    expect(Array.from(cold[0].data)).not.toEqual(Array.from(parent.weights[0].data));
    await expect(trainGenome({ ...base, initialWeights: { model: path.join(dir, 'nothing') } })).rejects.toMatchObject({ code: 'MODEL_MISSING' });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
