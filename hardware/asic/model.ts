/**
 * The `asic` HardwareModel: a network on one dataflow-template accelerator (MAESTRO-style; hardware/asic/cost.ts),
 * reporting latency, energy and area against the spec's bounds (`maxLatencyMs`, `minThroughput`, `maxEnergyNj`,
 * `maxAreaUm2`). The accelerator is `spec.accelerator` (catalog name or description; default eyeriss).
 */
import { ConfigError } from '../../lib/errors.js';
import { fromArchitecture, type HwNetwork } from '../network.js';
import type { EvaluateOptions, HardwareModel, HardwareReport } from '../report.js';
import type { HardwareSpec } from '../spec.js';
import { resolveAccelerator, type AsicAccelerator } from './accelerator.js';
import { asicReport, ASIC_METRICS } from './report.js';

/** The default accelerator of the asic model. */
export const DEFAULT_ACCELERATOR = 'eyeriss';

const resolved = new WeakMap<object, AsicAccelerator>();

/** The accelerator a spec names (resolved once per description object). */
export function specAccelerator(spec: HardwareSpec): AsicAccelerator {
  const ref = spec.accelerator ?? DEFAULT_ACCELERATOR;
  if (typeof ref === 'string') return resolveAccelerator(ref, 'hardware.accelerator');
  let a = resolved.get(ref);
  if (!a) {
    a = resolveAccelerator(ref, 'hardware.accelerator');
    resolved.set(ref, a);
  }
  return a;
}

function report(net: HwNetwork, spec: HardwareSpec, options: EvaluateOptions): HardwareReport {
  if (spec.lutBudget !== undefined || spec.dspBudget !== undefined || spec.bramBudgetBits !== undefined) {
    throw new ConfigError([{ path: 'hardware', message: 'model "asic" counts latency, energy and area, not LUTs, DSPs or BRAM; drop those budgets' }], 'invalid hardware spec');
  }
  const a = specAccelerator(spec);
  const r = asicReport(net, a, {
    batch: spec.batch,
    maxLatencyMs: spec.maxLatencyMs,
    minThroughput: spec.minThroughput,
    maxEnergyNj: spec.maxEnergyNj,
    maxAreaUm2: spec.maxAreaUm2,
  }, options.detail === true);
  return {
    model: 'asic',
    luts: null,
    dsps: 0,
    bramBits: 0,
    ...r,
    ...(r.asic
      ? {
          stages: r.asic.layers.map((l) => ({
            name: l.name, kind: l.kind, macs: l.macs, params: l.params, cycles: l.cycles, luts: null, dsps: 0, bramBits: 0, config: l.mapping,
          })),
        }
      : {}),
  };
}

/** MAESTRO-style ASIC from a dataflow template (shi / dla / rs): latency, energy, area. */
export const asicModel: HardwareModel = {
  name: 'asic',
  description: 'ASIC accelerator from a dataflow template (shi output-, dla weight-, rs row-stationary), MAESTRO-style latency, energy and area',
  metrics: ASIC_METRICS,
  evaluate: (arch, quant, spec, options = {}) => report(fromArchitecture(arch, quant), spec, options),
  evaluateNetwork: (net, spec, options = {}) => report(net, spec, options),
};
