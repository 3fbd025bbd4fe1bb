import { spawn, spawnSync } from 'node:child_process';
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

const space = vectorSpace('sphere', 4);
const problem: Problem = {
  name: 'sphere',
  space,
  objectives: [
    { metric: 'f1', direction: 'minimize' },
    { metric: 'f2', direction: 'minimize' },
  ],
  constraints: [{ metric: 'f1', max: 1.5 }],
  hypervolume: { reference: [2, 2] },
  evaluate(g) {
    const x = space.genes.map((gene) => g[gene.name] as number);
    return { f1: x.reduce((s, v) => s + v * v, 0), f2: x.reduce((s, v) => s + (v - 1) ** 2, 0) };
  },
};
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-study-'));
const fixture = path.resolve(__dirname, '../fixtures/slow-search.mjs');

describe('Study', () => {
  it('asks, evaluates, journals and tells until the termination rule', async () => {
    const storage = new MemoryStorage();
    const study = await createStudy({ ...problem, strategy: { name: 'random', options: { batchSize: 7 } }, seed: 1, storage });
    const progress: number[] = [];
    const trials = await study.optimize({
      evaluator: new ProblemEvaluator(problem),
      termination: { trials: 25 },
      onProgress: (p) => progress.push(p.finished),
    });
    expect(trials).toHaveLength(25);
    expect(trials.map((t) => t.number)).toEqual([...Array(25).keys()]);
    expect(progress).toEqual([...Array(25).keys()].map((i) => i + 1));
    for (const t of trials) {
      expect(t.status).toBe(t.metrics.f1 > 1.5 ? 'infeasible' : 'complete');
      expect(t.violations.f1).toBeCloseTo((t.metrics.f1 - 1.5) / 1.5);
    }
    const events = await storage.read();
    expect(events[0].type).toBe('create');
    expect(events.filter((e) => e.type === 'result')).toHaveLength(25);
    // 25 trials in batches of 7: 7, 7, 7, 4 — each batch told once.
    expect(events.filter((e) => e.type === 'tell').map((e) => (e as { numbers: number[] }).numbers.length)).toEqual([7, 7, 7, 4]);
  });

  it('is deterministic by seed', async () => {
    const run = async (seed: number) => {
      const study = await createStudy({ ...problem, strategy: { name: 'random' }, seed, storage: new MemoryStorage() });
      return (await study.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 12 } })).map((t) => t.key);
    };
    expect(await run(5)).toEqual(await run(5));
    expect(await run(5)).not.toEqual(await run(6));
  });

  it('rejects bad termination and bad options with paths', async () => {
    const study = await createStudy({ ...problem, strategy: { name: 'random' }, seed: 1, storage: new MemoryStorage() });
    await expect(study.optimize({ evaluator: new ProblemEvaluator(problem), termination: {} })).rejects.toThrow(/termination/);
    await expect(
      createStudy({ ...problem, strategy: { name: 'random', options: { batchSize: 0 } }, seed: 1, storage: new MemoryStorage() }),
    ).rejects.toThrow(/strategy\.options\.batchSize/);
    await expect(
      createStudy({ ...problem, strategy: { name: 'nope' }, seed: 1, storage: new MemoryStorage() }),
    ).rejects.toThrow(/unknown strategy "nope"/);
  });

  it('turns an evaluator that throws into failed trials and goes on', async () => {
    let calls = 0;
    const flaky = {
      async evaluate(requests: readonly unknown[]) {
        calls++;
        if (calls === 1) throw new Error('worker exploded');
        return new ProblemEvaluator(problem).evaluate(requests as never);
      },
    };
    const study = await createStudy({ ...problem, strategy: { name: 'random', options: { batchSize: 3 } }, seed: 1, storage: new MemoryStorage() });
    const trials = await study.optimize({ evaluator: flaky, termination: { trials: 6 } });
    expect(trials.slice(0, 3).every((t) => t.status === 'failed' && t.error === 'worker exploded')).toBe(true);
    expect(trials.slice(3).every((t) => t.status !== 'failed')).toBe(true);
  });

  it('reloads from a journal and continues exactly as an uninterrupted run', async () => {
    const dirA = tmp();
    const dirB = tmp();
    const mk = async (dir: string) =>
      createStudy({ ...problem, strategy: { name: 'random', options: { batchSize: 4 } }, seed: 9, storage: JournalStorage.open(dir) });
    const a = await mk(dirA);
    await a.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 20 } });
    const keysA = a.trials().map((t) => t.key);
    await a.close();

    const b = await mk(dirB);
    await b.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 9 } });
    await b.close();
    const b2 = await loadStudy(JournalStorage.open(dirB));
    expect(b2.finishedTrials()).toHaveLength(9);
    await b2.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 20 } });
    expect(b2.trials().map((t) => t.key)).toEqual(keysA);
    await b2.close();

    // Without the snapshot file the journal alone replays the strategy from the start, to the same place.
    const c = await mk(tmp());
    await c.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 13 } });
    const dirC = path.dirname(c.location);
    await c.close();
    fs.rmSync(JournalStorage.snapshotFile(dirC));
    const c2 = await loadStudy(JournalStorage.open(dirC));
    await c2.optimize({ evaluator: new ProblemEvaluator(problem), termination: { trials: 20 } });
    expect(c2.trials().map((t) => t.key)).toEqual(keysA);
    await c2.close();
  });

  it('locks a run directory against a second process and detects a torn last line', async () => {
    const dir = tmp();
    const s = JournalStorage.open(dir);
    // The lock holds against another process (a child tries to open the same directory).
    const child = spawnSync(process.execPath, [
      '--input-type=module',
      '-e',
      `import { JournalStorage } from ${JSON.stringify(path.resolve(__dirname, '../../dist/lib/study/journal-storage.js'))};
       try { JournalStorage.open(${JSON.stringify(dir)}); console.log('opened'); } catch (e) { console.log(e.code); }`,
    ]);
    expect(child.stdout.toString().trim()).toBe('RUN_LOCKED');
    await s.append({ type: 'ask', at: 'x', trials: [] }, true);
    await s.close();
    fs.appendFileSync(JournalStorage.file(dir), '{"type":"result","at":"x","numb');
    const warnings: string[] = [];
    const s2 = JournalStorage.open(dir, { warn: (m) => warnings.push(m) });
    expect((await s2.read()).map((e: StudyEvent) => e.type)).toEqual(['ask']);
    expect(warnings.join()).toMatch(/torn/);
    await s2.append({ type: 'ask', at: 'y', trials: [] }, true);
    await s2.close();
    const lines = fs.readFileSync(JournalStorage.file(dir), 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).at)).toEqual(['x', 'y']);
  });

  it('rejects an unwritable run directory before any work', () => {
    const file = path.join(tmp(), 'a-file');
    fs.writeFileSync(file, 'x');
    expect(() => JournalStorage.open(path.join(file, 'run'))).toThrow(/cannot write/);
  });

  it.each(['random', 'reinforce'])('resumes after kill -9 keeping every finished trial (%s)', async (strategy) => {
    const reference = tmp();
    const full = spawnSync(process.execPath, [fixture, reference, '40', strategy, '0']);
    expect(full.stdout.toString()).toContain('done');
    const refTrials = await loadStudy(JournalStorage.open(reference)).then(async (s) => {
      const t = s.finishedTrials();
      await s.close();
      return t;
    });

    const dir = tmp();
    const child = spawn(process.execPath, [fixture, dir, '40', strategy, '15'], { stdio: 'ignore' });
    const journal = JournalStorage.file(dir);
    const results = () => (fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('"type":"result"').length - 1 : 0);
    while (results() < 12) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).filter((l) => {
      try {
        return JSON.parse(l).type === 'result';
      } catch {
        return false;
      }
    }).map((l) => JSON.parse(l));
    expect(before.length).toBeGreaterThanOrEqual(12);
    expect(before.length).toBeLessThan(40);

    const again = spawnSync(process.execPath, [fixture, dir, '40', strategy, '0']);
    expect(again.stdout.toString()).toContain('done');
    const s = await loadStudy(JournalStorage.open(dir));
    const after = s.finishedTrials();
    await s.close();
    expect(after).toHaveLength(40);
    // Nothing finished before the kill was lost or redone differently …
    for (const r of before) expect(after[r.number].metrics).toEqual(r.result.metrics);
    // … and the resumed search is the uninterrupted one.
    expect(after.map((t) => t.key)).toEqual(refTrials.map((t) => t.key));
  });
});
