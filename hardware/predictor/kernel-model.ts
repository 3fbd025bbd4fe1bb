/**
 * A per-kernel latency model fitted on onnxruntime's own per-node trace (lib/profile/ort-trace.ts): nn-Meter's
 * kernel-level prediction (Zhang et al., MobiSys 2021) — each layer costed as the runtime runs it *inside a whole
 * network*, not as an isolated graph — then summed, plus a per-run overhead fitted on whole-network times:
 *   kernelᵢ ≈ c_g · [1, MACs/1e6, activation elements/1e4, weights/1e4, isolated lookup ms]   (g = the layer's group)
 *   LAT ≈ a · Σᵢ kernelᵢ + b.
 * Both fits are weighted least squares on the relative error (weights 1/y²), like the v2 corrections.
 */
import type { HwNetwork } from '../network.js';
import { dot, leastSquares } from './fit.js';
import { networkOps, opFeatures, opGroup, type OpSpec } from './ops.js';

/** A fitted kernel model (JSON-serialisable). */
export interface KernelModel {
  /** Per group (ops.ts opGroup) → coefficients over {@link kernelFeatures}. */
  readonly groups: Readonly<Record<string, readonly number[]>>;
  /** LAT = a · Σ kernels + b, ms. */
  readonly overhead: readonly [number, number];
}

/** One layer observation: the op and its in-network time from the trace. */
export interface KernelSample {
  readonly op: OpSpec;
  /** The layer's isolated-operator lookup (the v2 table), ms. */
  readonly lookupMs: number;
  readonly ms: number;
}

/** Feature row of a kernel. */
export function kernelFeatures(op: OpSpec, lookupMs: number): number[] {
  return [...opFeatures(op), lookupMs];
}

/** Fewer samples than this in a group: its kernels are costed by their lookup alone (coefficient 1). */
const MIN_GROUP_SAMPLES = 12;

/** Fits the per-group kernel regressions on trace samples. */
export function fitKernelGroups(samples: readonly KernelSample[]): Record<string, number[]> {
  const by = new Map<string, KernelSample[]>();
  for (const s of samples) {
    const g = opGroup(s.op);
    by.set(g, [...(by.get(g) ?? []), s]);
  }
  const groups: Record<string, number[]> = {};
  for (const [g, ss] of by) {
    if (ss.length < MIN_GROUP_SAMPLES) continue;
    const floor = 1e-3; // a 1 µs trace resolution: do not weigh a 0 µs node infinitely
    const coef = leastSquares(ss.map((s) => kernelFeatures(s.op, s.lookupMs)), ss.map((s) => s.ms), ss.map((s) => 1 / Math.max(floor, s.ms) ** 2), 1e-6);
    if (coef) groups[g] = coef;
  }
  return groups;
}

/** Σ of predicted kernels of a network, ms. `lookup` gives an op's isolated-table time. */
export function kernelSumMs(groups: Readonly<Record<string, readonly number[]>>, net: HwNetwork, lookup: (o: OpSpec) => number): number {
  let s = 0;
  for (const o of networkOps(net)) {
    const l = lookup(o);
    const c = groups[opGroup(o)];
    // A kernel never takes negative time; an unfitted group keeps its lookup.
    s += c ? Math.max(0, dot(kernelFeatures(o, l), c)) : l;
  }
  return s;
}

/** Fits the whole-network overhead a · Σ + b on measured networks. */
export function fitOverhead(sums: readonly number[], measuredMs: readonly number[]): [number, number] {
  const c = leastSquares(sums.map((s) => [s, 1]), measuredMs, measuredMs.map((y) => 1 / (y * y)));
  return c ? [c[0], c[1]] : [1, 0];
}

/** Predicted latency of a network under a kernel model, ms. */
export function predictWithKernels(m: KernelModel, net: HwNetwork, lookup: (o: OpSpec) => number): number {
  return Math.max(1e-4, m.overhead[0] * kernelSumMs(m.groups, net, lookup) + m.overhead[1]);
}
