import { describe, expect, it } from 'vitest';
import { alexnetConvs, BITS8 } from '../../../hardware/architectures.js';
import { ACCELERATORS, resolveAccelerator, type AsicAccelerator } from '../../../hardware/asic/accelerator.js';
import { acceleratorArea, layerCost, nocCycles } from '../../../hardware/asic/cost.js';
import { networkCost } from '../../../hardware/asic/network-cost.js';
import { asicReport } from '../../../hardware/asic/report.js';
import type { ConvShape } from '../../../hardware/asic/templates.js';
import { ConfigError } from '../../../lib/errors.js';

// A tiny accelerator and layer small enough to follow every step by hand.
const tiny: AsicAccelerator = resolveAccelerator({
  name: 'tiny', template: 'rs', pes: 8, l1Bytes: 1024, l2Bytes: 65536, nocBw: 4, nocHopLatency: 1, wordBytes: 1, clockMHz: 100,
});
const layer: ConvShape = { N: 1, K: 4, C: 2, Y: 4, X: 4, R: 3, S: 3, stride: 1, groups: 1 };
const MACS = 4 * 2 * 4 * 4 * 9;

describe('NoC delay', () => {
  it('is hop latency + pipelined sends (MAESTRO)', () => {
    expect(nocCycles(0, tiny)).toBe(0);
    expect(nocCycles(1, tiny)).toBe(1);
    expect(nocCycles(60, tiny)).toBe(15);
    expect(nocCycles(61, { ...tiny, nocHopLatency: 3 })).toBe(3 + 16 - 1);
  });
});

describe('hand-worked layer (K4 C2 4×4 output, 3×3 filter) on 8 PEs, NoC 4 words/cycle', () => {
  it('row-stationary: 2 clusters of 3 PEs take output rows, 4 filters per PE; C innermost', () => {
    const c = layerCost(layer, tiny, 'rs');
    expect(c.mapping.spatial).toMatchObject({ R: 3, Y: 2, K: 1 });
    expect(c.mapping.tile).toMatchObject({ K: 4, X: 4, S: 3, R: 1 });
    // loops Y(2) ⊃ C(2): 4 steps of 4·4·3 = 48 cycles; init 48 + ⌈60/4⌉; last output tile 32 words → 8 cycles.
    expect(c.steps).toBe(4);
    expect(c.computeCycles).toBe(192);
    expect(c.cycles).toBe(63 + 48 + 2 * 48 + 8);
    expect(c.bound).toBe('noc');
    expect(c.activePes).toBe(6);
    expect(c.accesses.macs).toBe(MACS);
    // L2: init 36 W + 24 I; Y move: 60 in + 32 out; 2 C moves: 60 in each; last tile out 32.
    expect(c.accesses.l2).toBe(60 + 92 + 120 + 32);
    // NoC: per-PE fills (12 W + 6 I) × 6 PEs per reload (4 reloads) + 64 output words.
    expect(c.accesses.noc).toBe(4 * 18 * 6 + 64);
    // L1: 4 per MAC + fills 432 + output reads 2 × 16 × 6.
    expect(c.accesses.l1).toBe(4 * MACS + 432 + 192);
    // The layer fits the 64 KB L2: every tensor once from DRAM (72 W + 2·6·6 I + 64 O).
    expect(c.accesses.dram).toBe(72 + 72 + 64);
    expect(c.utilisation).toBeCloseTo(MACS / (215 * 8), 12);
  });

  it('weight-stationary: K over clusters × C over the PEs of a cluster, the window slides along X', () => {
    const c = layerCost(layer, tiny, 'dla');
    expect(c.mapping.spatial).toMatchObject({ C: 2, K: 1 });
    // loops K(4) ⊃ Y(4) ⊃ X(4): 64 steps of 9 cycles; init 9 + ⌈36/4⌉; an X move brings 2 channels × 3 rows × 1 column.
    expect(c.steps).toBe(64);
    expect(c.computeCycles).toBe(576);
    expect(c.cycles).toBe(18 + 3 * 9 + 12 * 9 + 48 * 9 + 1);
    expect(c.bound).toBe('compute');
    expect(c.accesses.l2).toBe(36 + 3 * (36 + 1) + 12 * (18 + 1) + 48 * (6 + 1) + 1);
  });

  it('output-stationary: 4 output columns in parallel; psums come back when C moves', () => {
    const c = layerCost(layer, tiny, 'shi');
    expect(c.mapping.spatial).toMatchObject({ X: 4, Y: 1 });
    // loops K(4) ⊃ C(2) ⊃ Y(4): 32 steps of 9 cycles; init 9 + ⌈27/4⌉.
    expect(c.steps).toBe(32);
    expect(c.cycles).toBe(16 + 3 * 9 + 4 * 9 + 24 * 9 + 1);
    // L2 reads: init 27; K moves 3 × 27; C moves 4 × (27 + 4 psums); Y moves 24 × (6 new input words + half the time 4 psums).
    // L2 writes: 4 words per K/C/Y move and the last tile.
    expect(c.accesses.l2).toBeCloseTo(27 + 3 * (27 + 4) + 4 * (31 + 4) + 24 * (6 + 2 + 4) + 4, 9);
  });

  it('marks a layer whose per-PE data exceed the L1', () => {
    const small = { ...tiny, l1Bytes: 16 };
    expect(layerCost(layer, small, 'dla').fits).toBe(false);
    expect(layerCost(layer, tiny, 'dla').fits).toBe(true);
  });

  it('counts grouped layers as their groups one after the other', () => {
    const one = layerCost(layer, tiny, 'rs');
    const two = layerCost({ ...layer, groups: 2 }, tiny, 'rs');
    expect(two.cycles).toBe(2 * one.cycles);
    expect(two.accesses.macs).toBe(2 * one.accesses.macs);
  });

  it('more NoC bandwidth never slows a layer down; more PEs never slow row-stationary down here', () => {
    for (const t of ['rs', 'dla', 'shi'] as const) {
      const slow = layerCost(layer, { ...tiny, nocBw: 1 }, t).cycles;
      const fast = layerCost(layer, { ...tiny, nocBw: 64 }, t).cycles;
      expect(fast).toBeLessThanOrEqual(slow);
    }
    expect(layerCost(layer, { ...tiny, pes: 24 }, 'rs').cycles).toBeLessThan(layerCost(layer, tiny, 'rs').cycles);
  });
});

describe('report', () => {
  it('is infeasible when a layer does not fit the L1, with the normalised shortfall', () => {
    const net = alexnetConvs(BITS8);
    const tight = { ...ACCELERATORS.shidiannao, l1Bytes: 121 * 2 };
    const r = asicReport(net, tight, { batch: 1 });
    expect(r.feasible).toBe(false);
    // conv1 needs 2·11·11 + 1 words of 2 bytes on shi; the L1 holds 121 words.
    expect(r.violations.l1).toBeCloseTo((243 - 121) / 121, 12);
    expect(r.reasonText).toMatch(/conv1/);
    expect(asicReport(net, ACCELERATORS.shidiannao, { batch: 1, maxEnergyNj: 1e12 }).feasible).toBe(true);
  });
});

describe('area (MAESTRO 28 nm model)', () => {
  it('is P·(MAC + SRAM·L1) + SRAM·L2 + bus + matrix arbiter', () => {
    const a = acceleratorArea(ACCELERATORS.eyeriss);
    const P = 168;
    expect(a.pes).toBeCloseTo(P * 283, 6);
    expect(a.l1).toBeCloseTo(P * 0.104 * 520, 6);
    expect(a.l2).toBeCloseTo(0.104 * 108 * 1024, 6);
    expect(a.noc).toBeCloseTo(101.7938 * (14.662 * P + 28.895) * 14 + 395.473 * (1.2886 * P * P + 5.5814 * P - 23.711), 4);
    expect(a.total).toBeCloseTo(a.pes + a.l1 + a.l2 + a.noc, 6);
  });
});

describe('Eyeriss AlexNet (MODELS-ACCELERATORS §5.4)', () => {
  // Published: 34.7 frames/s on AlexNet's convolutions, batch 4 → 115.3 ms per batch [abstract: 35 fps]. Our model has
  // neither DRAM stalls nor control overheads, so it must come out faster, but within ±25 % (the issue's target; the
  // per-layer figures are only recalled, so only the total is asserted).
  const cost = networkCost(alexnetConvs(BITS8), ACCELERATORS.eyeriss, 4);
  it('does 2.66 GMAC per batch of 4 (4 × 666 M)', () => {
    expect(cost.macs).toBe(2_663_139_456);
  });
  it('reproduces the batch latency within ±25 %, from below', () => {
    const ratio = cost.latencyMs / 115.3;
    expect(ratio).toBeGreaterThan(0.75);
    expect(ratio).toBeLessThan(1);
  });
  it('maps every layer within the 520 B scratchpads, mostly compute-bound', () => {
    expect(cost.unfit).toEqual([]);
    expect(cost.layers.every((l) => l.cost!.utilisation > 0.75)).toBe(true);
  });
});

describe('accelerator catalog and schema', () => {
  it('rejects an unknown name or a bad description, naming the path', () => {
    expect(() => resolveAccelerator('tpu')).toThrow(ConfigError);
    try {
      resolveAccelerator({ name: 'x', template: 'os', pes: 0, l1Bytes: 1, l2Bytes: 1, nocBw: 1 } as never, 'acc');
      expect.unreachable();
    } catch (e) {
      const paths = (e as ConfigError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['acc.template', 'acc.pes']));
    }
  });
});
