/**
 * The hardware model `ort-cpu`: this machine's CPU running the exported ONNX graph in onnxruntime-node, its
 * latency predicted by the measured predictor `hwnas profile --target ort-cpu` wrote (no device measurement
 * during a search, as in HSCoNAS). It counts no FPGA resources; the spec's `maxLatencyMs` (and
 * `minThroughput`, read as 1000 / latency) are its constraints.
 */
import { constraintViolations, type Constraint } from '../../lib/trial/index.js';
import type { Architecture, Quantization } from '../../lib/space/decode.js';
import { fromArchitecture, type HwNetwork } from '../network.js';
import type { EvaluateOptions, HardwareModel, HardwareReport, StageReport } from '../report.js';
import { specConstraints, type HardwareMetric, type HardwareSpec } from '../spec.js';
import { loadPredictor, predictorPath, type MeasuredLatencyPredictor } from './predictor.js';
import { layerOp, opKey } from './ops.js';
import { layerMacs, layerParams } from '../network.js';
import { registerLatencyOracle } from '../../lib/space/latency-oracle.js';
import { decodeArchitecture, decodeQuantization } from '../../lib/space/decode.js';

/** The predictor the ort-cpu model reads (env HWNAS_PREDICTOR_ORT_CPU, else ~/.cache/hwnas/predictors/ort-cpu.json). */
export function ortCpuPredictor(): MeasuredLatencyPredictor {
  return loadPredictor(predictorPath('ort-cpu'), 'ort-cpu');
}

/** What the CPU model measures. */
const CPU_METRICS: readonly HardwareMetric[] = ['throughput', 'latencyMs'];

/** Constraints of a spec on a CPU latency report (hardware/spec.ts specConstraints). */
function cpuConstraints(spec: HardwareSpec): Constraint[] {
  return specConstraints(spec, CPU_METRICS);
}

function report(net: HwNetwork, spec: HardwareSpec, options: EvaluateOptions): HardwareReport {
  const p = ortCpuPredictor();
  const latencyMs = p.predictNetworkMs(net);
  const throughput = 1000 / latencyMs;
  const violations = constraintViolations(cpuConstraints(spec), { latencyMs, throughput });
  const feasible = Object.values(violations).every((v) => v <= 0);
  const stages: StageReport[] | undefined = options.detail
    ? net.layers.map((l) => ({
        name: l.name, kind: l.kind, macs: layerMacs(l), params: layerParams(l),
        cycles: 0, luts: null, dsps: 0, bramBits: 0,
        config: `${opKey(layerOp(l))} ≈ ${p.opMs(layerOp(l)).toFixed(4)} ms`,
      }))
    : undefined;
  return {
    model: 'ort-cpu',
    device: `${p.file.machine.cpu} (${p.file.machine.runtime} ${p.file.machine.runtimeVersion}, ${p.file.machine.threads} thread${p.file.machine.threads > 1 ? 's' : ''}${p.recalibration ? `, recalibrated ${p.recalibration.createdAt}` : ''})`,
    feasible,
    luts: null,
    dsps: 0,
    bramBits: 0,
    cycles: 0,
    latencyMs,
    throughputImgPerS: throughput,
    violations,
    ...(feasible
      ? {}
      : spec.maxLatencyMs !== undefined && latencyMs > spec.maxLatencyMs
        ? { reason: { code: 'latency' as const, achievableMs: latencyMs, maxMs: spec.maxLatencyMs }, reasonText: `predicted latency ${latencyMs.toFixed(3)} ms > ${spec.maxLatencyMs} ms on this CPU` }
        : { reason: { code: 'throughput' as const, achievable: throughput, required: spec.minThroughput ?? 0 }, reasonText: `predicted ${throughput.toFixed(0)} img/s < ${spec.minThroughput} img/s on this CPU` }),
    ...(stages ? { stages } : {}),
  };
}

/** The measured ORT CPU latency model (HSCoNAS-style predictor). */
export const ortCpuModel: HardwareModel = {
  name: 'ort-cpu',
  description: 'this CPU in onnxruntime-node: per-operator latency table measured by `hwnas profile` + a fitted whole-network correction',
  metrics: CPU_METRICS,
  evaluate: (arch: Architecture, quant: Quantization, spec: HardwareSpec, options: EvaluateOptions = {}) => report(fromArchitecture(arch, quant), spec, options),
  evaluateNetwork: (net: HwNetwork, spec: HardwareSpec, options: EvaluateOptions = {}) => report(net, spec, options),
};

// Strategies reach the predictor through the oracle registry (they never import hardware/).
registerLatencyOracle('ort-cpu', {
  predict: (space, genome) => ortCpuPredictor().predictMs(decodeArchitecture(space, genome), decodeQuantization(space, genome)),
  // The validated error: the held-out validation's RMSE when the profile ran one, else the chosen correction's
  // leave-one-out RMSE on the calibration networks (also a validation: each network predicted by a fit without it).
  rmsePct: () => {
    const f = ortCpuPredictor().file;
    return f.validation?.accuracy.rmsePct ?? f.correction.candidates[f.correction.kind]?.looRmsePct;
  },
});
