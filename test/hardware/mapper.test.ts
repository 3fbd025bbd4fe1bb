import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HwnasError } from '../../lib/errors.js';
import { Rng } from '../../lib/rng.js';
import { bruteForceAnswers, bruteForceFrontier, mappingCount } from '../../hardware/brute-force.js';
import { DEVICES } from '../../hardware/device.js';
import { allStageOptions, paretoOptions, type StageCost, type StageOption } from '../../hardware/layer-cost.js';
import {
  bestThroughput, fewestLuts, mapFrontier, NO_LIMITS, type CostVector, type MapperLimits, type MapperStage, type PackedOptions,
} from '../../hardware/mapper.js';
import type { HwConv, HwLayer, HwPool, Word } from '../../hardware/network.js';

const vec = (p: CostVector, latency: boolean): number[] => [p.bottleneck, p.luts, p.dsps, p.bram, ...(latency ? [p.totalCycles] : [])];
const sortKey = (a: number[], b: number[]): number => {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
};
const frontierSet = (ps: readonly CostVector[], latency: boolean): number[][] => ps.map((p) => vec(p, latency)).sort(sortKey);

/** Random synthetic stages: some resources constant (as in the pipeline), some varying. */
function syntheticStages(rng: Rng): MapperStage[] {
  const L = rng.int(1, 6);
  const vary = { luts: true, dsps: rng.bool(0.5), bram: rng.bool(0.3) };
  return Array.from({ length: L }, (_, i) => {
    const n = rng.int(1, 5);
    const bramConst = rng.int(0, 50);
    return {
      name: `s${i}`,
      options: Array.from({ length: n }, (): StageCost => ({
        cycles: rng.int(1, 40),
        luts: vary.luts ? rng.int(1, 60) : 7,
        dsps: vary.dsps ? rng.int(0, 6) : 0,
        bram: vary.bram ? rng.int(0, 50) : bramConst,
      })),
    };
  });
}

function randomLimits(rng: Rng, stages: readonly MapperStage[]): MapperLimits {
  const sum = (k: keyof StageCost) => stages.reduce((s, st) => s + Math.max(...st.options.map((o) => o[k])), 0);
  const pick = (k: keyof StageCost) => (rng.bool(0.6) ? rng.int(0, sum(k)) : Infinity);
  return {
    luts: pick('luts'),
    dsps: pick('dsps'),
    bram: pick('bram'),
    maxCycles: rng.bool(0.5) ? rng.int(1, 40) : Infinity,
    maxTotalCycles: rng.bool(0.3) ? rng.int(1, 40 * stages.length) : Infinity,
  };
}

/** How many compared frontiers had at least two points (so the tests cannot pass on trivial cases only). */
let nonTrivial = 0;

function expectSameAsBruteForce(stages: readonly MapperStage[], limits: MapperLimits, bruteStages: readonly MapperStage[] = stages): void {
  const dp = mapFrontier(stages, limits);
  if (dp.size >= 2) nonTrivial++;
  const bf = bruteForceFrontier(bruteStages, limits);
  const latency = Number.isFinite(limits.maxTotalCycles);
  expect(frontierSet(dp.points, latency)).toEqual(frontierSet(bf, latency));
  if (bf.length === 0) {
    expect(dp.blocked).toBeDefined();
    return;
  }
  // The answers are identical (cost vectors; ties may pick different but equally good options).
  const a = bruteForceAnswers(bruteStages, limits);
  expect(vec(bestThroughput(dp.points)!, false)).toEqual(vec(a.bestThroughput!, false));
  expect(vec(fewestLuts(dp.points)!, false)).toEqual(vec(a.fewestLuts!, false));
  // Every frontier point's back-pointers reproduce its cost vector and respect the limits.
  for (const p of dp.points) {
    const m = dp.mapping(p);
    expect(vec(m, true)).toEqual(vec(p, true));
    expect(m.luts).toBeLessThanOrEqual(limits.luts);
    expect(m.bottleneck).toBeLessThanOrEqual(limits.maxCycles);
    expect(m.totalCycles).toBeLessThanOrEqual(limits.maxTotalCycles);
  }
}

/** A small random conv/pool chain: real layer costs, few enough options for brute force. */
function smallNetwork(rng: Rng): HwLayer[] {
  const layers: HwLayer[] = [];
  let side = rng.int(2, 6);
  let ch = rng.int(1, 4);
  let input: Word = rng.bool(0.15) ? 'float32' : rng.int(1, 9);
  const L = rng.int(1, 4);
  for (let i = 0; i < L; i++) {
    if (rng.bool(0.25) && side >= 2) {
      const pool: HwPool = { kind: 'maxpool', name: `p${i}`, size: 2, inShape: [side, side, ch], outShape: [side >> 1, side >> 1, ch], input, output: input };
      layers.push(pool);
      side >>= 1;
      continue;
    }
    const m = rng.int(1, 6);
    const out: Word = input === 'float32' ? 'float32' : rng.int(1, 9);
    const conv: HwConv = {
      kind: 'conv', name: `c${i}`, inShape: [side, side, ch], outShape: [side, side, m], input, output: out,
      kernel: rng.pick([1, 3]), stride: 1, groups: 1, weight: input === 'float32' ? 'float32' : rng.int(1, 9), relu: true,
    };
    layers.push(conv);
    ch = m;
    input = out;
  }
  return layers;
}

describe('DP mapper = brute force', () => {
  it('on 150 random synthetic option lists (1–6 stages, several resources, latency bounds)', () => {
    const rng = Rng.fromSeed(11);
    for (let t = 0; t < 150; t++) {
      const stages = syntheticStages(rng);
      expectSameAsBruteForce(stages, randomLimits(rng, stages));
    }
  });

  it('on 100 random small networks with real layer costs, brute force over the UNPRUNED options', () => {
    const rng = Rng.fromSeed(12);
    let done = 0;
    while (done < 100) {
      const layers = smallNetwork(rng);
      const settings = { multipliers: rng.pick(['lut', 'dsp', 'both'] as const), maxUnroll: 6 };
      const raw: MapperStage<StageOption>[] = layers.map((l) => ({ name: l.name, options: allStageOptions(l, DEVICES.ep4ce115, settings) }));
      if (mappingCount(raw) > 40_000) continue;
      const pruned = raw.map((s) => ({ name: s.name, options: paretoOptions(s.options) }));
      const free = mapFrontier(pruned, NO_LIMITS).points;
      const maxLuts = Math.max(...free.map((p) => p.luts));
      const limits: MapperLimits = {
        luts: rng.bool(0.7) ? rng.int(Math.floor(maxLuts / 4), maxLuts) : Infinity,
        dsps: rng.bool(0.3) ? rng.int(0, 40) : Infinity,
        bram: Infinity,
        maxCycles: rng.bool(0.5) ? rng.pick(free).bottleneck : Infinity,
        maxTotalCycles: rng.bool(0.2) ? rng.pick(free).totalCycles : Infinity,
      };
      expectSameAsBruteForce(pruned, limits, raw);
      done++;
    }
  });

  it('compared non-trivial frontiers', () => {
    expect(nonTrivial).toBeGreaterThan(80);
  });

  it('answers are monotone in the budget and in the throughput required', () => {
    const rng = Rng.fromSeed(13);
    for (let t = 0; t < 20; t++) {
      const stages = syntheticStages(rng);
      let prevBottleneck = Infinity;
      for (let budget = 0; budget <= 400; budget += 10) {
        const best = bestThroughput(mapFrontier(stages, { ...NO_LIMITS, luts: budget }).points);
        const b = best?.bottleneck ?? Infinity;
        expect(b).toBeLessThanOrEqual(prevBottleneck);
        prevBottleneck = b;
      }
      let prevLuts = 0;
      for (let cycles = 40; cycles >= 1; cycles--) {
        const cheap = fewestLuts(mapFrontier(stages, { ...NO_LIMITS, maxCycles: cycles }).points);
        const l = cheap?.luts ?? Infinity;
        expect(l).toBeGreaterThanOrEqual(prevLuts);
        prevLuts = l;
      }
    }
  });

  it('says which stage blocks when one cannot meet a limit alone', () => {
    const stages: MapperStage[] = [
      { name: 'a', options: [{ cycles: 10, luts: 5, dsps: 0, bram: 0 }] },
      { name: 'b', options: [{ cycles: 30, luts: 50, dsps: 0, bram: 0 }, { cycles: 60, luts: 20, dsps: 0, bram: 0 }] },
    ];
    expect(mapFrontier(stages, { ...NO_LIMITS, luts: 10 }).blocked).toEqual({ kind: 'stage', stage: 1, name: 'b', limit: 'luts', minimum: 20, allowed: 10 });
    expect(mapFrontier(stages, { ...NO_LIMITS, maxCycles: 20 }).blocked).toMatchObject({ kind: 'stage', name: 'b', limit: 'cycles', minimum: 30 });
    // Each limit is reachable alone, not together.
    expect(mapFrontier(stages, { ...NO_LIMITS, luts: 30, maxCycles: 40 }).blocked).toEqual({ kind: 'combination' });
    const ok = mapFrontier(stages, { ...NO_LIMITS, luts: 60 });
    expect(ok.points.map((p) => [p.bottleneck, p.luts])).toEqual([[30, 55], [60, 25]]);
  });

  it('rejects NaN, negative or missing limits with a typed error', () => {
    const stages: MapperStage[] = [{ name: 'a', options: [{ cycles: 1, luts: 1, dsps: 0, bram: 0 }] }];
    for (const bad of [{ ...NO_LIMITS, luts: NaN }, { ...NO_LIMITS, dsps: -1 }, { luts: 5 } as unknown as MapperLimits]) {
      expect(() => mapFrontier(stages, bad)).toThrow(HwnasError);
      try {
        mapFrontier(stages, bad);
      } catch (e) {
        expect((e as HwnasError).code).toBe('HW_BAD_LIMIT');
      }
    }
    expect(() => mapFrontier([{ name: 'x', options: [] }], NO_LIMITS)).toThrow(/no implementation option/);
  });
});

/** Random stages: 1–5 stages of 1–5 options; each resource varies or is constant (as in the pipeline's LUT-only case). */
const stagesArb: fc.Arbitrary<MapperStage[]> = fc
  .record({
    varies: fc.record({ luts: fc.boolean(), dsps: fc.boolean(), bram: fc.boolean() }),
    stages: fc.array(
      fc.record({
        constant: fc.record({ luts: fc.integer({ min: 0, max: 30 }), dsps: fc.integer({ min: 0, max: 4 }), bram: fc.integer({ min: 0, max: 50 }) }),
        options: fc.array(
          fc.record({
            cycles: fc.integer({ min: 1, max: 40 }),
            luts: fc.integer({ min: 0, max: 60 }),
            dsps: fc.integer({ min: 0, max: 6 }),
            bram: fc.integer({ min: 0, max: 50 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  })
  .map(({ varies, stages }) =>
    stages.map((s, i) => ({
      name: `s${i}`,
      options: s.options.map((o) => ({
        cycles: o.cycles,
        luts: varies.luts ? o.luts : s.constant.luts,
        dsps: varies.dsps ? o.dsps : s.constant.dsps,
        bram: varies.bram ? o.bram : s.constant.bram,
      })),
    })),
  );

/**
 * Limits at a Pareto-optimal mapping's costs (its sums, bottleneck and latency, −1…+1, or none): tight limits
 * at the frontier are where an off-by-one in the DP's pruning would show.
 */
function limitsArb(stages: readonly MapperStage[]): fc.Arbitrary<MapperLimits> {
  const pareto = bruteForceFrontier(stages, NO_LIMITS);
  const near = fc.oneof(fc.constant(undefined), fc.integer({ min: -1, max: 1 }));
  return fc
    .record({ point: fc.nat({ max: pareto.length - 1 }), luts: near, dsps: near, bram: near, maxCycles: near, maxTotalCycles: near })
    .map(({ point, ...offset }) => {
      const m = pareto[point];
      const at = (v: number, d: number | undefined): number => (d === undefined ? Infinity : Math.max(0, v + d));
      return {
        luts: at(m.luts, offset.luts),
        dsps: at(m.dsps, offset.dsps),
        bram: at(m.bram, offset.bram),
        maxCycles: at(m.bottleneck, offset.maxCycles),
        maxTotalCycles: at(m.totalCycles, offset.maxTotalCycles),
      };
    });
}

/** The same stages given as packed options (with an extra caller slot, as layer-cost.ts packs them). */
function packed(stages: readonly MapperStage[]): MapperStage[] {
  return stages.map((s) => {
    const values = s.options.flatMap((o) => [o.cycles, o.luts, o.dsps, o.bram, -1]);
    const p: PackedOptions = { count: s.options.length, stride: 5, values };
    // Options left empty: the mapper must read the packed numbers only.
    return { name: s.name, options: [], packed: p };
  });
}

describe('DP mapper = brute force (property, fast-check)', () => {
  it('on random option lists and limits: same frontier, same answers, back-pointers reproduce each point', () => {
    fc.assert(
      fc.property(stagesArb.chain((stages) => fc.tuple(fc.constant(stages), limitsArb(stages))), ([stages, limits]) => {
        expectSameAsBruteForce(stages, limits);
      }),
      { numRuns: 300, seed: 17 },
    );
  });

  it('stages given as packed numbers map exactly as the same stages given as objects', () => {
    fc.assert(
      fc.property(stagesArb.chain((stages) => fc.tuple(fc.constant(stages), limitsArb(stages))), ([stages, limits]) => {
        const a = mapFrontier(stages, limits);
        const b = mapFrontier(packed(stages), limits);
        expect(b.points).toEqual(a.points);
        expect(b.blocked).toEqual(a.blocked);
        for (const p of b.points) expect(b.mapping(p)).toEqual(a.mapping(p));
      }),
      { numRuns: 200, seed: 18 },
    );
  });

  it('the same packed stages mapped again, interleaved with others and as a prefix, answer as fresh copies', () => {
    // The mapper keeps a loaded table when it is handed the same packed arrays again: that must never leak
    // one call's stages into another's answer.
    fc.assert(
      fc.property(stagesArb, stagesArb, (a, b) => {
        const pa = packed(a), pb = packed(b);
        const answers = (stages: readonly MapperStage[]) => {
          const r = mapFrontier(stages, NO_LIMITS);
          return { points: r.points, choices: r.points.map((p) => r.choice(p)) };
        };
        const calls: MapperStage[][] = [pa, pa, pb, pa, pa.slice(0, Math.max(1, pa.length - 1)), pa, [...pb].reverse(), pb];
        // All packed calls back to back first, then each list again as option objects (always loaded afresh).
        const got = calls.map(answers);
        calls.forEach((stages, i) => expect(got[i]).toEqual(answers(stages.map((st) => ({ name: st.name, options: unpack(st) })))));
      }),
      { numRuns: 100, seed: 19 },
    );
  });
});

/** The options of a packed stage as objects. */
function unpack(s: MapperStage): StageCost[] {
  const p = s.packed!;
  return Array.from({ length: p.count }, (_, k) => ({
    cycles: p.values[k * p.stride], luts: p.values[k * p.stride + 1], dsps: p.values[k * p.stride + 2], bram: p.values[k * p.stride + 3],
  }));
}
