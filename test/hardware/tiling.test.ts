import { describe, expect, it } from 'vitest';
import { HwnasError } from '../../lib/errors.js';
import { DEVICES } from '../../hardware/device.js';
import { xferSplitLatency } from '../../hardware/multi-fpga.js';
import {
  allocateDsps, BITS16, bestLayerTiling, bestUniformTiling, FNAS_SEARCH, fnasNetwork, layerOps, roofline, tiledLatency, tilingBramBlocks,
  type TileLayer,
} from '../../hardware/tiling.js';

describe('tiling model: the authors’ golden vectors (MODELS.md §2.3, §3.3, §4.1)', () => {
  it('hotNAS PM_Config: M=128 N=192 R=C=13 K=1 S=1 P=1, Tm=64 Tn=4 Tr=Tc=13, ports 2/16/2 → 64,896 cycles', () => {
    const lat = tiledLatency({ M: 128, N: 192, R: 13, C: 13, K: 1, S: 1, P: 1 }, { Tm: 64, Tn: 4, Tr: 13, Tc: 13 }, { wp: 2, ip: 16, op: 2 }, BITS16);
    // By hand: R = C = 15 after padding → 2×2 row/col tiles, 2 channel tiles; ⌈192/4⌉ = 48 steps of max(42.25, 128, 169).
    expect(lat.tComp).toBe(169);
    expect(lat.tW).toBe(128);
    expect(lat.tI).toBe(42.25);
    expect(lat.tO).toBe(5408);
    expect(lat.lat2).toBe(48 * 169);
    expect(lat.cycles).toBe(64_896);
  });

  it('XFER: B=2 M=128 N=192 R=C=13 K=3, Tm=8 Tn=32 Tr=Tc=13, ports 2/2/2 → 519,168 cycles, 2.88e10 OP/s, 1280 DSP, 592 BRAM18', () => {
    const layer: TileLayer = { M: 128, N: 192, R: 13, C: 13, K: 3, B: 2 };
    const t = { Tm: 8, Tn: 32, Tr: 13, Tc: 13 };
    const lat = tiledLatency(layer, t, { wp: 2, ip: 2, op: 2 });
    expect(lat.cycles).toBe(519_168);
    expect(xferSplitLatency(layer, t, { Pb: 1, Pr: 1, Pc: 1, Pm: 1 }, { wp: 2, ip: 2, op: 2, ap: 2 })).toBe(519_168);
    expect((layerOps(layer) / lat.cycles) * 1e8).toBeCloseTo(2.88e10, -8);
    expect(5 * t.Tm * t.Tn).toBe(1280);
    expect(tilingBramBlocks(layer, t, 'float32', 18_000)).toBe(592);
    expect(tilingBramBlocks(layer, t, 'float32', DEVICES.xczu9eg.bramBlockBits)).toBe(592);
  });

  it('XFER split of one layer over two FPGAs (hand-computed)', () => {
    const layer: TileLayer = { M: 128, N: 192, R: 13, C: 13, K: 3, B: 2 };
    const t = { Tm: 8, Tn: 32, Tr: 13, Tc: 13 };
    // Pm = 2: Lat1 = max(tI/2, tI_net/2, tW, tComp) = max(1352, 1352, 1152, 1521) = 1521;
    // Lat2 = max(6·1521, 676) = 9126; Lat = 2·1·1·⌈64/8⌉·9126 = 146,016.
    expect(xferSplitLatency(layer, t, { Pb: 1, Pr: 1, Pc: 1, Pm: 2 }, { wp: 2, ip: 2, op: 2, ap: 2 })).toBe(146_016);
    // Pb = 2: Lat1 = max(tI, tW/2, tW_net/2, tComp) = max(2704, 576, 576, 1521) = 2704 → 1·16·max(6·2704, 676) = 259,584.
    expect(xferSplitLatency(layer, t, { Pb: 2, Pr: 1, Pc: 1, Pm: 1 }, { wp: 2, ip: 2, op: 2, ap: 2 })).toBe(259_584);
  });

  it('FNAS test vector: actions [5,9,7,18,5,36,14,36], 28×28×1, 220 DSP → alloc [1,6,12,200], Σ 7,145,600, max 2,508,800', () => {
    const ks = [5, 7, 5, 14];
    const fs = [9, 18, 36, 36];
    const layers: TileLayer[] = ks.map((K, i) => ({ name: `L${i + 1}`, M: fs[i], N: i === 0 ? 1 : fs[i - 1], R: 28, C: 28, K }));
    expect(allocateDsps(layers, 220)).toEqual([1, 6, 12, 200]);
    const r = fnasNetwork(layers, DEVICES.xc7z020, FNAS_SEARCH, 220);
    expect(r.layers.map((l) => [l.latency.cycles, l.tiling.Tm, l.tiling.Tn])).toEqual([
      [360_000, 1, 1],
      [2_116_800, 2, 3],
      [2_160_000, 2, 6],
      [2_508_800, 5, 36],
    ]);
    expect(r.totalCycles).toBe(7_145_600);
    expect(r.maxCycles).toBe(2_508_800);
  });

  it('rejects impossible layers and tilings with typed errors', () => {
    expect(() => tiledLatency({ M: 0, N: 1, R: 1, C: 1, K: 1 }, { Tm: 1, Tn: 1, Tr: 1, Tc: 1 })).not.toThrow(); // formula only
    expect(() => fnasNetwork([{ M: 0, N: 1, R: 1, C: 1, K: 1 }], DEVICES.xc7z020, FNAS_SEARCH)).toThrow(HwnasError);
    // A float layer needs 5 DSPs per MAC: a 4-DSP budget fits nothing.
    expect(() => fnasNetwork([{ name: 'c', M: 4, N: 4, R: 8, C: 8, K: 3 }], DEVICES.xc7z020, { ...FNAS_SEARCH, precision: 'float32' }, 4)).toThrow(
      /layer c has no tiling within its 4 DSP share/,
    );
    expect(() => tiledLatency({ M: 1, N: 1, R: 1, C: 1, K: 1 }, { Tm: 1, Tn: 1, Tr: 1, Tc: 1 }, { wp: 1, ip: 1, op: 1 }, { weightBits: 32, portBits: 16 })).toThrow(
      /weight port carries no whole weight/,
    );
  });
});

/**
 * Zhang et al. 2015 (FPGA'15): AlexNet's 5 conv layers on a VC707 (XC7VX485T), 32-bit float, 100 MHz.
 * Verified here: the abstract's 61.62 GFLOPS peak at 100 MHz. The unified unroll factors ⟨Tm, Tn⟩ = ⟨64, 7⟩
 * come from the project brief, not re-checked against the paper's text. Layers per group as in the paper's
 * table (two groups each, B = 2): R = C are the output map.
 */
const ALEXNET: TileLayer[] = [
  { name: 'conv1', M: 48, N: 3, R: 55, C: 55, K: 11, S: 4, B: 2 },
  { name: 'conv2', M: 128, N: 48, R: 27, C: 27, K: 5, B: 2 },
  { name: 'conv3', M: 192, N: 256, R: 13, C: 13, K: 3, B: 2 },
  { name: 'conv4', M: 192, N: 192, R: 13, C: 13, K: 3, B: 2 },
  { name: 'conv5', M: 128, N: 192, R: 13, C: 13, K: 3, B: 2 },
];

describe('tiling model against Zhang et al. 2015 (AlexNet, VC707, float32, 100 MHz)', () => {
  it('⟨64,7⟩ with whole-map tiles: computational roof 66.4 GFLOPS, 7.7 % above the paper’s measured 61.62 GFLOPS', () => {
    const items = ALEXNET.map((layer) => ({ layer, tiling: { Tm: 64, Tn: 7, Tr: layer.R, Tc: layer.C } }));
    const r = roofline(items, { clockMHz: 100, bytesPerWord: 4 });
    // 1.33 GFLOP per image (2·665,784,864 MACs) in 2,005,892 compute cycles.
    expect(r.ops).toBe(2 * 665_784_864);
    expect(r.computeCycles).toBe(2_005_892);
    expect(r.computationalRoofGops).toBeCloseTo(66.38, 1);
    const ratio = r.computationalRoofGops / 61.62;
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(1.1);
    // 64·7 float MACs = 2,240 DSPs ≤ 2,800.
    expect(64 * 7 * 5).toBeLessThanOrEqual(DEVICES.xc7vx485t.dsps);
  });

  it('cycle-level model with ⟨64,7⟩: 59.1 GFLOPS on 2-word ports (−4.1 %), 66.4 on 4-word ports (+7.7 %); our search picks ⟨64,8⟩', () => {
    const dev = DEVICES.xc7vx485t;
    const lim = { dsps: dev.dsps, bramBlocks: dev.bramBlocks };
    // The cycle-level model tiles the input map (hotNAS form): give conv1 its 55×55 output map with stride 1.
    const layers = ALEXNET.map((l) => ({ ...l, S: 1 }));
    const ops = 2 * 665_784_864;
    const gflops = (cycles: number): number => (ops / cycles) * 1e8 / 1e9;
    const at = (ports: { wp: number; ip: number; op: number }) => {
      const search = { ports, bits: BITS16, precision: 'float32' as const };
      const per = layers.map((l) => bestLayerTiling(l, dev, lim, search, { Tm: 64, Tn: 7 })!);
      return { total: per.reduce((s, t) => s + t.latency.cycles, 0), best: bestUniformTiling(layers, dev, lim, search)! };
    };
    const narrow = at({ wp: 2, ip: 2, op: 2 });
    const wide = at({ wp: 4, ip: 4, op: 4 });
    // 2-word ports: conv3–5 wait on input transfers (tI > tComp), 2,254,382 cycles.
    expect(narrow.total).toBe(2_254_382);
    expect(gflops(narrow.total) / 61.62).toBeCloseTo(0.959, 3);
    // 4-word ports: compute-bound everywhere, the computational roof above.
    expect(wide.total).toBe(2_005_892);
    expect(gflops(wide.total) / 61.62).toBeCloseTo(1.077, 3);
    // Within 2,800 DSPs our search prefers ⟨64,8⟩ (2,560 DSPs): the paper's choice also weighed limits this model
    // does not have (LUTs of the float operators, the bandwidth roof), so the unroll factors differ.
    expect([wide.best.Tm, wide.best.Tn]).toEqual([64, 8]);
    expect(wide.best.totalCycles).toBeLessThan(wide.total);
    expect(Math.ceil(wide.best.Tm * wide.best.Tn * 5)).toBeLessThanOrEqual(dev.dsps);
  });
});
