/** Issue 15 item 3: the hotnas compression spaces and their decoder (lib/space/presets/hotnas.ts, decode-compression.ts). */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture, decodeQuantization } from '../../lib/space/decode.js';
import { decodeCompression, hasCompressionGenes, isCompressed } from '../../lib/space/decode-compression.js';
import { decodeHardware } from '../../lib/space/decode-hardware.js';
import { extendGenome, PATTERN_SETS } from '../../lib/space/presets/hotnas.js';
import { presetSpace, PRESET_NAMES } from '../../lib/space/index.js';

describe('hotnas-mnist', () => {
  const space = presetSpace('hotnas-mnist');
  const base = presetSpace('lu2019-mnist');

  it('is registered, with hotnas-cifar10, and carries every lu2019-mnist gene under the same name and choices', () => {
    expect(PRESET_NAMES).toContain('hotnas-mnist');
    expect(PRESET_NAMES).toContain('hotnas-cifar10');
    for (const g of base.genes) expect(space.gene(g.name)).toEqual(g);
    expect(hasCompressionGenes(space)).toBe(true);
    expect(hasCompressionGenes(base)).toBe(false);
    for (const n of ['L1.pattern', 'L1.keep', 'L4.pattern', 'L1.Tm', 'fc.Tn', 'hw.Wp', 'hw.patternSupport', 'hw.packing']) expect(space.has(n)).toBe(true);
  });

  it('every pattern keeps the same number of weights within its set (6 of 9 for hotnas6, 4 for patdnn4), centre included for patdnn4', () => {
    const ones = (p: readonly number[]) => p.reduce((s, x) => s + x, 0);
    expect(PATTERN_SETS.hotnas6.map(ones)).toEqual([6, 6, 6, 6]);
    expect(PATTERN_SETS.patdnn4.map(ones)).toEqual([4, 4, 4, 4]);
    for (const p of PATTERN_SETS.patdnn4) expect(p[4]).toBe(1);
    expect(new Set(PATTERN_SETS.hotnas6.map((p) => p.join(''))).size).toBe(4);
  });

  it('a zoo genome of lu2019-mnist maps onto it: same network and quantization, no compression, supports off', () => {
    const zoo = base.sample(Rng.fromSeed('zoo'));
    const g = extendGenome(space, zoo, Rng.fromSeed('hw'));
    expect(space.validate(g)).toEqual([]);
    expect(decodeArchitecture(space, g)).toEqual(decodeArchitecture(base, zoo));
    expect(decodeQuantization(space, g)).toEqual(decodeQuantization(base, zoo));
    expect(isCompressed(decodeCompression(space, g))).toBe(false);
    // Hardware genes (supports included) are drawn from the rng; without one they take their lowest values.
    const plain = extendGenome(space, zoo);
    expect(decodeCompression(space, plain).support).toEqual({ patterns: false, packing: false });
    expect(plain['L1.Tm']).toBe(1);
    const drawn = [1, 2, 3, 4, 5].map((s) => extendGenome(space, zoo, Rng.fromSeed(s))['hw.Wp']);
    expect(new Set(drawn).size).toBeGreaterThan(1);
  });

  it('decodes patterns on 3×3 layers only, kept filters rounded, and the support genes; decodeHardware carries it', () => {
    const g = extendGenome(space, {
      ...base.sample(Rng.fromSeed(3)),
      depth: 3,
      'L1.kernel': 3, 'L1.filters': 24, 'L1.pattern': 'patdnn4', 'L1.keep': 0.75,
      'L2.kernel': 5, 'L2.filters': 4, 'L2.pattern': 'hotnas6', 'L2.keep': 0.5,
      'L3.kernel': 3, 'L3.filters': 8, 'L3.pattern': 'none', 'L3.keep': 1,
      'hw.patternSupport': true, 'hw.packing': false,
    });
    const c = decodeCompression(space, g);
    expect(c.layers.map((l) => [l.layer, l.keptFilters, l.pattern?.name ?? null, l.pattern?.kept ?? null])).toEqual([
      ['L1', 18, 'patdnn4', 4],
      ['L2', 2, null, null], // 5×5: the 3×3 patterns do not apply
      ['L3', 8, null, null],
    ]);
    expect(isCompressed(c)).toBe(true);
    expect(c.support).toEqual({ patterns: true, packing: false });
    expect(decodeHardware(space, g).compression).toEqual(c);
    expect(decodeHardware(presetSpace('coexplore-mnist'), presetSpace('coexplore-mnist').sample(Rng.fromSeed(1))).compression).toBeUndefined();
  });

  it('samples valid genomes whose keys differ from their lu2019 part only by the compression and hardware genes', () => {
    const rng = Rng.fromSeed('s');
    for (let i = 0; i < 20; i++) {
      const g = space.sample(rng);
      expect(space.validate(g)).toEqual([]);
      const c = decodeCompression(space, g);
      expect(c.layers.length).toBe(space.num(g, 'depth'));
      for (const l of c.layers) expect(l.keptFilters).toBeGreaterThanOrEqual(1);
    }
  });
});
