/** Zoo genomes and distances in lib/space: the nearest-model metric, mapping between spaces, the reference ladder. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { presetSpace } from '../../lib/space/index.js';
import { genomeDistance, mapGenome, MISSING_LAYER_COST, nearestGenome, spaceCompatibilityIssues } from '../../lib/space/genome-distance.js';
import { referenceGenomes, REFERENCE_ARCHETYPES } from '../../lib/space/reference-genomes.js';
import { decodeArchitecture } from '../../lib/space/decode.js';
import type { Genome } from '../../lib/space/genome.js';

const lu = presetSpace('lu2019-mnist');
const hot = presetSpace('hotnas-mnist');

/** A lu2019-mnist genome: layers as [filters, kernel, pool], all weights/activations at 3.4 bits. */
function net(layers: [number, number, boolean][], bits = 4): Genome {
  const g: Record<string, number | boolean> = { depth: layers.length };
  for (let i = 1; i <= 4; i++) {
    const [f, k, p] = layers[i - 1] ?? [4, 1, false];
    Object.assign(g, { [`L${i}.filters`]: f, [`L${i}.kernel`]: k, [`L${i}.pool`]: p, [`L${i}.wInt`]: 3, [`L${i}.wFrac`]: bits, [`L${i}.aInt`]: 3, [`L${i}.aFrac`]: 4 });
  }
  Object.assign(g, { 'fc.wInt': 3, 'fc.wFrac': bits });
  return lu.canonical(g);
}

describe('genomeDistance', () => {
  const a = net([[8, 3, true], [16, 3, true]]);
  it('is zero for the same network and symmetric', () => {
    expect(genomeDistance(lu, a, lu, a)).toBe(0);
    const b = net([[16, 5, true], [16, 3, false]]);
    expect(genomeDistance(lu, a, lu, b)).toBe(genomeDistance(lu, b, lu, a));
  });

  it('counts a doubling of width, a kernel step, a pooling change and a missing layer as documented', () => {
    expect(genomeDistance(lu, a, lu, net([[16, 3, true], [16, 3, true]]))).toBeCloseTo(1);
    expect(genomeDistance(lu, a, lu, net([[8, 5, true], [16, 3, true]]))).toBeCloseTo(1);
    // Pooling differs in layer 2: +1, and the classifier's input map differs (7×7 vs 14×14): +1.
    expect(genomeDistance(lu, a, lu, net([[8, 3, true], [16, 3, false]]))).toBeCloseTo(2);
    // A third layer (pooled: the classifier's input map shrinks too).
    expect(genomeDistance(lu, a, lu, net([[8, 3, true], [16, 3, true], [8, 3, true]]))).toBeCloseTo(MISSING_LAYER_COST + 1);
    // Quantization barely counts: 2 fraction bits = 0.1 per conv layer.
    expect(genomeDistance(lu, a, lu, net([[8, 3, true], [16, 3, true]], 2))).toBeCloseTo(0.2);
  });

  it('picks the nearest candidate, across spaces', () => {
    const cands = [net([[24, 5, true]]), net([[8, 3, true], [16, 3, true], [24, 3, true]]), net([[8, 3, true], [24, 3, true]])].map((genome) => ({ space: lu, genome }));
    expect(nearestGenome(lu, a, cands).index).toBe(2);
    const mapped = mapGenome(lu, a, hot, Rng.fromSeed(1))!;
    expect(genomeDistance(hot, mapped, lu, a)).toBe(0);
  });
});

describe('mapGenome and compatibility', () => {
  it('maps a lu2019-mnist genome into hotnas-mnist: network and bits kept, no compression, hardware drawn', () => {
    const a = net([[8, 3, true], [24, 5, false]]);
    const g = mapGenome(lu, a, hot, Rng.fromSeed(3))!;
    expect(hot.validate(g)).toEqual([]);
    for (const gene of lu.genes) if (lu.isActive(a, gene)) expect(g[gene.name]).toBe(a[gene.name]);
    expect(g['L1.pattern']).toBe('none');
    expect(g['L2.keep']).toBe(1);
    expect(decodeArchitecture(hot, g)).toEqual(decodeArchitecture(lu, a));
    // Hardware genes come from the rng: the same seed gives the same genome.
    expect(mapGenome(lu, a, hot, Rng.fromSeed(3))).toEqual(g);
  });

  it('maps to the nearest allowed value where the target allows fewer choices', () => {
    const cifar = presetSpace('lu2019-cifar10');
    const g = mapGenome(lu, net([[8, 3, true], [16, 5, true]]), cifar, Rng.fromSeed(1))!;
    expect(cifar.validate(g)).toEqual([]);
    expect(g['L1.filters']).toBe(24); // 8 → the nearest of {24, 36, 48, 64}
    expect(g.depth).toBe(2);
  });

  it('refuses spaces of another input, classes or family', () => {
    expect(spaceCompatibilityIssues(lu, hot)).toEqual([]);
    expect(spaceCompatibilityIssues(lu, presetSpace('lu2019-cifar10'))[0].message).toMatch(/28×28×1 → 10 classes.*32×32×3/);
    expect(spaceCompatibilityIssues(lu, presetSpace('nb201'))[0].message).toMatch(/lu2019-family/);
  });
});

describe('referenceGenomes', () => {
  it('gives the documented ladder, then distinct seeded samples, deterministically', () => {
    const refs = referenceGenomes(lu, 7, Rng.fromSeed(0));
    expect(refs.map((r) => r.id)).toEqual([...REFERENCE_ARCHETYPES, 'sample-1', 'sample-2']);
    expect(new Set(refs.map((r) => lu.key(r.genome))).size).toBe(7);
    for (const r of refs) expect(lu.validate(r.genome)).toEqual([]);
    const convs = (g: Genome) => decodeArchitecture(lu, g).layers.filter((l) => l.kind === 'conv');
    const [small, medium, large] = refs.map((r) => convs(r.genome));
    expect(small.map((l) => l.filters)).toEqual([8, 8]);
    expect(medium.map((l) => l.filters)).toEqual([16, 16, 16]);
    expect(large.map((l) => [l.filters, l.kernel])).toEqual([[24, 5], [24, 3], [24, 3], [24, 3]]);
    // Full precision within the space: every quant gene at its largest value.
    for (const g of lu.genesOf('quant')) if (lu.isActive(refs[0].genome, g) && g.kind === 'bits') expect(refs[0].genome[g.name]).toBe(g.max);
    expect(referenceGenomes(lu, 7, Rng.fromSeed(0))).toEqual(refs);
    expect(referenceGenomes(lu, 7, Rng.fromSeed(1)).slice(5)).not.toEqual(refs.slice(5));
  });

  it('builds the same ladder in a compression space, uncompressed', () => {
    const refs = referenceGenomes(hot, 3, Rng.fromSeed(0));
    for (const r of refs) {
      expect(hot.validate(r.genome)).toEqual([]);
      expect(r.genome['L1.pattern']).toBe('none');
    }
  });
});
