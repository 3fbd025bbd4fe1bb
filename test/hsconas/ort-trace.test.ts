import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture, decodeQuantization, presetSpace } from '../../lib/space/index.js';
import { fromArchitecture } from '../../hardware/network.js';
import { networkOps, opFeatures, opGroup } from '../../hardware/predictor/ops.js';
import { fitKernelGroups, fitOverhead, kernelSumMs, predictWithKernels, type KernelSample } from '../../hardware/predictor/kernel-model.js';
import { networkGraph } from '../../lib/profile/graphs.js';
import { kernelSumMs as traceSumMs, kernelTimings, layerOfNode, parseOrtTrace, traceGraphs } from '../../lib/profile/ort-trace.js';

const node = (name: string, op: string, ts: number, dur: number) => ({ cat: 'Node', name, ts, dur, args: { op_name: op } });

describe('onnxruntime profiler trace', () => {
  it('parses nodes per run, drops fences and nodes outside runs, groups layers and keeps the per-run minimum', () => {
    const events = [
      { cat: 'Session', name: 'session_initialization', ts: 0, dur: 50 },
      node('L1/weight_dq_kernel_time', 'DequantizeLinear', 10, 5), // during initialisation: not a run
      { cat: 'Session', name: 'model_run', ts: 100, dur: 100 },
      node('L1/conv_fence_before', 'Conv', 101, 0),
      node('L1/conv_kernel_time', 'Conv', 102, 40),
      node('L1/bias_add_kernel_time', 'Add', 150, 10),
      node('L1.pool/maxpool_kernel_time', 'MaxPool', 160, 8),
      node('L1.pool_dq_kernel_time', 'DequantizeLinear', 170, 2),
      { cat: 'Session', name: 'model_run', ts: 300, dur: 100 },
      node('L1/conv_kernel_time', 'Conv', 301, 30),
      node('L1/bias_add_kernel_time', 'Add', 340, 30),
      node('L1.pool/maxpool_kernel_time', 'MaxPool', 380, 20),
      node('L1.pool_dq_kernel_time', 'DequantizeLinear', 395, 3),
    ];
    const nodes = parseOrtTrace(events);
    expect(nodes.map((n) => n.run)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(layerOfNode('L1.pool_dq')).toBe('L1.pool');
    expect(layerOfNode('fc/dense')).toBe('fc');
    const k = kernelTimings(nodes);
    expect(k.map((x) => x.layer)).toEqual(['L1', 'L1.pool']);
    expect(k[0].pattern).toBe('Conv+Add');
    expect(k[1].pattern).toBe('MaxPool+DequantizeLinear');
    // Per-run sums of L1: 50 µs, 60 µs → 0.05 ms; of L1.pool: 10, 23 → 0.01 ms.
    expect(k[0].ms).toBeCloseTo(0.05, 12);
    expect(k[1].ms).toBeCloseTo(0.01, 12);
    expect(traceSumMs(nodes)).toBeCloseTo(0.06, 12);
  });

  it('traces a real exported network: every layer of the network is a kernel with its ops and a positive time', async () => {
    const space = presetSpace('lu2019-mnist');
    const rng = Rng.fromSeed(3);
    const g = space.sample(rng);
    const arch = decodeArchitecture(space, g);
    const quant = decodeQuantization(space, g);
    const [kernels] = await traceGraphs([networkGraph(arch, quant, 'n', rng)], { threads: 1, warmup: 1, runs: 3 });
    const byLayer = new Map(kernels.map((x) => [x.layer, x]));
    for (const l of fromArchitecture(arch, quant).layers) {
      const k = byLayer.get(l.name);
      expect(k, l.name).toBeDefined();
      expect(k!.ms).toBeGreaterThan(0);
      expect(k!.pattern).toMatch(l.kind === 'maxpool' ? /MaxPool/ : /Conv|Gemm|MatMul/);
    }
  });
});

describe('kernel model', () => {
  it('recovers a per-group linear kernel cost and a whole-network overhead', () => {
    const space = presetSpace('lu2019-mnist');
    const rng = Rng.fromSeed(5);
    const nets = Array.from({ length: 60 }, () => {
      const g = space.sample(rng);
      return fromArchitecture(decodeArchitecture(space, g), decodeQuantization(space, g));
    });
    // Truth: a kernel costs 0.004 + 0.08 ms/MMAC + 0.001 ms per 10⁴ elements; its isolated lookup is twice that.
    const truth = (f: number[]) => 0.004 + 0.08 * f[1] + 0.001 * f[2];
    const lookup = (o: Parameters<typeof opFeatures>[0]) => 2 * truth(opFeatures(o));
    const samples: KernelSample[] = nets.flatMap((n) => networkOps(n).map((op) => ({ op, lookupMs: lookup(op), ms: truth(opFeatures(op)) })));
    const groups = fitKernelGroups(samples);
    const sums = nets.map((n) => kernelSumMs(groups, n, lookup));
    // Groups with too few samples keep their lookup (2× the truth here): check the networks made of fitted groups.
    const fitted = nets.map((n, i) => [n, i] as const).filter(([n]) => networkOps(n).every((o) => groups[opGroup(o)]));
    expect(fitted.length).toBeGreaterThan(nets.length / 2);
    for (const [n, i] of fitted) expect(sums[i] / networkOps(n).reduce((a, o) => a + truth(opFeatures(o)), 0)).toBeCloseTo(1, 3); // the fit's 1e-6 ridge
    const overhead = fitOverhead(sums, sums.map((s) => 1.1 * s + 0.02));
    expect(overhead[0]).toBeCloseTo(1.1, 4);
    expect(overhead[1]).toBeCloseTo(0.02, 4);
    expect(predictWithKernels({ groups, overhead }, nets[0], lookup)).toBeCloseTo(1.1 * sums[0] + 0.02, 4);
  });
});
