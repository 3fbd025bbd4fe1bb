/** Seeding a study with given genomes (a zoo's): asked first, told to the strategy, journaled, resumed exactly. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { vectorSpace } from '../../lib/space/index.js';
import { JournalStorage } from '../../lib/study/journal-storage.js';
import { MemoryStorage } from '../../lib/study/memory-storage.js';
import { createStudy, loadStudy } from '../../lib/study/study.js';
import type { StudyEvent } from '../../lib/study/events.js';
import { ProblemEvaluator, type Problem } from '../../problems/problem.js';

const space = vectorSpace('sphere', 3);
const problem: Problem = {
  name: 'sphere',
  space,
  objectives: [{ metric: 'f1', direction: 'minimize' }, { metric: 'f2', direction: 'minimize' }],
  constraints: [],
  hypervolume: { reference: [4, 4] },
  evaluate(g) {
    const x = space.genes.map((gene) => g[gene.name] as number);
    return { f1: x.reduce((s, v) => s + v * v, 0), f2: x.reduce((s, v) => s + (v - 1) ** 2, 0) };
  },
};
const seeds = [space.fromVector([0.5, 0.5, 0.5]), space.fromVector([0.1, 0.9, 0.3])];
const options = (storage: JournalStorage | MemoryStorage) => ({ ...problem, strategy: { name: 'nsga2', options: { populationSize: 4 } }, seed: 3, storage, enqueue: seeds });

describe('Study enqueue', () => {
  it('asks the enqueued genomes first, then the strategy, and tells the strategy all of them', async () => {
    const storage = new MemoryStorage();
    const study = await createStudy(options(storage));
    const trials = await study.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 10 } });
    expect(trials.slice(0, 2).map((t) => t.key)).toEqual(seeds.map((g) => space.key(g)));
    const events = await storage.read();
    const create = events[0] as Extract<StudyEvent, { type: 'create' }>;
    expect(create.study.enqueued).toEqual(seeds);
    // The first batch (population 4): the 2 enqueued + 2 of the strategy's, told together.
    const tells = events.filter((e): e is Extract<StudyEvent, { type: 'tell' }> => e.type === 'tell');
    expect(tells[0].numbers).toEqual([0, 1, 2, 3]);
    // Without the seeds the strategy's own first proposals are the ones that follow them here.
    const plain = await createStudy({ ...options(new MemoryStorage()), enqueue: undefined });
    const own = await plain.ask(2);
    expect(trials.slice(2, 4).map((t) => t.key)).toEqual(own.map((t) => t.key));
  });

  it('resumes exactly after a kill with an enqueued trial left running', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-enqueue-'));
    const whole = await createStudy(options(new MemoryStorage()));
    const expected = (await whole.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 12 } })).map((t) => t.key);

    const first = await createStudy(options(JournalStorage.open(dir)));
    const asked = await first.ask(4);
    const r = await new ProblemEvaluator(problem).evaluate([{ genome: asked[0].genome, trialNumber: 0, seed: 's' }]);
    await first.tell(0, r[0]);
    await first.close(); // trials 1..3 (one enqueued) left running, as after kill -9
    const resumed = await loadStudy(JournalStorage.open(dir));
    expect(resumed.runningTrials().map((t) => t.number)).toEqual([1, 2, 3]);
    const keys = (await resumed.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 12 } })).map((t) => t.key);
    await resumed.close();
    expect(keys).toEqual(expected);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an enqueued genome that does not fit the space', async () => {
    await expect(createStudy({ ...options(new MemoryStorage()), enqueue: [{ x0: 7 }] })).rejects.toMatchObject({ code: 'INPUT_ENQUEUE' });
  });
});
