/**
 * Constrained multi-objective Bayesian optimisation as an ask/tell strategy.
 *
 * - Surrogates: one GP per objective, one per constraint that was ever violated (on sign(v)·log(1 + |v|) of its
 *   normalised violation, so 0 stays the boundary), and one on a ±1 "failed or infeasible for another reason"
 *   label once such trials exist; all on the gene encoding of encoding.ts (ordinal, integer and categorical genes
 *   each handled by the kernel), hyperparameters by marginal likelihood (gp.ts). Objectives may be warped
 *   (`warp`: Yeo–Johnson power or copula, warp.ts) before their GP.
 * - Acquisition: 2-D expected hypervolume improvement of the raw objectives (ehvi2d, exact for a Gaussian; through
 *   a warp ehvi2dNodes at Gauss–Hermite nodes; the reference point is `refMargin` front ranges beyond the nadir of
 *   the feasible front seen) or ParEGO's random augmented Chebyshev scalarisation with
 *   Monte-Carlo expected improvement (1 or 3+ objectives), times the probability of feasibility (Gelbart et al.
 *   2014); with no feasible point yet, the probability of feasibility alone.
 * - Optimised over every unseen design of a small finite space (≤ `exhaustive` designs, e.g. nb201), else over a
 *   pool of uniform samples plus mutants of the best points, never re-proposing a genome already
 *   told or pending. Batches by the Kriging believer (Ginsbourger et al. 2010): each pick is believed at its mean,
 *   which shrinks the variances around it, and joins the front; asked-but-untold genomes are believed first.
 * - Optionally (`epsilon`), a pick is a uniform candidate instead (Spotlight's ε-exploration).
 * - Known constraints of the space are honoured because every candidate comes from space.sample / space.mutate.
 * - Everything random comes from the strategy's Rng; the snapshot holds the Rng, the told data, the pending
 *   genomes and the last hyperparameters (the warm start), so a restored strategy continues identically.
 */
import { z } from 'zod';
import { observedAs } from '../low-fidelity.js';
import { HwnasError } from '../../lib/errors.js';
import { nonDominatedSort } from '../../lib/pareto.js';
import { Rng, type RngState } from '../../lib/rng.js';
import type { Genome } from '../../lib/space/genome.js';
import { minimisedObjectives, type FinishedTrial } from '../../lib/trial/index.js';
import { checkSnapshot, defineStrategy, type Strategy, type StrategyContext, type StrategySnapshot } from '../strategy.js';
import { chebyshev, ehvi2d, ehvi2dNodes, front2d, gaussHermite, normalCdf, simplexWeights } from './acquisition.js';
import { makeEncoding } from './encoding.js';
import { Gp, type GpHyper, type Posterior } from './gp.js';
import { boOptionsSchema, type BoOptions } from './options.js';
import { copulaWarp, powerWarp, winsorise } from './warp.js';

export { boOptionsSchema, type BoOptions } from './options.js';

const NAME = 'bo';
const VERSION = 1;
/** Gauss–Hermite nodes per objective for EHVI through a warp (within 3 % of the exact Gaussian EHVI and of Monte Carlo in the tests). */
const EHVI_NODES = 32;

/** One told trial as the strategy keeps it. */
interface Observation {
  readonly genome: Genome;
  /** Objectives in minimisation form (NaN when missing). */
  readonly y: readonly number[];
  /** Normalised violation per context constraint (NaN when missing). */
  readonly v: readonly number[];
  /** complete = feasible (a pruned trial too, with its low-fidelity objectives); other = failed, or infeasible with no violation of a known metric. */
  readonly kind: 'complete' | 'infeasible' | 'other';
}

const jsonNumber = z.union([z.number(), z.null()]);
const genomeJson = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]));
const hyperJson = z.object({ logLengths: z.array(z.number()), logSignal: z.number(), logNoise: z.number(), logitMix: z.number().optional() }).nullable();
const stateSchema = z.object({
  rng: z.object({ seed: z.string(), state: z.object({}).passthrough() }),
  told: z.array(
    z.object({
      genome: genomeJson,
      y: z.array(jsonNumber),
      v: z.array(jsonNumber),
      kind: z.enum(['complete', 'infeasible', 'other']),
    }),
  ),
  pending: z.array(genomeJson),
  hyper: z.object({ objectives: z.array(hyperJson), constraints: z.array(hyperJson), other: hyperJson }),
});
type BoState = z.infer<typeof stateSchema>;

const num = (x: number | null): number => (x === null ? NaN : x);
const json = (x: number): number | null => (Number.isFinite(x) ? x : null);
/** Keeps the sign and the zero boundary of a violation while taming huge values. */
const squash = (v: number): number => Math.sign(v) * Math.log1p(Math.abs(v));

/** Creates a BO instance (the registry's factory). */
export function createBo(ctx: StrategyContext, options: BoOptions): Strategy {
  const { space, objectives, constraints } = ctx;
  if (objectives.length === 0) throw new HwnasError('CONFIG_INVALID', 'bo needs at least one objective');
  const m = objectives.length;
  const acquisition = options.acquisition === 'auto' ? (m === 2 ? 'ehvi' : 'parego') : options.acquisition;
  if (acquisition === 'ehvi' && m !== 2) {
    throw new HwnasError('CONFIG_INVALID', `strategy.options.acquisition: ehvi needs exactly 2 objectives, this study has ${m}; use parego`);
  }
  const encoding = makeEncoding(space, options.ordinalChoices);
  const kinds = encoding.kinds;

  let rng = ctx.rng;
  let told: Observation[] = [];
  let toldX: Float64Array[] = [];
  let pending: Genome[] = [];
  let seen = new Set<string>();
  let hyper: { objectives: (GpHyper | null)[]; constraints: (GpHyper | null)[]; other: GpHyper | null } = {
    objectives: objectives.map(() => null),
    constraints: constraints.map(() => null),
    other: null,
  };

  function observe(given: FinishedTrial): Observation {
    // A pruned trial: feasible with its low-fidelity objectives (strategies/low-fidelity.ts).
    const t = observedAs(given, objectives.map((o) => o.metric)) ?? given;
    const y = minimisedObjectives(t, objectives);
    const v = constraints.map((c) => {
      const x = t.violations?.[c.metric];
      return x === undefined || !Number.isFinite(x) ? NaN : x;
    });
    const knownViolation = v.some((x) => x > 0);
    const kind =
      t.status === 'complete' && y.every(Number.isFinite)
        ? 'complete'
        : t.status === 'infeasible' && knownViolation
          ? 'infeasible'
          : 'other';
    return { genome: space.canonical(t.genome), y, v, kind };
  }

  /** A random genome not seen yet (or a repeat after many tries, in a tiny or exhausted space). */
  function freshSample(blocked: Set<string>): Genome {
    let g = space.sample(rng);
    for (let r = 0; r < 200 && blocked.has(space.key(g)); r++) g = space.sample(rng);
    return g;
  }

  /** Indices of the told trials the GPs train on: all of them, or the best-ranked half and the most recent. */
  function trainingSet(): number[] {
    const all = told.map((_, i) => i);
    if (all.length <= options.maxTrain) return all;
    const scored = all.filter((i) => told[i].y.every(Number.isFinite) && told[i].kind !== 'other');
    const fronts = nonDominatedSort(
      scored.map((i) => told[i].y),
      scored.map((i) => (told[i].kind === 'complete' ? 0 : told[i].v.reduce((s, x) => s + (x > 0 ? x : 0), 0) || 1)),
    );
    const chosen = new Set<number>();
    const half = Math.floor(options.maxTrain / 2);
    for (const f of fronts) {
      for (const j of f) {
        if (chosen.size >= half) break;
        chosen.add(scored[j]);
      }
      if (chosen.size >= half) break;
    }
    for (let i = told.length - 1; i >= 0 && chosen.size < options.maxTrain; i--) chosen.add(i);
    return [...chosen].sort((a, b) => a - b);
  }

  /** Fits a GP on the training rows where `target` is finite; null when fewer than 2 such rows. */
  function fitGp(rows: readonly number[], target: (i: number) => number, init: GpHyper | null): Gp | null {
    const X: Float64Array[] = [];
    const y: number[] = [];
    for (const i of rows) {
      const t = target(i);
      if (Number.isFinite(t)) {
        X.push(toldX[i]);
        y.push(t);
      }
    }
    if (X.length < 2) return null;
    return Gp.fit(X, y, kinds, init, options.fitBudget);
  }

  /** Every valid design of a small finite space (null when the space is larger than `options.exhaustive`). */
  let everyDesign: Genome[] | null | undefined;
  function allDesigns(): Genome[] | null {
    if (everyDesign !== undefined) return everyDesign;
    let count = 1;
    for (const g of space.genes) {
      const k = g.kind === 'choice' ? g.choices.length : g.kind === 'bool' ? 2 : g.kind === 'real' ? Infinity : g.max - g.min + 1;
      count *= k;
      if (!(count <= options.exhaustive)) return (everyDesign = null);
    }
    const values = space.genes.map((g) =>
      g.kind === 'choice' ? [...g.choices] : g.kind === 'bool' ? [false, true] : Array.from({ length: (g.max as number) - (g.min as number) + 1 }, (_, i) => (g.min as number) + i),
    );
    const out: Genome[] = [];
    const keys = new Set<string>();
    const idx = new Array<number>(values.length).fill(0);
    for (let n = 0; n < count; n++) {
      const raw: Record<string, Genome[string]> = {};
      space.genes.forEach((g, i) => (raw[g.name] = values[i][idx[i]]));
      const g = space.canonical(raw);
      const k = space.key(g);
      if (!keys.has(k) && space.satisfiesConstraints(g)) {
        keys.add(k);
        out.push(g);
      }
      for (let i = values.length - 1; i >= 0; i--) {
        if (++idx[i] < values[i].length) break;
        idx[i] = 0;
      }
    }
    return (everyDesign = out);
  }

  /** Candidate pool: every unseen design of a small space, else uniform samples and mutants of the best told points, each new and distinct. */
  function candidatePool(blocked: Set<string>): { pool: Genome[]; uniform: number } {
    const every = allDesigns();
    if (every) {
      const pool = every.filter((g) => !blocked.has(space.key(g)));
      return { pool, uniform: pool.length };
    }
    const pool: Genome[] = [];
    const keys = new Set(blocked);
    const offer = (g: Genome): void => {
      const k = space.key(g);
      if (keys.has(k)) return;
      keys.add(k);
      pool.push(g);
    };
    for (let i = 0; i < options.candidates; i++) offer(space.sample(rng));
    const uniform = pool.length;
    const parents = bestGenomes(20);
    if (parents.length > 0) {
      for (let i = 0; i < options.mutants; i++) {
        let g = rng.pick(parents);
        const steps = 1 + Math.floor(rng.next() * 3);
        for (let s = 0; s < steps; s++) g = space.mutate(g, rng);
        offer(g);
      }
    }
    return { pool, uniform };
  }

  /** Up to `k` genomes of the best told trials: the feasible non-dominated ones, else the least violated. */
  function bestGenomes(k: number): Genome[] {
    const scored = told.filter((o) => o.y.every(Number.isFinite) && o.kind !== 'other');
    if (scored.length === 0) return [];
    const violation = (o: Observation): number => (o.kind === 'complete' ? 0 : o.v.reduce((s, x) => s + (x > 0 ? x : 0), 0) || 1);
    const fronts = nonDominatedSort(
      scored.map((o) => o.y),
      scored.map(violation),
    );
    const out: Genome[] = [];
    for (const f of fronts) for (const j of f) if (out.length < k) out.push(scored[j].genome);
    return out;
  }

  /** `count` genomes chosen by the model (greedy Kriging-believer batch). */
  function modelBatch(count: number, blocked: Set<string>): Genome[] {
    const rows = trainingSet();
    // Objectives: GP on the warped values (identity with warp 'none'); inverse() brings predictions back.
    const warps = objectives.map((_, i) => {
      const idx = rows.filter((r) => Number.isFinite(told[r].y[i]));
      const raw = idx.map((r) => told[r].y[i]);
      if (raw.length < 2) return { target: (r: number) => told[r].y[i], inverse: (w: number) => w };
      if (options.warp === 'none') {
        const clipped = winsorise(raw, options.upperFence);
        const byRow = new Map(idx.map((r, k) => [r, clipped[k]]));
        return { target: (r: number) => byRow.get(r) ?? NaN, inverse: (w: number) => w };
      }
      // The power warp keeps the winsorising's wide default fence (50 IQR) against non-physical values only.
      const w = options.warp === 'power' ? powerWarp(winsorise(raw)) : copulaWarp(raw);
      const byRow = new Map(idx.map((r, k) => [r, w.warped[k]]));
      return { target: (r: number) => byRow.get(r) ?? NaN, inverse: (x: number) => w.inverse(x) };
    });
    const objGps = objectives.map((_, i) => fitGp(rows, warps[i].target, hyper.objectives[i]));
    if (objGps.some((g) => g === null)) return Array.from({ length: count }, () => addBlocked(freshSample(blocked), blocked));
    const useFeasibility = options.feasibility === 'gp';
    const conGps = constraints.map((_, c) => {
      if (!useFeasibility || !rows.some((i) => told[i].v[c] > 0)) return null;
      return fitGp(rows, (r) => squash(told[r].v[c]), hyper.constraints[c]);
    });
    const otherGp = useFeasibility && rows.some((i) => told[i].kind === 'other') ? fitGp(rows, (r) => (told[r].kind === 'other' ? 1 : -1), hyper.other) : null;
    hyper = {
      objectives: objGps.map((g) => g!.hyper),
      constraints: conGps.map((g, c) => g?.hyper ?? hyper.constraints[c]),
      other: otherGp?.hyper ?? hyper.other,
    };

    const { pool, uniform } = candidatePool(blocked);
    if (pool.length === 0) return Array.from({ length: count }, () => addBlocked(freshSample(blocked), blocked));
    // Pending genomes (asked, not told) go last: believed first, never picked.
    const points = [...pool, ...pending].map((g) => encoding.encode(g));
    const capacity = pending.length + count;
    const objPost = objGps.map((g) => g!.posterior(points, capacity));
    const conPost = [...conGps, otherGp].filter((g): g is Gp => g !== null).map((g) => g.posterior(points, capacity));
    const all = [...objPost, ...conPost];

    // Both acquisitions score raw objectives (the hypervolume the user sees), normalised from the ideal to the
    // nadir of the feasible front seen. EHVI is exact for Gaussian predictions (ehvi2d), as the GP's are with warp
    // 'none'; through a warp, a prediction N(μ, σ²) of the warped value is a skewed distribution of the raw one, whose
    // EHVI ehvi2dNodes takes at Gauss–Hermite nodes mapped through w⁻¹ (the warp is monotonic, so this is exact up to
    // the quadrature; EHVI in the warped space's own geometry overweights whichever tail the warp stretches, and a
    // Gaussian fitted in the raw space gives the bad designs, where w⁻¹ is steep, absurd odds). ParEGO draws through
    // w⁻¹ by Monte Carlo.
    const feasible = told.filter((o) => o.kind === 'complete');
    const base = feasible.length > 0 ? feasible : told.filter((o) => o.y.every(Number.isFinite));
    const frontIdx = nonDominatedSort(base.map((o) => o.y))[0] ?? [];
    const lo = objectives.map((_, i) => Math.min(...base.map((o) => o.y[i])));
    const span = objectives.map((_, i) => {
      const frontMax = Math.max(...frontIdx.map((k) => base[k].y[i]));
      const allMax = Math.max(...base.map((o) => o.y[i]));
      return frontMax - lo[i] || allMax - lo[i] || 1;
    });
    const norm = (i: number, v: number): number => (v - lo[i]) / span[i];
    const rawMean = (i: number, j: number): number => warps[i].inverse(objPost[i].mean(j));
    const nodes = options.warp === 'none' ? null : gaussHermite(EHVI_NODES);
    const y0 = new Float64Array(EHVI_NODES);
    const y1 = new Float64Array(EHVI_NODES);
    /** EHVI of pool point `c` (times nothing: P(feasible) is applied by the caller). */
    const ehvi = (front: number[][], ref: [number, number], c: number): number => {
      if (!nodes) return ehvi2d(front, ref, norm(0, objPost[0].mean(c)), objPost[0].std(c) / span[0], norm(1, objPost[1].mean(c)), objPost[1].std(c) / span[1]);
      const m0 = objPost[0].mean(c);
      const s0 = objPost[0].std(c);
      const m1 = objPost[1].mean(c);
      const s1 = objPost[1].std(c);
      for (let k = 0; k < EHVI_NODES; k++) {
        y0[k] = norm(0, warps[0].inverse(m0 + s0 * nodes.z[k]));
        y1[k] = norm(1, warps[1].inverse(m1 + s1 * nodes.z[k]));
      }
      return ehvi2dNodes(front, ref, y0, y1, nodes.w);
    };
    /** A point as the acquisition sees it: its predicted raw objectives, normalised. */
    const believedPoint = (j: number): number[] => objPost.map((_, i) => norm(i, rawMean(i, j)));
    const believed: number[][] = feasible.map((o) => o.y.map((v, i) => norm(i, v)));

    const pof = (c: number): number => {
      let p = 1;
      for (const post of conPost) p *= normalCdf(-post.mean(c) / Math.max(post.std(c), 1e-9));
      return p;
    };
    for (let j = pool.length; j < points.length; j++) {
      for (const post of all) post.believe(j);
      if (pof(j) >= 0.5) believed.push(believedPoint(j));
    }

    const S = options.mcSamples;
    const z = acquisition === 'parego' ? Array.from({ length: S * m }, () => rng.normal()) : [];
    const taken = new Uint8Array(pool.length);
    const out: Genome[] = [];
    const ys = new Float64Array(m);
    const mu = new Float64Array(m);
    const sd = new Float64Array(m);
    const ref: [number, number] = [1 + options.refMargin, 1 + options.refMargin];
    for (let b = 0; b < count && out.length < pool.length; b++) {
      const weights = acquisition === 'parego' ? simplexWeights(m, rng) : [];
      const front = acquisition === 'ehvi' ? front2d(believed) : [];
      const bestScalar = acquisition === 'parego' ? Math.min(Infinity, ...believed.map((f) => chebyshev(weights, f))) : Infinity;
      let bestJ = -1;
      let bestA = -Infinity;
      let bestExplore = -Infinity;
      let exploreJ = -1;
      for (let c = 0; c < pool.length; c++) {
        if (taken[c]) continue;
        const p = pof(c);
        let a: number;
        if (believed.length === 0) {
          a = p;
        } else if (acquisition === 'ehvi') {
          a = ehvi(front, ref, c) * p;
        } else {
          for (let i = 0; i < m; i++) {
            mu[i] = objPost[i].mean(c);
            sd[i] = objPost[i].std(c);
          }
          let acc = 0;
          for (let s = 0; s < S; s++) {
            for (let i = 0; i < m; i++) ys[i] = norm(i, warps[i].inverse(mu[i] + sd[i] * z[s * m + i]));
            acc += Math.max(0, bestScalar - chebyshev(weights, ys));
          }
          a = (acc / S) * p;
        }
        if (a > bestA) {
          bestA = a;
          bestJ = c;
        }
        // Fallback when no candidate promises any improvement: the most uncertain likely-feasible one.
        let spread = 0;
        for (let i = 0; i < m; i++) spread += objPost[i].std(c);
        if (spread * p > bestExplore) {
          bestExplore = spread * p;
          exploreJ = c;
        }
      }
      let j = bestA > 1e-12 ? bestJ : exploreJ;
      if (options.epsilon > 0 && rng.next() < options.epsilon) {
        // ε-exploration: one of the pool's uniform samples.
        const start = Math.floor(rng.next() * uniform);
        for (let k = 0; k < uniform; k++) {
          const c = (start + k) % uniform;
          if (!taken[c]) {
            j = c;
            break;
          }
        }
      }
      taken[j] = 1;
      out.push(addBlocked(pool[j], blocked));
      for (const post of all) post.believe(j);
      if (pof(j) >= 0.5) believed.push(believedPoint(j));
    }
    while (out.length < count) out.push(addBlocked(freshSample(blocked), blocked));
    return out;
  }

  function addBlocked(g: Genome, blocked: Set<string>): Genome {
    blocked.add(space.key(g));
    return g;
  }

  const hyperToJson = (h: GpHyper | null): BoState['hyper']['other'] => (h ? { logLengths: [...h.logLengths], logSignal: h.logSignal, logNoise: h.logNoise, ...(h.logitMix === undefined ? {} : { logitMix: h.logitMix }) } : null);

  return {
    name: NAME,
    batchSize: options.batchSize,

    async ask(n: number): Promise<Genome[]> {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`bo.ask needs a whole number ≥ 0, got ${n}`);
      const blocked = new Set(seen);
      const out: Genome[] = [];
      const modelled = told.filter((o) => o.y.every(Number.isFinite)).length;
      const randomLeft = Math.max(0, options.initialTrials - told.length - pending.length);
      while (out.length < n && (out.length < randomLeft || modelled < 2)) out.push(addBlocked(freshSample(blocked), blocked));
      if (out.length < n) out.push(...modelBatch(n - out.length, blocked));
      for (const g of out) {
        pending.push(g);
        seen.add(space.key(g));
      }
      return out;
    },

    async tell(trials: readonly FinishedTrial[]): Promise<void> {
      for (const t of trials) {
        const o = observe(t);
        told.push(o);
        toldX.push(encoding.encode(o.genome));
        const k = space.key(o.genome);
        seen.add(k);
        const p = pending.findIndex((g) => space.key(g) === k);
        if (p >= 0) pending.splice(p, 1);
      }
    },

    snapshot(): StrategySnapshot {
      const state: BoState = {
        rng: rng.getState() as BoState['rng'],
        told: told.map((o) => ({ genome: { ...o.genome }, y: o.y.map(json), v: o.v.map(json), kind: o.kind })),
        pending: pending.map((g) => ({ ...g })),
        hyper: { objectives: hyper.objectives.map(hyperToJson), constraints: hyper.constraints.map(hyperToJson), other: hyperToJson(hyper.other) },
      };
      return { strategy: NAME, version: VERSION, state };
    },

    restore(snapshot: StrategySnapshot): void {
      checkSnapshot(snapshot, NAME, VERSION);
      const r = stateSchema.safeParse(snapshot.state);
      if (!r.success) {
        throw new HwnasError('SNAPSHOT_INVALID', `bo: malformed snapshot state: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      const s = r.data;
      for (const g of [...s.told.map((o) => o.genome), ...s.pending]) {
        const issues = space.validate(g);
        if (issues.length > 0) throw new HwnasError('SNAPSHOT_INVALID', `bo: snapshot genome does not fit space "${space.name}": ${issues[0].path} ${issues[0].message}`);
      }
      if (s.told.some((o) => o.y.length !== m || o.v.length !== constraints.length) || s.hyper.objectives.length !== m || s.hyper.constraints.length !== constraints.length) {
        throw new HwnasError('SNAPSHOT_INVALID', `bo: snapshot was taken with other objectives or constraints (${m} objectives, ${constraints.length} constraints here)`);
      }
      const nextTold: Observation[] = s.told.map((o) => ({ genome: space.canonical(o.genome), y: o.y.map(num), v: o.v.map(num), kind: o.kind }));
      rng = Rng.fromState(s.rng as RngState);
      told = nextTold;
      toldX = told.map((o) => encoding.encode(o.genome));
      pending = s.pending.map((g) => space.canonical(g));
      seen = new Set([...told, ...pending.map((genome) => ({ genome }))].map((o) => space.key(o.genome)));
      hyper = { objectives: s.hyper.objectives, constraints: s.hyper.constraints, other: s.hyper.other };
    },
  };
}

/** The BO registry entry. */
export const boStrategy = defineStrategy({
  name: NAME,
  summary: 'constrained multi-objective Bayesian optimisation: GP surrogates, EHVI/ParEGO × P(feasible), Kriging-believer batches',
  schema: boOptionsSchema,
  snapshot: { version: VERSION, state: stateSchema },
  create: (ctx, options): Strategy => createBo(ctx, options),
});
