/** Issue 18's two tiling defects: strided outputs counted from the input, and the BRAM over-use with a wrong reason. */
import { describe, expect, it } from 'vitest';
import { DEVICES } from '../../hardware/device.js';
import { referenceArchitecture } from '../../hardware/architectures.js';
import { describeReason } from '../../hardware/fpga-pipeline.js';
import { hardwareModel, parseHardwareSpec, tileLayersOf } from '../../hardware/model.js';
import { BITS16, FNAS_SEARCH, layerOps, tiledLatency, tryFnasNetwork, type TileLayer } from '../../hardware/tiling.js';

const CONV1: TileLayer = { name: 'conv1', M: 96, N: 3, R: 227, C: 227, K: 11, S: 4, Ro: 55, Co: 55 };

describe('strided convolutions count the outputs the network declares', () => {
  it('AlexNet conv1 (227×227, 11×11, stride 4): 55×55 outputs, not ⌈227/4⌉² = 57²', () => {
    expect(layerOps(CONV1)).toBe(2 * 55 * 55 * 96 * 3 * 121);
    // Whole-map tile, one output channel tile of 96, Tn = 3: compute = K²·55·55 cycles, one tile.
    const lat = tiledLatency(CONV1, { Tm: 96, Tn: 3, Tr: 227, Tc: 227 }, { wp: 2, ip: 2, op: 2 }, BITS16);
    expect(lat.tComp).toBe(121 * 55 * 55);
    expect(lat.tiles).toBe(1);
    expect(lat.tO).toBe((96 * 55 * 55) / 2);
    // Tr = 20 input rows → 5 output rows per tile, ⌈55/5⌉ = 11 row tiles (not ⌈227/20⌉ = 12).
    const small = tiledLatency(CONV1, { Tm: 96, Tn: 3, Tr: 20, Tc: 227 }, { wp: 2, ip: 2, op: 2 }, BITS16);
    expect(small.tComp).toBe(121 * 5 * 55);
    expect(small.tiles).toBe(11);
    // Without declared outputs the hotNAS count stays (it is what its golden vector needs).
    const legacy = tiledLatency({ ...CONV1, Ro: undefined, Co: undefined }, { Tm: 96, Tn: 3, Tr: 227, Tc: 227 });
    expect(legacy.tComp).toBe(121 * 57 * 57);
  });

  it('the hardware view of AlexNet gives the tiling model its declared 55×55 outputs', () => {
    const items = tileLayersOf(referenceArchitecture('alexnet'));
    expect(items[0].layer).toMatchObject({ R: 227, S: 4, Ro: 55, Co: 55 });
    expect(layerOps(items[0].layer) / 2).toBe(105_415_200);
    // A stride-1 'same' layer is unchanged: outputs = inputs.
    expect(items[2].layer).toMatchObject({ R: 13, Ro: 13 });
  });
});

describe('fnas-tiling shares the block RAM when the fastest tilings do not fit together', () => {
  it('AlexNet at 16 bits on a VC707 is feasible (no throughput asked), within 2,060 BRAM18', () => {
    const spec = parseHardwareSpec({ device: 'vc707' });
    const r = hardwareModel('fnas-tiling').evaluateNetwork(referenceArchitecture('alexnet', { weight: 16, activation: 16, input: 16 }), spec, { detail: true });
    expect(r.feasible).toBe(true);
    expect(r.bramBits).toBeLessThanOrEqual(DEVICES.xc7vx485t.bramBits);
    expect(r.violations.bramBits).toBeLessThanOrEqual(0);
    expect(r.reasonText).toBeUndefined();
  });

  it('the per-layer fastest tilings alone exceed the device, and the shared ones stay under it', () => {
    const layers = tileLayersOf(referenceArchitecture('alexnet', { weight: 16, activation: 16, input: 16 })).map((i) => i.layer);
    const dev = DEVICES.xc7vx485t;
    const search = { ...FNAS_SEARCH, fixedTrTc: undefined };
    const free = tryFnasNetwork(layers, dev, search, dev.dsps, Infinity);
    const shared = tryFnasNetwork(layers, dev, search, dev.dsps, dev.bramBlocks);
    if ('unfit' in free || 'unfit' in shared) throw new Error('unexpected unfit');
    expect(free.bramBlocks).toBeGreaterThan(dev.bramBlocks);
    expect(shared.bramBlocks).toBeLessThanOrEqual(dev.bramBlocks);
    expect(shared.maxCycles).toBeGreaterThanOrEqual(free.maxCycles);
  });

  it('a budget too small even for 1×1 tiles says so, without mentioning throughput or latency', () => {
    const spec = parseHardwareSpec({ device: 'vc707', bramBudgetBits: 18_432 * 10 });
    const r = hardwareModel('fnas-tiling').evaluateNetwork(referenceArchitecture('alexnet', { weight: 16, activation: 16, input: 16 }), spec);
    expect(r.feasible).toBe(false);
    expect(r.reasonText).toMatch(/block-RAM bits/);
    expect(r.reasonText).not.toMatch(/throughput|latency/);
    expect(describeReason({ code: 'budget', resource: 'bram', needed: 2, budget: 1, basis: 'fastest-tiling' })).not.toMatch(/throughput/);
  });
});
