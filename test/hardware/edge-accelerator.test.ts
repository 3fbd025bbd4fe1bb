/**
 * The edge-accelerator template, its workloads, the co-design problems' known constraints (which must agree with
 * the model exactly), and the `edge` HardwareModel.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { decodeEdgeMbnet, edgeMbnetSpace, EDGE_MBNET } from '../../lib/space/index.js';
import type { GeneValue } from '../../lib/space/gene.js';
import {
  bestEdgeMappings,
  EDGE_ACCELERATORS,
  edgeArea,
  edgeLayerCost,
  edgeLayerMacs,
  edgeNetworkCost,
  edgeTileBytes,
  type EdgeLayer,
} from '../../hardware/edge-accelerator.js';
import { EDGE_WORKLOADS, mobilenetLikeLayers, MOBILENET_REDUCED } from '../../hardware/edge-workloads.js';
import { edgeLayersOf } from '../../hardware/edge-model.js';
import { hardwareModel, parseHardwareSpec } from '../../hardware/model.js';
import { EDGE_AREA_BUDGET_UM2, edgeCodesignNestedProblem, edgeCodesignProblem, edgeHardwareOf } from '../../problems/edge-codesign.js';

const tpu = EDGE_ACCELERATORS['edgetpu-like'];

describe('edge accelerator model', () => {
  it('MobileNetV2 1.0 at 224 has its published ~300 M multiply-adds (Sandler et al. 2018)', () => {
    const macs = EDGE_WORKLOADS['mobilenet-v2']().reduce((s, l) => s + edgeLayerMacs(l), 0);
    expect(macs / 1e6).toBeGreaterThan(290);
    expect(macs / 1e6).toBeLessThan(310);
  });

  it('depthwise layers use the lanes poorly; a fused inverted bottleneck beats its IBN at equal MACs per output', () => {
    const conv: EdgeLayer = { name: 'c', kind: 'conv', h: 28, w: 28, c: 64, k: 64, r: 3, stride: 1 };
    const dw: EdgeLayer = { ...conv, name: 'd', kind: 'depthwise' };
    // Split over rows so every PE has all 64 channels for its SIMD units; lanes reduce over C·R·S (conv) or R·S only (dw).
    const m = { split: 'rows' as const, tileK: 64, tileRows: 4 };
    const wide = { ...tpu, lanes: 8 };
    expect(edgeLayerCost(dw, m, wide).utilisation).toBeLessThan(0.7 * edgeLayerCost(conv, m, wide).utilisation);
    // Early stage (large maps, few channels): fused IBN (one 3×3 conv) vs IBN (1×1 expand + depthwise).
    const stage = (op: 'ibn' | 'fused') =>
      mobilenetLikeLayers({ ...MOBILENET_REDUCED, input: 64, stages: [{ op, t: 4, c: 16, n: 1, s: 1, k: 3 }] }).filter((l) => l.name.startsWith('s1'));
    const lat = (layers: EdgeLayer[]) => edgeNetworkCost(layers, bestEdgeMappings(layers, tpu)!, tpu);
    const fused = lat(stage('fused'));
    const ibn = lat(stage('ibn'));
    const util = (c: ReturnType<typeof lat>) => c.layers.reduce((s, l) => s + l.macs, 0) / c.layers.reduce((s, l) => s + l.computeCycles, 0);
    expect(util(fused)).toBeGreaterThan(util(ibn));
  });

  it('is a roofline: never faster than compute, DRAM-bound when I/O is starved, slower with a smaller array', () => {
    const l: EdgeLayer = { name: 'x', kind: 'conv', h: 14, w: 14, c: 256, k: 256, r: 3, stride: 1 };
    const m = { split: 'k' as const, tileK: 32, tileRows: 2 };
    const c = edgeLayerCost(l, m, tpu);
    expect(c.cycles).toBeGreaterThanOrEqual(c.computeCycles);
    const starved = edgeLayerCost(l, m, { ...tpu, ioGBps: 0.01 });
    expect(starved.bound).toBe('dram');
    expect(starved.latencyMs).toBeGreaterThan(c.latencyMs * 10);
    expect(edgeLayerCost(l, m, EDGE_ACCELERATORS['edge-small']).computeCycles).toBeGreaterThan(c.computeCycles);
    // More local memory for a larger tile lowers global traffic.
    const rows = { ...m, split: 'rows' as const };
    expect(edgeLayerCost(l, { ...rows, tileK: 128 }, tpu).globalBytes).toBeLessThan(edgeLayerCost(l, rows, tpu).globalBytes);
  });

  it('the exact mapper only picks tiles that fit, and none when nothing fits', () => {
    const layers = EDGE_WORKLOADS['mobilenet-reduced']();
    const m = bestEdgeMappings(layers, tpu)!;
    layers.forEach((l, i) => expect(edgeTileBytes(l, m[i])).toBeLessThanOrEqual(tpu.localMemoryKB * 1024));
    expect(bestEdgeMappings(layers, { ...tpu, localMemoryKB: 0.01 })).toBeNull();
  });
});

describe('edge co-design problems', () => {
  it('the declared known constraints agree with the model: tile sizes, area and accumulators', () => {
    const p = edgeCodesignProblem();
    const layers = EDGE_WORKLOADS['mobilenet-reduced']();
    const rng = Rng.fromSeed(11);
    let invalid = 0;
    for (let n = 0; n < 400; n++) {
      const raw: Record<string, GeneValue> = {};
      for (const g of p.space.genes) raw[g.name] = rng.pick((g as { choices: readonly GeneValue[] }).choices);
      const hw = edgeHardwareOf(raw);
      const tilesFit = layers.every((l, i) =>
        edgeTileBytes(l, { split: raw[`L${i}.split`] as 'k', tileK: raw[`L${i}.tileK`] as number, tileRows: raw[`L${i}.tileRows`] as number }) <= hw.localMemoryKB * 1024,
      );
      const ok = tilesFit && edgeArea(hw) <= EDGE_AREA_BUDGET_UM2 * (1 + 1e-12) && hw.simd * hw.lanes * 4 <= hw.registerFileKB * 1024;
      expect(p.space.satisfiesConstraints(raw)).toBe(ok);
      if (!ok) invalid++;
    }
    expect(invalid).toBeGreaterThan(40);
  });

  it('every sampled design is valid, and its evaluation has no overflowing layer', () => {
    const p = edgeCodesignProblem();
    const rng = Rng.fromSeed(2);
    for (let n = 0; n < 30; n++) {
      const g = p.space.sample(rng);
      expect(p.space.validate(g)).toEqual([]);
      expect(p.evaluate(g).overflowingLayers).toBe(0);
    }
  });

  it('nested: the Edge-TPU-like point with its best mappings is the hypervolume nadir (0 saved)', () => {
    const p = edgeCodesignNestedProblem();
    const g = p.space.canonical({
      'hw.pesX': 4, 'hw.pesY': 4, 'hw.simd': 64, 'hw.lanes': 4, 'hw.registerFileKB': 32, 'hw.localMemoryKB': 256, 'hw.globalMemoryKB': 4096, 'hw.ioGBps': 15,
    });
    const m = p.evaluate(g);
    expect(m.unmappableLayers).toBe(0);
    // 15 GB/s instead of the baseline's 16: never better than the baseline.
    expect(m.edp).toBeGreaterThanOrEqual(p.hypervolume.nadir![0] * (1 - 1e-9));
  });
});

describe('edge HardwareModel', () => {
  it('maps a network and reports latency, energy and area against the spec', () => {
    const net = {
      name: 'tiny',
      input: [32, 32, 3] as [number, number, number],
      layers: [],
    };
    const model = hardwareModel('edge');
    const spec = parseHardwareSpec({ device: 'ep4ce115', accelerator: 'edge-small', maxLatencyMs: 1e-9 });
    const r = model.evaluateNetwork(net, spec);
    expect(r.model).toBe('edge');
    expect(r.device).toBe('edge-small');
    expect(edgeLayersOf(net)).toEqual([]);
    expect(() => model.evaluateNetwork(net, parseHardwareSpec({ device: 'ep4ce115', accelerator: 'eyeriss' }))).toThrow(/edge/);
  });
});

describe('MobileNet-like edge spaces', () => {
  it('decode to layers: fused stages have no depthwise layer, IBN stages one per block; widths scale by 8s', () => {
    const space = edgeMbnetSpace();
    const g = space.canonical({
      'S1.op': 'fused', 'S1.kernel': 3, 'S1.expansion': 1, 'S1.blocks': 1, 'S1.width': 1,
      'S2.op': 'fused', 'S2.kernel': 5, 'S2.expansion': 3, 'S2.blocks': 2, 'S2.width': 1.25,
      'S3.op': 'ibn', 'S3.kernel': 3, 'S3.expansion': 6, 'S3.blocks': 2, 'S3.width': 0.75,
      'S4.op': 'ibn', 'S4.kernel': 5, 'S4.expansion': 3, 'S4.blocks': 1, 'S4.width': 1,
      'S5.op': 'ibn', 'S5.kernel': 3, 'S5.expansion': 1, 'S5.blocks': 1, 'S5.width': 1,
    });
    expect(space.validate(g)).toEqual([]);
    const net = decodeEdgeMbnet(space, g);
    expect(net.stages.map((s) => s.c)).toEqual([8, 24, 16, 40, 80]);
    const layers = mobilenetLikeLayers(net);
    const dw = layers.filter((l) => l.kind === 'depthwise');
    expect(dw.map((l) => l.name)).toEqual(['s3b1.dw', 's3b2.dw', 's4b1.dw', 's5b1.dw']);
    expect(layers.find((l) => l.name === 's2b1.fused')).toMatchObject({ kind: 'conv', r: 5, stride: 2, k: 8 * 3 });
    // The full space decodes MobileNetV2's shape at width 1, expansion 6, kernel 3, IBN everywhere (first stage t = 1).
    const full = edgeMbnetSpace(EDGE_MBNET);
    const v2 = full.canonical(Object.fromEntries(full.genes.map((gene) => {
      const [stage, key] = gene.name.split('.');
      const i = Number(stage.slice(1)) - 1;
      const v = { op: 'ibn', kernel: 3, expansion: i === 0 ? 1 : 6, blocks: [1, 2, 3, 4, 3, 3, 1][i], width: 1 }[key]!;
      return [gene.name, v];
    })));
    const macs = mobilenetLikeLayers(decodeEdgeMbnet(full, v2)).reduce((s, l) => s + edgeLayerMacs(l), 0);
    expect(macs).toBe(EDGE_WORKLOADS['mobilenet-v2']().reduce((s, l) => s + edgeLayerMacs(l), 0));
  });
});
