import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { presetSpace, type Genome } from '../../lib/space/index.js';
import { TwoStageEvaluator, type HardwareOutcome, type HardwareStage, type TrainingStage } from '../../lib/eval/two-stage.js';
import type { TrialResult } from '../../lib/trial/index.js';

const space = presetSpace('lu2019-mnist');

/** Stage 1 stand-in: "feasible" when the first layer is narrow; counts its calls. */
class CountingHardware implements HardwareStage {
  genomes: Genome[] = [];
  async evaluate(genomes: readonly Genome[]): Promise<HardwareOutcome[]> {
    this.genomes.push(...genomes);
    return genomes.map((g) => {
      const luts = (g['L1.filters'] as number) * 1000;
      const v = (luts - 20000) / 20000;
      return { feasible: v <= 0, metrics: { luts }, violations: { luts: v }, reason: v > 0 ? `needs ${luts} LUTs` : undefined };
    });
  }
}

class CountingTraining implements TrainingStage {
  trained: Genome[] = [];
  constructor(private readonly failKey?: string) {}
  async train({ genome }: { genome: Genome }): Promise<{ metrics: Record<string, number> }> {
    this.trained.push(genome);
    await new Promise((r) => setTimeout(r, 2));
    if (space.key(genome) === this.failKey) throw new Error('loss became NaN');
    return { metrics: { accuracy: 0.5 + (genome['L1.kernel'] as number) / 100 } };
  }
}

const requests = (genomes: Genome[]) => genomes.map((genome, i) => ({ genome, trialNumber: i, seed: `s/${i}` }));

describe('TwoStageEvaluator', () => {
  const rng = Rng.fromSeed(3);
  const genomes = Array.from({ length: 24 }, () => space.sample(rng));

  it('trains only feasible children, keeps hardware metrics and violations of the others', async () => {
    const hw = new CountingHardware();
    const tr = new CountingTraining();
    const ev = new TwoStageEvaluator({ space, hardware: hw, training: tr, trainConcurrency: 2 });
    const order: number[] = [];
    const results = await ev.evaluate(requests(genomes), { onResult: (i) => void order.push(i) });
    expect(order.slice().sort((a, b) => a - b)).toEqual([...genomes.keys()]);
    for (const [i, g] of genomes.entries()) {
      const feasible = (g['L1.filters'] as number) <= 20;
      expect(results[i].status).toBe(feasible ? 'complete' : 'infeasible');
      expect(results[i].metrics.luts).toBe((g['L1.filters'] as number) * 1000);
      if (feasible) expect(results[i].metrics.accuracy).toBeCloseTo(0.5 + (g['L1.kernel'] as number) / 100);
      else {
        expect(results[i].metrics.accuracy).toBeUndefined();
        expect(results[i].violations.luts).toBeGreaterThan(0);
        expect(results[i].extra?.reason).toMatch(/LUTs/);
      }
    }
    const feasibleCount = genomes.filter((g) => (g['L1.filters'] as number) <= 20).length;
    expect(feasibleCount).toBeGreaterThan(0);
    expect(feasibleCount).toBeLessThan(genomes.length);
    expect(tr.trained).toHaveLength(feasibleCount);
    expect(ev.stats).toMatchObject({ trained: feasibleCount, infeasible: genomes.length - feasibleCount });
  });

  it('caches by genome key: repeats and resumed trials are neither mapped nor trained again', async () => {
    const hw = new CountingHardware();
    const tr = new CountingTraining();
    const ev = new TwoStageEvaluator({ space, hardware: hw, training: tr, trainConcurrency: 2 });
    const batch = [genomes[0], genomes[1], genomes[0], genomes[1]];
    const r = await ev.evaluate(requests(batch));
    expect(hw.genomes).toHaveLength(2);
    expect(r[2].metrics).toEqual(r[0].metrics);
    await ev.evaluate(requests([genomes[0]]));
    expect(hw.genomes).toHaveLength(2);
    expect(ev.stats.cacheHits).toBe(3);

    const primed = new TwoStageEvaluator({ space, hardware: new CountingHardware(), training: tr, trainConcurrency: 1 });
    primed.prime([{ key: space.key(genomes[5]), result: r[0] as TrialResult }]);
    const again = await primed.evaluate(requests([genomes[5]]));
    expect(again[0].metrics).toEqual(r[0].metrics);
  });

  it('turns a training failure into a failed trial and goes on', async () => {
    const feasible = genomes.filter((g) => (g['L1.filters'] as number) <= 20);
    const tr = new CountingTraining(space.key(feasible[0]));
    const ev = new TwoStageEvaluator({ space, hardware: new CountingHardware(), training: tr, trainConcurrency: 1 });
    const r = await ev.evaluate(requests(feasible.slice(0, 3)));
    expect(r[0]).toMatchObject({ status: 'failed', error: 'loss became NaN' });
    expect(r.slice(1).every((x) => x.status === 'complete')).toBe(true);
  });

  it('can train infeasible children too, to measure what stage 1 saves', async () => {
    const tr = new CountingTraining();
    const ev = new TwoStageEvaluator({ space, hardware: new CountingHardware(), training: tr, trainConcurrency: 2, pruneInfeasible: false });
    const r = await ev.evaluate(requests(genomes.slice(0, 8)));
    expect(tr.trained).toHaveLength(8);
    for (const [i, g] of genomes.slice(0, 8).entries()) {
      expect(r[i].status).toBe((g['L1.filters'] as number) <= 20 ? 'complete' : 'infeasible');
      expect(r[i].metrics.accuracy).toBeDefined();
    }
  });
});
