/**
 * Weight inheritance (HotNAS's hot start, Jiang et al. CODES+ISSS'20; MODELS.md §4.1): a child network takes the
 * weights of a trained parent (its nearest zoo model) wherever they fit, and keeps its own fresh initialisation
 * elsewhere. Layers are matched by name (`L1`, `L2`, …, `fc`: the i-th conv layer of one is the i-th of the other).
 *
 * The rule, per weight of the child (ours; HotNAS fine-tunes a hand-picked zoo model):
 *   conv kernel (K,K,Cin,Cout): the overlapping slice is copied — the first min(Cin) input and min(Cout) output
 *     channels, and the centred min(K)×min(K) window (a 3×3 child takes a 5×5 parent's centre; a 5×5 child gets
 *     the parent's 3×3 in its centre, its border stays initialised), as Once-for-All's elastic kernels do;
 *   bias, BatchNorm gamma/beta/moving statistics (Cout): the first min(Cout) entries;
 *   dense kernel (h·w·c, classes): copied per (h, w, c < min(c)) only when both feature maps have the same h × w
 *     (otherwise the flattening differs and nothing is copied); its bias whole;
 *   anything else (a layer the parent lacks, a shape that does not line up, a depthwise convolution where the
 *   parent's layer of that name is a regular one or the reverse — their kernels mean different things): left as
 *   initialised. Residual additions and global pooling hold no weights; a dense layer after global pooling
 *   reads a 1×1 map, so its rows are the channels.
 * Weights keep their float32 masters; the child's own quantizers apply in fine-tuning.
 */
import { convGroups, type Architecture, type LayerSpec } from '../space/decode.js';
import type { NamedArray, QuantizedCnn, TrainedModel } from './build-model.js';
import { loadTrainedModel } from './model-store.js';

/** How much of a child was inherited. */
export interface InheritStats {
  /** Scalars copied from the parent. */
  readonly copied: number;
  /** Scalars of the child (trainable and statistics). */
  readonly total: number;
  /** Child weights that took at least one value from the parent. */
  readonly layers: readonly string[];
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/**
 * Copies the overlap of `src` into `dst` (same rank). `offsets[d]` is where src index 0 of dimension d lands in
 * dst (negative: src is cropped); returns the number of values copied.
 */
function copyOverlap(src: NamedArray, dst: Float32Array, dstShape: readonly number[], offsets: readonly number[]): number {
  const rank = dstShape.length;
  if (src.shape.length !== rank) return 0;
  const ss = strides(src.shape);
  const ds = strides(dstShape);
  // Per dimension: the range of dst indices covered by src.
  const lo: number[] = [];
  const hi: number[] = [];
  for (let d = 0; d < rank; d++) {
    lo.push(Math.max(0, offsets[d]));
    hi.push(Math.min(dstShape[d], offsets[d] + src.shape[d]));
    if (hi[d] <= lo[d]) return 0;
  }
  let copied = 0;
  const idx = lo.slice();
  for (;;) {
    let si = 0;
    let di = 0;
    for (let d = 0; d < rank; d++) {
      si += (idx[d] - offsets[d]) * ss[d];
      di += idx[d] * ds[d];
    }
    dst[di] = src.data[si];
    copied++;
    let d = rank - 1;
    while (d >= 0 && ++idx[d] >= hi[d]) {
      idx[d] = lo[d];
      d--;
    }
    if (d < 0) break;
  }
  return copied;
}

/**
 * `child` (the child's freshly initialised weights, as `getWeights()` returns them, for `architecture`) with the
 * parent's weights copied in where they fit (the module comment gives the rule). Returns new arrays.
 */
export function inheritWeights(parent: TrainedModel, architecture: Architecture, child: readonly NamedArray[]): { weights: NamedArray[]; stats: InheritStats } {
  const byName = new Map(parent.weights.map((w) => [w.name, w]));
  const layerOf = new Map(architecture.layers.map((l) => [l.name, l]));
  const parentLayer = new Map(parent.architecture.layers.map((l) => [l.name, l]));
  let copied = 0;
  let total = 0;
  const layers: string[] = [];
  const weights = child.map((w): NamedArray => {
    total += w.data.length;
    const src = byName.get(w.name);
    const data = w.data.slice();
    const [layerName, part] = splitName(w.name);
    const mine = layerOf.get(layerName);
    const theirs = parentLayer.get(layerName);
    let n = 0;
    if (src && mine && theirs && mine.kind === theirs.kind && sameConvType(mine, theirs)) {
      if (mine.kind === 'conv' && part === 'kernel') {
        // Centre the smaller window in the larger: offset = (K_child − K_parent) / 2 (kernels are odd).
        const off = (w.shape[0] - src.shape[0]) / 2;
        n = Number.isInteger(off) ? copyOverlap(src, data, w.shape, [off, off, 0, 0]) : 0;
      } else if (mine.kind === 'dense' && part === 'kernel') {
        n = copyDense(src, data, mine.inShape, theirs.inShape, w.shape[1]);
      } else {
        n = copyOverlap(src, data, w.shape, w.shape.map(() => 0));
      }
    }
    if (n > 0) layers.push(w.name);
    copied += n;
    return { name: w.name, shape: w.shape, data };
  });
  return { weights, stats: { copied, total, layers } };
}

/** Both regular or both depthwise (other layer kinds: true). */
function sameConvType(a: LayerSpec, b: LayerSpec): boolean {
  if (a.kind !== 'conv' || b.kind !== 'conv') return true;
  return (convGroups(a) > 1) === (convGroups(b) > 1);
}

function splitName(name: string): [string, string] {
  const i = name.lastIndexOf('/');
  return i < 0 ? [name, ''] : [name.slice(0, i), name.slice(i + 1)];
}

/** The dense kernel: rows are the (h, w, c) flattening of the feature map; copy where h × w agree. */
function copyDense(src: NamedArray, dst: Float32Array, mine: readonly number[], theirs: readonly number[], classes: number): number {
  if (mine[0] !== theirs[0] || mine[1] !== theirs[1] || src.shape[1] !== classes) return 0;
  const [h, w, c] = mine;
  const pc = theirs[2];
  const cc = Math.min(c, pc);
  let n = 0;
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < cc; k++) {
      const di = (p * c + k) * classes;
      const si = (p * pc + k) * classes;
      for (let j = 0; j < classes; j++) dst[di + j] = src.data[si + j];
      n += classes;
    }
  }
  return n;
}

/** Loads the saved model `from.model` (a model-store directory) and copies its weights into `model` where they fit. */
export function inheritInto(model: QuantizedCnn, from: { readonly model: string; readonly id?: string }): { id?: string; copied: number; total: number } {
  const parent = loadTrainedModel(from.model);
  const { weights, stats } = inheritWeights(parent, model.architecture, model.getWeights());
  model.setWeights(weights);
  return { ...(from.id !== undefined ? { id: from.id } : {}), copied: stats.copied, total: stats.total };
}
