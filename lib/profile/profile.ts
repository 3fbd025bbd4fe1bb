/**
 * `hwnas profile --target ort-cpu`: measures a latency predictor for this CPU in onnxruntime-node
 * (HSCoNAS's hardware performance model, MODELS-ACCELERATORS.md §3.3; the per-kernel lookup of nn-Meter).
 *
 *  1. operators: every operator the chosen spaces' networks contain (found by decoding sampled genomes), plus
 *     a generic grid (conv over kernel, stride, channels and resolution; depthwise; pooling; dense;
 *     activations) that feeds the per-kind regressions for operators outside the table;
 *  2. each operator graph and an empty graph are timed (warm-up, interleaved repeats, minimum), with a fixed speed
 *     reference (a panel of whole networks) in every chunk; every time is normalised to the profile's load level (timing.ts
 *     `normalise`), and an operator's entry is its time minus the empty graph's;
 *  3. calibration: whole random networks of the spaces, exported as `hwnas export` builds them, are timed; a
 *     whole-network correction (bias, affine, affine + per-op, per-group, a pure network-level regression, or the
 *     `kernel` model learnt on whole networks) is chosen by leave-one-out error and fitted on all of them;
 *  4. validation (optional, on by default): held-out random networks, never used in fitting, predicted against
 *     measured: fraction within ±10 %, Kendall's τ, RMSE %; and measured a second time, the noise floor.
 */
import os from 'node:os';
import { HwnasError } from '../errors.js';
import { Rng } from '../rng.js';
import { decodeArchitecture, decodeQuantization } from '../space/decode.js';
import { presetSpace, type PresetName } from '../space/presets/index.js';
import type { Genome } from '../space/genome.js';
import type { SearchSpace } from '../space/search-space.js';
import { fromArchitecture } from '../../hardware/network.js';
import { leastSquares, median, predictionAccuracy, type PredictionAccuracy } from '../../hardware/predictor/fit.js';
import { networkOps, opFeatures, opGroup, opKey, type OpSpec } from '../../hardware/predictor/ops.js';
import {
  chooseCorrection,
  MeasuredLatencyPredictor,
  PREDICTOR_FORMAT,
  PREDICTOR_VERSION,
  type PredictorFile,
} from '../../hardware/predictor/predictor.js';
import { fitOpDeltas } from '../../hardware/predictor/op-deltas.js';
import { emptyGraph, networkGraph, opGraph, referenceGraphs, type TimedGraphSpec } from './graphs.js';
import { normalise, ortVersion, timeGraphs, type GraphTiming, type TimingStatistic } from './timing.js';

/** Seed of the speed reference's weights (fixed: every profile and measurement times the same graphs). */
export const REFERENCE_SEED = 20210325;

/** Options of a profile run. */
export interface ProfileOptions {
  readonly target: 'ort-cpu';
  /** Spaces whose operators are tabulated (lu2019 family). */
  readonly spaces: readonly PresetName[];
  readonly threads: number;
  readonly warmup: number;
  readonly repeats: number;
  /** Figure kept of the repeats (median by default; see TimingOptions). */
  readonly statistic: TimingStatistic;
  /** Whole networks timed to fit the correction. */
  readonly calibrationNetworks: number;
  /** Held-out networks of the validation (0 = none). */
  readonly validationNetworks: number;
  /** Include the generic operator grid (for operators outside the spaces). */
  readonly grid: boolean;
  readonly seed: number;
  /** Genomes decoded per space to collect its operators. */
  readonly samplesPerSpace?: number;
  readonly onPhase?: (phase: string, total: number) => void;
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * The defaults `hwnas profile` uses (about 1.5–3 minutes here, on 2 cores shared with ~9 other agents). 600
 * calibration networks: the `kernel` correction has 41 unknowns, networks are cheap to time (~0.1 ms each, 600 ≈ 15 s
 * quiet), and more of them kept helping: on the quiet diagnosis data (five runs, same-run fit, 100 held-out networks)
 * 100 / 150 / 200 / 300 calibration networks scored 74–84 / 79–87 / 77–89 / 79–91 % within ±10 %.
 */
export const DEFAULT_PROFILE: Omit<ProfileOptions, 'onPhase' | 'onProgress' | 'signal'> = {
  target: 'ort-cpu',
  spaces: ['lu2019-mnist', 'lu2019-mnist-float'],
  threads: 1,
  warmup: 5,
  repeats: 101,
  statistic: 'min',
  calibrationNetworks: 600,
  validationNetworks: 100,
  grid: true,
  seed: 1,
};

/** One validated network. */
export interface ValidationPoint {
  readonly space: string;
  readonly key: string;
  readonly predictedMs: number;
  /** Measured, at the profile's load level (normalised by the speed reference), ms. */
  readonly measuredMs: number;
  /** Measured as timed, ms. */
  readonly rawMs: number;
  readonly spread: number;
  /** The second, independent measurement (normalised, raw), when the validation measured twice. */
  readonly againMs?: number;
  readonly againRawMs?: number;
}

/**
 * Operator graphs timed at once, interleaved (with the empty graph and the speed reference), and passes over all
 * of them (an entry is the mean of its passes). An isolated operator takes ~0.03 ms, mostly session overhead, so its
 * figure is far noisier than a network's: measured under load ≈ 20 on 2 cores, two passes over the same 300
 * operators agreed within ±10 % for 39 % (raw) / 78 % (normalised) of them in chunks of 24, 83 % / 92 % in
 * chunks of 100; and the table's noise, not the model's form, dominated the held-out error.
 */
const OPERATOR_CHUNK = 100;
const OPERATOR_PASSES = 2;

/** Networks timed at once, interleaved (with the speed reference): wider chunks spread load bursts over more graphs. */
const NETWORK_CHUNK = 50;

/** Fraction of pairs within ±10 % of each other. */
function agreement(a: readonly number[], b: readonly number[]): number {
  return a.length === 0 ? 0 : a.filter((x, i) => Math.abs(x / b[i] - 1) <= 0.1).length / a.length;
}

/** What a profile returns: the file to store and the validation points. */
export interface ProfileResult {
  readonly file: PredictorFile;
  readonly validation: readonly ValidationPoint[];
  readonly wallMs: number;
}

/** The generic operator grid (see the module comment). */
export function genericGrid(): OpSpec[] {
  const out: OpSpec[] = [];
  for (const k of [1, 3, 5, 7]) for (const stride of [1, 2]) for (const c of [8, 16, 32]) for (const h of [8, 16, 32]) {
    out.push({ op: 'conv', cin: c, cout: c, k, stride, h, w: h, groups: 1, precision: 'float' });
  }
  for (const k of [3, 5]) for (const stride of [1, 2]) for (const c of [16, 32]) for (const h of [8, 16, 32]) {
    out.push({ op: 'conv', cin: c, cout: c, k, stride, h, w: h, groups: c, precision: 'float' });
  }
  for (const [k, s] of [[2, 2], [3, 2]]) for (const c of [8, 32]) for (const h of [8, 16, 32]) out.push({ op: 'maxpool', c, h, w: h, k, stride: s });
  for (const n of [256, 1024, 4096]) for (const units of [10, 100]) out.push({ op: 'dense', cin: n, h: 1, w: 1, units, precision: 'float' });
  for (const elements of [1_000, 10_000, 100_000]) for (const op of ['relu', 'sigmoid'] as const) out.push({ op, elements });
  return out;
}

function opsOfGenome(space: SearchSpace, g: Genome): OpSpec[] {
  return networkOps(fromArchitecture(decodeArchitecture(space, g), decodeQuantization(space, g)));
}

/** The distinct operators of `samples` random genomes of a space. */
export function spaceOps(space: SearchSpace, rng: Rng, samples: number): OpSpec[] {
  const seen = new Map<string, OpSpec>();
  for (let i = 0; i < samples; i++) for (const o of opsOfGenome(space, space.sample(rng))) seen.set(opKey(o), o);
  return [...seen.values()];
}

/** A sampled network: its space, genome and a key unique across spaces. */
export interface SampledNetwork {
  readonly space: SearchSpace;
  readonly genome: Genome;
  readonly key: string;
}

/** Random distinct networks of the spaces (round-robin over spaces), excluding keys in `exclude` (and adding theirs). */
export function sampleNetworks(spaces: readonly SearchSpace[], n: number, rng: Rng, exclude: Set<string>): SampledNetwork[] {
  const out: SampledNetwork[] = [];
  for (let i = 0, tries = 0; out.length < n && tries < n * 50; tries++) {
    const space = spaces[i % spaces.length];
    const genome = space.sample(rng);
    const key = `${space.name}|${space.key(genome)}`;
    if (exclude.has(key)) continue;
    exclude.add(key);
    out.push({ space, genome, key });
    i++;
  }
  return out;
}

/** Fits each regression group's line over its table entries (relative least squares). */
function fitRegressions(ops: readonly OpSpec[], table: PredictorFile['table']): Record<string, number[]> {
  const groups = new Map<string, { X: number[][]; y: number[] }>();
  for (const o of ops) {
    const e = table[opKey(o)];
    if (!e) continue;
    const g = groups.get(opGroup(o)) ?? { X: [], y: [] };
    g.X.push(opFeatures(o));
    g.y.push(Math.max(e.ms, 1e-4));
    groups.set(opGroup(o), g);
  }
  const out: Record<string, number[]> = {};
  for (const [name, g] of groups) {
    if (g.y.length < 2) continue;
    const coef = leastSquares(g.X, g.y, g.y.map((y) => 1 / (y * y)));
    if (coef && coef.every(Number.isFinite)) out[name] = coef;
  }
  return out;
}

/** Runs a whole profile (see the module comment). */
export async function runProfile(o: ProfileOptions): Promise<ProfileResult> {
  if (o.target !== 'ort-cpu') throw new HwnasError('INPUT_TARGET', `unknown profile target "${o.target}" (known: ort-cpu)`);
  const t0 = Date.now();
  const load0 = os.loadavg()[0];
  const root = Rng.fromSeed(o.seed);
  const spaces = o.spaces.map((n) => presetSpace(n));
  for (const s of spaces) {
    if (s.meta.family !== 'lu2019') throw new HwnasError('INPUT_SPACE', `space "${s.name}" is not of the lu2019 family; profile a lu2019 space`);
  }
  // 1. Operators.
  const opRng = root.fork('ops');
  const ops = new Map<string, OpSpec>();
  for (const s of spaces) for (const op of spaceOps(s, opRng, o.samplesPerSpace ?? 4000)) ops.set(opKey(op), op);
  if (o.grid) for (const op of genericGrid()) ops.set(opKey(op), op);
  const opList = [...ops.values()];
  // 2. Operator graphs, with the empty graph in every chunk (its normalised median is the per-run overhead) and the
  // speed reference at the head of every chunk.
  const wRng = root.fork('weights');
  const reference = referenceGraphs(Rng.fromSeed(REFERENCE_SEED));
  const timing = { threads: o.threads, warmup: o.warmup, repeats: o.repeats, statistic: o.statistic, signal: o.signal, reference };
  const graphs: TimedGraphSpec[] = opList.map((op) => opGraph(op, opKey(op), wRng));
  const empty = emptyGraph();
  o.onPhase?.('operators', graphs.length * OPERATOR_PASSES);
  const chunk = OPERATOR_CHUNK - 1;
  const withEmpty: TimedGraphSpec[] = [];
  for (let i = 0; i < graphs.length; i += chunk) withEmpty.push({ ...empty, key: `empty#${i / chunk}` }, ...graphs.slice(i, i + chunk));
  const passes: GraphTiming[][] = [];
  for (let pass = 0; pass < OPERATOR_PASSES; pass++) {
    const done0 = pass * graphs.length;
    passes.push(await timeGraphs(withEmpty, { ...timing, chunk: chunk + 1, onProgress: (d) => o.onProgress?.(done0 + Math.min(d, graphs.length), graphs.length * OPERATOR_PASSES) }));
  }
  const opTimings = passes.flat();
  // The load level of the whole profile: the median of the chunks' reference figures.
  const levels = reference.map((_, i) => median(opTimings.map((t) => t.references![i])));
  const referenceMs = Math.exp(levels.reduce((a, x) => a + Math.log(x), 0) / levels.length);
  const emptyTimes = opTimings.filter((t) => t.key.startsWith('empty#'));
  const overheadMs = median(emptyTimes.map((t) => normalise(t, levels)));
  const table: PredictorFile['table'] = {};
  // An entry: the mean over passes of its normalised figure, above the overhead.
  for (let j = 0; j < withEmpty.length; j++) {
    const key = withEmpty[j].key;
    if (key.startsWith('empty#')) continue;
    const ts = passes.map((p) => p[j]);
    const ms = ts.reduce((a, t) => a + normalise(t, levels), 0) / ts.length;
    // Not clamped at 0: a small operator timed below the empty graph (its input and output are smaller) still ranks
    // below a larger one, and the correction's per-group operator count carries the offset. 10–17 % of the entries
    // are below 0 here; clamping them threw that ordering away (no difference measured on one loaded run, issue 14).
    table[key] = { ms: ms - overheadMs, spread: median(ts.map((t) => t.spread)) };
  }
  const regression = fitRegressions(opList, table);
  // 3. Calibration networks.
  const used = new Set<string>();
  const netRng = root.fork('calibration');
  const calib = sampleNetworks(spaces, o.calibrationNetworks, netRng, used);
  o.onPhase?.('calibration networks', calib.length);
  const calibTimes = (await timeNetworks(calib, netRng, timing, o.onProgress)).map((t) => ({ ...t, ms: normalise(t, levels) }));
  const file0: PredictorFile = {
    format: PREDICTOR_FORMAT,
    version: PREDICTOR_VERSION,
    target: o.target,
    createdAt: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model?.trim() || 'unknown',
      cores: os.availableParallelism(),
      arch: process.arch,
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      runtime: 'onnxruntime-node',
      runtimeVersion: await ortVersion(),
      threads: o.threads,
      loadAvg: [load0],
    },
    settings: { warmup: o.warmup, repeats: o.repeats, statistic: o.statistic, spaces: [...o.spaces], seed: o.seed, calibrationNetworks: calib.length },
    overheadMs,
    referenceMs,
    referenceLevels: levels,
    table,
    regression,
    correction: { kind: 'bias', coef: [0], candidates: {} },
  };
  const raw = new MeasuredLatencyPredictor(file0);
  const sums = calib.map((c) => raw.sums(fromArchitecture(decodeArchitecture(c.space, c.genome), decodeQuantization(c.space, c.genome))));
  const correction = chooseCorrection(sums, calibTimes.map((t) => t.ms));
  // Per-operator departures on the corrected predictions' residuals (hardware/predictor/op-deltas.ts).
  const corrected = new MeasuredLatencyPredictor({ ...file0, correction });
  const opDeltas = fitOpDeltas(calib.map((c, i) => {
    const net = fromArchitecture(decodeArchitecture(c.space, c.genome), decodeQuantization(c.space, c.genome));
    return { ops: networkOps(net).map(opKey), predictedMs: corrected.profileNetworkMs(net, sums[i]), measuredMs: calibTimes[i].ms };
  }));
  let file: PredictorFile = { ...file0, correction, ...(opDeltas ? { opDeltas } : {}) };
  // 4. Validation.
  let validation: ValidationPoint[] = [];
  if (o.validationNetworks > 0) {
    const valRng = root.fork('validation');
    const held = sampleNetworks(spaces, o.validationNetworks, valRng, used);
    o.onPhase?.('validation networks', held.length);
    const times = await timeNetworks(held, valRng, timing, o.onProgress);
    // The noise floor: the same networks again, fresh sessions (same graphs), measured after the first pass.
    o.onPhase?.('validation networks, second measurement', held.length);
    const again = await timeNetworks(held, valRng.fork('again'), timing, o.onProgress);
    const p = new MeasuredLatencyPredictor(file);
    validation = held.map((h, i) => ({
      space: h.space.name,
      key: h.key,
      predictedMs: p.predictMs(decodeArchitecture(h.space, h.genome), decodeQuantization(h.space, h.genome)),
      measuredMs: normalise(times[i], levels),
      rawMs: times[i].ms,
      spread: times[i].spread,
      againMs: normalise(again[i], levels),
      againRawMs: again[i].ms,
    }));
    file = {
      ...file,
      validation: {
        networks: validation.length,
        accuracy: predictionAccuracy(validation.map((v) => v.predictedMs), validation.map((v) => v.measuredMs)),
        rawAccuracy: predictionAccuracy(validation.map((v) => v.predictedMs), validation.map((v) => v.rawMs)),
        noise: median(validation.map((v) => v.spread)),
        repeatAgreement: {
          raw: agreement(validation.map((v) => v.rawMs), validation.map((v) => v.againRawMs!)),
          normalised: agreement(validation.map((v) => v.measuredMs), validation.map((v) => v.againMs!)),
        },
        seed: o.seed,
      },
    };
  }
  file = { ...file, machine: { ...file.machine, loadAvg: [load0, os.loadavg()[0]] } };
  return { file, validation, wallMs: Date.now() - t0 };
}

/** Times networks (their exported graphs with random weights). */
export async function timeNetworks(
  nets: readonly { space: SearchSpace; genome: Genome; key: string }[],
  rng: Rng,
  timing: { threads: number; warmup: number; repeats: number; statistic?: TimingStatistic; signal?: AbortSignal; reference?: readonly TimedGraphSpec[] },
  onProgress?: (done: number, total: number) => void,
): Promise<GraphTiming[]> {
  const graphs = nets.map((n) => networkGraph(decodeArchitecture(n.space, n.genome), decodeQuantization(n.space, n.genome), n.key, rng));
  return timeGraphs(graphs, { chunk: NETWORK_CHUNK, ...timing, onProgress });
}

/**
 * Measures networks of a space in onnxruntime-node the way the predictor was profiled (same threads,
 * statistic and speed reference), at the predictor's load level (`ms`) and as timed (`rawMs`).
 */
export async function measureNetworks(
  predictor: MeasuredLatencyPredictor,
  nets: readonly { space: SearchSpace; genome: Genome; key: string }[],
  o: { seed: number; warmup?: number; repeats?: number; onProgress?: (d: number, t: number) => void },
): Promise<{ key: string; ms: number; rawMs: number; spread: number; references?: readonly number[] }[]> {
  const f = predictor.file;
  const rng = Rng.fromSeed(o.seed).fork('measure');
  const times = await timeNetworks(nets, rng, {
    threads: f.machine.threads,
    warmup: o.warmup ?? f.settings.warmup,
    repeats: o.repeats ?? f.settings.repeats,
    statistic: f.settings.statistic,
    reference: referenceGraphs(Rng.fromSeed(REFERENCE_SEED)),
  }, o.onProgress);
  // Normalised to the speed the predictions are at: the recalibration's when there is one, else the profile's.
  return times.map((t) => ({ key: t.key, ms: normalise(t, predictor.referenceLevels), rawMs: t.ms, spread: t.spread, references: t.references }));
}

/** What {@link validatePredictor} measured. */
export interface PredictorValidation {
  /** The predictor as given against the measurements normalised to its speed (the recalibration's, else the profile's). */
  readonly accuracy: PredictionAccuracy;
  /** The predictor as given against the measurements as timed. */
  readonly rawAccuracy: PredictionAccuracy;
  readonly points: ValidationPoint[];
  readonly noise: number;
  readonly repeatAgreement: { raw: number; normalised: number };
  /** When the predictor is recalibrated: the stored predictor (no recalibration), normalised to the profile's speed and raw. */
  readonly stored?: { readonly accuracy: PredictionAccuracy; readonly rawAccuracy: PredictionAccuracy };
}

/**
 * Validation of an existing predictor on fresh random networks of `spaces` (outside `exclude`, e.g. a recalibration's
 * panel), each measured twice; the speed reference is timed in every chunk, so each network is normalised by the
 * references timed next to it (drift through the run is tracked).
 */
export async function validatePredictor(
  predictor: MeasuredLatencyPredictor,
  spaces: readonly PresetName[],
  n: number,
  o: { seed: number; warmup?: number; repeats?: number; exclude?: ReadonlySet<string>; onProgress?: (d: number, t: number) => void },
): Promise<PredictorValidation> {
  const rng = Rng.fromSeed(o.seed).fork('validate');
  const nets = sampleNetworks(spaces.map((s) => presetSpace(s)), n, rng, new Set(o.exclude ?? []));
  const times = await measureNetworks(predictor, nets, o);
  // The noise floor: every network measured a second time, independently (fresh sessions, later).
  const again = await measureNetworks(predictor, nets, { ...o, seed: o.seed + 1 });
  const points = nets.map((h, i) => ({
    space: h.space.name,
    key: h.key,
    predictedMs: predictor.predictMs(decodeArchitecture(h.space, h.genome), decodeQuantization(h.space, h.genome)),
    measuredMs: times[i].ms,
    rawMs: times[i].rawMs,
    spread: times[i].spread,
    againMs: again[i].ms,
    againRawMs: again[i].rawMs,
  }));
  let stored: PredictorValidation['stored'];
  if (predictor.recalibration) {
    const p0 = predictor.withRecalibration(null);
    const pred0 = nets.map((h) => p0.predictMs(decodeArchitecture(h.space, h.genome), decodeQuantization(h.space, h.genome)));
    const atProfile = times.map((t) => (t.references ? normalise({ key: t.key, ms: t.rawMs, spread: t.spread, samples: [], references: t.references }, predictor.file.referenceLevels) : t.rawMs));
    stored = { accuracy: predictionAccuracy(pred0, atProfile), rawAccuracy: predictionAccuracy(pred0, times.map((t) => t.rawMs)) };
  }
  return {
    accuracy: predictionAccuracy(points.map((p) => p.predictedMs), points.map((p) => p.measuredMs)),
    rawAccuracy: predictionAccuracy(points.map((p) => p.predictedMs), points.map((p) => p.rawMs)),
    points,
    noise: median(points.map((p) => p.spread)),
    repeatAgreement: { raw: agreement(times.map((t) => t.rawMs), again.map((t) => t.rawMs)), normalised: agreement(times.map((t) => t.ms), again.map((t) => t.ms)) },
    ...(stored ? { stored } : {}),
  };
}

/** A measured ONNX file: at the predictor's load level (`ms`) and as timed (`rawMs`), with the spread of its repeats. */
export interface FileMeasurement {
  readonly ms: number;
  readonly rawMs: number;
  readonly spread: number;
  readonly repeats: number;
}

/**
 * Times an ONNX model (e.g. an exported winner, NCHW float input of batch 1) the way `predictor` was profiled:
 * same threads, statistic and speed reference, normalised to its load level.
 */
export async function measureOnnx(predictor: MeasuredLatencyPredictor, bytes: Uint8Array, inputShape: readonly number[], o: { repeats?: number; warmup?: number } = {}): Promise<FileMeasurement> {
  const f = predictor.file;
  const repeats = o.repeats ?? Math.max(f.settings.repeats, 201);
  const [t] = await timeGraphs([{ key: 'model', bytes, inputShape }], {
    threads: f.machine.threads,
    warmup: o.warmup ?? f.settings.warmup,
    repeats,
    statistic: f.settings.statistic,
    reference: referenceGraphs(Rng.fromSeed(REFERENCE_SEED)),
  });
  return { ms: normalise(t, predictor.referenceLevels), rawMs: t.ms, spread: t.spread, repeats };
}
