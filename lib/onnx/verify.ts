/**
 * Verification of an export: the ONNX model runs in onnxruntime-node, with the session options a user gets
 * by default (all graph optimizations on), on real images, and its logits are compared with our own
 * quantized inference — the tfjs network of lib/train/build-model.ts with the trained weights, in inference
 * mode — on the same images.
 *
 * What is exact and what is not. Weights and activations are on power-of-two grids, so every convolution
 * over quantized activations sums exact products (exact whatever the summation order, while the sums stay
 * within float32's 24-bit mantissa, which these widths do); BatchNorm is exported in the arithmetic of our
 * inference's kernel (export.ts), so the activation quantizers see identical values and produce identical
 * codes. Float32 rounding still differs in two places: the first convolution (its input pixels k/255 are not
 * on a power-of-two grid, and the two runtimes sum in different orders) and the bias of a convolution
 * without BatchNorm (tfjs's fused convolution adds it inside its sums; the export adds it after them). These
 * differ by an ulp or so, and move an activation code by one step only where a value lies within that ulp of
 * a rounding boundary — rare, but then the step propagates to the logits. Measured on 60 random lu2019-mnist
 * networks (half with BatchNorm) × 2,000 MNIST test images: 57 bit-for-bit equal up to float rounding of the
 * logits (≤ 2e-6), 3 with such a flip on 3–10 images (≤ 0.5 %), the largest logit difference then 3.1 % of
 * (1 + max |logit|), the predicted class the same on every image. MobileNet-like edge networks (float, so no
 * flips; test/onnx/edge-verify.test.ts): 8 random edge-mbnet-reduced nets × 200 CIFAR-10 images, every logit
 * within 1e-6 × (1 + max |logit|). Hence the checks:
 *   - the predicted class agrees on ≥ `minAgreement` (default 99.9 %) of the images;
 *   - the logits agree within float32 rounding, `exactTolerance` × (1 + max |logit|) (default 1e-5), on
 *     ≥ `minExact` of the images (default 99 %): a wrong layout, scale, rounding or bias breaks this on
 *     nearly every image;
 *   - the largest logit difference on any image is ≤ `logitTolerance` × (1 + max |logit|) (default 0.1):
 *     room for a few one-step flips, not for a different function;
 *   - where the accuracy measured after training is known for the same images, the ONNX model's accuracy
 *     is within `accuracyTolerance` (default 0.001) of it.
 */
import * as ort from 'onnxruntime-node';
import type { TrainedModel } from '../train/build-model.js';
import { QuantizedCnn } from '../train/build-model.js';
import { INPUT_NAME, nhwcToNchw, OUTPUT_NAME } from './export.js';

/** Images to verify on: NHWC float32 in [0, 1], with their labels. */
export interface VerifyImages {
  /** A name for reports, e.g. `mnist/test`. */
  readonly name: string;
  readonly images: Float32Array;
  readonly labels: ArrayLike<number>;
  readonly count: number;
  /** The accuracy measured after training on exactly these images, when known. */
  readonly expectedAccuracy?: number;
  /** Where `expectedAccuracy` comes from (e.g. `trial metric "accuracy"`). */
  readonly expectedFrom?: string;
}

/** Thresholds of a verification (see the module comment). */
export interface VerifyOptions {
  readonly minAgreement?: number;
  readonly exactTolerance?: number;
  readonly minExact?: number;
  readonly logitTolerance?: number;
  readonly accuracyTolerance?: number;
  /** Images per onnxruntime / tfjs batch (default 500). */
  readonly batchSize?: number;
  /** onnxruntime session options (default: onnxruntime's own defaults, i.e. what users run). */
  readonly sessionOptions?: ort.InferenceSession.SessionOptions;
}

export const DEFAULT_VERIFY = { minAgreement: 0.999, exactTolerance: 1e-5, minExact: 0.99, logitTolerance: 0.1, accuracyTolerance: 0.001, batchSize: 500 } as const;

/** The comparison of two sets of logits on one set of images. */
export interface LogitComparison {
  readonly images: number;
  /** Images whose predicted class is the same in both. */
  readonly agreeing: number;
  readonly agreement: number;
  /** max over images and classes of |ONNX − ours|. */
  readonly maxAbsLogitDiff: number;
  /** max |logit| of our own inference (the scale of the tolerance). */
  readonly maxAbsLogit: number;
  /** Images whose logits differ by more than float32 rounding (`exactTolerance` × (1 + max |logit|)). */
  readonly inexactImages: number;
  readonly onnxAccuracy: number;
  readonly ourAccuracy: number;
}

/** The verification of one image set. */
export interface SetVerification extends LogitComparison {
  readonly name: string;
  /** The tolerances in absolute terms: exactTolerance × (1 + maxAbsLogit), logitTolerance × (1 + maxAbsLogit). */
  readonly exactTolerance: number;
  readonly logitTolerance: number;
  /** Fraction of images whose logits agree within float32 rounding. */
  readonly exactFraction: number;
  readonly expectedAccuracy?: number;
  readonly expectedFrom?: string;
  readonly pass: boolean;
  /** Why it failed (empty when it passed). */
  readonly failures: readonly string[];
}

/** The verification of an export. */
export interface Verification {
  readonly pass: boolean;
  readonly sets: readonly SetVerification[];
  readonly thresholds: {
    readonly minAgreement: number;
    readonly exactTolerance: number;
    readonly minExact: number;
    readonly logitTolerance: number;
    readonly accuracyTolerance: number;
  };
  /** onnxruntime-node version and the graph optimization level used. */
  readonly runtime: string;
  readonly ms: number;
}

function argmax(v: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (v[offset + k] > v[offset + best]) best = k;
  return best;
}

/** Compares ONNX logits with ours, [count × classes] each. Pure; exported for tests. */
export function compareLogits(
  ours: Float32Array,
  onnx: Float32Array,
  labels: ArrayLike<number>,
  count: number,
  classes: number,
  exactTolerance: number = DEFAULT_VERIFY.exactTolerance,
): LogitComparison {
  if (ours.length !== count * classes || onnx.length !== count * classes) {
    throw new RangeError(`expected ${count}×${classes} logits, got ${ours.length} (ours) and ${onnx.length} (ONNX)`);
  }
  let maxAbsLogit = 0;
  for (let i = 0; i < ours.length; i++) maxAbsLogit = Math.max(maxAbsLogit, Math.abs(ours[i]));
  const rounding = exactTolerance * (1 + maxAbsLogit);
  let agreeing = 0;
  let maxAbsLogitDiff = 0;
  let inexactImages = 0;
  let onnxCorrect = 0;
  let ourCorrect = 0;
  for (let i = 0; i < count; i++) {
    const o = i * classes;
    let d = 0;
    for (let k = 0; k < classes; k++) {
      const diff = Math.abs(onnx[o + k] - ours[o + k]);
      // NaN must fail, not vanish in a max.
      d = Number.isNaN(diff) ? Infinity : Math.max(d, diff);
    }
    maxAbsLogitDiff = Math.max(maxAbsLogitDiff, d);
    if (d > rounding) inexactImages++;
    const a = argmax(onnx, o, classes);
    const b = argmax(ours, o, classes);
    if (a === b) agreeing++;
    if (a === labels[i]) onnxCorrect++;
    if (b === labels[i]) ourCorrect++;
  }
  return {
    images: count,
    agreeing,
    agreement: count > 0 ? agreeing / count : NaN,
    maxAbsLogitDiff,
    maxAbsLogit,
    inexactImages,
    onnxAccuracy: count > 0 ? onnxCorrect / count : NaN,
    ourAccuracy: count > 0 ? ourCorrect / count : NaN,
  };
}

/** Logits of the exported model for NHWC images, in batches. */
export async function onnxLogits(
  session: ort.InferenceSession,
  images: Float32Array,
  count: number,
  inputShape: readonly [number, number, number],
  classes: number,
  batchSize: number = DEFAULT_VERIFY.batchSize,
): Promise<Float32Array> {
  const [C, H, W] = inputShape;
  const per = C * H * W;
  const out = new Float32Array(count * classes);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const x = nhwcToNchw(images.subarray(start * per, (start + n) * per), n, [H, W, C]);
    const result = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', x, [n, C, H, W]) });
    const y = result[OUTPUT_NAME];
    out.set(y.data as Float32Array, start * classes);
    y.dispose?.();
  }
  return out;
}

/** Our own quantized inference (tfjs, inference mode) on NHWC images. Needs an initialised tfjs backend. */
export function ourLogits(trained: TrainedModel, images: Float32Array, count: number, batchSize: number = DEFAULT_VERIFY.batchSize): Float32Array {
  const model = QuantizedCnn.fromTrained(trained);
  try {
    return model.predict(images, count, batchSize);
  } finally {
    model.dispose();
  }
}

/** onnxruntime-node's version. */
export function onnxRuntimeVersion(): string {
  return (ort.env as { versions?: { common?: string } }).versions?.common ?? 'unknown';
}

/**
 * Runs `bytes` in onnxruntime-node on every image set and compares with our own inference of `trained`.
 * Needs an initialised tfjs backend (lib/train/backend.ts). Never throws for a failed comparison: the
 * result says `pass: false` with the reasons.
 */
export async function verifyExport(
  bytes: Uint8Array,
  trained: TrainedModel,
  sets: readonly VerifyImages[],
  options: VerifyOptions = {},
): Promise<Verification> {
  const t0 = performance.now();
  const minAgreement = options.minAgreement ?? DEFAULT_VERIFY.minAgreement;
  const exactTolerance = options.exactTolerance ?? DEFAULT_VERIFY.exactTolerance;
  const minExact = options.minExact ?? DEFAULT_VERIFY.minExact;
  const logitTolerance = options.logitTolerance ?? DEFAULT_VERIFY.logitTolerance;
  const accuracyTolerance = options.accuracyTolerance ?? DEFAULT_VERIFY.accuracyTolerance;
  const batchSize = options.batchSize ?? DEFAULT_VERIFY.batchSize;
  const session = await ort.InferenceSession.create(bytes, options.sessionOptions ?? {});
  const [H, W, C] = trained.architecture.input;
  const classes = trained.architecture.classes;
  const results: SetVerification[] = [];
  try {
    for (const set of sets) {
      const theirs = await onnxLogits(session, set.images, set.count, [C, H, W], classes, batchSize);
      const ours = ourLogits(trained, set.images, set.count, batchSize);
      const cmp = compareLogits(ours, theirs, set.labels, set.count, classes, exactTolerance);
      const tol = logitTolerance * (1 + cmp.maxAbsLogit);
      const exactFraction = cmp.images > 0 ? 1 - cmp.inexactImages / cmp.images : NaN;
      const failures: string[] = [];
      if (!(cmp.agreement >= minAgreement)) {
        failures.push(`${set.name}: same predicted class on ${(cmp.agreement * 100).toFixed(2)} % of ${cmp.images} images (< ${(minAgreement * 100).toFixed(2)} %)`);
      }
      if (!(exactFraction >= minExact)) {
        failures.push(
          `${set.name}: logits agree within float32 rounding (${(exactTolerance * (1 + cmp.maxAbsLogit)).toExponential(2)}) on only ` +
            `${(exactFraction * 100).toFixed(2)} % of ${cmp.images} images (< ${(minExact * 100).toFixed(2)} %)`,
        );
      }
      if (!(cmp.maxAbsLogitDiff <= tol)) {
        failures.push(
          `${set.name}: largest logit difference ${cmp.maxAbsLogitDiff.toExponential(3)} > tolerance ${tol.toExponential(3)} ` +
            `(${cmp.inexactImages} of ${cmp.images} images differ beyond float32 rounding)`,
        );
      }
      if (set.expectedAccuracy !== undefined && !(Math.abs(cmp.onnxAccuracy - set.expectedAccuracy) <= accuracyTolerance + 1e-12)) {
        failures.push(
          `${set.name}: ONNX accuracy ${(cmp.onnxAccuracy * 100).toFixed(2)} % differs from the ${(set.expectedAccuracy * 100).toFixed(2)} % ` +
            `measured after training${set.expectedFrom ? ` (${set.expectedFrom})` : ''} by more than ${(accuracyTolerance * 100).toFixed(2)} pp`,
        );
      }
      results.push({
        name: set.name,
        ...cmp,
        exactTolerance: exactTolerance * (1 + cmp.maxAbsLogit),
        logitTolerance: tol,
        exactFraction,
        ...(set.expectedAccuracy !== undefined ? { expectedAccuracy: set.expectedAccuracy } : {}),
        ...(set.expectedFrom ? { expectedFrom: set.expectedFrom } : {}),
        pass: failures.length === 0,
        failures,
      });
    }
  } finally {
    await session.release();
  }
  const level = options.sessionOptions?.graphOptimizationLevel ?? 'all';
  return {
    pass: results.every((r) => r.pass),
    sets: results,
    thresholds: { minAgreement, exactTolerance, minExact, logitTolerance, accuracyTolerance },
    runtime: `onnxruntime-node ${onnxRuntimeVersion()} (graph optimization: ${level})`,
    ms: performance.now() - t0,
  };
}
