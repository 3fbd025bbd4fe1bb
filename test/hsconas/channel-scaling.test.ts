import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { channelGenes, scaleChannels } from '../../lib/space/channel-scaling.js';
import { presetSpace, type Genome } from '../../lib/space/index.js';

const space = presetSpace('lu2019-mnist');
// A latency that grows with every layer's width (and its kernel), like a conv net's MACs.
const latency = (g: Genome): number => {
  let ms = 0.02;
  for (let i = 1; i <= (g.depth as number); i++) ms += 0.001 * (g[`L${i}.filters`] as number) * (g[`L${i}.kernel`] as number);
  return ms;
};
const widths = (g: Genome): number[] => Array.from({ length: g.depth as number }, (_, i) => g[`L${i + 1}.filters`] as number);

describe('dynamic channel scaling', () => {
  it('finds the channel genes of a lu2019 space', () => {
    expect(channelGenes(space)).toEqual(['L1.filters', 'L2.filters', 'L3.filters', 'L4.filters']);
  });

  for (const mode of ['uniform', 'per-layer'] as const) {
    it(`${mode}: meets the target when any width can, and no single one-step widening would still meet it`, () => {
      const rng = Rng.fromSeed(4);
      for (let n = 0; n < 40; n++) {
        const g = space.sample(rng);
        const target = 0.03 + rng.next() * 0.1;
        const r = scaleChannels(space, g, { targetMs: target, latencyMs: latency, mode });
        expect(space.validate(r.genome)).toEqual([]);
        expect(r.latencyMs).toBeCloseTo(latency(r.genome), 12);
        // Everything except the widths is untouched.
        for (const k of Object.keys(g)) if (!k.endsWith('.filters')) expect(r.genome[k]).toEqual(g[k]);
        const narrowest = { ...g } as Record<string, unknown>;
        for (let i = 1; i <= (g.depth as number); i++) narrowest[`L${i}.filters`] = 4;
        const possible = latency(narrowest as Genome) <= target;
        expect(r.feasible).toBe(possible);
        if (!possible) continue;
        expect(r.latencyMs).toBeLessThanOrEqual(target);
        if (mode === 'per-layer') {
          // Maximal: widening any layer one step breaks the target.
          const ladder = [4, 8, 16, 24];
          for (let i = 1; i <= (g.depth as number); i++) {
            const w = r.genome[`L${i}.filters`] as number;
            if (w === 24) continue;
            const wider = { ...r.genome, [`L${i}.filters`]: ladder[ladder.indexOf(w) + 1] };
            expect(latency(wider)).toBeGreaterThan(target);
          }
        }
      }
    });
  }

  it('uniform keeps the width profile: every layer moves by the same number of steps unless clamped', () => {
    const g = space.canonical({ ...space.sample(Rng.fromSeed(1)), depth: 3, 'L1.filters': 8, 'L2.filters': 16, 'L3.filters': 8, 'L1.kernel': 3, 'L2.kernel': 3, 'L3.kernel': 3 });
    const r = scaleChannels(space, g, { targetMs: 0.02 + 0.003 * (4 + 8 + 4) + 1e-9, latencyMs: latency, mode: 'uniform' });
    expect(widths(r.genome)).toEqual([4, 8, 4]);
    const up = scaleChannels(space, g, { targetMs: 1, latencyMs: latency, mode: 'uniform' });
    expect(widths(up.genome)).toEqual([24, 24, 24]);
  });

  it('returns the narrowest design, flagged infeasible, when nothing meets the target', () => {
    const g = space.sample(Rng.fromSeed(2));
    const r = scaleChannels(space, g, { targetMs: 0.001, latencyMs: latency, mode: 'per-layer' });
    expect(r.feasible).toBe(false);
    expect(widths(r.genome).every((w) => w === 4)).toBe(true);
  });
});
