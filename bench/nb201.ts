/**
 * bench:nb201 — random search vs NSGA-II on the nb201 table (CIFAR-10 test error vs FPGA latency), hypervolume
 * after 100, 300 and 1000 evaluations over 20 seeds, EvoXBench-style (ideal/nadir of the true front, reference
 * (1, 1), HV of the normalised non-dominated set of every point evaluated, repeats counted as evaluations).
 *
 * Anchors measured in the same run: NSGA-II lines are compared with random search; random-search lines with the
 * true front's hypervolume (computed from the CSV). The README's reference figures (data/nb201/README.md: random
 * search, Optuna and DEAP NSGA-II) are printed beside as context, not as anchors.
 */
import { hypervolume } from '../lib/pareto.js';
import { Rng } from '../lib/rng.js';
import { normalisePoints } from '../lib/pareto.js';
import type { FinishedTrial } from '../lib/trial/index.js';
import { nb201Problem, nb201TrueFront } from '../problems/nb201.js';
import { createStrategy } from '../strategies/registry.js';

const SEEDS = Array.from({ length: 20 }, (_, i) => i);
const CHECKPOINTS = [100, 300, 1000] as const;

/** The README's reference numbers (mean ± std over seeds), by checkpoint. */
const README: Record<string, Partial<Record<(typeof CHECKPOINTS)[number], [number, number]>>> = {
  'random (20 seeds)': { 100: [0.6665, 0.0234], 300: [0.7199, 0.0101], 1000: [0.7485, 0.0075] },
  'optuna-3.1 NSGAIISampler pop 50 (10 seeds)': { 300: [0.7334, 0.0198], 1000: [0.7673, 0.0027] },
  'deap-1.3 NSGA-II pop 50, cxUniform + mutUniformInt (10 seeds)': { 300: [0.7463, 0.0058], 1000: [0.7665, 0.0027] },
};

/** A configuration under test. */
interface Config {
  readonly case: string;
  readonly strategy: 'random' | 'nsga2' | 'reinforce';
  readonly options: Record<string, unknown>;
  /** Seeds (default all of SEEDS); its anchor is random search on the same seeds. */
  readonly seeds?: readonly number[];
}

const CONFIGS: Config[] = [
  { case: 'random', strategy: 'random', options: { batchSize: 20 } },
  { case: 'nsga2', strategy: 'nsga2', options: {} },
  { case: 'nsga2-pop50', strategy: 'nsga2', options: { populationSize: 50 } },
  // The controller's default multi-objective reward (random Chebyshev scalarisation per batch + entropy bonus);
  // 10 seeds: its LSTM makes a seed ~100× slower than random search (issue 18 asks ≥ 10).
  { case: 'reinforce', strategy: 'reinforce', options: {}, seeds: SEEDS.slice(0, 10) },
];

const problem = nb201Problem();
const spec = problem.hypervolume;

/** HV at each checkpoint of one run. */
async function run(c: Config, seed: number): Promise<number[]> {
  const strategy = createStrategy(
    c.strategy,
    { space: problem.space, objectives: problem.objectives, constraints: [], rng: Rng.fromSeed(seed).fork(`strategy/${c.strategy}`) },
    c.options,
  );
  const points: number[][] = [];
  const out: number[] = [];
  let done = 0;
  for (const checkpoint of CHECKPOINTS) {
    while (done < checkpoint) {
      const n = Math.min(strategy.batchSize, checkpoint - done);
      const genomes = await strategy.ask(n);
      const trials: FinishedTrial[] = genomes.map((genome, i) => {
        const metrics = problem.evaluate(genome);
        points.push([metrics.error, metrics.latencyMs]);
        return { number: done + i, genome, key: problem.space.key(genome), startedAt: '', status: 'complete', metrics, violations: {} };
      });
      done += n;
      await strategy.tell(trials);
    }
    out.push(hypervolume(normalisePoints(points, spec), spec.reference));
  }
  return out;
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const std = (xs: readonly number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
};
const round = (x: number, d = 4): number => Number(x.toFixed(d));

async function main(): Promise<void> {
  const trueHv = hypervolume(normalisePoints(nb201TrueFront(), spec), spec.reference);
  const results = new Map<string, number[][]>(); // case → per checkpoint, per seed
  const times = new Map<string, number>();
  for (const c of CONFIGS) {
    const perCheckpoint: number[][] = CHECKPOINTS.map(() => []);
    const t0 = performance.now();
    for (const seed of c.seeds ?? SEEDS) (await run(c, seed)).forEach((hv, i) => perCheckpoint[i].push(hv));
    times.set(c.case, performance.now() - t0);
    results.set(c.case, perCheckpoint);
  }
  for (const c of CONFIGS) {
    const per = results.get(c.case)!;
    // Random search on the same seeds (seeds are 0, 1, … so the first n runs).
    const randomMeans = results.get('random')!.map((xs) => mean(xs.slice(0, (c.seeds ?? SEEDS).length)));
    CHECKPOINTS.forEach((evals, i) => {
      const value = mean(per[i]);
      const isRandom = c.strategy === 'random';
      const anchorValue = isRandom ? trueHv : randomMeans[i];
      const readme = Object.fromEntries(
        Object.entries(README)
          .filter(([, v]) => v[evals])
          .map(([k, v]) => [k, { mean: v[evals]![0], std: v[evals]![1] }]),
      );
      console.log(
        JSON.stringify({
          bench: 'nb201',
          case: `${c.case}@${evals}`,
          metric: 'hv',
          value: round(value),
          anchor: isRandom ? 'true-front' : 'random (same run)',
          anchor_value: round(anchorValue, 6),
          ratio: round(value / anchorValue),
          higher_is_better: true,
          std: round(std(per[i])),
          min: round(Math.min(...per[i])),
          max: round(Math.max(...per[i])),
          evaluations: evals,
          seeds: (c.seeds ?? SEEDS).length,
          strategy: c.strategy,
          options: c.options,
          true_front_hv: round(trueHv, 6),
          readme_reference: readme,
          wall_ms_all_seeds_to_1000: round(times.get(c.case)!, 0),
          normalisation: 'EvoXBench: ideal/nadir of the true front, reference (1, 1), all evaluated points',
        }),
      );
    });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
