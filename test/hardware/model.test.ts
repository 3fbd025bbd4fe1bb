import { describe, expect, it } from 'vitest';
import { ConfigError, HwnasError } from '../../lib/errors.js';
import { Rng } from '../../lib/rng.js';
import { presetSpace } from '../../lib/space/index.js';
import { totalViolation } from '../../lib/trial/index.js';
import { completeGenome, LU2019_EXAMPLE_GENOME, referenceArchitecture } from '../../hardware/architectures.js';
import { pipelineLimits, pipelineStages } from '../../hardware/fpga-pipeline.js';
import { mapFrontier } from '../../hardware/mapper.js';
import { fromArchitecture } from '../../hardware/network.js';
import { decodeArchitecture, decodeQuantization } from '../../lib/space/index.js';
import {
  evaluateBatch, evaluateGenome, hardwareModel, HARDWARE_MODEL_NAMES, parseHardwareSpec, reportMetrics, type HardwareReport,
} from '../../hardware/model.js';
import { runHardwareTask } from '../../hardware/task.js';
import { ModelHardwareStage, splitEven } from '../../lib/eval/hardware-stage.js';

const space = presetSpace('lu2019-cifar10');
const example = completeGenome('lu2019-cifar10', LU2019_EXAMPLE_GENOME);

function expectFinite(r: HardwareReport): void {
  for (const k of ['dsps', 'bramBits', 'cycles', 'latencyMs', 'throughputImgPerS'] as const) expect(Number.isFinite(r[k])).toBe(true);
  for (const v of Object.values(r.violations)) expect(Number.isFinite(v)).toBe(true);
}

describe('lu2019-pipeline model', () => {
  it('a feasible genome: figures consistent, violations ≤ 0', () => {
    const spec = parseHardwareSpec({ device: 'ep4ce115', lutBudget: 60_000, minThroughput: 500 });
    const r = evaluateGenome(space, example, spec, 'lu2019-pipeline', { detail: true });
    expect(r.feasible).toBe(true);
    expectFinite(r);
    expect(r.luts).not.toBeNull();
    expect(r.luts!).toBeLessThanOrEqual(60_000);
    expect(r.throughputImgPerS).toBeCloseTo(100e6 / r.cycles, 6);
    expect(r.throughputImgPerS).toBeGreaterThanOrEqual(500);
    expect(totalViolation(r.violations)).toBe(0);
    expect(Object.keys(r.violations).sort()).toEqual(['bramBits', 'dsps', 'luts', 'throughput']);
    // Per-layer table: sums and max agree with the totals.
    const stages = r.stages!;
    expect(stages.map((s) => s.name)).toEqual(['L1', 'L2', 'L2.pool', 'L3', 'L3.pool', 'L4', 'L4.pool', 'fc']);
    expect(stages.reduce((s, x) => s + x.luts!, 0)).toBe(r.luts);
    expect(Math.max(...stages.map((s) => s.cycles))).toBe(r.cycles);
    expect(r.latencyMs).toBeCloseTo((stages.reduce((s, x) => s + x.cycles, 0) / 100e6) * 1000, 9);
    // With a throughput spec the fewest-LUT mapping is chosen: it is the cheapest frontier point meeting it.
    const meeting = r.frontier!.filter((p) => p.throughput >= 500);
    expect(r.luts).toBe(Math.min(...meeting.map((p) => p.luts!)));
  });

  it('without a throughput spec: the fastest mapping within the LUT budget', () => {
    const spec = parseHardwareSpec({ device: 'ep4ce115', lutBudget: 30_000 });
    const r = evaluateGenome(space, example, spec, 'lu2019-pipeline', { detail: true });
    expect(r.feasible).toBe(true);
    expect(r.throughputImgPerS).toBe(Math.max(...r.frontier!.map((p) => p.throughput)));
  });

  it('infeasible: still a full report, the tightest violation and a typed reason', () => {
    // Throughput out of reach within the budget.
    const spec = parseHardwareSpec({ device: 'ep4ce115', lutBudget: 20_000, minThroughput: 5_000 });
    const r = evaluateGenome(space, example, spec);
    expect(r.feasible).toBe(false);
    expectFinite(r);
    expect(r.reason).toBeDefined();
    expect(['throughput', 'budget', 'layer-cannot-fit']).toContain(r.reason!.code);
    expect(totalViolation(r.violations)).toBeGreaterThan(0);
    expect(r.reasonText).toMatch(/img\/s|LUTs/);
    // A budget below what any single layer needs at its smallest: the layer is named.
    const tiny = evaluateGenome(space, example, parseHardwareSpec({ device: 'ep4ce115', lutBudget: 300 }));
    expect(tiny.feasible).toBe(false);
    expect(tiny.reason).toMatchObject({ code: 'layer-cannot-fit', resource: 'luts', limit: 300 });
    expect(tiny.violations.luts).toBeGreaterThan(0);
    expect(tiny.luts!).toBeGreaterThan(300);
  });

  it('an infeasible report carries one of the two relaxed optima (checked with separate DPs)', () => {
    const rng = Rng.fromSeed(17);
    const spec = parseHardwareSpec({ device: 'ep4ce115', lutBudget: 15_000, minThroughput: 1500 });
    let checked = 0;
    for (let i = 0; i < 60; i++) {
      const g = space.sample(rng);
      const r = evaluateGenome(space, g, spec);
      if (r.feasible || r.reason?.code === 'layer-cannot-fit') continue;
      const net = fromArchitecture(decodeArchitecture(space, g), decodeQuantization(space, g));
      const stages = pipelineStages(net, spec.device);
      const lim = pipelineLimits({ device: spec.device, clockMHz: 100, lutBudget: 15_000, minThroughput: 1500 });
      const fast = mapFrontier(stages, { ...lim, maxCycles: Infinity }).best('max-throughput');
      const cheap = mapFrontier(stages, { ...lim, luts: Infinity, dsps: Infinity, bram: Infinity }).best('min-luts');
      const got = [r.cycles, r.luts];
      const options = [fast, cheap].filter((p) => p !== undefined).map((p) => [p!.bottleneck, p!.luts]);
      expect(options).toContainEqual(got);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('the 1,293 img/s headline needs a bottleneck of at most 77,339 cycles at 100 MHz', () => {
    const spec = parseHardwareSpec({ device: 'ep4ce115', minThroughput: 1293 });
    const lim = pipelineLimits({ device: spec.device, clockMHz: spec.clockMHz, minThroughput: 1293 });
    expect(lim.maxCycles).toBe(77_339);
    expect(100e6 / 77_339).toBeGreaterThanOrEqual(1293);
    expect(100e6 / 77_340).toBeLessThan(1293);
  });

  it('is monotone: more LUTs never lower the best throughput; DSP multipliers never hurt', () => {
    const rng = Rng.fromSeed(5);
    for (let i = 0; i < 8; i++) {
      const g = space.sample(rng);
      let prev = 0;
      for (const luts of [5_000, 10_000, 20_000, 40_000, 80_000]) {
        const r = evaluateGenome(space, g, parseHardwareSpec({ device: 'ep4ce115', lutBudget: luts }));
        const t = r.feasible ? r.throughputImgPerS : 0;
        expect(t).toBeGreaterThanOrEqual(prev);
        prev = t;
      }
    }
    // LUT or DSP multipliers per layer ('both') is a superset of LUT-only: never slower (small MNIST nets,
    // as the three-dimensional frontier of 'both' is the slow case).
    const mnist = presetSpace('lu2019-mnist');
    for (let i = 0; i < 6; i++) {
      const g = mnist.sample(rng);
      for (const luts of [3_000, 12_000]) {
        const lut = evaluateGenome(mnist, g, parseHardwareSpec({ device: 'ep4ce115', lutBudget: luts }));
        const both = evaluateGenome(mnist, g, parseHardwareSpec({ device: 'ep4ce115', lutBudget: luts, multipliers: 'both' }));
        if (lut.feasible) expect(both.throughputImgPerS).toBeGreaterThanOrEqual(lut.throughputImgPerS);
        if (lut.feasible) expect(both.feasible).toBe(true);
      }
    }
  });

  it('float genomes map with float operators (DSP-bound on a Cyclone IV)', () => {
    const fspace = presetSpace('lu2019-cifar10-float');
    const g = completeGenome('lu2019-cifar10-float', LU2019_EXAMPLE_GENOME);
    const r = evaluateGenome(fspace, g, parseHardwareSpec({ device: 'ep4ce115', lutBudget: 100_000 }));
    expectFinite(r);
    expect(r.dsps).toBeGreaterThan(0);
    expect(r.dsps).toBeLessThanOrEqual(266);
  });
});

describe('spec validation and bad input', () => {
  it('every issue with its path', () => {
    try {
      parseHardwareSpec({ device: 'ep4ce115', lutBudget: -5, minThroughput: 0, clockMHz: NaN, bogus: 1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const paths = (e as ConfigError).issues.map((i) => i.path).sort();
      expect(paths).toEqual(expect.arrayContaining(['hardware.lutBudget', 'hardware.minThroughput', 'hardware.clockMHz']));
      expect(paths.some((p) => p.startsWith('hardware'))).toBe(true);
    }
    expect(() => parseHardwareSpec({})).toThrow(/hardware.device/);
    expect(() => parseHardwareSpec({ device: 'nope' })).toThrow(/unknown device "nope"/);
    expect(() => parseHardwareSpec({ device: 'ep4ce115', lutBudget: 1.5 })).toThrow(/integer/);
  });

  it('a LUT budget on a model that does not count LUTs is refused; unknown models too', () => {
    const spec = parseHardwareSpec({ device: 'xc7z020', lutBudget: 1000 });
    expect(() => evaluateGenome(space, example, spec, 'fnas-tiling')).toThrow(/does not count LUTs/);
    expect(() => hardwareModel('tpu')).toThrow(/unknown hardware model "tpu"; known: lu2019-pipeline, fnas-tiling, multi-fpga/);
    expect(HARDWARE_MODEL_NAMES).toEqual(expect.arrayContaining(['lu2019-pipeline', 'fnas-tiling', 'multi-fpga', 'asic']));
  });

  it('an invalid genome and out-of-range bit widths are typed errors', () => {
    const spec = parseHardwareSpec({ device: 'ep4ce115' });
    expect(() => evaluateGenome(space, { ...example, 'L1.filters': 7 }, spec)).toThrow(ConfigError);
    const net = referenceArchitecture('coexplore-opthw-6', { weight: 17, activation: 8, input: 8 });
    try {
      hardwareModel('lu2019-pipeline').evaluateNetwork(net, spec);
      expect.unreachable();
    } catch (e) {
      expect((e as HwnasError).code).toBe('HW_BITS_RANGE');
    }
  });

  it('a custom device in the spec', () => {
    const spec = parseHardwareSpec({ device: { name: 'tiny', luts: 8000, ffs: 8000, dsps: 10, bramBlocks: 100, bramBlockBits: 9216 } });
    const r = evaluateGenome(space, example, spec);
    expect(r.device).toBe('tiny');
    expectFinite(r);
  });
});

describe('tiling models through the registry', () => {
  it('fnas-tiling: DSP/BRAM figures, LUTs not counted', () => {
    const spec = parseHardwareSpec({ device: 'xc7z020', maxLatencyMs: 50 });
    const r = evaluateGenome(space, example, spec, 'fnas-tiling', { detail: true });
    expect(r.luts).toBeNull();
    expectFinite(r);
    expect(r.dsps).toBeLessThanOrEqual(220);
    expect(r.stages!.every((s) => s.kind !== 'maxpool')).toBe(true);
    expect(r.latencyMs).toBeCloseTo((r.stages!.reduce((s, x) => s + x.cycles, 0) / 100e6) * 1000, 9);
    expect(reportMetrics(r).luts).toBeUndefined();
    expect(r.feasible).toBe(r.violations.latencyMs <= 0 && r.violations.dsps <= 0 && r.violations.bramBits <= 0);
  });

  it('multi-fpga: two boards beat one', () => {
    const one = evaluateGenome(space, example, parseHardwareSpec({ device: 'xc7z020' }), 'multi-fpga');
    const two = evaluateGenome(space, example, parseHardwareSpec({ device: 'xc7z020', devices: ['xc7z020', 'xc7z020'] }), 'multi-fpga');
    expectFinite(one);
    expectFinite(two);
    expect(two.throughputImgPerS).toBeGreaterThanOrEqual(one.throughputImgPerS);
    expect(two.device).toBe('xc7z020+xc7z020');
  });
});

describe('batches: in-process, task payload and stage adapter agree', () => {
  it('runHardwareTask = evaluateBatch; ModelHardwareStage gives outcomes', async () => {
    const rng = Rng.fromSeed(9);
    const genomes = Array.from({ length: 30 }, () => space.sample(rng));
    const specInput = { device: 'ep4ce115', lutBudget: 30_000, minThroughput: 1000 };
    const direct = evaluateBatch(space, genomes, parseHardwareSpec(specInput));
    const viaTask = runHardwareTask(JSON.parse(JSON.stringify({ space: space.toJSON(), genomes, spec: specInput })));
    expect(viaTask).toEqual(direct);
    const stage = new ModelHardwareStage({ space, spec: specInput });
    const outcomes = await stage.evaluate(genomes);
    outcomes.forEach((o, i) => {
      expect(o.feasible).toBe(direct[i].feasible);
      expect(o.metrics.throughput).toBe(direct[i].throughputImgPerS);
      if (!o.feasible) expect(o.reason).toBe(direct[i].reasonText);
    });
    expect(direct.some((r) => r.feasible)).toBe(true);
    expect(direct.some((r) => !r.feasible)).toBe(true);
    expect(() => runHardwareTask({ space: space.toJSON(), genomes, spec: { device: 'ep4ce115', lutBudget: -1 } })).toThrow(ConfigError);
    expect(splitEven([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4, 5]]);
    expect(splitEven([1], 4)).toEqual([[1]]);
  });
});
