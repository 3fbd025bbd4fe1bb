/** Latency predictors: the interface every hardware model can expose, the measured ORT CPU predictor, its fitting helpers. */
import type { Architecture, Quantization } from '../../lib/space/decode.js';
import { hardwareModel, type HardwareModelName, type HardwareSpec } from '../model.js';
import type { LatencyPredictor } from './predictor.js';

export * from './ops.js';
export * from './fit.js';
export * from './predictor.js';
export * from './recalibration.js';
export * from './op-deltas.js';
export { ortCpuModel, ortCpuPredictor } from './ort-cpu.js';

/**
 * The latency predictor of any registered hardware model under a spec (the analytical FPGA models answer with
 * their mapping's latency; `ort-cpu` with its measured predictor). An infeasible mapping that has no design
 * at all reports Infinity.
 */
export function latencyPredictorOf(model: HardwareModelName, spec: HardwareSpec): LatencyPredictor {
  const m = hardwareModel(model);
  return {
    name: `${model} on ${spec.device.name}`,
    predictMs: (arch: Architecture, quant: Quantization) => m.evaluate(arch, quant, spec).latencyMs,
  };
}
