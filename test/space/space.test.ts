import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import {
  PRESET_NAMES,
  SearchSpace,
  decodeArchitecture,
  decodeQuantization,
  presetSpace,
  vectorSpace,
  type Genome,
} from '../../lib/space/index.js';

const spaces: SearchSpace[] = [...PRESET_NAMES.map((n) => presetSpace(n)), vectorSpace('box', 5, -1, 2)];

describe.each(spaces.map((s) => [s.name, s] as const))('space %s', (_name, space) => {
  it('samples, mutates and crosses only valid, canonical genomes', () => {
    const rng = Rng.fromSeed(7);
    let pop: Genome[] = Array.from({ length: 30 }, () => space.sample(rng));
    for (let round = 0; round < 20; round++) {
      const next: Genome[] = [];
      for (let i = 0; i < pop.length; i += 2) {
        const [a, b] = space.crossover(pop[i], pop[(i + 1) % pop.length], rng);
        next.push(space.mutate(a, rng), space.mutate(b, rng));
      }
      for (const g of next) {
        expect(space.validate(g)).toEqual([]);
        expect(space.canonical(g)).toEqual(g);
        expect(Object.isFrozen(g)).toBe(true);
      }
      pop = next;
    }
  });

  it('mutation changes the key', () => {
    const rng = Rng.fromSeed(3);
    for (let i = 0; i < 50; i++) {
      const g = space.sample(rng);
      expect(space.key(space.mutate(g, rng))).not.toBe(space.key(g));
    }
  });

  it('round-trips the vector and token views', () => {
    const rng = Rng.fromSeed(11);
    const vocab = space.vocabularies();
    for (let i = 0; i < 50; i++) {
      const g = space.sample(rng);
      expect(space.key(space.fromVector(space.toVector(g)))).toBe(space.key(g));
      const tokens = space.toTokens(g);
      tokens.forEach((t, j) => {
        expect(Number.isInteger(t)).toBe(true);
        expect(t).toBeGreaterThanOrEqual(0);
        expect(t).toBeLessThan(vocab[j]);
      });
      const back = space.fromTokens(tokens);
      expect(space.validate(back)).toEqual([]);
      if (!space.genes.some((x) => x.kind === 'real')) expect(space.key(back)).toBe(space.key(g));
    }
  });

  it('same seed samples the same genomes, another seed others', () => {
    const r1 = Rng.fromSeed(5);
    const r2 = Rng.fromSeed(5);
    const r3 = Rng.fromSeed(6);
    const s1 = Array.from({ length: 10 }, () => space.key(space.sample(r1)));
    const s2 = Array.from({ length: 10 }, () => space.key(space.sample(r2)));
    const s3 = Array.from({ length: 10 }, () => space.key(space.sample(r3)));
    expect(s1).toEqual(s2);
    expect(s1).not.toEqual(s3);
  });
});

describe('validation', () => {
  const space = presetSpace('lu2019-cifar10');
  it('returns every issue with its path', () => {
    const g = { ...space.sample(Rng.fromSeed(1)) } as Record<string, unknown>;
    g['L1.filters'] = 25;
    g['L2.wFrac'] = 9;
    g['depth'] = 2.5;
    delete g['L1.kernel'];
    g['bogus'] = 1;
    const paths = space.validate(g).map((i) => i.path).sort();
    expect(paths).toEqual(['genome.L1.filters', 'genome.L1.kernel', 'genome.L2.wFrac', 'genome.bogus', 'genome.depth']);
  });
  it('rejects a non-object genome', () => {
    expect(space.validate(null)[0].path).toBe('genome');
  });
  it('rejects a broken declaration with every issue', () => {
    expect(
      () =>
        new SearchSpace({
          name: 'bad',
          meta: { family: 'x' },
          genes: [
            { name: 'a', group: 'arch', kind: 'int', min: 3, max: 1 },
            { name: 'a', group: 'arch', kind: 'bool' },
            { name: 'c', group: 'arch', kind: 'choice', choices: [], when: { gene: 'zzz', min: 1 } },
          ],
        }),
    ).toThrow(/space.genes\[0\].*\n.*duplicate.*\n.*choices.*\n.*when.gene/s);
  });
});

describe('canonical keys', () => {
  const space = presetSpace('lu2019-mnist');
  it('ignore the genes of layers beyond depth', () => {
    const g = space.sample(Rng.fromSeed(2));
    const shallow = space.canonical({ ...g, depth: 1 });
    const other = space.canonical({ ...shallow, 'L3.filters': 32, 'L3.kernel': 7 });
    expect(space.key(other)).toBe(space.key(shallow));
    expect(space.key(shallow)).not.toMatch(/L2\./);
  });
});

describe('decoders', () => {
  const space = presetSpace('lu2019-cifar10');
  it('decode a genome into a chain of layers with consistent shapes and aligned quantization', () => {
    const rng = Rng.fromSeed(4);
    for (let i = 0; i < 30; i++) {
      const g = space.sample(rng);
      const arch = decodeArchitecture(space, g);
      const q = decodeQuantization(space, g);
      expect(arch.layers.filter((l) => l.kind === 'conv').length).toBe(g.depth);
      expect(arch.layers.at(-1)?.kind).toBe('dense');
      expect(q.layers.length).toBe(arch.layers.length);
      let shape = arch.input;
      for (const [j, l] of arch.layers.entries()) {
        expect(l.inShape).toEqual(shape);
        shape = l.outShape;
        if (l.kind === 'conv') {
          expect(q.layers[j].weight?.signed).toBe(true);
          expect(q.layers[j].activation?.signed).toBe(false);
          expect(q.layers[j].weight?.intBits).toBe(g[`${l.name}.wInt`]);
        }
      }
      expect(shape).toEqual([1, 1, 10]);
    }
  });
  it('float spaces decode to float layers', () => {
    const f = presetSpace('lu2019-cifar10-float');
    const q = decodeQuantization(f, f.sample(Rng.fromSeed(1)));
    expect(q.float).toBe(true);
    expect(q.layers.every((l) => l.weight === null && l.activation === null)).toBe(true);
  });
  it('refuse a genome of another family', () => {
    const nb = presetSpace('nb201');
    expect(() => decodeArchitecture(nb, nb.sample(Rng.fromSeed(1)))).toThrow(/family/);
  });
});
