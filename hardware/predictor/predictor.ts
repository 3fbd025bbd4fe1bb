/**
 * Latency predictors: one interface for "how long does this decoded architecture take on the target", and the
 * measured one HSCoNAS builds (Luo et al., DATE 2021; MODELS-ACCELERATORS.md §3.3): a per-operator lookup
 * table measured on the device, summed over the layers, plus a correction fitted on whole-network
 * measurements — `LAT(a) = Σᵢ LUT(opᵢ) + b` in its simplest form. The predictor file is versioned JSON with
 * the machine it was measured on; `hwnas profile` writes it (lib/profile).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { HwnasError } from '../../lib/errors.js';
import type { Architecture, Quantization } from '../../lib/space/decode.js';
import { parseOrThrow } from '../../lib/validate.js';
import { fromArchitecture, layerMacs, type HwNetwork } from '../network.js';
import { dot, leastSquares, relativeErrors, type PredictionAccuracy } from './fit.js';
import { networkOps, opFeatures, opGroup, opKey, type OpSpec } from './ops.js';
import { applyRecalibration, recalibrationSchema, type Recalibration } from './recalibration.js';

/** Latency of a decoded architecture on one target: what any hardware model can expose (ORT CPU, FPGA, ASIC). */
export interface LatencyPredictor {
  /** e.g. `ort-cpu`, `lu2019-pipeline on ep4ce115`. */
  readonly name: string;
  /** Predicted latency of one image, ms. */
  predictMs(arch: Architecture, quant: Quantization): number;
}

/** The current predictor file format. */
export const PREDICTOR_FORMAT = 'hwnas-latency-predictor';
// 2: the minimum of the repeats by default, a speed reference of whole networks, the `kernel` correction.
// 3: the correction group `maxpool:q` (pools after a fixed-point layer), table entries not clamped at 0, per-operator
// departures `opDeltas`, an optional use-time `recalibration`.
export const PREDICTOR_VERSION = 3;

/** Whole-network corrections a profile chooses between (by leave-one-out error on its calibration networks). */
export const CORRECTION_KINDS = ['bias', 'affine', 'affine-ops', 'per-kind', 'per-group', 'regression', 'kernel'] as const;

/**
 * Per-group features of the `kernel` correction: operator count, Σ lookups (ms), Σ MACs/1e6, Σ activation elements/1e4,
 * Σ weights/1e4. Learnt on whole networks, this is nn-Meter's idea (Zhang et al., MobiSys 2021) of costing the
 * kernels as the runtime actually runs them (fused, in context) rather than as isolated graphs: measured here,
 * it cut the held-out RMSE from 9–11 % (per-group lookups) to ~7 %.
 */
export const KERNEL_FEATURES = 5;

/**
 * The groups a `per-group` or `kernel` correction weighs separately (kind × precision). A pool is grouped by the layer
 * before it: after a fixed-point layer (`maxpool:q`) ORT's QDQ propagation runs it on the quantized tensor, after a
 * float convolution (`maxpool`) in the blocked float layout — measured (issue 14, five runs of 300 calibration + 100
 * held-out networks, same-run fit): held-out RMSE 6.6–8.5 % → 6.0–7.5 % with the split, within ±10 % +0–3 points.
 */
export const CORRECTION_GROUPS = ['conv:float', 'conv:q8', 'conv:q16', 'maxpool', 'maxpool:q', 'dense:float', 'dense:q8', 'dense:q16'] as const;
export type CorrectionKind = (typeof CORRECTION_KINDS)[number];

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const accuracySchema = z.object({
  n: z.number().int(),
  within10: finite,
  rmsePct: finite,
  kendallTau: finite,
  pearson: finite,
  maePct: finite,
});

/** Schema of a predictor file. */
export const predictorFileSchema = z.object({
  format: z.literal(PREDICTOR_FORMAT),
  version: z.literal(PREDICTOR_VERSION),
  target: z.string().min(1),
  createdAt: z.string(),
  machine: z.object({
    cpu: z.string(),
    cores: z.number().int(),
    arch: z.string(),
    platform: z.string(),
    node: z.string(),
    runtime: z.string(),
    runtimeVersion: z.string(),
    threads: z.number().int().positive(),
    /** 1-minute load average before and after the profile (the machine may be shared). */
    loadAvg: z.array(finite),
  }),
  settings: z.object({
    warmup: z.number().int(),
    repeats: z.number().int(),
    /** Figure kept of the repeats: median, min, q10 or q25. */
    statistic: z.enum(['median', 'min', 'q10', 'q25']),
    spaces: z.array(z.string()),
    seed: z.number().int(),
    calibrationNetworks: z.number().int(),
  }),
  /** Median time of a session run of an empty (Identity) graph, ms: subtracted from every table entry. */
  overheadMs: finite,
  /**
   * The speed reference's figure during the profile, ms (geometric mean of three fixed graphs timed in every
   * chunk, lib/profile/graphs.ts): every time in this file is normalised to this load level.
   */
  referenceMs: finite,
  /** Each reference graph's level (median over the profile's chunks), ms: what measurements are normalised to. */
  referenceLevels: z.array(finite).min(1),
  /** Operator key → median ms above the overhead, and its spread ((q75 − q25) / median). */
  table: z.record(z.string(), z.object({ ms: finite, spread: finite })),
  /** Per regression group (kind:precision) → coefficients over opFeatures, for operators not in the table. */
  regression: z.record(z.string(), z.array(finite)),
  correction: z.object({
    kind: z.enum(CORRECTION_KINDS),
    coef: z.array(finite),
    /** Leave-one-out figures of every candidate on the calibration networks (the chosen one has the lowest RMSE %). */
    candidates: z.record(z.string(), z.object({ looRmsePct: finite, looWithin10: finite })),
  }),
  /** Per-operator departures learnt on the calibration networks after the correction (hardware/predictor/op-deltas.ts). */
  opDeltas: z
    .object({ lambda: finite, ms: z.record(z.string(), finite), looRmsePct: finite, baseRmsePct: finite })
    .optional(),
  /** The latest use-time recalibration (`hwnas profile --recalibrate`; hardware/predictor/recalibration.ts). */
  recalibration: recalibrationSchema.optional(),
  /** Held-out validation written by the profile when asked for (random networks never used for fitting). */
  validation: z
    .object({
      networks: z.number().int(),
      /** Against measurements normalised to the profile's load level. */
      accuracy: accuracySchema,
      /** Against the raw measurements. */
      rawAccuracy: accuracySchema,
      /** Median over networks of the measurement spread ((q75 − q25) / median of the repeats). */
      noise: finite,
      /**
       * The noise floor: every held-out network measured a second time (fresh sessions, later), the fraction of the
       * two measurements within ±10 % of each other, raw and normalised. No predictor can score above it.
       */
      repeatAgreement: z.object({ raw: finite, normalised: finite }).optional(),
      seed: z.number().int(),
    })
    .optional(),
});

/** A predictor file. */
export type PredictorFile = z.output<typeof predictorFileSchema>;

/** Network-level summary a correction reads. */
export interface NetworkSums {
  /** Σ of table (or regression) latencies of the operators, ms. */
  readonly lookupMs: number;
  readonly ops: number;
  /** MACs / 1e6. */
  readonly mmacs: number;
  /** Activation elements in and out of every operator / 1e4. */
  readonly elems: number;
  /** Σ of the lookups per operator kind (conv, maxpool, dense), ms. */
  readonly byKind?: { readonly conv: number; readonly maxpool: number; readonly dense: number };
  /** Σ of the lookups per regression group ({@link CORRECTION_GROUPS}; others count with their kind's first group), ms. */
  readonly byGroup?: Readonly<Record<string, number>>;
  /** Per group, the {@link KERNEL_FEATURES} sums of the `kernel` correction. */
  readonly kernels?: Readonly<Record<string, readonly number[]>>;
}

/** The correction's feature row of a network (the coefficient vector has the same length). */
export function correctionFeatures(kind: CorrectionKind, s: NetworkSums): number[] {
  switch (kind) {
    case 'bias':
      return [1];
    case 'affine':
      return [s.lookupMs, 1];
    case 'affine-ops':
      return [s.lookupMs, s.ops, 1];
    case 'per-kind': {
      const k = s.byKind ?? { conv: s.lookupMs, maxpool: 0, dense: 0 };
      return [k.conv, k.maxpool, k.dense, 1];
    }
    case 'per-group':
      return [...CORRECTION_GROUPS.map((g) => s.byGroup?.[g] ?? 0), 1];
    case 'regression':
      return [s.mmacs, s.elems, s.ops, 1];
    case 'kernel':
      return [...CORRECTION_GROUPS.flatMap((g) => s.kernels?.[g] ?? new Array<number>(KERNEL_FEATURES).fill(0)), 1];
  }
}

/** Applies a correction. `bias` keeps the sum as is: LAT = Σ LUT + b. */
export function applyCorrection(kind: CorrectionKind, coef: readonly number[], s: NetworkSums): number {
  const f = correctionFeatures(kind, s);
  return kind === 'bias' ? s.lookupMs + coef[0] : dot(f, coef);
}

/**
 * Fits a correction on calibration networks by least squares on the relative error (weights 1/y², so a 0.1 ms
 * network counts as much as a 5 ms one — the ±10 % metric is relative).
 */
export function fitCorrection(kind: CorrectionKind, sums: readonly NetworkSums[], measuredMs: readonly number[]): number[] | null {
  const w = measuredMs.map((y) => 1 / (y * y));
  if (kind === 'bias') {
    // b = weighted mean of (y − Σ).
    const num = sums.reduce((a, s, i) => a + w[i] * (measuredMs[i] - s.lookupMs), 0);
    const den = w.reduce((a, x) => a + x, 0);
    return den > 0 ? [num / den] : null;
  }
  if (kind === 'kernel') {
    // Fitted as a departure from the plain sum (coefficient 1 on each group's lookups): a group the calibration
    // networks barely contain keeps its measured lookups instead of a coefficient near 0 (measured: a profile with 80
    // calibration networks and no q16 dense among them predicted a network whose q16 dense takes 0.12 ms at 0.058 ms).
    const X = sums.map((s) => correctionFeatures(kind, s));
    const coef = leastSquares(X, measuredMs.map((y, i) => y - sums[i].lookupMs), w);
    if (!coef) return null;
    CORRECTION_GROUPS.forEach((_, g) => (coef[g * KERNEL_FEATURES + 1] += 1));
    return coef;
  }
  return leastSquares(sums.map((s) => correctionFeatures(kind, s)), measuredMs, w);
}

/** Leave-one-out predictions of a correction kind (NaN where a fold could not be fitted). */
export function leaveOneOut(kind: CorrectionKind, sums: readonly NetworkSums[], measuredMs: readonly number[]): number[] {
  return sums.map((s, i) => {
    const coef = fitCorrection(kind, sums.filter((_, j) => j !== i), measuredMs.filter((_, j) => j !== i));
    return coef ? applyCorrection(kind, coef, s) : NaN;
  });
}

/** Chooses the correction with the lowest leave-one-out RMSE % and fits it on all calibration networks. */
export function chooseCorrection(sums: readonly NetworkSums[], measuredMs: readonly number[]): PredictorFile['correction'] {
  const candidates: Record<string, { looRmsePct: number; looWithin10: number }> = {};
  let best: { kind: CorrectionKind; rmse: number } | null = null;
  // The regression needs a few more networks than unknowns to be judged at all.
  for (const kind of CORRECTION_KINDS) {
    if (correctionFeatures(kind, sums[0] ?? { lookupMs: 0, ops: 0, mmacs: 0, elems: 0 }).length + 2 > sums.length) continue;
    const pred = leaveOneOut(kind, sums, measuredMs);
    const e = relativeErrors(pred, measuredMs);
    if (e.some((x) => !Number.isFinite(x))) continue;
    const rmse = 100 * Math.sqrt(e.reduce((a, x) => a + x * x, 0) / e.length);
    candidates[kind] = { looRmsePct: rmse, looWithin10: e.filter((x) => Math.abs(x) <= 0.1).length / e.length };
    if (!best || rmse < best.rmse) best = { kind, rmse };
  }
  if (!best) throw new HwnasError('PREDICTOR_FIT', `too few calibration networks (${sums.length}) to fit a correction`);
  const coef = fitCorrection(best.kind, sums, measuredMs)!;
  return { kind: best.kind, coef, candidates };
}

/** A measured-table predictor (table + per-group regression + whole-network correction), optionally recalibrated. */
export class MeasuredLatencyPredictor implements LatencyPredictor {
  readonly name: string;
  /** The use-time recalibration applied to every prediction (the file's, or one given in memory), if any. */
  readonly recalibration: Recalibration | null;

  constructor(
    readonly file: PredictorFile,
    recalibration?: Recalibration | null,
  ) {
    this.name = file.target;
    this.recalibration = recalibration === undefined ? (file.recalibration ?? null) : recalibration;
    if (this.recalibration && this.recalibration.profileCreatedAt !== file.createdAt) {
      throw new HwnasError('INPUT_BAD_PREDICTOR', `the recalibration of ${this.recalibration.createdAt} belongs to the profile of ${this.recalibration.profileCreatedAt}, not to this one (${file.createdAt}); re-run hwnas profile --recalibrate`);
    }
  }

  /** The same predictor with another recalibration (null: none, predictions at the profile's speed). */
  withRecalibration(r: Recalibration | null): MeasuredLatencyPredictor {
    return new MeasuredLatencyPredictor(this.file, r);
  }

  /**
   * The speed-reference levels measurements are normalised to: the recalibration's (the machine's speed when it was
   * fitted, which its predictions are at), else the profile's.
   */
  get referenceLevels(): readonly number[] {
    return this.recalibration?.referenceLevels ?? this.file.referenceLevels;
  }

  /** Latency of one operator above the session overhead, ms (≥ 0): the table entry, else the group's regression. */
  opMs(o: OpSpec): number {
    return Math.max(0, this.lookupMs(o));
  }

  /**
   * The lookup the corrections sum: the table entry as measured (it may be below 0: an operator whose graph ran faster
   * than the empty graph), else the group's regression (≥ 0).
   */
  lookupMs(o: OpSpec): number {
    const hit = this.file.table[opKey(o)];
    if (hit) return hit.ms;
    const coef = this.file.regression[opGroup(o)];
    if (!coef) {
      throw new HwnasError(
        'PREDICTOR_UNKNOWN_OP',
        `the ${this.file.target} predictor has no measurement of "${opKey(o)}" nor a regression for "${opGroup(o)}"; profile a space that contains it (hwnas profile --space …)`,
      );
    }
    // A regression line may go below zero for the smallest operators; an operator never takes negative time.
    return Math.max(0, dot(opFeatures(o), coef));
  }

  /** The sums a correction reads. */
  sums(net: HwNetwork): NetworkSums {
    const ops = networkOps(net);
    let lookupMs = 0;
    let elems = 0;
    const byKind = { conv: 0, maxpool: 0, dense: 0 };
    const byGroup: Record<string, number> = {};
    const kernels: Record<string, number[]> = {};
    let afterFixedPoint = false;
    for (const o of ops) {
      const ms = this.lookupMs(o);
      lookupMs += ms;
      if (o.op === 'conv' || o.op === 'maxpool' || o.op === 'dense') byKind[o.op] += ms;
      // Depthwise and activation groups are folded into their kind's float group (the spaces have none).
      const g0 = (CORRECTION_GROUPS as readonly string[]).includes(opGroup(o)) ? opGroup(o) : o.op === 'conv' ? 'conv:float' : o.op === 'dense' ? 'dense:float' : 'maxpool';
      const g = g0 === 'maxpool' && afterFixedPoint ? 'maxpool:q' : g0;
      if (o.op !== 'maxpool') afterFixedPoint = 'precision' in o && o.precision !== 'float';
      byGroup[g] = (byGroup[g] ?? 0) + ms;
      const f = opFeatures(o);
      elems += f[2];
      const k = (kernels[g] ??= new Array<number>(KERNEL_FEATURES).fill(0));
      k[0] += 1;
      k[1] += ms;
      k[2] += f[1];
      k[3] += f[2];
      k[4] += f[3];
    }
    const mmacs = net.layers.reduce((a, l) => a + layerMacs(l), 0) / 1e6;
    return { lookupMs, ops: ops.length, mmacs, elems, byKind, byGroup, kernels };
  }

  /** Predicted latency of a hardware network at the profile's speed (no recalibration), ms. */
  profileNetworkMs(net: HwNetwork, sums = this.sums(net)): number {
    const c = this.file.correction;
    const d = this.file.opDeltas?.ms;
    const deltas = d ? networkOps(net).reduce((a, o) => a + (d[opKey(o)] ?? 0), 0) : 0;
    // Never below the empty graph's time: a session run costs at least that.
    return Math.max(this.file.overheadMs, applyCorrection(c.kind, c.coef, sums) + deltas);
  }

  /** Predicted latency of a hardware network, ms (recalibrated to the speed of its recalibration, when it has one). */
  predictNetworkMs(net: HwNetwork): number {
    const s = this.sums(net);
    const ms = this.profileNetworkMs(net, s);
    if (!this.recalibration) return ms;
    const c = this.file.correction;
    return Math.max(this.file.overheadMs * this.recalibration.a, applyRecalibration(this.recalibration, ms, correctionFeatures(c.kind, s)));
  }

  predictMs(arch: Architecture, quant: Quantization): number {
    return this.predictNetworkMs(fromArchitecture(arch, quant));
  }
}

/** Validated predictor file from a parsed JSON value (ConfigError with paths otherwise). */
export function parsePredictorFile(raw: unknown, where = 'predictor'): PredictorFile {
  const r = raw as { format?: unknown; version?: unknown } | null;
  if (r && r.format === PREDICTOR_FORMAT && r.version !== PREDICTOR_VERSION) {
    throw new HwnasError('PREDICTOR_VERSION', `${where}: predictor file version ${String(r.version)} is not supported (this hwnas reads version ${PREDICTOR_VERSION}); re-run hwnas profile`);
  }
  return parseOrThrow(predictorFileSchema, raw, where, 'invalid predictor file');
}

/** The default directory of predictor files: `$HWNAS_CACHE/predictors` (default ~/.cache/hwnas/predictors). */
export function defaultPredictorDir(): string {
  return path.join(process.env.HWNAS_CACHE || path.join(os.homedir(), '.cache', 'hwnas'), 'predictors');
}

/** Where the predictor of `target` is read from: env `HWNAS_PREDICTOR_<TARGET>` (e.g. HWNAS_PREDICTOR_ORT_CPU), else the default directory. */
export function predictorPath(target: string): string {
  const env = process.env[`HWNAS_PREDICTOR_${target.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`];
  return env || path.join(defaultPredictorDir(), `${target}.json`);
}

const cache = new Map<string, { mtimeMs: number; predictor: MeasuredLatencyPredictor }>();

/** Loads (and caches, until the file changes) the predictor in `file`; says what to run when it is missing. */
export function loadPredictor(file: string, target = 'ort-cpu'): MeasuredLatencyPredictor {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new HwnasError('INPUT_NO_PREDICTOR', `no latency predictor at ${file}: run \`hwnas profile --target ${target}\` first (or set HWNAS_PREDICTOR_${target.toUpperCase().replace(/[^A-Z0-9]/g, '_')})`);
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === stat.mtimeMs) return hit.predictor;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HwnasError('INPUT_BAD_PREDICTOR', `${file} is not valid JSON: ${(err as Error).message}`);
  }
  const predictor = new MeasuredLatencyPredictor(parsePredictorFile(raw, file));
  cache.set(file, { mtimeMs: stat.mtimeMs, predictor });
  return predictor;
}

/** Accuracy figures type, re-exported for the profile and benches. */
export type { PredictionAccuracy };
