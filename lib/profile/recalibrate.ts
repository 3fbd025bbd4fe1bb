/**
 * Use-time recalibration of the ORT CPU predictor (hardware/predictor/recalibration.ts for the model): a fixed panel of
 * random networks of the predictor's spaces is timed now, interleaved with the speed reference as the profile timed
 * its networks, and the map from the stored predictions to the times measured now is fitted. A few seconds on a quiet
 * machine (150 networks ≈ 4 s here). `hwnas profile --recalibrate` stores it in the predictor file, which every
 * later search, worker and measurement reads.
 */
import os from 'node:os';
import { writeFileAtomic } from '../fs-atomic.js';
import { HwnasError } from '../errors.js';
import { Rng } from '../rng.js';
import { decodeArchitecture, decodeQuantization } from '../space/decode.js';
import { PRESET_NAMES, presetSpace, type PresetName } from '../space/presets/index.js';
import { fromArchitecture } from '../../hardware/network.js';
import { median, predictionAccuracy, type PredictionAccuracy } from '../../hardware/predictor/fit.js';
import { correctionFeatures, loadPredictor, type MeasuredLatencyPredictor } from '../../hardware/predictor/predictor.js';
import { fitRecalibration, type Recalibration } from '../../hardware/predictor/recalibration.js';
import { REFERENCE_NETWORKS, referenceGraphs } from './graphs.js';
import { REFERENCE_SEED, sampleNetworks, timeNetworks, type SampledNetwork } from './profile.js';
import { normalise, type GraphTiming } from './timing.js';

/** Networks of the default panel: enough that δ's 40 terms are tied down (see recalibration.ts), ~4 s quiet here. */
export const DEFAULT_RECALIBRATION_PANEL = 150;

/** Options of {@link recalibrate}. */
export interface RecalibrateOptions {
  /** Networks timed (default {@link DEFAULT_RECALIBRATION_PANEL}). */
  readonly panel?: number;
  /** Seed of the panel's networks (fixed by default: every recalibration times the same panel). */
  readonly seed?: number;
  readonly lambda?: number;
  readonly repeats?: number;
  readonly warmup?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** A recalibration and what it timed. */
export interface RecalibrateResult {
  readonly recalibration: Recalibration;
  /** Keys of the panel's networks (a validation after it samples outside them). */
  readonly panelKeys: ReadonlySet<string>;
  readonly wallMs: number;
}

/** Seed of the default panel. */
const PANEL_SEED = 20261201;

/** The predictor's spaces as presets (the panel and validation networks are sampled from them). */
function presetSpaces(predictor: MeasuredLatencyPredictor): PresetName[] {
  const f = predictor.file;
  const names = f.settings.spaces.filter((s): s is PresetName => (PRESET_NAMES as readonly string[]).includes(s));
  if (names.length === 0) throw new HwnasError('INPUT_SPACE', `the predictor's spaces (${f.settings.spaces.join(', ')}) are not known presets; cannot sample a recalibration panel`);
  return names;
}

/** Times networks the way the predictor was profiled (threads, repeats, statistic), with the speed reference in every chunk. */
function timeLikeProfile(predictor: MeasuredLatencyPredictor, nets: readonly SampledNetwork[], rng: Rng, o: RecalibrateOptions): Promise<GraphTiming[]> {
  const f = predictor.file;
  return timeNetworks(nets, rng, {
    threads: f.machine.threads,
    warmup: o.warmup ?? f.settings.warmup,
    repeats: o.repeats ?? f.settings.repeats,
    statistic: f.settings.statistic,
    signal: o.signal,
    reference: referenceGraphs(Rng.fromSeed(REFERENCE_SEED)),
  }, o.onProgress);
}

/** The speed during a measurement: each reference network's median over its chunks (as the profile's levels). */
function levelsOf(times: readonly GraphTiming[]): number[] {
  return Array.from({ length: REFERENCE_NETWORKS }, (_, i) => median(times.map((t) => t.references?.[i] ?? NaN).filter(Number.isFinite)));
}

/** Fits the recalibration of the stored predictor `stored` on timed panel networks. */
function fitOnPanel(stored: MeasuredLatencyPredictor, panel: readonly SampledNetwork[], times: readonly GraphTiming[], lambda: number | undefined): Recalibration {
  const f = stored.file;
  const points = panel.map((n, i) => {
    const net = fromArchitecture(decodeArchitecture(n.space, n.genome), decodeQuantization(n.space, n.genome));
    const sums = stored.sums(net);
    return { profileMs: stored.profileNetworkMs(net, sums), features: correctionFeatures(f.correction.kind, sums), measuredMs: times[i].ms };
  });
  return fitRecalibration(points, { lambda, referenceLevels: levelsOf(times), profileCreatedAt: f.createdAt, loadAvg: os.loadavg()[0] });
}

/** Times the panel now and fits the recalibration of `predictor` (its stored predictions; any recalibration it has is ignored). */
export async function recalibrate(predictor: MeasuredLatencyPredictor, o: RecalibrateOptions = {}): Promise<RecalibrateResult> {
  const t0 = Date.now();
  const stored = predictor.withRecalibration(null);
  const rng = Rng.fromSeed(o.seed ?? PANEL_SEED).fork('recalibrate');
  const panel = sampleNetworks(presetSpaces(stored).map((n) => presetSpace(n)), o.panel ?? DEFAULT_RECALIBRATION_PANEL, rng, new Set());
  const times = await timeLikeProfile(stored, panel, rng.fork('weights'), o);
  return { recalibration: fitOnPanel(stored, panel, times, o.lambda), panelKeys: new Set(panel.map((n) => n.key)), wallMs: Date.now() - t0 };
}

/** One pass of {@link validateInterleaved}: the panel's recalibration and the held-out figures. */
export interface InterleavedPass {
  readonly recalibration: Recalibration;
  /** Recalibrated predictions against the held-out times as measured, and normalised to the pass's speed-reference levels. */
  readonly rawAccuracy: PredictionAccuracy;
  readonly accuracy: PredictionAccuracy;
  /** The stored predictor on the same held-out measurements (raw; normalised to the profile's levels). */
  readonly stored: { readonly rawAccuracy: PredictionAccuracy; readonly accuracy: PredictionAccuracy };
  readonly rawMs: readonly number[];
  readonly ms: readonly number[];
}

/**
 * Validation with the recalibration panel **interleaved** with the held-out networks: both are shuffled into the
 * same chunks (with the speed reference), so the panel measures the machine's speed in the very minutes the held-out
 * networks are timed, and the recalibration fitted on it predicts the held-out ones (never fitted on). Two independent
 * passes (fresh sessions); their held-out times give the noise floor.
 */
export async function validateInterleaved(
  predictor: MeasuredLatencyPredictor,
  n: number,
  o: RecalibrateOptions & { readonly seed: number },
): Promise<{ readonly passes: readonly InterleavedPass[]; readonly repeatAgreement: { raw: number; normalised: number }; readonly heldOut: number; readonly panel: number }> {
  const stored = predictor.withRecalibration(null);
  const spaces = presetSpaces(stored).map((s) => presetSpace(s));
  const rng = Rng.fromSeed(o.seed).fork('interleaved');
  const used = new Set<string>();
  const panel = sampleNetworks(spaces, o.panel ?? DEFAULT_RECALIBRATION_PANEL, rng.fork('panel'), used);
  const held = sampleNetworks(spaces, n, rng.fork('held'), used);
  // A fixed shuffle (both kinds in every chunk).
  const order = rng.fork('order').shuffle([...panel, ...held].map((_, i) => i));
  const all = [...panel, ...held];
  const predictions = held.map((h) => fromArchitecture(decodeArchitecture(h.space, h.genome), decodeQuantization(h.space, h.genome)));
  const stored0 = predictions.map((net) => stored.predictNetworkMs(net));
  const passes: InterleavedPass[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const shuffled = await timeLikeProfile(stored, order.map((i) => all[i]), rng.fork(`weights#${pass}`), o);
    const times: GraphTiming[] = new Array<GraphTiming>(all.length);
    order.forEach((i, j) => (times[i] = shuffled[j]));
    const recalibration = fitOnPanel(stored, panel, times.slice(0, panel.length), o.lambda);
    const p = stored.withRecalibration(recalibration);
    const heldTimes = times.slice(panel.length);
    const pred = predictions.map((net) => p.predictNetworkMs(net));
    const rawMs = heldTimes.map((t) => t.ms);
    const ms = heldTimes.map((t) => normalise(t, recalibration.referenceLevels));
    passes.push({
      recalibration,
      rawAccuracy: predictionAccuracy(pred, rawMs),
      accuracy: predictionAccuracy(pred, ms),
      stored: { rawAccuracy: predictionAccuracy(stored0, rawMs), accuracy: predictionAccuracy(stored0, heldTimes.map((t) => normalise(t, stored.file.referenceLevels))) },
      rawMs,
      ms,
    });
  }
  const agree = (a: readonly number[], b: readonly number[]): number => a.filter((x, i) => Math.abs(x / b[i] - 1) <= 0.1).length / a.length;
  return { passes, repeatAgreement: { raw: agree(passes[0].rawMs, passes[1].rawMs), normalised: agree(passes[0].ms, passes[1].ms) }, heldOut: held.length, panel: panel.length };
}

/**
 * Recalibrates the predictor stored in `file` and stores the recalibration in it (atomically), so every later search,
 * pool worker and measurement that reads the file predicts at the machine's speed now. What `hwnas profile
 * --recalibrate` runs; a search can call it before it starts (not on resume: a resumed run keeps the predictions it had).
 */
export async function recalibrateFile(file: string, o: RecalibrateOptions = {}): Promise<RecalibrateResult> {
  const predictor = loadPredictor(file);
  const res = await recalibrate(predictor, o);
  writeFileAtomic(file, JSON.stringify({ ...predictor.file, recalibration: res.recalibration }, null, 1) + '\n', 'PREDICTOR_WRITE');
  return res;
}
