/**
 * The multi-fidelity scheduler against Optuna's pruners, on the same per-rung values
 * (test/fixtures/fidelity/optuna-golden.py wrote the golden file with Optuna 3.1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bracketCount, rungBudgets } from '../../lib/eval/fidelity/options.js';
import { runFidelity, type FidelityPlan } from '../../lib/eval/fidelity/scheduler.js';
import type { EvalRequest, RungRecord } from '../../lib/eval/evaluator.js';
import type { TrialResult } from '../../lib/trial/index.js';

interface Case {
  method: 'asha' | 'sha';
  eta: number;
  rungs: number;
  direction: 'maximize' | 'minimize';
  values: (number | null)[][];
  outcome: { state: 'complete' | 'pruned'; rung: number }[];
}
const golden = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/fidelity/optuna-golden.json'), 'utf8')) as {
  cases: Case[];
  hyperband: { eta: number; rungs: number; brackets: number; minEarlyStoppingRates: number[] }[];
};

/** Runs the golden values through the scheduler in batches of `batchSize`, `concurrency` trainings at once. */
async function simulate(c: Case, batchSize: number, concurrency: number): Promise<{ state: string; rung: number }[]> {
  const plan: FidelityPlan = { method: c.method, eta: c.eta, budgets: rungBudgets({ eta: c.eta, minBudget: c.eta ** -(c.rungs - 1) }), brackets: 1, objective: { metric: 'acc', direction: c.direction } };
  expect(plan.budgets).toHaveLength(c.rungs);
  const history: RungRecord[] = [];
  const out: { state: string; rung: number }[] = [];
  for (let first = 0, batch = 0; first < c.values.length; first += batchSize, batch++) {
    const items: EvalRequest[] = [];
    for (let n = first; n < Math.min(c.values.length, first + batchSize); n++) items.push({ genome: {}, trialNumber: n, seed: `s/${n}`, batch });
    await runFidelity(plan, {
      items,
      history: history.slice(),
      concurrency,
      trainRung: async (k, rung) => {
        // Finish in a scrambled order: the outcome must not depend on it.
        await new Promise((r) => setTimeout(r, (items[k].trialNumber * 7 + rung * 3) % 5));
        const v = c.values[items[k].trialNumber][rung];
        return { status: 'complete', metrics: { acc: v ?? NaN }, violations: {}, timings: { train: 1 }, extra: { trainedImages: 100 * plan.budgets[rung] } } satisfies TrialResult;
      },
      onRung: (r) => void history.push(r),
      onFinal: (k, r) => {
        out[items[k].trialNumber] = { state: r.status, rung: r.extra!.rung as number };
      },
    });
  }
  return out;
}

describe('multi-fidelity scheduler against Optuna', () => {
  const asha = golden.cases.filter((c) => c.method === 'asha');
  const sha = golden.cases.filter((c) => c.method === 'sha');

  it.each(asha.map((c, i) => [i, c] as const))('asha case %i promotes and prunes the trials Optuna\'s SuccessiveHalvingPruner does', async (_i, c) => {
    expect(c.outcome.some((o) => o.state === 'pruned') && c.outcome.some((o) => o.state === 'complete')).toBe(true);
    // One trial at a time in one batch, and in batches of 7 with 3 at once: the same decisions.
    expect(await simulate(c, c.values.length, 1)).toEqual(c.outcome);
    expect(await simulate(c, 7, 3)).toEqual(c.outcome);
  });

  it.each(sha.map((c, i) => [i, c] as const))('sha case %i promotes, rung by rung, what Optuna\'s promotion rule promotes over the cohort', async (_i, c) => {
    expect(await simulate(c, c.values.length, 2)).toEqual(c.outcome);
  });

  it('counts Hyperband brackets as Optuna\'s HyperbandPruner does', () => {
    for (const h of golden.hyperband) {
      const c = { eta: h.eta, minBudget: h.eta ** -(h.rungs - 1) };
      expect(bracketCount(c)).toBe(h.brackets);
      expect(rungBudgets(c)).toHaveLength(h.rungs);
      // Bracket k starts at rung k, i.e. Optuna's min_early_stopping_rate k.
      expect(h.minEarlyStoppingRates).toEqual(Array.from({ length: h.brackets }, (_, k) => k));
    }
  });
});
