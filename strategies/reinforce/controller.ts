/**
 * The RL controller (DESIGN §4, MODELS.md §1.6): a one-layer LSTM that emits one token per gene, each from a
 * softmax head of its own over that gene's vocabulary, with the previous token embedded (per position) as the
 * next input. As in the authors' controller (FGNAS): per-position embedding tables and heads, one shared LSTM.
 *
 * The parameters are plain Float32Arrays; tfjs (the pure-JS `cpu` backend, set explicitly) only computes: every
 * call builds its tensors inside one tf.tidy and reads the results back, so no tensor outlives a call and the
 * state snapshots synchronously. Sampling draws from the softmax probabilities with the caller's Rng, never
 * tf.multinomial, so results depend on the seed only.
 *
 * Layout for speed on the cpu backend, where slicing along a non-leading axis walks element by element: the LSTM
 * runs on transposed states (hᵀ, cᵀ: [H, B]) so its four gates are contiguous row blocks of zᵀ = Wx·xᵀ + Wh·hᵀ + b,
 * and the packed heads are stored output-major ([Σ V, H]) so each position's head is a contiguous row block.
 */
// The full package: tfjs-core alone registers no gradient functions (tfjs's bundle does) nor the cpu backend.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../lib/rng.js';
import type { TokenSequence } from './tokens.js';

/** Names of the parameter arrays, in a fixed order. */
export const PARAM_NAMES = ['inputKernel', 'recurrentKernel', 'embedding', 'headKernel'] as const;
/** A parameter array's name. */
export type ParamName = (typeof PARAM_NAMES)[number];
/** The controller's parameters (row-major). */
export type ControllerParams = Record<ParamName, Float32Array>;

/**
 * Shapes and offsets of the packed parameters (H hidden units, E embedding size, L positions, V_i vocabularies).
 * - `inputKernel` [4H, E] and `recurrentKernel` [4H, H + 1] whose last column is the gates' bias; gate blocks
 *   in the order input, forget, cell, output.
 * - Biases ride as a last column against a constant-1 row appended to hᵀ (no separate broadcast add per step;
 *   per-op overhead dominates on cpu at this size).
 * - `embedding` [1 + Σ_{i<L−1} V_i, E]: row 0 is the learned start input of position 0; position i ≥ 1 reads row
 *   `inputRow(i, token_{i−1})` of its own block (one embedding table per position, over the previous vocabulary).
 * - `headKernel` [Σ V_i, H + 1] (last column: the bias): position i's softmax head is its block of V_i rows.
 */
export class ControllerLayout {
  readonly shapes: Readonly<Record<ParamName, readonly number[]>>;
  private readonly inputOffsets: readonly number[];

  constructor(
    readonly hidden: number,
    readonly embedding: number,
    readonly vocabularies: readonly number[],
  ) {
    if (vocabularies.length === 0) throw new RangeError('controller needs at least one token position');
    const offsets = [0];
    let rows = 1;
    for (let i = 1; i < vocabularies.length; i++) {
      offsets.push(rows);
      rows += vocabularies[i - 1];
    }
    this.inputOffsets = offsets;
    const heads = vocabularies.reduce((s, v) => s + v, 0);
    this.shapes = {
      inputKernel: [4 * hidden, embedding],
      recurrentKernel: [4 * hidden, hidden + 1],
      embedding: [rows, embedding],
      headKernel: [heads, hidden + 1],
    };
  }

  /** Number of token positions. */
  get length(): number {
    return this.vocabularies.length;
  }

  /** Number of floats of parameter `name`. */
  size(name: ParamName): number {
    return this.shapes[name].reduce((a, b) => a * b, 1);
  }

  /** Sizes of every parameter array. */
  sizes(): Record<ParamName, number> {
    return Object.fromEntries(PARAM_NAMES.map((n) => [n, this.size(n)])) as Record<ParamName, number>;
  }

  /** Embedding row fed to position `i` after token `previous` at position i−1 (position 0: the start row). */
  inputRow(i: number, previous: number): number {
    return i === 0 ? 0 : this.inputOffsets[i] + previous;
  }
}

/** Fresh parameters: weights uniform in [−range, range] from `rng`, biases 0 except the forget gate's (1). */
export function initParams(layout: ControllerLayout, rng: Rng, range: number): ControllerParams {
  const uniform = (n: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.uniform(-range, range);
    return a;
  };
  const h = layout.hidden;
  const recurrentKernel = uniform(layout.size('recurrentKernel'));
  const headKernel = uniform(layout.size('headKernel'));
  // Bias columns: 0, except the forget gate's 1, which keeps the cell state flowing early in training
  // (Jozefowicz et al. 2015).
  for (let r = 0; r < 4 * h; r++) recurrentKernel[r * (h + 1) + h] = r >= h && r < 2 * h ? 1 : 0;
  for (let r = 0; r < layout.shapes.headKernel[0]; r++) headKernel[r * (h + 1) + h] = 0;
  return {
    inputKernel: uniform(layout.size('inputKernel')),
    recurrentKernel,
    embedding: uniform(layout.size('embedding')),
    headKernel,
  };
}

let cpuNoticeSilenced = false;

/**
 * Runs `fn` (synchronous tf code) on the `cpu` backend, then puts back whatever backend was current. The
 * controller is tiny; the cpu backend is exact, deterministic and needs no async initialisation.
 */
export async function onCpu<T>(fn: () => T): Promise<T> {
  const previous = tf.getBackend() as string | null | undefined;
  if (previous !== 'cpu') await tf.setBackend('cpu');
  if (!cpuNoticeSilenced) {
    // The cpu backend's one-time "install tfjs-node for speed" notice is meant for training, not this controller.
    const backend = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
    if (backend && 'firstUse' in backend) backend.firstUse = false;
    cpuNoticeSilenced = true;
  }
  try {
    return fn();
  } finally {
    if (previous && previous !== 'cpu') await tf.setBackend(previous);
  }
}

/** The parameters as tensors, heads split per position. */
interface Weights {
  inputKernel: tf.Tensor2D;
  recurrentKernel: tf.Tensor2D;
  embedding: tf.Tensor2D;
  heads: tf.Tensor2D[];
  /** A [1, B] row of ones, appended to hᵀ. */
  ones: tf.Tensor2D;
}

function tensorsOf(layout: ControllerLayout, p: ControllerParams): tf.Tensor[] {
  return PARAM_NAMES.map((name) => tf.tensor(p[name], layout.shapes[name] as number[], 'float32'));
}

function unpack(layout: ControllerLayout, t: readonly tf.Tensor[], batch: number): Weights {
  const [inputKernel, recurrentKernel, embedding, headKernel] = t;
  const vocab = layout.vocabularies as number[];
  return {
    inputKernel: inputKernel as tf.Tensor2D,
    recurrentKernel: recurrentKernel as tf.Tensor2D,
    embedding: embedding as tf.Tensor2D,
    heads: (vocab.length === 1 ? [headKernel] : tf.split(headKernel, vocab, 0)) as tf.Tensor2D[],
    ones: tf.ones([1, batch]),
  };
}

/** The state before the first step: hᵀ with its row of ones ([H + 1, B]) and cᵀ ([H, B]). */
function initialState(layout: ControllerLayout, w: Weights, batch: number): [tf.Tensor2D, tf.Tensor2D] {
  const c = tf.zeros([layout.hidden, batch]) as tf.Tensor2D;
  return [tf.concat([c, w.ones], 0), c];
}

/** One LSTM step on transposed states: inputs x [B, E], [hᵀ; 1] [H + 1, B] and cᵀ [H, B] → the new ones. */
function lstmStep(w: Weights, x: tf.Tensor2D, h1: tf.Tensor2D, c: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  const z = tf.add(tf.matMul(w.inputKernel, x, false, true), tf.matMul(w.recurrentKernel, h1));
  const [i, f, g, o] = tf.split(z, 4, 0);
  const c2 = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
  const h2 = tf.mul(tf.sigmoid(o), tf.tanh(c2)) as tf.Tensor2D;
  return [tf.concat([h2, w.ones], 0), c2];
}

/** Logits [B, V_i] of position `i` from [hᵀ; 1]. */
function logitsAt(w: Weights, h1: tf.Tensor2D, i: number): tf.Tensor2D {
  return tf.matMul(h1, w.heads[i], true, true);
}

/**
 * Chooses the token of one position of one sequence: `probs` is the policy's distribution over the position's
 * vocabulary, `prefix` the sequence's tokens so far.
 */
export type TokenChooser = (row: number, position: number, probs: Float32Array, prefix: readonly number[]) => number;

/** Samples `n` sequences step by step (batched over the sequences); `choose` picks each token. Call inside {@link onCpu}. */
export function sampleSequences(layout: ControllerLayout, params: ControllerParams, n: number, choose: TokenChooser): number[][] {
  const seqs: number[][] = Array.from({ length: n }, () => []);
  tf.tidy(() => {
    const w = unpack(layout, tensorsOf(layout, params), n);
    let [h, c] = initialState(layout, w, n);
    for (let i = 0; i < layout.length; i++) {
      const rows = Int32Array.from(seqs, (s) => layout.inputRow(i, i === 0 ? 0 : s[i - 1]));
      const x = tf.gather(w.embedding, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
      [h, c] = lstmStep(w, x, h, c);
      const probs = tf.softmax(logitsAt(w, h, i)).dataSync() as Float32Array;
      const v = layout.vocabularies[i];
      for (let b = 0; b < n; b++) {
        const t = choose(b, i, probs.subarray(b * v, (b + 1) * v), seqs[b]);
        if (!Number.isInteger(t) || t < 0 || t >= v) throw new RangeError(`token ${t} out of [0, ${v}) at position ${i}`);
        seqs[b].push(t);
      }
    }
  });
  return seqs;
}

/** What one policy-gradient step computed. */
export interface PolicyGradient {
  /** The loss minimised: −Σ_b A_b·Σ_{i active} log π(a_{b,i}) − entropyWeight·Σ_b H_b. */
  readonly loss: number;
  /** Mean over the batch of the summed entropy of the active positions (nats). */
  readonly entropy: number;
  /** Mean over the batch of the log-probability of the sequence (active positions). */
  readonly logProb: number;
  readonly grads: ControllerParams;
}

/**
 * The REINFORCE gradient of a batch of sequences with their advantages (FGNAS sums over the batch; so do we).
 * Inactive positions are fed as inputs but enter neither the log-probability nor the entropy. Call inside {@link onCpu}.
 */
export function policyGradient(
  layout: ControllerLayout,
  params: ControllerParams,
  sequences: readonly TokenSequence[],
  advantages: readonly number[],
  entropyWeight: number,
): PolicyGradient {
  const batch = sequences.length;
  if (batch === 0 || advantages.length !== batch) throw new RangeError('policyGradient needs one advantage per sequence');
  const steps = layout.length;
  const rows = layout.shapes.embedding[0];
  let loss = NaN;
  let entropy = NaN;
  let logProb = NaN;
  const grads = {} as ControllerParams;
  tf.tidy(() => {
    // Constants of the batch: the input one-hots of every step (step-major, row i·B + b; a one-hot matMul, since
    // the gradient of gather is slow on cpu), the target one-hots per position and the activity masks.
    const inputs = new Float32Array(steps * batch * rows);
    const targets: tf.Tensor2D[] = [];
    const active = new Float32Array(steps * batch);
    for (let i = 0; i < steps; i++) {
      const v = layout.vocabularies[i];
      const target = new Float32Array(batch * v);
      sequences.forEach((s, b) => {
        inputs[(i * batch + b) * rows + layout.inputRow(i, i === 0 ? 0 : s.tokens[i - 1])] = 1;
        target[b * v + s.tokens[i]] = 1;
        active[i * batch + b] = s.active[i] ? 1 : 0;
      });
      targets.push(tf.tensor2d(target, [batch, v]));
    }
    const inputT = tf.tensor2d(inputs, [steps * batch, rows]);
    const activeT = tf.tensor2d(active, [steps, batch]);
    const adv = tf.tensor1d(Float32Array.from(advantages));
    const lossOf = (...t: tf.Tensor[]): tf.Scalar => {
      const w = unpack(layout, t, batch);
      const xs = tf.matMul(inputT, w.embedding);
      const xSteps = (steps === 1 ? [xs] : tf.split(xs, steps, 0)) as tf.Tensor2D[];
      let [h, c] = initialState(layout, w, batch);
      const logps: tf.Tensor[] = [];
      const ents: tf.Tensor[] = [];
      for (let i = 0; i < steps; i++) {
        [h, c] = lstmStep(w, xSteps[i], h, c);
        const lp = tf.logSoftmax(logitsAt(w, h, i));
        logps.push(tf.sum(tf.mul(lp, targets[i]), 1));
        ents.push(tf.neg(tf.sum(tf.mul(tf.exp(lp), lp), 1)));
      }
      const seqLogp = tf.sum(tf.mul(tf.stack(logps), activeT), 0);
      const seqEnt = tf.sum(tf.mul(tf.stack(ents), activeT), 0);
      logProb = tf.mean(seqLogp).dataSync()[0];
      entropy = tf.mean(seqEnt).dataSync()[0];
      const pg = tf.neg(tf.sum(tf.mul(adv, seqLogp)));
      return (entropyWeight > 0 ? tf.sub(pg, tf.mul(entropyWeight, tf.sum(seqEnt))) : pg) as tf.Scalar;
    };
    const { value, grads: g } = tf.valueAndGrads(lossOf)(tensorsOf(layout, params));
    loss = value.dataSync()[0];
    PARAM_NAMES.forEach((name, k) => {
      // Copy out: the tensors die with this tidy.
      grads[name] = Float32Array.from(g[k].dataSync() as Float32Array);
    });
  });
  return { loss, entropy, logProb, grads };
}
