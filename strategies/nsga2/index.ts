/**
 * NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002) as an ask/tell strategy.
 *
 * - The first `populationSize` genomes are uniform samples of the space.
 * - Every time at least `populationSize` told trials have gathered, survival runs on parents ∪ those trials:
 *   constrained non-dominated sort (feasible before infeasible, infeasible by total violation; failed trials
 *   count as infinitely violated), fronts taken whole while they fit, the last front cut by crowding distance
 *   (or, for 3+ objectives by default, by nearest-neighbour pruning; see survival.ts).
 * - Offspring are bred a generation at a time: binary tournaments (dominance or rank, then crowding) over
 *   shuffled parents, then SBX + polynomial mutation on numeric genes and uniform crossover + resampling mutation
 *   on categorical genes, in the space's vector view; duplicates are re-bred. `ask(n)` hands them out from a
 *   queue, so n may be smaller or larger than a generation.
 * - The snapshot holds the Rng, the parents (genomes, objectives, violations, ranks, crowding), the told trials
 *   waiting for survival, the bred-but-not-yet-asked offspring and, with `dedupe: 'history'`, every key seen.
 *   Asked-but-untold genomes need no copy: they come back with their trials.
 */
import { z } from 'zod';
import { HwnasError } from '../../lib/errors.js';
import { constrainedDominates, scoreTrial } from '../../lib/pareto.js';
import { observedAs, PRUNED_VIOLATION } from '../low-fidelity.js';
import { Rng, type RngState } from '../../lib/rng.js';
import { sampleGene, type Genome } from '../../lib/space/genome.js';
import type { GeneValue } from '../../lib/space/gene.js';
import type { FinishedTrial } from '../../lib/trial/index.js';
import { checkSnapshot, defineStrategy, type Strategy, type StrategyContext, type StrategySnapshot } from '../strategy.js';
import { crossover, mutate, vectorModel } from './operators.js';
import { nsga2OptionsSchema, type Nsga2Options } from './options.js';
import { selectSurvivors, type Truncation } from './survival.js';

export { nsga2OptionsSchema, type Nsga2Options } from './options.js';

const NAME = 'nsga2';
const VERSION = 1;

/** A member of the population (or a told trial waiting for survival). */
export interface Nsga2Member {
  readonly genome: Genome;
  /** Objectives in minimisation form (NaN for failed trials). */
  readonly objectives: readonly number[];
  /** Total constraint violation: 0 feasible, Infinity failed. */
  readonly violation: number;
  /** Front index from the last survival (0 = best). */
  readonly rank: number;
  /** Crowding distance from the last survival (Infinity at the extremes). */
  readonly crowding: number;
}

/** NSGA-II with read access to its current parents (benchmarks report the final population). */
export interface Nsga2Strategy extends Strategy {
  /** The current parent population, after the last survival (empty before the first). */
  population(): readonly Nsga2Member[];
  /** Number of survivals run so far. */
  readonly generation: number;
}

/** A number that may be non-finite, as JSON (null = NaN, strings for ±Infinity). */
const jsonNumber = z.union([z.number(), z.null(), z.literal('Infinity'), z.literal('-Infinity')]);
type JsonNumber = z.infer<typeof jsonNumber>;
const toJsonNumber = (x: number): JsonNumber => (Number.isFinite(x) ? x : Number.isNaN(x) ? null : x > 0 ? 'Infinity' : '-Infinity');
const fromJsonNumber = (x: JsonNumber): number => (x === null ? NaN : x === 'Infinity' ? Infinity : x === '-Infinity' ? -Infinity : x);

const memberJson = z.object({
  genome: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  objectives: z.array(jsonNumber),
  violation: jsonNumber,
  rank: z.number().int().min(0),
  crowding: jsonNumber,
});
type MemberJson = z.infer<typeof memberJson>;

const stateSchema = z.object({
  rng: z.object({ seed: z.string(), state: z.object({}).passthrough() }),
  generation: z.number().int().min(0),
  population: z.array(memberJson),
  pool: z.array(memberJson),
  queue: z.array(z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]))),
  seen: z.array(z.string()).optional(),
});
type Nsga2State = z.infer<typeof stateSchema>;

/** Internal member: the public record plus its vector view, cached for breeding. */
interface Member extends Nsga2Member {
  rank: number;
  crowding: number;
  /** Identity of the canonical genome (see `identity`), computed once. */
  readonly key: string;
  vector: Float64Array | null;
}

/** Creates an NSGA-II instance (the registry's factory; benchmarks call it to reach {@link Nsga2Strategy}). */
export function createNsga2(ctx: StrategyContext, options: Nsga2Options): Nsga2Strategy {
  const { space, objectives } = ctx;
  if (objectives.length === 0) {
    throw new HwnasError('CONFIG_INVALID', 'nsga2 needs at least one objective');
  }
  const N = options.populationSize;
  const model = vectorModel(space);
  const mutationProbability = options.mutationProbability ?? 1 / Math.max(1, space.genes.length);
  const conditional = space.genes.some((g) => g.when !== undefined);
  const xSettings = { eta: options.crossoverEta, geneProbability: options.geneCrossoverProbability };
  const dedupe = options.dedupe === 'auto' ? (space.genes.some((g) => g.kind === 'real') ? 'population' : 'history') : options.dedupe;
  const truncation: Truncation = options.truncation === 'auto' ? (objectives.length >= 3 ? 'knn' : 'crowding') : options.truncation;

  let rng = ctx.rng;
  let generation = 0;
  let population: Member[] = [];
  let pool: Member[] = [];
  let queue: Genome[] = [];
  let queueKeys: string[] = [];
  let queueHead = 0;
  let seen = new Set<string>(); // 'history' dedupe only

  /**
   * Identity of a canonical genome for duplicate elimination: the bytes of its vector view, base64. Equal for
   * exactly the genomes with equal keys (canonical genomes differ iff their vectors do), and much cheaper than
   * space.key, which prints every real.
   */
  const scratch = new Float64Array(space.genes.length);
  const scratchBytes = Buffer.from(scratch.buffer);
  const identity = (genome: Genome): string => {
    const v = space.toVector(genome);
    for (let i = 0; i < v.length; i++) scratch[i] = v[i] === 0 ? 0 : v[i]; // −0 and 0 share a key
    return scratchBytes.toString('base64');
  };

  const member = (genome: Genome, objs: readonly number[], violation: number, rank = 0, crowding = 0, key = identity(genome)): Member => ({
    genome,
    key,
    objectives: objs,
    violation,
    rank,
    crowding,
    vector: null,
  });

  /** Keeps the best N of `combined` and records their rank and crowding (Deb 2002, §III-C). */
  function survive(combined: Member[]): Member[] {
    const s = selectSurvivors(
      combined.map((m) => m.objectives),
      combined.map((m) => m.violation),
      N,
      truncation,
    );
    return s.selected.map((idx, j) => {
      const m = combined[idx];
      m.rank = s.rank[j];
      m.crowding = s.crowding[j];
      return m;
    });
  }

  /** Whether `a` wins a tournament against `b` outright (before crowding and the coin). */
  const beats =
    options.tournament === 'dominance'
      ? (a: Member, b: Member): boolean => constrainedDominates(a.objectives, a.violation, b.objectives, b.violation)
      : (a: Member, b: Member): boolean => a.rank < b.rank;

  /**
   * Binary tournament: the dominating (or lower-ranked) contestant wins, else the larger crowding distance, else a
   * coin flip. Contestants are drawn without replacement from shuffled permutations of the parents (as in Deb's
   * NSGA-II code and DEAP's selTournamentDCD), so every parent enters the same number of tournaments.
   */
  let contestants: number[] = [];
  function tournament(): Member {
    if (contestants.length < 2) contestants = contestants.concat(rng.shuffle(population.map((_, i) => i)));
    const a = population[contestants.pop()!];
    const b = population[contestants.pop()!];
    if (beats(a, b)) return a;
    if (beats(b, a)) return b;
    if (a.crowding !== b.crowding) return a.crowding > b.crowding ? a : b;
    return rng.bool() ? a : b;
  }

  /** A fresh copy of a parent's vector; inactive (conditional) genes get random values so they can be inherited. */
  function parentVector(m: Member): Float64Array {
    if (!conditional) {
      m.vector ??= Float64Array.from(space.toVector(m.genome));
      return m.vector.slice();
    }
    const filled: Record<string, GeneValue> = { ...m.genome };
    for (const g of space.genes) if (!space.isActive(m.genome, g)) filled[g.name] = sampleGene(g, rng);
    return Float64Array.from(space.toVector(filled));
  }

  /** Keys a new genome must not repeat (besides `seen`, with history dedupe). */
  function blockedKeys(): Set<string> {
    const keys = new Set<string>();
    if (dedupe === 'none') return keys;
    for (const m of population) keys.add(m.key);
    for (const m of pool) keys.add(m.key);
    for (let i = queueHead; i < queue.length; i++) keys.add(queueKeys[i]);
    return keys;
  }

  /** Appends a generation (N genomes) to the queue: random samples before the first survival, offspring after. */
  function refill(): void {
    contestants = [];
    const blocked = blockedKeys();
    const fresh: Genome[] = [];
    const freshKeys: string[] = [];
    let misses = 0;
    const offer = (g: Genome): void => {
      if (fresh.length >= N) return;
      const k = identity(g);
      if (dedupe !== 'none') {
        // After too many duplicates in a row (a tiny or converged space) accept one rather than loop forever.
        if ((blocked.has(k) || seen.has(k)) && misses < options.dedupeAttempts) {
          misses++;
          return;
        }
        blocked.add(k);
        if (dedupe === 'history') seen.add(k);
      }
      misses = 0;
      fresh.push(g);
      freshKeys.push(k);
    };
    if (population.length === 0) {
      while (fresh.length < N) offer(space.sample(rng));
    } else {
      while (fresh.length < N) {
        const v1 = parentVector(tournament());
        const v2 = parentVector(tournament());
        if (rng.next() < options.crossoverProbability) crossover(model, v1, v2, xSettings, rng);
        mutate(model, v1, options.mutationEta, mutationProbability, rng);
        mutate(model, v2, options.mutationEta, mutationProbability, rng);
        offer(space.fromVector(Array.from(v1)));
        offer(space.fromVector(Array.from(v2)));
      }
    }
    if (queueHead > 0) {
      queue = queue.slice(queueHead);
      queueKeys = queueKeys.slice(queueHead);
      queueHead = 0;
    }
    queue.push(...fresh);
    queueKeys.push(...freshKeys);
  }

  const toJson = (m: Member): MemberJson => ({
    genome: { ...m.genome },
    objectives: m.objectives.map(toJsonNumber),
    violation: toJsonNumber(m.violation),
    rank: m.rank,
    crowding: toJsonNumber(m.crowding),
  });
  const fromJson = (j: MemberJson): Member =>
    member(space.canonical(j.genome), j.objectives.map(fromJsonNumber), fromJsonNumber(j.violation), j.rank, fromJsonNumber(j.crowding));

  return {
    name: NAME,
    batchSize: N,
    get generation() {
      return generation;
    },

    async ask(n: number): Promise<Genome[]> {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`nsga2.ask needs a whole number ≥ 0, got ${n}`);
      const out: Genome[] = [];
      while (out.length < n) {
        if (queueHead >= queue.length) refill();
        out.push(queue[queueHead++]);
      }
      return out;
    },

    async tell(trials: readonly FinishedTrial[]): Promise<void> {
      for (const t of trials) {
        // A pruned trial: its low-fidelity objectives, ranked behind every complete feasible trial (low-fidelity.ts).
        const seen_ = observedAs(t, objectives.map((o) => o.metric));
        const s0 = scoreTrial(seen_ ?? { ...t, status: 'failed' }, objectives);
        const s = t.status === 'pruned' && seen_ !== null && s0.violation === 0 ? { ...s0, violation: PRUNED_VIOLATION } : s0;
        // Genomes come back as asked (canonical); canonicalise anyway where the space has conditional genes.
        const genome = conditional ? space.canonical(t.genome) : t.genome;
        const key = identity(genome);
        pool.push(member(genome, s.objectives, s.violation, 0, 0, key));
        if (dedupe === 'history') seen.add(key);
      }
      if (pool.length >= N) {
        population = survive(population.concat(pool));
        pool = [];
        generation++;
        // Offspring bred from the previous parents are stale now: breed the next ones from the survivors.
        queue = [];
        queueKeys = [];
        queueHead = 0;
      }
    },

    population(): readonly Nsga2Member[] {
      return population.map(({ genome, objectives: o, violation, rank, crowding }) => ({ genome, objectives: o, violation, rank, crowding }));
    },

    snapshot(): StrategySnapshot {
      const state: Nsga2State = {
        rng: rng.getState() as Nsga2State['rng'],
        generation,
        population: population.map(toJson),
        pool: pool.map(toJson),
        queue: queue.slice(queueHead).map((g) => ({ ...g })),
        ...(dedupe === 'history' ? { seen: [...seen] } : {}),
      };
      return { strategy: NAME, version: VERSION, state };
    },

    restore(snapshot: StrategySnapshot): void {
      checkSnapshot(snapshot, NAME, VERSION);
      const r = stateSchema.safeParse(snapshot.state);
      if (!r.success) throw new HwnasError('SNAPSHOT_INVALID', `nsga2: malformed snapshot state: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const s = r.data;
      for (const g of [...s.population.map((m) => m.genome), ...s.pool.map((m) => m.genome), ...s.queue]) {
        const issues = space.validate(g);
        if (issues.length > 0) throw new HwnasError('SNAPSHOT_INVALID', `nsga2: snapshot genome does not fit space "${space.name}": ${issues[0].path} ${issues[0].message}`);
      }
      // Decode everything first, so a bad snapshot leaves this instance untouched.
      const nextRng = Rng.fromState(s.rng as RngState);
      const nextPopulation = s.population.map(fromJson);
      const nextPool = s.pool.map(fromJson);
      const nextQueue = s.queue.map((g) => space.canonical(g));
      rng = nextRng;
      generation = s.generation;
      population = nextPopulation;
      pool = nextPool;
      queue = nextQueue;
      queueKeys = nextQueue.map(identity);
      queueHead = 0;
      seen = new Set(dedupe === 'history' ? (s.seen ?? []) : []);
    },
  };
}

/** The NSGA-II registry entry. */
export const nsga2Strategy = defineStrategy({
  name: NAME,
  summary: 'NSGA-II: constrained non-dominated sorting, crowding, SBX + polynomial mutation (Deb et al. 2002)',
  schema: nsga2OptionsSchema,
  snapshot: { version: VERSION, state: stateSchema },
  create: (ctx, options): Strategy => createNsga2(ctx, options),
});
