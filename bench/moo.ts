/**
 * bench:moo — NSGA-II on ZDT1, ZDT2, ZDT3 (30 variables, reference (1.1, 1.1)) and DTLZ2 (12 variables, 3
 * objectives, reference (1.1, 1.1, 1.1)): population 100, 100 generations (10,000 evaluations), seeds 0–4,
 * against DEAP's NSGA-II example with the same budget, run in the same process tree (bench/anchors/deap_moo.py).
 *
 * NSGA-II runs with its defaults (SBX η 20, polynomial mutation η 20 at 1/n, crossover 0.9, tournaments by
 * dominance then crowding, offspring duplicates re-bred, last front cut by crowding for 2 objectives and by
 * nearest-neighbour pruning for DTLZ2's 3); the options are printed with the figures.
 * Both final populations are measured by the same code (lib/pareto.ts hypervolume); DEAP's own hypervolume is
 * reported beside. Wall time = optimisation time per run (everything from the first ask to the last survival,
 * evaluations included), interpreter start-up excluded (DEAP's reported separately).
 * Prints two JSON lines per problem (DESIGN §8): `hv` and `wall_ms`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hypervolume, igd } from '../lib/pareto.js';
import { Rng } from '../lib/rng.js';
import type { FinishedTrial } from '../lib/trial/index.js';
import { dtlz2Front3 } from '../problems/dtlz.js';
import { problemByName } from '../problems/index.js';
import { ProblemEvaluator, type BenchmarkProblem } from '../problems/problem.js';
import { zdtFront } from '../problems/zdt.js';
import { createNsga2, nsga2OptionsSchema } from '../strategies/nsga2/index.js';

const PROBLEMS = ['zdt1', 'zdt2', 'zdt3', 'dtlz2'] as const;
type Name = (typeof PROBLEMS)[number];
const SEEDS = [0, 1, 2, 3, 4];
const POPULATION = 100;
const GENERATIONS = 100;
const PYTHON = '/usr/bin/python3';
const OPTIONS = nsga2OptionsSchema.parse({ populationSize: POPULATION });

interface RunResult {
  readonly timeMs: number;
  readonly hv: number;
  readonly igd: number;
  readonly evaluations: number;
}

/** Sampled true fronts, for IGD (context only). */
function trueFront(name: Name): number[][] {
  return name === 'dtlz2' ? dtlz2Front3(40) : zdtFront(name, 1000);
}

/** One NSGA-II run driven by a plain ask/tell loop over the problem's evaluator. */
async function runOurs(problem: BenchmarkProblem, seed: number, front: number[][]): Promise<RunResult> {
  const evaluator = new ProblemEvaluator(problem);
  const t0 = performance.now();
  const strategy = createNsga2(
    { space: problem.space, objectives: problem.objectives, constraints: problem.constraints, rng: Rng.fromSeed(seed).fork('strategy/nsga2') },
    OPTIONS,
  );
  let number = 0;
  for (let g = 0; g < GENERATIONS; g++) {
    const genomes = await strategy.ask(POPULATION);
    const results = await evaluator.evaluate(genomes.map((genome, i) => ({ genome, trialNumber: number + i, seed: `${seed}/${number + i}` })));
    const trials: FinishedTrial[] = results.map((r, i) => ({
      ...r,
      number: number + i,
      genome: genomes[i],
      key: problem.space.key(genomes[i]),
      startedAt: '',
    }));
    number += genomes.length;
    await strategy.tell(trials);
  }
  const timeMs = performance.now() - t0;
  const pop = strategy.population().map((m) => m.objectives);
  return { timeMs, hv: hypervolume(pop, problem.hypervolume.reference), igd: igd(pop, front), evaluations: number };
}

interface DeapRun {
  problem: string;
  seed: number;
  evaluations: number;
  time_ms: number;
  hv_deap: number;
  population: number[][];
}
interface DeapOutput {
  deap_version: string;
  python: string;
  startup_ms: number;
  runs: DeapRun[];
}

/** Runs the DEAP anchor; null with the reason when it cannot run. */
function runDeap(): { out: DeapOutput | null; note?: string; processMs?: number } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // dist/bench/moo.js and bench/moo.ts both sit two levels or one level under the package root.
  const candidates = [path.resolve(here, '../../bench/anchors/deap_moo.py'), path.resolve(here, 'anchors/deap_moo.py')];
  const script = candidates.find((p) => fs.existsSync(p));
  if (!script) return { out: null, note: 'bench/anchors/deap_moo.py not found' };
  if (!fs.existsSync(PYTHON)) return { out: null, note: `${PYTHON} not found` };
  const t0 = performance.now();
  const r = spawnSync(
    PYTHON,
    [script, '--problems', PROBLEMS.join(','), '--seeds', SEEDS.join(','), '--mu', String(POPULATION), '--generations', String(GENERATIONS)],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  const processMs = performance.now() - t0;
  if (r.status !== 0) {
    const err = (r.stderr || String(r.error ?? '')).trim().split('\n').slice(-1)[0];
    return { out: null, note: `DEAP anchor failed (is python3-deap installed? see /tmp/apt-install.log): ${err}` };
  }
  return { out: JSON.parse(r.stdout) as DeapOutput, processMs };
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const std = (xs: readonly number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
};
const round = (x: number, d = 6): number => Number(x.toFixed(d));

async function main(): Promise<void> {
  const ours = new Map<Name, RunResult[]>();
  for (const name of PROBLEMS) {
    const problem = problemByName(name);
    const front = trueFront(name);
    const runs: RunResult[] = [];
    for (const seed of SEEDS) runs.push(await runOurs(problem, seed, front));
    ours.set(name, runs);
  }
  const deap = runDeap();
  for (const name of PROBLEMS) {
    const problem = problemByName(name);
    const reference = problem.hypervolume.reference;
    const front = trueFront(name);
    const runs = ours.get(name)!;
    const anchorRuns = deap.out?.runs.filter((r) => r.problem === name) ?? [];
    const anchorOk = deap.out !== null && anchorRuns.length === SEEDS.length;
    const anchorHv = anchorRuns.map((r) => hypervolume(r.population, reference));
    const anchorName = deap.out ? `deap-${deap.out.deap_version}` : 'deap';
    const common = {
      seeds: SEEDS,
      population: POPULATION,
      generations: GENERATIONS,
      evaluations: runs[0].evaluations,
      anchor_evaluations: anchorOk ? anchorRuns[0].evaluations : null,
    };
    const hvValue = mean(runs.map((r) => r.hv));
    const hvAnchor = anchorOk ? mean(anchorHv) : null;
    console.log(
      JSON.stringify({
        bench: 'moo',
        case: name,
        metric: 'hv',
        value: round(hvValue),
        anchor: anchorName,
        anchor_value: hvAnchor === null ? null : round(hvAnchor),
        ratio: hvAnchor === null ? null : round(hvValue / hvAnchor, 4),
        higher_is_better: true,
        std: round(std(runs.map((r) => r.hv))),
        anchor_std: anchorOk ? round(std(anchorHv)) : null,
        per_seed: runs.map((r) => round(r.hv)),
        anchor_per_seed: anchorOk ? anchorHv.map((x) => round(x)) : null,
        anchor_hv_own_code: anchorOk ? round(mean(anchorRuns.map((r) => r.hv_deap))) : null,
        reference,
        igd: round(mean(runs.map((r) => r.igd))),
        anchor_igd: anchorOk ? round(mean(anchorRuns.map((r) => igd(r.population, front)))) : null,
        measured_on: 'final population (both), hypervolume by lib/pareto.ts (both)',
        options: OPTIONS,
        ...common,
        ...(anchorOk ? {} : { note: deap.note ?? `DEAP returned ${anchorRuns.length} runs for ${name}` }),
      }),
    );
    const tValue = mean(runs.map((r) => r.timeMs));
    const tAnchor = anchorOk ? mean(anchorRuns.map((r) => r.time_ms)) : null;
    console.log(
      JSON.stringify({
        bench: 'moo',
        case: name,
        metric: 'wall_ms',
        value: round(tValue, 1),
        anchor: anchorName,
        anchor_value: tAnchor === null ? null : round(tAnchor, 1),
        ratio: tAnchor === null ? null : round(tValue / tAnchor, 4),
        higher_is_better: false,
        per_seed: runs.map((r) => round(r.timeMs, 1)),
        anchor_per_seed: anchorOk ? anchorRuns.map((r) => round(r.time_ms, 1)) : null,
        anchor_startup_ms: deap.out ? round(deap.out.startup_ms, 1) : null,
        anchor_process_ms: deap.processMs === undefined ? null : round(deap.processMs, 1),
        runtime: `node ${process.version}`,
        anchor_runtime: deap.out ? `python ${deap.out.python}` : null,
        note: anchorOk
          ? 'mean optimisation time per run (first ask to last survival, evaluations and the harness building FinishedTrials with their keys included), one thread, interpreter start-up excluded; machine shared with other jobs'
          : deap.note,
        ...common,
      }),
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
