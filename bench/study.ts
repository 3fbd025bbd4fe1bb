/**
 * bench:study — does the Study's bookkeeping stay linear in the number of trials? The same nb201 search
 * (NSGA-II, journal on disk, no progress display) at 2,000 and 20,000 trials; the target is at most
 * 12× the time of 2,000 for 20,000 (a linear cost gives 10×; the 2,000-trial run is the anchor, measured in
 * the same run). Also random search, whose own cost per ask is constant, to separate the Study from NSGA-II.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nb201Problem } from '../problems/nb201.js';
import { runProblemSearch } from '../lib/search/run-problem.js';

const SIZES = [2_000, 20_000] as const;

async function timeRun(strategy: 'nsga2' | 'random', trials: number): Promise<number> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-bench-study-'));
  const t0 = performance.now();
  await runProblemSearch({ problem: nb201Problem(), strategy: { name: strategy, options: {} }, trials, seed: 1, out, resume: false });
  const ms = performance.now() - t0;
  fs.rmSync(out, { recursive: true, force: true });
  return ms;
}

for (const strategy of ['nsga2', 'random'] as const) {
  const [small, large] = [await timeRun(strategy, SIZES[0]), await timeRun(strategy, SIZES[1])];
  const ratio = large / small;
  console.log(
    JSON.stringify({
      bench: 'study',
      case: `nb201-${strategy}-20000-vs-2000`,
      metric: 'time_ratio',
      value: +ratio.toFixed(2),
      anchor: 'linear scaling (10x)',
      anchor_value: 10,
      ratio: +(ratio / 10).toFixed(3),
      higher_is_better: false,
      target: '<= 12',
      ms_2000: Math.round(small),
      ms_20000: Math.round(large),
      trials_per_s_20000: Math.round(SIZES[1] / (large / 1000)),
      note: 'journal on disk (fsync per tell), quiet run; before this change 20,000 trials took 70x the time of 2,000',
    }),
  );
}
