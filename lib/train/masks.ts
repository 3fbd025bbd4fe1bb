/**
 * Compression masks (issue 15; HotNAS, Jiang et al. CODES+ISSS'20): a genome's pattern and channel pruning
 * (lib/space/decode-compression.ts) as 0/1 masks on the network's weights. The masks are chosen ONCE, from the
 * weights the training starts from (the seeded initialisation, or the weights inherited from a zoo model):
 *
 *  - channel pruning: a layer keeps its `keptFilters` filters of largest L1 norm Σ|w| over (K,K,Cin) and
 *    prunes the rest (Li et al., ICLR'17 "Pruning Filters for Efficient ConvNets"; ties: the lower index is
 *    kept). A pruned filter's kernel slice and bias are zero, its BatchNorm γ and β too (so the channel's output
 *    is exactly 0), and the next MAC layer's weights reading that channel are zero — the channel is dead, and
 *    removing it (what the hardware model counts) computes the same function;
 *  - pattern pruning: every (Cin, Cout) kernel of a 3×3 layer takes the pattern of the layer's set that keeps
 *    the most L2 magnitude Σ_{kept} w² (PatDNN's rule, Niu et al. ASPLOS'20; ties: the first pattern of the
 *    set); the pattern's zero positions are zero. Patterns index the kernel row-major ([ky][kx], as HotNAS's
 *    `pattern.reshape((3,3))`), on tfjs's HWIO layout.
 *
 * Training multiplies the masked variables by their masks once when the masks are set and again after every
 * optimizer step (Adam moves the zeros; the product puts them back), so the forward pass always sees the
 * pruned network and the trained masters hold exact zeros. The masks travel with the trained model
 * (`TrainedModel.compression`), so inference, export and verification apply the same ones.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convGroups, isWeightless, type Architecture, type ConvLayer, type LayerSpec } from '../space/decode.js';
import type { Compression } from '../space/decode-compression.js';

/** A weight array by name (structurally build-model's NamedArray). */
export interface WeightArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** What one conv layer prunes. */
export interface LayerMasks {
  readonly layer: string;
  /** Output filters pruned to zero, ascending. */
  readonly prunedFilters: readonly number[];
  /** The layer's pattern set and, per kernel in (ci·Cout + co) order, the index of the pattern it took. */
  readonly patterns?: { readonly set: readonly (readonly number[])[]; readonly choice: readonly number[] };
}

/** The pruning of a network, compact (stored in the trained model's manifest). */
export interface CompressionMasks {
  readonly format: 'hwnas-masks/1';
  readonly layers: readonly LayerMasks[];
}

function weightOf(weights: readonly WeightArray[], name: string): WeightArray {
  const w = weights.find((x) => x.name === name);
  if (!w) throw new RangeError(`no weight "${name}" to choose masks from`);
  return w;
}

/**
 * Refuses pruning the rules above do not describe: a depthwise convolution (its kernel is [K,K,C,1], one filter
 * per channel, and its filters are its input channels), a layer whose next MAC layer is depthwise (the pruned
 * channel would need the depthwise filter pruned too), and any network with residual additions (a pruned
 * channel is not dead once the addition brings the skipped path's values back).
 */
function checkPrunable(arch: Architecture, layer: string): void {
  const i = arch.layers.findIndex((l) => l.kind === 'conv' && l.name === layer);
  if (i < 0) return;
  const conv = arch.layers[i] as ConvLayer;
  if (convGroups(conv) > 1) throw new RangeError(`compression of layer "${layer}": pruning depthwise convolutions is not supported`);
  const next = nextMacLayer(arch, i);
  if (next?.kind === 'conv' && convGroups(next) > 1) {
    throw new RangeError(`compression of layer "${layer}": pruning the input of a depthwise convolution (${next.name}) is not supported`);
  }
  const add = arch.layers.find((l) => l.kind === 'add');
  if (add) throw new RangeError(`compression of layer "${layer}": pruning networks with residual additions (${add.name}) is not supported`);
}

/** Chooses the masks of `compression` from `weights` (the rule in the module comment). */
export function chooseMasks(arch: Architecture, compression: Compression, weights: readonly WeightArray[]): CompressionMasks {
  const layers: LayerMasks[] = [];
  for (const lc of compression.layers) checkPrunable(arch, lc.layer);
  for (const lc of compression.layers) {
    const conv = arch.layers.find((l): l is ConvLayer => l.kind === 'conv' && l.name === lc.layer);
    if (!conv) throw new RangeError(`compression names layer "${lc.layer}", the architecture has no such conv layer`);
    const k = weightOf(weights, `${lc.layer}/kernel`).data;
    const K = conv.kernel;
    const cin = conv.inShape[2];
    const cout = conv.filters;
    let prunedFilters: number[] = [];
    if (lc.keptFilters < cout) {
      const norms = new Float64Array(cout);
      for (let i = 0; i < k.length; i++) norms[i % cout] += Math.abs(k[i]);
      // Ascending norm, ties: the higher index first, so the lower index is kept.
      const order = Array.from({ length: cout }, (_, i) => i).sort((a, b) => norms[a] - norms[b] || b - a);
      prunedFilters = order.slice(0, cout - lc.keptFilters).sort((a, b) => a - b);
    }
    let patterns: LayerMasks['patterns'];
    if (lc.pattern && K === 3) {
      const set = lc.pattern.set;
      const choice: number[] = [];
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) {
          let best = 0;
          let bestScore = -1;
          set.forEach((p, pi) => {
            let score = 0;
            for (let pos = 0; pos < 9; pos++) if (p[pos]) score += k[(pos * cin + ci) * cout + co] ** 2;
            if (score > bestScore) {
              best = pi;
              bestScore = score;
            }
          });
          choice.push(best);
        }
      }
      patterns = { set: set.map((p) => [...p]), choice };
    }
    layers.push({ layer: lc.layer, prunedFilters, ...(patterns ? { patterns } : {}) });
  }
  return { format: 'hwnas-masks/1', layers };
}

/** The next layer with weights after layer index `i` (pooling skipped). */
function nextMacLayer(arch: Architecture, i: number): LayerSpec | undefined {
  return arch.layers.slice(i + 1).find((l) => !isWeightless(l));
}

/** The full 0/1 masks by weight name (`L1/kernel`, `L1/bias`, `L1/gamma`, `L1/beta`, the next layer's kernel). */
export function maskArrays(arch: Architecture, masks: CompressionMasks): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const kernelMask = (l: LayerSpec): Float32Array => {
    const name = `${l.name}/kernel`;
    let m = out.get(name);
    if (!m) {
      const size = l.kind === 'conv' ? l.kernel * l.kernel * l.inShape[2] * l.filters : l.inShape[0] * l.inShape[1] * l.inShape[2] * (l.kind === 'dense' ? l.units : 0);
      m = new Float32Array(size).fill(1);
      out.set(name, m);
    }
    return m;
  };
  for (const lm of masks.layers) {
    const i = arch.layers.findIndex((l) => l.kind === 'conv' && l.name === lm.layer);
    if (i < 0) throw new RangeError(`masks name layer "${lm.layer}", the architecture has no such conv layer`);
    checkPrunable(arch, lm.layer);
    const conv = arch.layers[i] as ConvLayer;
    const cin = conv.inShape[2];
    const cout = conv.filters;
    const km = kernelMask(conv);
    if (lm.patterns) {
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) {
          const p = lm.patterns.set[lm.patterns.choice[ci * cout + co]];
          for (let pos = 0; pos < 9; pos++) if (!p[pos]) km[(pos * cin + ci) * cout + co] = 0;
        }
      }
    }
    if (lm.prunedFilters.length === 0) continue;
    const pruned = new Set(lm.prunedFilters);
    for (let j = 0; j < km.length; j++) if (pruned.has(j % cout)) km[j] = 0;
    const vec = new Float32Array(cout).fill(1);
    for (const f of pruned) vec[f] = 0;
    for (const w of ['bias', 'gamma', 'beta']) out.set(`${conv.name}/${w}`, vec);
    // The next layer's weights that read the pruned channels: a conv's input-channel axis; a dense layer's
    // rows of the flattened (h, w, c) map whose c is pruned.
    const next = nextMacLayer(arch, i);
    if (!next) continue;
    const nm = kernelMask(next);
    const c = next.inShape[2];
    const nOut = next.kind === 'conv' ? next.filters : next.kind === 'dense' ? next.units : 1;
    for (let j = 0; j < nm.length; j++) if (pruned.has(Math.floor(j / nOut) % c)) nm[j] = 0;
  }
  return out;
}

/** `weights` with the masks applied (copies of the masked arrays; the others as they are). */
export function maskWeights<T extends WeightArray>(arch: Architecture, masks: CompressionMasks, weights: readonly T[]): T[] {
  const arrays = maskArrays(arch, masks);
  return weights.map((w) => {
    const m = arrays.get(w.name);
    return m ? { ...w, data: Float32Array.from(w.data, (x, j) => x * m[j]) } : w;
  });
}

/** The masks of a live model's variables, re-applied in place after every optimizer step. */
export class VariableMasks {
  private readonly pairs: { v: tf.Variable; m: tf.Tensor }[] = [];
  /** Trainable weights the masks hold at zero (pruned away: not parameters of the compressed network). */
  readonly prunedParameters: number = 0;

  constructor(
    readonly spec: CompressionMasks,
    arch: Architecture,
    variables: readonly { readonly name: string; readonly v: tf.Variable }[],
  ) {
    const arrays = maskArrays(arch, spec);
    for (const { name, v } of variables) {
      const m = arrays.get(name);
      if (!m) continue;
      if (m.length !== v.size) throw new RangeError(`mask of "${name}" has ${m.length} entries, the weight ${v.size}`);
      this.pairs.push({ v, m: tf.tensor(m, v.shape) });
      if (v.trainable) (this as { prunedParameters: number }).prunedParameters += m.reduce((zeros, x) => zeros + (x === 0 ? 1 : 0), 0);
    }
  }

  /** Zeroes the pruned weights (v ← v·mask). */
  apply(): void {
    tf.tidy(() => {
      for (const { v, m } of this.pairs) v.assign(tf.mul(v, m));
    });
  }

  dispose(): void {
    for (const { m } of this.pairs) m.dispose();
    this.pairs.length = 0;
  }
}
