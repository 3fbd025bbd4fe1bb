/**
 * Multi-fidelity evaluation end to end through the Study: statuses, budgets and trained images of SHA, Hyperband
 * and ASHA; every rung journaled; a search aborted mid-rung resumes to exactly the trials of an uninterrupted run
 * without training any journaled rung again.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { presetSpace, type Genome } from '../../lib/space/index.js';
import { TwoStageEvaluator, twoStageCounts, type HardwareOutcome, type HardwareStage, type TrainingOutcome, type TrainingStage } from '../../lib/eval/two-stage.js';
import type { EvalRequest, RungRecord } from '../../lib/eval/evaluator.js';
import { bracketCount, fidelityConfigSchema, rungBudgets } from '../../lib/eval/fidelity/options.js';
import { fidelityPlan, rungObjective, type FidelityPlan } from '../../lib/eval/fidelity/scheduler.js';
import { jointConfigIssues } from '../../lib/search/joint-check.js';
import { jointSpace } from '../../lib/search/run-joint.js';
import { MemoryStorage } from '../../lib/study/memory-storage.js';
import { createStudy, loadStudy } from '../../lib/study/study.js';
import type { StudyEvent } from '../../lib/study/events.js';
import { parseJournal } from '../../lib/study/journal.js';
import { summarizeTrials } from '../../lib/study/summary.js';
import { isFeasible, type FinishedTrial, type Objective } from '../../lib/trial/index.js';
import { parseSearchConfig } from '../../lib/config.js';
import { ConfigError } from '../../lib/errors.js';
import { scaleTrainRequest } from '../../lib/eval/training-stage.js';
import { defaultValSize } from '../../lib/train/datasets/registry.js';

const space = presetSpace('lu2019-mnist');
const objectives: Objective[] = [
  { metric: 'accuracy', direction: 'maximize' },
  { metric: 'luts', direction: 'minimize' },
];

/** Stage 1 stand-in: feasible when the first layer is narrow. */
class Hardware implements HardwareStage {
  async evaluate(genomes: readonly Genome[]): Promise<HardwareOutcome[]> {
    return genomes.map((g) => {
      const luts = (g['L1.filters'] as number) * 1000;
      const v = (luts - 24000) / 24000;
      return { feasible: v <= 0, metrics: { luts }, violations: { luts: v } };
    });
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/** Stage 2 stand-in: accuracy grows with the budget; one genome in 15 fails; records every (trial, rung) trained. */
class Training implements TrainingStage {
  readonly calls: string[] = [];
  constructor(private readonly onCall?: (r: EvalRequest) => void) {}
  async train(r: EvalRequest, signal?: AbortSignal): Promise<TrainingOutcome> {
    const f = r.fidelity ?? { rung: 0, budget: 1 };
    this.calls.push(`${r.trialNumber}/${f.rung}`);
    this.onCall?.(r);
    await new Promise((res) => setTimeout(res, 1 + (r.trialNumber % 3)));
    signal?.throwIfAborted();
    const h = hash(space.key(r.genome));
    if (h < 1 / 15) throw new Error('loss became NaN');
    return { metrics: { accuracy: (0.5 + 0.4 * h) * (0.7 + 0.3 * f.budget) }, extra: { trainedImages: Math.round(900 * f.budget) } };
  }
}

const plan = (method: 'sha' | 'hyperband' | 'asha'): FidelityPlan => fidelityPlan(fidelityConfigSchema.parse({ method }), objectives[0])!;

async function search(method: 'sha' | 'hyperband' | 'asha', strategy: string, storage: MemoryStorage, training: Training, signal?: AbortSignal, resume = false): Promise<FinishedTrial[]> {
  const study = resume
    ? await loadStudy(storage)
    : await createStudy({ space, objectives, constraints: [{ metric: 'luts', max: 24000 }], strategy: { name: strategy, options: strategy === 'nsga2' ? { populationSize: 6 } : strategy === 'random' ? { batchSize: 6 } : { hiddenUnits: 8, embeddingSize: 4 } }, seed: 7, storage });
  const evaluator = new TwoStageEvaluator({ space, hardware: new Hardware(), training, trainConcurrency: 2, fidelity: plan(method) });
  evaluator.prime(study.finishedTrials().map((t) => ({ key: t.key, result: t })));
  return study.optimize({ evaluator, termination: { trials: 24 }, concurrency: 2, signal });
}

const view = (ts: readonly FinishedTrial[]) => ts.map((t) => ({ n: t.number, key: t.key, status: t.status, acc: t.metrics.accuracy, rung: t.extra?.rung, images: t.extra?.trainedImages }));

describe('multi-fidelity evaluation', () => {
  it('validates the option with clear messages', () => {
    expect(rungBudgets({ eta: 3, minBudget: 1 / 9 })).toEqual([1 / 9, 1 / 3, 1]);
    expect(rungBudgets({ eta: 3, minBudget: 0.5 })).toEqual([0.5, 1]);
    // A user's 0.111 means 1/9: three rungs and three Hyperband brackets, not a rung at 0.999 before the full one.
    expect(rungBudgets({ eta: 3, minBudget: 0.111 }).map((b) => +b.toFixed(3))).toEqual([0.111, 0.333, 1]);
    expect(bracketCount({ eta: 3, minBudget: 0.111 })).toBe(3);
    const issues = (raw: unknown): string => {
      try {
        parseSearchConfig(raw);
        return '';
      } catch (err) {
        return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`).join('\n');
      }
    };
    expect(issues({ fidelity: { method: 'sha', eta: 1 } })).toMatch(/fidelity\.eta: eta must be a whole number ≥ 2/);
    expect(issues({ fidelity: { method: 'sha', minBudget: 1 } })).toMatch(/fidelity\.minBudget: .*< 1/);
    expect(issues({ fidelity: { method: 'sha', resource: 'epochs' }, training: { epochs: 2 } })).toMatch(/fidelity\.minBudget: rungs of 1, 1, 2 epochs/);
    expect(issues({ fidelity: { method: 'bogus' } })).toMatch(/unknown fidelity method "bogus"/);
    expect(issues({ problem: 'zdt1', fidelity: { method: 'asha' } })).toMatch(/joint search only/);
    expect(issues({ fidelity: { method: 'sha', resource: 'epochs', minBudget: 1 / 3 }, training: { epochs: 9 } })).toBe('');
  });

  it('ranks rungs by the first objective training measures, and refuses objectives with none before anything runs', async () => {
    expect(rungObjective([{ metric: 'luts', direction: 'minimize' }, { metric: 'accuracy', direction: 'maximize' }])?.metric).toBe('accuracy');
    expect(rungObjective([{ metric: 'luts', direction: 'minimize' }, { metric: 'throughput', direction: 'maximize' }])).toBeNull();
    const c = parseSearchConfig({ fidelity: { method: 'sha' }, objectives: [{ metric: 'luts', direction: 'minimize' }, { metric: 'throughput', direction: 'maximize' }] });
    const issues = await jointConfigIssues(c, c.objectives!, jointSpace);
    expect(issues.map((i) => `${i.path}: ${i.message}`).join('\n')).toMatch(/fidelity\.method: ranks children by an objective training measures/);
    const ok = parseSearchConfig({ fidelity: { method: 'sha' } });
    expect((await jointConfigIssues(ok, [{ metric: 'luts', direction: 'minimize' }, { metric: 'accuracy', direction: 'maximize' }], jointSpace)).filter((i) => i.path.startsWith('fidelity'))).toEqual([]);
  });

  it('scales a rung\'s training request: a share of the images, or of the epochs', () => {
    const base = { space: space.toJSON(), dataset: 'mnist' as const, epochs: 9, trainSubset: 9000 };
    expect(scaleTrainRequest(base, 1 / 9, 'images')).toMatchObject({ trainSubset: 1000, epochs: 9 });
    expect(scaleTrainRequest(base, 1 / 3, 'epochs')).toMatchObject({ trainSubset: 9000, epochs: 3 });
    expect(scaleTrainRequest(base, 1, 'images')).toBe(base);
    // Every training image when no subset is set: MNIST's 60,000 less the validation images carved from them.
    const all = scaleTrainRequest({ ...base, trainSubset: undefined }, 1 / 2, 'images').trainSubset!;
    expect(all).toBe(Math.round((60000 - defaultValSize(60000)) / 2));
  });

  it.each(['sha', 'hyperband', 'asha'] as const)('%s: the best of each rung go on, the others end pruned with their rung; every rung journaled', async (method) => {
    const storage = new MemoryStorage();
    const training = new Training();
    const trials = await search(method, 'random', storage, training);
    expect(trials).toHaveLength(24);
    const p = plan(method);
    const events = await storage.read();
    const rungs = events.filter((e): e is Extract<StudyEvent, { type: 'rung' }> => e.type === 'rung');
    // Every training is journaled as a rung, and nothing else trained.
    expect(rungs.map((r) => `${r.number}/${r.rung}`).sort()).toEqual(training.calls.slice().sort());
    // The journal reader accepts rung events.
    expect(parseJournal(events.map((e) => JSON.stringify(e)).join('\n') + '\n', 'j').events).toHaveLength(events.length);
    const byStatus = (s: string) => trials.filter((t) => t.status === s && t.extra?.cached !== true);
    expect(byStatus('pruned').length).toBeGreaterThan(0);
    expect(byStatus('complete').length).toBeGreaterThan(0);
    for (const t of byStatus('complete')) {
      expect(t.extra).toMatchObject({ rung: p.budgets.length - 1, budget: 1 });
      expect(isFeasible(t, objectives)).toBe(true);
    }
    for (const t of byStatus('pruned')) {
      expect(t.extra!.rung as number).toBeLessThan(p.budgets.length - 1);
      expect(t.extra!.budget).toBe(p.budgets[t.extra!.rung as number]);
      expect(t.metrics.accuracy).toBeGreaterThan(0);
      expect(isFeasible(t, objectives)).toBe(false);
    }
    // Trained images: the sum over every rung trained, per trial and in the counts.
    for (const t of trials.filter((x) => x.extra?.cached !== true && x.extra?.trainedImages !== undefined)) {
      const mine = rungs.filter((r) => r.number === t.number).map((r) => r.result.extra!.trainedImages as number);
      expect(t.extra!.trainedImages).toBe(mine.reduce((a, b) => a + b, 0));
    }
    const counts = twoStageCounts(trials);
    expect(counts.pruned).toBe(byStatus('pruned').length);
    expect(counts.trainedImages).toBe(rungs.filter((r) => r.result.status !== 'failed').reduce((s, r) => s + (r.result.extra!.trainedImages as number), 0));
    // Less than every trained child at the full budget.
    expect(counts.trainedImages).toBeLessThan(counts.trained * 900);
    // A pruned trial never stands on the front; the summary counts it.
    const summary = summarizeTrials(trials, objectives, null);
    expect(summary.pruned).toBe(trials.filter((t) => t.status === 'pruned').length);
    expect(summary.pareto.every((e) => trials[e.number].status === 'complete')).toBe(true);
    if (method === 'sha') {
      // Within each batch, the complete children are the best of the last rung's cohort: each pruned one at the
      // rung below the top is beaten by every complete one of its batch (accuracy grows with the budget, so compare at that rung).
      const batchOf = new Map<number, number>();
      for (const r of rungs) batchOf.set(r.number, r.batch);
      for (const t of byStatus('pruned')) {
        const rung = t.extra!.rung as number;
        const mine = rungs.find((r) => r.number === t.number && r.rung === rung)!.result.metrics.accuracy;
        const winners = rungs.filter((r) => r.batch === batchOf.get(t.number) && r.rung === rung + 1).map((r) => r.number);
        for (const w of winners) expect(rungs.find((r) => r.number === w && r.rung === rung)!.result.metrics.accuracy).toBeGreaterThanOrEqual(mine);
      }
    }
    if (method === 'hyperband') {
      // Batch b starts at rung b mod 3: some trials (bracket 2) train at the full budget only.
      const starts = new Map<number, number>();
      for (const r of rungs) starts.set(r.number, Math.min(starts.get(r.number) ?? 99, r.rung));
      expect(new Set(starts.values())).toEqual(new Set([0, 1, 2]));
    }
  });

  it.each([
    ['sha', 'random'],
    ['hyperband', 'reinforce'],
    ['asha', 'nsga2'],
  ] as const)('%s with %s: aborted mid-rung, resumes to the trials of an uninterrupted run, retraining no journaled rung', async (method, strategy) => {
    const whole = await search(method, strategy, new MemoryStorage(), new Training());

    const storage = new MemoryStorage();
    const ac = new AbortController();
    let upper = 0;
    // Abort while the second batch trains a rung above its first (Hyperband: batch b starts at rung b mod 3).
    const start = (b: number) => (method === 'hyperband' ? b % 3 : 0);
    const first = new Training((r) => {
      const b = r.batch ?? 0;
      if (b >= 1 && (r.fidelity?.rung ?? 0) > start(b) && ++upper === 1) ac.abort();
    });
    await expect(search(method, strategy, storage, first, ac.signal)).rejects.toThrow();
    expect(ac.signal.aborted).toBe(true);
    const before = (await storage.read()).filter((e): e is Extract<StudyEvent, { type: 'rung' }> => e.type === 'rung');
    const journaled = new Set(before.map((r) => `${r.number}/${r.rung}`));
    expect(journaled.size).toBeGreaterThan(0);
    // Killed mid-batch: some trials of the batch are still running, with rungs of theirs journaled.
    const resumedStudy = await loadStudy(storage);
    const running = new Set(resumedStudy.runningTrials().map((t) => t.number));
    expect(running.size).toBeGreaterThan(0);
    expect(before.some((r: RungRecord) => running.has(r.number))).toBe(true);
    await resumedStudy.close();

    const second = new Training();
    const resumed = await search(method, strategy, storage, second, undefined, true);
    expect(view(resumed)).toEqual(view(whole));
    // No rung journaled before the abort was trained again.
    expect(second.calls.filter((c) => journaled.has(c))).toEqual([]);
    expect(twoStageCounts(resumed)).toMatchObject({ pruned: twoStageCounts(whole).pruned, trainedImages: twoStageCounts(whole).trainedImages });
  });
});
