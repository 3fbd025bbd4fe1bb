import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { decodeArchitecture, decodeQuantization, presetSpace, type Genome } from '../../lib/space/index.js';
import type { FinishedTrial } from '../../lib/trial/index.js';
import { ortCpuPredictor } from '../../hardware/predictor/ort-cpu.js';
import { createHsconas, hsconasOptionsSchema, type HsconasStrategy } from '../../strategies/hsconas/index.js';
import { installSyntheticPredictor } from './fixture.js';

installSyntheticPredictor();
afterAll(() => {
  delete process.env.HWNAS_PREDICTOR_ORT_CPU;
});

const space = presetSpace('lu2019-mnist');
const TARGET = 0.12;
const predict = (g: Genome): number => ortCpuPredictor().predictMs(decodeArchitecture(space, g), decodeQuantization(space, g));

function make(seed: number, options: Record<string, unknown> = {}): HsconasStrategy {
  return createHsconas(
    {
      space,
      objectives: [{ metric: 'accuracy', direction: 'maximize' }, { metric: 'latencyMs', direction: 'minimize' }],
      constraints: [{ metric: 'latencyMs', max: TARGET }],
      rng: Rng.fromSeed(seed).fork('strategy/hsconas'),
    },
    hsconasOptionsSchema.parse({ population: 8, stageGenerations: 1, minSamples: 2, latencyMargin: 0, ...options }),
  );
}

let n = 0;
/** Accuracy grows with width and falls with kernel 5 (so the shrinker has something to find). */
function tellAll(genomes: Genome[]): FinishedTrial[] {
  return genomes.map((genome) => {
    const latencyMs = predict(genome);
    const depth = genome.depth as number;
    let acc = 0.8;
    for (let i = 1; i <= depth; i++) acc += 0.002 * (genome[`L${i}.filters`] as number) - (genome[`L${i}.kernel`] === 5 ? 0.05 : 0);
    const feasible = latencyMs <= TARGET;
    return {
      number: n++, genome, key: space.key(genome), startedAt: '',
      status: feasible ? 'complete' : 'infeasible',
      metrics: { accuracy: acc, latencyMs },
      violations: { latencyMs: (latencyMs - TARGET) / TARGET },
    } as FinishedTrial;
  });
}

describe('hsconas strategy', () => {
  it('channel-scales every candidate to the latency target, and shrinks the space along the way', async () => {
    const s = make(1);
    expect(s.channelScaling.on).toBe(true);
    for (let gen = 0; gen < 5; gen++) {
      const asked = await s.ask(8);
      for (const g of asked) {
        expect(space.validate(g)).toEqual([]);
        // Only designs whose narrowest widths cannot meet the target may exceed it.
        const narrow = { ...g } as Record<string, unknown>;
        for (let i = 1; i <= (g.depth as number); i++) narrow[`L${i}.filters`] = 4;
        if (predict(space.canonical(narrow as Genome)) <= TARGET) expect(predict(g)).toBeLessThanOrEqual(TARGET);
      }
      await s.tell(tellAll(asked));
    }
    const dropped = s.shrinkHistory().flatMap((h) => h.dropped);
    expect(dropped.length).toBeGreaterThan(0);
    // Channel genes are left to channel scaling, never shrunk.
    expect(dropped.some((d) => d.gene.endsWith('.filters'))).toBe(false);
    expect(Object.keys(s.allowed()).some((k) => k.endsWith('.filters'))).toBe(false);
    // Dropped values are no longer asked.
    const later = await s.ask(16);
    for (const d of dropped) for (const g of later) if (space.isActive(g, space.gene(d.gene))) expect(g[d.gene]).not.toEqual(d.value);
  });

  it('resumes exactly from a snapshot taken after shrinking (through JSON)', async () => {
    const a = make(7);
    for (let gen = 0; gen < 4; gen++) await a.tell(tellAll(await a.ask(8)));
    expect(a.shrinkHistory().length).toBeGreaterThan(0);
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    const b = make(99);
    b.restore(snap);
    expect(b.allowed()).toEqual(a.allowed());
    for (let gen = 0; gen < 2; gen++) {
      const ga = await a.ask(8);
      const gb = await b.ask(8);
      expect(gb).toEqual(ga);
      const t = tellAll(ga);
      await a.tell(t);
      await b.tell(t);
    }
    expect(b.shrinkHistory()).toEqual(a.shrinkHistory());
  });

  it('without a latency constraint it is a plain shrinking EA (no scaling)', () => {
    const s = createHsconas({ space, objectives: [{ metric: 'accuracy', direction: 'maximize' }], constraints: [], rng: Rng.fromSeed(1) }, hsconasOptionsSchema.parse({}));
    expect(s.channelScaling).toEqual({ on: false, reason: 'no latencyMs constraint' });
  });
});
