import { describe, expect, it } from 'vitest';
import { HwnasError } from '../../lib/errors.js';
import { Rng } from '../../lib/rng.js';
import { DEVICES, resolveDevice, type Device } from '../../hardware/device.js';
import { bruteForcePartition, partitionLayers, partitionProblem, solvePartition } from '../../hardware/multi-fpga.js';
import { bestUniformTiling, BITS16, FNAS_PORTS, type TileLayer, type TilingSearch } from '../../hardware/tiling.js';

const search: TilingSearch = { ports: FNAS_PORTS, bits: BITS16, precision: 16 };

function randomDevice(rng: Rng, i: number): Device {
  return resolveDevice({
    name: `dev${i}`, luts: 10_000, ffs: 10_000, dsps: rng.int(1, 40), bramBlocks: rng.int(20, 400), bramBlockBits: 18_432,
    clockMHz: rng.pick([100, 150, 200]),
  });
}

function randomChain(rng: Rng): TileLayer[] {
  let n = rng.int(1, 8);
  return Array.from({ length: rng.int(1, 6) }, (_, i) => {
    const m = rng.int(1, 16);
    const side = rng.int(2, 12);
    const l: TileLayer = { name: `l${i}`, M: m, N: n, R: side, C: side, K: rng.pick([1, 3, 5]) };
    n = m;
    return l;
  });
}

describe('multi-FPGA partition: DP over (device, layer) = brute force', () => {
  it('on 60 random chains (≤ 6 layers) over 1–3 random devices, with and without using every device', () => {
    const rng = Rng.fromSeed(21);
    let feasible = 0;
    for (let t = 0; t < 60; t++) {
      const layers = randomChain(rng);
      const devices = Array.from({ length: rng.int(1, 3) }, (_, i) => randomDevice(rng, i));
      for (const useAllDevices of [false, true]) {
        const p = partitionProblem(layers, devices, { search, linkWordsPerCycle: rng.pick([1, 2, 8]), useAllDevices });
        const dp = solvePartition(p);
        const bf = bruteForcePartition(p);
        expect(dp?.bottleneckSeconds).toBe(bf?.bottleneckSeconds);
        if (!dp) continue;
        feasible++;
        // Segments are contiguous, cover every layer, use devices in order, and each fits its device.
        expect(dp.segments[0].from).toBe(0);
        expect(dp.segments[dp.segments.length - 1].to).toBe(layers.length);
        dp.segments.forEach((s, i) => {
          if (i > 0) {
            expect(s.from).toBe(dp.segments[i - 1].to);
            expect(s.deviceIndex).toBeGreaterThan(dp.segments[i - 1].deviceIndex);
          }
          expect(s.dsps).toBeLessThanOrEqual(s.device.dsps);
          expect(s.bramBlocks).toBeLessThanOrEqual(s.device.bramBlocks);
          expect(s.seconds).toBeCloseTo(s.cycles / (s.device.clockMHz * 1e6), 15);
        });
        if (useAllDevices) expect(dp.segments.length).toBe(devices.length);
        expect(dp.throughput).toBeCloseTo(1 / dp.bottleneckSeconds, 6);
      }
    }
    expect(feasible).toBeGreaterThan(60);
  });

  it('one device: one segment equal to the best unified tiling of the whole chain', () => {
    const layers: TileLayer[] = [
      { M: 16, N: 3, R: 32, C: 32, K: 3 },
      { M: 32, N: 16, R: 16, C: 16, K: 3 },
      { M: 10, N: 32, R: 1, C: 1, K: 1 },
    ];
    const dev = DEVICES.xc7z020;
    const part = partitionLayers(layers, [dev], { search, linkWordsPerCycle: 2 })!;
    expect(part.segments).toHaveLength(1);
    const uni = bestUniformTiling(layers, dev, { dsps: dev.dsps, bramBlocks: dev.bramBlocks }, search)!;
    expect(part.segments[0].cycles).toBe(uni.totalCycles);
    // Two boards are never slower than one.
    const two = partitionLayers(layers, [dev, dev], { search, linkWordsPerCycle: 2 })!;
    expect(two.bottleneckSeconds).toBeLessThanOrEqual(part.bottleneckSeconds);
  });

  it('bad input: typed errors', () => {
    const l: TileLayer[] = [{ M: 4, N: 4, R: 4, C: 4, K: 3 }];
    expect(() => partitionLayers([], [DEVICES.xc7z020], { search, linkWordsPerCycle: 2 })).toThrow(HwnasError);
    expect(() => partitionLayers(l, [], { search, linkWordsPerCycle: 2 })).toThrow(/at least one device/);
    expect(() => partitionLayers(l, [DEVICES.xc7z020], { search, linkWordsPerCycle: 0 })).toThrow(/linkWordsPerCycle/);
    expect(() => partitionLayers([{ M: 4, N: 4, R: 4, C: 4, K: 0 }], [DEVICES.xc7z020], { search, linkWordsPerCycle: 2 })).toThrow(/K must be an integer ≥ 1/);
  });
});
