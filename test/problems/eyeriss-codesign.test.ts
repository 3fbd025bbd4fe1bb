import { describe, expect, it } from 'vitest';
import { alexnetConvs, BITS8 } from '../../hardware/architectures.js';
import { ACCELERATORS } from '../../hardware/asic/accelerator.js';
import { acceleratorArea } from '../../hardware/asic/cost.js';
import { networkCost } from '../../hardware/asic/network-cost.js';
import { Rng } from '../../lib/rng.js';
import { problemByName } from '../../problems/index.js';
import { eyerissCodesignProblem, eyerissHardwareOf, rowsPerPeChoices } from '../../problems/eyeriss-codesign.js';

const EYERISS_GENOME = { 'hw.pes': 168, 'hw.l1Bytes': 520, 'hw.l2KB': 108, 'hw.nocBw': 14, 'L0.rowsPerPe': 1, 'L1.rowsPerPe': 1, 'L2.rowsPerPe': 1, 'L3.rowsPerPe': 1, 'L4.rowsPerPe': 1 };

describe('eyeriss-codesign problem', () => {
  const p = eyerissCodesignProblem();

  it('is registered and has 4 hardware genes and one mapping gene per AlexNet conv', () => {
    expect(problemByName('eyeriss-codesign').space.genes.map((g) => g.name)).toEqual(p.space.genes.map((g) => g.name));
    expect(p.space.genes.filter((g) => g.group === 'hw')).toHaveLength(4);
    expect(p.space.genes.filter((g) => g.name.endsWith('.rowsPerPe'))).toHaveLength(5);
    expect(rowsPerPeChoices(11)).toEqual([1, 2, 3, 4, 6, 11]);
    expect(rowsPerPeChoices(3)).toEqual([1, 2, 3]);
  });

  it('reproduces the ASIC model for Eyeriss with its default mapping (the baseline = the hypervolume nadir)', () => {
    const g = p.space.canonical(EYERISS_GENOME);
    expect(p.space.satisfiesConstraints(g)).toBe(true);
    const m = p.evaluate(g);
    const ref = networkCost(alexnetConvs(BITS8), ACCELERATORS.eyeriss);
    expect(m.latencyMs).toBeCloseTo(ref.latencyMs, 9);
    expect(m.energyNj).toBeCloseTo(ref.energyNj.total, 6);
    expect(m.edp).toBeCloseTo(p.hypervolume.nadir![0], 6);
    expect(m.unfitLayers).toBe(0);
  });

  it('declares the area and scratchpad constraints exactly as the model computes them', () => {
    // The area constraint is MAESTRO's polynomial: the same verdict as acceleratorArea on every sampled design.
    const budget = acceleratorArea(ACCELERATORS.eyeriss).total;
    const rng = Rng.fromSeed(3);
    let seenBigger = false;
    for (let i = 0; i < 300; i++) {
      const raw = Object.fromEntries(p.space.genes.map((g) => [g.name, g.kind === 'choice' ? rng.pick(g.choices) : 0]));
      const g = p.space.canonical(raw);
      const area = acceleratorArea(eyerissHardwareOf(g)).total;
      const fits = p.evaluate(g).unfitLayers === 0;
      if (area > budget) seenBigger = true;
      expect(p.space.satisfiesConstraints(g)).toBe(area <= budget * (1 + 1e-12) && fits);
    }
    expect(seenBigger).toBe(true);
    // A 256 B scratchpad (128 words) cannot hold conv1's whole 11×11 filter slice in one PE.
    const tooBig = p.space.canonical({ ...EYERISS_GENOME, 'hw.l1Bytes': 256, 'L0.rowsPerPe': 11 });
    expect(p.space.satisfiesConstraints(tooBig)).toBe(false);
  });

  it('samples only valid designs, and other mappings change the cost', () => {
    const rng = Rng.fromSeed(1);
    for (let i = 0; i < 50; i++) {
      const g = p.space.sample(rng);
      expect(p.space.satisfiesConstraints(g)).toBe(true);
      expect(p.evaluate(g).unfitLayers).toBe(0);
    }
    const other = p.evaluate(p.space.canonical({ ...EYERISS_GENOME, 'L2.rowsPerPe': 3 }));
    expect(other.edp).not.toBeCloseTo(p.hypervolume.nadir![0], 3);
  });
});
