/**
 * The trace-kernel predictor against the v2 predictor, on the same measured data (issue 14 item 2).
 * Fresh calibration networks are traced by onnxruntime's profiler (per-layer kernel times inside the network,
 * lib/profile/ort-trace.ts) and timed whole (minimum of the repeats, normalised by the speed reference exactly as
 * the v2 predictor's measurements); held-out networks, sampled with another seed and never used for fitting, are
 * timed the same way. Compared on the held-out networks: the v2 predictor as stored; v2's `kernel` correction
 * refitted on these calibration networks (same data as the new method); the trace-kernel model
 * (hardware/predictor/kernel-model.ts).
 */
import { Rng } from '../rng.js';
import { decodeArchitecture, decodeQuantization } from '../space/decode.js';
import { presetSpace, type PresetName } from '../space/presets/index.js';
import { fromArchitecture, type HwNetwork } from '../../hardware/network.js';
import { predictionAccuracy, type PredictionAccuracy } from '../../hardware/predictor/fit.js';
import { networkOps, opGroup, type OpSpec } from '../../hardware/predictor/ops.js';
import { dot } from '../../hardware/predictor/fit.js';
import { applyCorrection, fitCorrection, MeasuredLatencyPredictor, type PredictorFile } from '../../hardware/predictor/predictor.js';
import { kernelFeatures, fitKernelGroups, fitOverhead, kernelSumMs, predictWithKernels, type KernelModel, type KernelSample } from '../../hardware/predictor/kernel-model.js';
import { networkGraph } from './graphs.js';
import { traceGraphs } from './ort-trace.js';
import { measureNetworks, sampleNetworks, type SampledNetwork } from './profile.js';

/** The v2 sums with each operator costed by its trace-fitted kernel model instead of its isolated lookup. */
class TraceKernelLookup extends MeasuredLatencyPredictor {
  constructor(file: PredictorFile, private readonly groups: KernelModel['groups'], private readonly lookup: (o: OpSpec) => number) {
    super(file);
  }
  override opMs(o: OpSpec): number {
    const c = this.groups[opGroup(o)];
    const l = this.lookup(o);
    return c ? Math.max(0, dot(kernelFeatures(o, l), c)) : l;
  }
}


const hw = (n: SampledNetwork): HwNetwork => fromArchitecture(decodeArchitecture(n.space, n.genome), decodeQuantization(n.space, n.genome));

/** What the comparison returns. */
export interface KernelComparison {
  readonly calibration: number;
  readonly heldOut: number;
  /** Accuracy against the normalised measurement and the raw one, per method. */
  readonly methods: Record<'v2-stored' | 'v2-refit' | 'trace-kernel' | 'trace-kernel+correction' | 'trace-share' | 'trace-share+correction' | 'trace-share-analytic', { readonly accuracy: PredictionAccuracy; readonly rawAccuracy: PredictionAccuracy }>;
  /** Fraction of held-out networks whose two independent measurements agree within ±10 % (no method can do better). */
  readonly noiseFloor: { readonly normalised: number; readonly raw: number };
  /** The fused patterns ORT ran (op sequence per layer) and how many layers had each. */
  readonly patterns: Record<string, number>;
  readonly model: KernelModel;
  /** Layers of the calibration traces that matched no layer of the network (0 when the naming holds). */
  readonly unmatchedLayers: number;
}

/** Runs the comparison (see the module comment). */
export async function compareKernelPredictor(
  predictor: MeasuredLatencyPredictor,
  spaces: readonly PresetName[],
  o: { calibration: number; heldOut: number; seed: number; traceRuns?: number; log?: (m: string) => void },
): Promise<KernelComparison> {
  const sp = spaces.map((s) => presetSpace(s));
  const seen = new Set<string>();
  const root = Rng.fromSeed(o.seed);
  const calib = sampleNetworks(sp, o.calibration, root.fork('kernel-calibration'), seen);
  const held = sampleNetworks(sp, o.heldOut, root.fork('kernel-held-out'), seen);
  const lookup = predictor.opMs.bind(predictor);

  o.log?.(`tracing ${calib.length} calibration networks in onnxruntime's profiler…`);
  const grng = root.fork('graphs');
  const traces = await traceGraphs(calib.map((n) => networkGraph(decodeArchitecture(n.space, n.genome), decodeQuantization(n.space, n.genome), n.key, grng)), {
    threads: predictor.file.machine.threads, warmup: 5, runs: o.traceRuns ?? 40,
  });
  const samples: (KernelSample & { net: number })[] = [];
  // Σ of every kernel of a network's trace (layers and ORT's own, e.g. ReorderOutput of NCHWc float convolutions).
  const traceTotal = traces.map((t) => t.reduce((a, k) => a + k.ms, 0));
  const patterns: Record<string, number> = {};
  let unmatched = 0;
  calib.forEach((n, i) => {
    const net = hw(n);
    const ops = networkOps(net);
    const byLayer = new Map(traces[i].map((k) => [k.layer, k]));
    net.layers.forEach((l, j) => {
      const k = byLayer.get(l.name);
      if (!k) return;
      byLayer.delete(l.name);
      patterns[`${l.kind}: ${k.pattern}`] = (patterns[`${l.kind}: ${k.pattern}`] ?? 0) + 1;
      samples.push({ op: ops[j], lookupMs: lookup(ops[j]), ms: k.ms, net: i });
    });
    unmatched += byLayer.size;
  });

  o.log?.(`timing ${calib.length} calibration + ${held.length} held-out networks whole…`);
  const times = await measureNetworks(predictor, [...calib, ...held], { seed: o.seed + 7 });
  const cal = times.slice(0, calib.length);
  const ho = times.slice(calib.length);
  // The noise floor on these held-out networks: measured a second time, independently.
  const again = await measureNetworks(predictor, held, { seed: o.seed + 8 });
  const agree = (a: readonly number[], b: readonly number[]) => a.filter((x, i) => Math.abs(x / b[i] - 1) <= 0.1).length / Math.max(1, a.length);

  const calNets = calib.map(hw);
  const heldNets = held.map(hw);
  const calMs = cal.map((t) => t.ms);
  // Two ways to read the trace: its kernel times as traced (one profiling session per network, not interleaved: a
  // load burst moves a whole network), or its **shares**: each network's measured time (minimum of the interleaved
  // repeats, normalised; less the empty graph's) split over its kernels in the trace's proportions.
  const shares = samples.map((x) => ({ ...x, ms: (x.ms / traceTotal[x.net]) * Math.max(1e-4, calMs[x.net] - predictor.file.overheadMs) }));
  const variant = (ss: readonly KernelSample[], lookup: (o: OpSpec) => number) => {
    const groups = fitKernelGroups(ss.map((x) => ({ ...x, lookupMs: lookup(x.op) })));
    const model: KernelModel = { groups, overhead: fitOverhead(calNets.map((n) => kernelSumMs(groups, n, lookup)), calMs) };
    // The hybrid: v2's `kernel` correction over the trace-fitted kernel times instead of the isolated lookups.
    const traced = new TraceKernelLookup(predictor.file, groups, lookup);
    const hybrid = fitCorrection('kernel', calNets.map((n) => traced.sums(n)), calMs);
    return {
      model,
      plain: heldNets.map((n) => predictWithKernels(model, n, lookup)),
      corrected: heldNets.map((n) => (hybrid ? Math.max(predictor.file.overheadMs, applyCorrection('kernel', hybrid, traced.sums(n))) : NaN)),
    };
  };
  const asTraced = variant(samples, lookup);
  const asShares = variant(shares, lookup);
  // Without the isolated-operator table at all (its entries were timed at the profile's load, maybe not today's):
  // each kernel from MACs, activations and weights only, fitted on the in-network shares.
  const analytic = variant(shares, () => 0);
  const refit = fitCorrection('kernel', calNets.map((n) => predictor.sums(n)), calMs);
  const judge = (pred: number[]) => ({ accuracy: predictionAccuracy(pred, ho.map((t) => t.ms)), rawAccuracy: predictionAccuracy(pred, ho.map((t) => t.rawMs)) });
  return {
    calibration: calib.length,
    heldOut: held.length,
    methods: {
      'v2-stored': judge(heldNets.map((n) => predictor.predictNetworkMs(n))),
      'v2-refit': judge(heldNets.map((n) => (refit ? Math.max(predictor.file.overheadMs, applyCorrection('kernel', refit, predictor.sums(n))) : NaN))),
      'trace-kernel': judge(asTraced.plain),
      'trace-kernel+correction': judge(asTraced.corrected),
      'trace-share': judge(asShares.plain),
      'trace-share+correction': judge(asShares.corrected),
      'trace-share-analytic': judge(analytic.plain),
    },
    noiseFloor: { normalised: agree(ho.map((t) => t.ms), again.map((t) => t.ms)), raw: agree(ho.map((t) => t.rawMs), again.map((t) => t.rawMs)) },
    patterns,
    model: asShares.model,
    unmatchedLayers: unmatched,
  };
}
