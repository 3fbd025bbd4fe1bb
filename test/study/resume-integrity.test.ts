/**
 * A resumed run is the same run: a strategy snapshot of another run is refused, counters cover every session,
 * damage in the middle of a journal names its line and the way out, and a metric outside the normalisation's
 * range is reported instead of inflating the hypervolume silently.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HwnasError } from '../../lib/errors.js';
import { ProblemEvaluator } from '../../problems/problem.js';
import { zdtProblem } from '../../problems/zdt.js';
import { JournalStorage } from '../../lib/study/journal-storage.js';
import { createStudy, loadStudy } from '../../lib/study/study.js';
import { summarizeTrials } from '../../lib/study/summary.js';
import type { Evaluator } from '../../lib/eval/evaluator.js';
import type { TrialResult } from '../../lib/trial/index.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-integrity-'));
const problem = zdtProblem('zdt1', 6);

async function newRun(dir: string, seed: number, trials: number, evaluator: Evaluator = new ProblemEvaluator(problem)) {
  const study = await createStudy({ space: problem.space, objectives: problem.objectives, strategy: { name: 'nsga2', options: { populationSize: 8 } }, seed, storage: JournalStorage.open(dir) });
  await study.optimize({ evaluator, termination: { trials } });
  await study.close();
}

/** An evaluator that "trains" every other genome (timings.train), as the two-stage evaluator reports it. */
const trainingEvaluator: Evaluator = {
  async evaluate(requests, o = {}) {
    const out: TrialResult[] = [];
    for (const [i, r] of requests.entries()) {
      const metrics = problem.evaluate(r.genome);
      const res: TrialResult = { status: 'complete', metrics, violations: {}, timings: r.trialNumber % 2 === 0 ? { hardware: 1, train: 5 } : { hardware: 1 } };
      out.push(res);
      await o.onResult?.(i, res);
    }
    return out;
  },
};

describe('resume integrity', () => {
  it("refuses another run's strategy snapshot copied beside the journal", async () => {
    const a = tmp();
    const b = tmp();
    await newRun(a, 1, 16);
    await newRun(b, 2, 16);
    fs.copyFileSync(JournalStorage.snapshotFile(a), JournalStorage.snapshotFile(b));
    const err = await loadStudy(JournalStorage.open(b)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HwnasError);
    expect((err as HwnasError).code).toBe('SNAPSHOT_FOREIGN');
    expect((err as Error).message).toMatch(/belongs to another run/);
    // The lock was released: deleting the foreign snapshot lets the run resume from its journal alone.
    fs.rmSync(JournalStorage.snapshotFile(b));
    const study = await loadStudy(JournalStorage.open(b));
    expect(study.trialCounts().finished).toBe(16);
    await study.close();
  });

  it('counts trained trials and every status over all sessions of a resumed run', async () => {
    const dir = tmp();
    await newRun(dir, 3, 8, trainingEvaluator);
    const study = await loadStudy(JournalStorage.open(dir));
    await study.optimize({ evaluator: trainingEvaluator, termination: { trials: 12 } });
    expect(study.trialCounts()).toMatchObject({ asked: 12, finished: 12, running: 0, complete: 12, trained: 6, feasible: 12 });
    await study.close();
  });

  it('names the damaged line of a journal and how to recover', async () => {
    const dir = tmp();
    await newRun(dir, 4, 8);
    const file = JournalStorage.file(dir);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[2] = '{"type":"result","at":"x","number":';
    fs.writeFileSync(file, lines.join('\n'));
    expect(() => JournalStorage.open(dir)).toThrow(/line 3 is not valid JSON and is not the last line.*head -n 2/s);
    lines[2] = '{"type":"result","at":"x","number":"three"}';
    fs.writeFileSync(file, lines.join('\n'));
    expect(() => JournalStorage.open(dir)).toThrow(/line 3 is not a journal event/);
  });

  it('warns when a metric lies beyond the ideal of the hypervolume normalisation', () => {
    const t = (n: number, f1: number, f2: number) => ({ number: n, genome: {}, key: String(n), startedAt: '', status: 'complete' as const, metrics: { f1, f2 }, violations: {} });
    const spec = { ideal: [0, 0], nadir: [1, 1], reference: [1.1, 1.1] };
    expect(summarizeTrials([t(0, 0.2, 0.5)], problem.objectives, spec).warnings).toEqual([]);
    const tampered = summarizeTrials([t(0, 0.2, 0.5), t(1, -8, 0.1)], problem.objectives, spec);
    expect(tampered.warnings.join()).toMatch(/trial #1: f1 -8 lies beyond/);
  });
});
