/**
 * REINFORCE: an LSTM controller over the genome's token view (DESIGN §4; the authors' controller, MODELS.md §1.6),
 * trained by policy gradient with an exponential-moving-average baseline and Adam, with an optional entropy bonus.
 *
 * - ask(n) samples n token sequences from the policy, drawing each token with the strategy's Rng from the softmax
 *   (n·L uniforms drawn up front, sequence by sequence, so the draws do not depend on how asks are split).
 *   Inactive conditional genes take their default token (see tokens.ts), so a genome's tokens are
 *   `space.toTokens(genome)` and nothing about asked genomes needs remembering.
 * - tell(trials) turns each trial into a reward (reward.ts), in the order told: the advantage is
 *   `r − baseline` with the baseline BEFORE this reward, then `baseline ← decay·baseline + (1 − decay)·r`
 *   (FGNAS's order). Rewarded sequences queue up; every full batch of `batchSize` makes one Adam step on
 *   `−Σ_b A_b·Σ_{i active} log π(a_{b,i}) − entropyWeight·Σ_b H_b`. A partial batch waits for the next tell.
 *   Trials this controller did not ask (resumed, warm-started) are learned from the same way: REINFORCE
 *   then treats them as on-policy, which is the usual approximation.
 * - The reward of a feasible child is the rewarded metric (default: the first objective, also in multi-objective
 *   studies), negated when that metric is minimised; infeasible children get `reward.infeasible` (a number,
 *   default 0, or `offset − scale·totalViolation`); failed ones get `reward.failed`;
 *   a pruned one (multi-fidelity) its low-fidelity metric, as a feasible child (strategies/low-fidelity.ts).
 * - Fast exploration (Jiang et al. TCAD'20; rl_interface [code], MODELS.md §3.4): when the runner gives a hardware
 *   precheck and the space has `hw` genes, a child whose hardware misses the spec gets its hardware tokens
 *   re-sampled from the controller's own distribution (architecture and quantization tokens held, the LSTM fed
 *   the same prefix) up to `fastExploration.tries` times; the first design that meets the spec replaces it
 *   (`mode: first-feasible`) or the best of them on the hardware objectives does (`tune`, default), else the
 *   original child goes on, to be rejected by the evaluator's hardware stage without training. Every design
 *   the precheck rejects is a training avoided; the counts are in the snapshot (journaled) and getStats().
 * - Rewards: see options.ts (`metric`, `fgnas`, `rl-interface`, `fnas`, `chebyshev`). Chebyshev rewards are scored
 *   per batch with one weight vector and the batch's mean reward as baseline; the others use the EMA baseline.
 * - snapshot() holds the weights and Adam's moments as base64 float32 (little-endian), Adam's step, the Rng, the
 *   baseline and the queued rewards: restoring it into a fresh instance continues exactly.
 */
import { HwnasError } from '../../lib/errors.js';
import { Rng, type RngState } from '../../lib/rng.js';
import type { Genome } from '../../lib/space/genome.js';
import type { FinishedTrial } from '../../lib/trial/index.js';
import { reinforceStateSchema } from './state.js';
import { checkSnapshot, defineStrategy, type Strategy, type StrategyContext, type StrategySnapshot } from '../strategy.js';
import { Adam } from './adam.js';
import { base64ToFloat32, float32ToBase64 } from './base64.js';
import {
  ControllerLayout,
  PARAM_NAMES,
  initParams,
  onCpu,
  policyGradient,
  sampleSequences,
  type ControllerParams,
} from './controller.js';
import { reinforceOptionsSchema, resolveRewardRule, type ReinforceOptions, type RewardRule } from './options.js';
import { Sgd } from './sgd.js';
import {
  chebyshevOutcome, chebyshevRewards, freshRewardState, simplexWeights, tellReward, type ChebyshevOutcome, type RewardState,
} from './shaped-reward.js';
import type { HardwarePrecheck } from '../strategy.js';
import type { Objective } from '../../lib/trial/index.js';
import { geneVocabulary } from '../../lib/space/gene.js';
import { TokenView, type TokenSequence } from './tokens.js';

export { reinforceOptionsSchema, type ReinforceOptions } from './options.js';

const NAME = 'reinforce';
const VERSION = 1;

/** A rewarded sequence waiting for its batch. */
interface Queued {
  readonly tokens: readonly number[];
  readonly active: readonly boolean[];
  readonly advantage: number;
  /** Chebyshev reward: what the batch is scored from. */
  readonly outcome?: ChebyshevOutcome;
}

/** Fast-exploration counters. */
export interface FastExplorationStats {
  /** Children asked with a precheck. */
  children: number;
  /** Hardware designs checked (first samples and re-samples). */
  checked: number;
  /** Designs the precheck rejected: each a training avoided. */
  rejected: number;
  /** Children whose first design missed the spec and a re-sample met it. */
  rescued: number;
  /** Children with no design meeting the spec after every re-sample (declared infeasible, never trained). */
  declaredInfeasible: number;
  /** `tune`: children whose first design met the spec but a re-sampled one was better. */
  tuned: number;
}

/** Running figures of the controller (kept in snapshots; handy for reports and tests). */
export interface ReinforceStats {
  /** Trials told so far. */
  told: number;
  /** Policy updates made. */
  updates: number;
  /** Loss, mean sequence entropy (nats) and mean sequence log-probability at the last update. */
  lastLoss: number | null;
  lastEntropy: number | null;
  lastLogProb: number | null;
  fast?: FastExplorationStats;
}

/** The JSON state of a snapshot. */
interface ReinforceState {
  rng: RngState;
  layout: { hidden: number; embedding: number; vocabularies: number[] };
  params: Record<string, string>;
  adam: { step: number; m: Record<string, string>; v: Record<string, string> } | null;
  sgd?: { step: number };
  asked?: number;
  reward?: RewardState;
  chebyshevRng?: RngState;
  baseline: number | null;
  queue: { tokens: number[]; active: boolean[]; advantage: number; outcome?: ChebyshevOutcome }[];
  stats: ReinforceStats;
}

/** The REINFORCE strategy object (exported for tests and tools that want its stats). */
export class ReinforceStrategy implements Strategy {
  readonly name = NAME;
  readonly batchSize: number;
  private rng: Rng;
  private readonly view: TokenView;
  private readonly layout: ControllerLayout;
  private readonly rule: RewardRule;
  private params: ControllerParams;
  private adam: Adam;
  private sgd: Sgd;
  private baseline: number | null;
  private queue: Queued[] = [];
  private stats: ReinforceStats = { told: 0, updates: 0, lastLoss: null, lastEntropy: null, lastLogProb: null };
  private readonly objectives: readonly Objective[];
  private readonly entropyWeight: number;
  private readonly precheck?: HardwarePrecheck;
  /** Token positions of `hw` genes (re-sampled by fast exploration). */
  private readonly hwPositions: ReadonlySet<number>;
  private rewardState: RewardState;
  private chebyshevRng: Rng;
  private fast: FastExplorationStats = { children: 0, checked: 0, rejected: 0, rescued: 0, declaredInfeasible: 0, tuned: 0 };
  /** Children asked so far (names each child's fast-exploration stream). */
  private asked = 0;

  constructor(
    ctx: StrategyContext,
    private readonly options: ReinforceOptions,
  ) {
    this.rule = resolveRewardRule(options, ctx.objectives, ctx.constraints);
    this.objectives = ctx.objectives;
    this.entropyWeight = options.entropyWeight ?? (this.rule.kind === 'chebyshev' ? 0.1 : 0);
    this.precheck = ctx.precheck;
    // Pinned hardware genes (one value: the fixed-hardware baseline) have nothing to re-sample.
    this.hwPositions = new Set(ctx.space.genes.flatMap((g, i) => (g.group === 'hw' && geneVocabulary(g) > 1 ? [i] : [])));
    this.rewardState = freshRewardState(ctx.objectives);
    this.chebyshevRng = ctx.rng.fork('reinforce/chebyshev');
    this.batchSize = options.batchSize;
    this.rng = ctx.rng;
    this.view = new TokenView(ctx.space);
    this.layout = new ControllerLayout(options.hiddenUnits, options.embeddingSize, this.view.vocabularies);
    // A forked stream for the weights, so initialisation does not shift the sampling stream.
    this.params = initParams(this.layout, ctx.rng.fork('reinforce/init'), options.initRange);
    this.adam = this.freshAdam();
    this.sgd = new Sgd(options.learningRate);
    this.baseline = options.initialBaseline ?? null;
  }

  private freshAdam(): Adam {
    const { learningRate, adam } = this.options;
    return new Adam({ learningRate, ...adam }, this.layout.sizes());
  }

  /** A copy of the running figures. */
  getStats(): ReinforceStats {
    return { ...this.stats, fast: { ...this.fast } };
  }

  /** The current EMA baseline (null before the first reward when no initial baseline was set). */
  getBaseline(): number | null {
    return this.baseline;
  }

  async ask(n: number): Promise<Genome[]> {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`reinforce: ask needs a whole number ≥ 0, got ${n}`);
    if (n === 0) return [];
    const length = this.view.length;
    const u = new Float64Array(n * length);
    for (let k = 0; k < u.length; k++) u[k] = this.rng.next();
    const seqs = await onCpu(() =>
      sampleSequences(this.layout, this.params, n, (b, i, probs, prefix) =>
        this.view.activeAt(prefix, i) ? inverseCdf(probs, u[b * length + i]) : this.view.defaultTokens[i],
      ),
    );
    const genomes = seqs.map((t) => this.view.toGenome(t));
    if (!this.precheck || this.hwPositions.size === 0 || this.options.fastExploration.tries === 0) this.asked += n;
    if (!this.precheck || this.hwPositions.size === 0 || this.options.fastExploration.tries === 0) return genomes;
    const first = this.asked;
    this.asked += n;
    return this.fastExploration(seqs, genomes, this.precheck, first);
  }

  /**
   * Fast exploration: re-samples the hardware tokens of children (architecture and quantization tokens held), all
   * children of a round at once, up to `tries` rounds. `first-feasible` (rl_interface): only children whose design
   * misses the spec, until one meets it. `tune` (the default): every child, then the child keeps the best of its
   * designs that meet the spec — non-dominated on the study's hardware objectives, ties broken by a random
   * Chebyshev weighting — since its accuracy does not depend on the hardware (the co-exploration's "fast
   * exploration tunes the hardware", MODELS.md §3.1). Child k (counted over the whole run) draws from its own
   * stream `reinforce/fast/k`, so results do not depend on how asks are split.
   */
  private async fastExploration(seqs: number[][], genomes: Genome[], precheck: HardwarePrecheck, firstChild: number): Promise<Genome[]> {
    const tune = this.options.fastExploration.mode === 'tune';
    const streams = genomes.map((_, b) => this.rng.fork(`reinforce/fast/${firstChild + b}`));
    const out = genomes.slice();
    const first = await precheck(out);
    this.fast.children += out.length;
    this.fast.checked += out.length;
    const cands: { genome: Genome; metrics: Readonly<Record<string, number>> }[][] = out.map((g, b) =>
      first[b].feasible ? [{ genome: g, metrics: first[b].metrics ?? {} }] : [],
    );
    this.fast.rejected += first.filter((c) => !c.feasible).length;
    // All re-samples of every child in ONE batched pass (rows: child-major, round-minor): a child's round r reads
    // the r-th block of its stream, as sequential rounds would, so the designs are the same; first-feasible then
    // stops counting a child at its first design that meets the spec.
    const working = out.map((_, b) => b).filter((b) => tune || cands[b].length === 0);
    const tries = this.options.fastExploration.tries;
    const length = this.view.length;
    if (working.length > 0) {
      const rows = working.flatMap((b) => Array.from({ length: tries }, () => b));
      const u = new Float64Array(rows.length * length);
      rows.forEach((b, r) => {
        for (let i = 0; i < length; i++) u[r * length + i] = streams[b].next();
      });
      const resampled = await onCpu(() =>
        sampleSequences(this.layout, this.params, rows.length, (r, i, probs, prefix) => {
          if (!this.hwPositions.has(i)) return seqs[rows[r]][i];
          return this.view.activeAt(prefix, i) ? inverseCdf(probs, u[r * length + i]) : this.view.defaultTokens[i];
        }),
      );
      const candidates = resampled.map((t) => this.view.toGenome(t));
      const checks = await precheck(candidates);
      rows.forEach((b, r) => {
        if (!tune && cands[b].length > 0) return; // found earlier: this re-sample was never needed
        this.fast.checked += 1;
        if (checks[r].feasible) cands[b].push({ genome: candidates[r], metrics: checks[r].metrics ?? {} });
        else this.fast.rejected += 1;
      });
    }
    out.forEach((g, b) => {
      if (cands[b].length === 0) {
        this.fast.declaredInfeasible += 1;
        return;
      }
      if (!first[b].feasible) this.fast.rescued += 1;
      out[b] = tune ? this.bestHardware(cands[b], streams[b]) : cands[b][0].genome;
      if (first[b].feasible && this.view.space.key(out[b]) !== this.view.space.key(g)) this.fast.tuned += 1;
    });
    return out;
  }

  /** The best of one child's feasible designs on the objectives the precheck measures (see fastExploration). */
  private bestHardware(cands: readonly { genome: Genome; metrics: Readonly<Record<string, number>> }[], rng: Rng): Genome {
    const objs = this.objectives.filter((o) => cands.every((c) => Number.isFinite(c.metrics[o.metric])));
    if (objs.length === 0 || cands.length === 1) return cands[0].genome;
    const pts = cands.map((c) => objs.map((o) => (o.direction === 'maximize' ? -c.metrics[o.metric] : c.metrics[o.metric])));
    const lo = objs.map((_, i) => Math.min(...pts.map((p) => p[i])));
    const hi = objs.map((_, i) => Math.max(...pts.map((p) => p[i])));
    const lambda = simplexWeights(objs.length, rng);
    let best = 0, bestScore = Infinity;
    pts.forEach((p, k) => {
      const score = Math.max(...p.map((v, i) => (hi[i] > lo[i] ? (lambda[i] * (v - lo[i])) / (hi[i] - lo[i]) : 0)));
      // Chebyshev optima are weakly Pareto-optimal; the sum breaks ties towards the dominating design.
      const tie = p.reduce((s, v, i) => s + (hi[i] > lo[i] ? (v - lo[i]) / (hi[i] - lo[i]) : 0), 0) * 1e-9;
      if (score + tie < bestScore) {
        bestScore = score + tie;
        best = k;
      }
    });
    return cands[best].genome;
  }

  async tell(trials: readonly FinishedTrial[]): Promise<void> {
    // Rewards and sequences first, so a bad trial throws before any state changes.
    if (this.rule.kind === 'chebyshev') {
      const seqs = trials.map((t) => this.view.ofGenome(t.genome));
      trials.forEach((t, k) => {
        const outcome = chebyshevOutcome(t, this.rule, this.objectives, this.rewardState);
        this.queue.push({ tokens: seqs[k].tokens, active: seqs[k].active, advantage: 0, outcome });
        this.stats.told += 1;
      });
      while (this.queue.length >= this.batchSize) {
        await this.update(this.queue.slice(0, this.batchSize));
        this.queue = this.queue.slice(this.batchSize);
      }
      return;
    }
    const told = trials.map((t) => ({ seq: this.view.ofGenome(t.genome), reward: tellReward(t, this.rule, this.rewardState) }));
    for (const { seq, reward } of told) {
      const base = this.baseline ?? reward;
      this.queue.push({ tokens: seq.tokens, active: seq.active, advantage: reward - base });
      const d = this.options.baselineDecay;
      this.baseline = d * base + (1 - d) * reward;
      this.stats.told += 1;
    }
    while (this.queue.length >= this.batchSize) {
      await this.update(this.queue.slice(0, this.batchSize));
      this.queue = this.queue.slice(this.batchSize);
    }
  }

  private async update(batch: readonly Queued[]): Promise<void> {
    const seqs: TokenSequence[] = batch.map((q) => ({ tokens: q.tokens, active: q.active }));
    let advantages = batch.map((q) => q.advantage);
    if (this.rule.kind === 'chebyshev') {
      // One scalarisation per batch; the batch's mean reward is the baseline (rewards of different λ do not mix).
      const lambda = simplexWeights(this.objectives.length, this.chebyshevRng);
      const rewards = chebyshevRewards(batch.map((q) => q.outcome!), lambda, this.rewardState);
      const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
      advantages = rewards.map((r) => r - mean);
    }
    const g = await onCpu(() => policyGradient(this.layout, this.params, seqs, advantages, this.entropyWeight));
    for (const name of PARAM_NAMES) {
      if (!g.grads[name].every(Number.isFinite)) {
        throw new HwnasError('REINFORCE_NONFINITE', `reinforce: non-finite gradient for ${name} (rewards too large?)`);
      }
    }
    if (this.options.optimizer === 'sgd') this.sgd.apply(this.params, g.grads);
    else this.adam.apply(this.params, g.grads);
    this.stats.updates += 1;
    this.stats.lastLoss = g.loss;
    this.stats.lastEntropy = g.entropy;
    this.stats.lastLogProb = g.logProb;
  }

  snapshot(): StrategySnapshot {
    const enc = (r: Readonly<Record<string, Float32Array>>): Record<string, string> =>
      Object.fromEntries(PARAM_NAMES.map((n) => [n, float32ToBase64(r[n])]));
    const state: ReinforceState = {
      rng: this.rng.getState(),
      layout: { hidden: this.layout.hidden, embedding: this.layout.embedding, vocabularies: [...this.layout.vocabularies] },
      params: enc(this.params),
      adam: this.options.optimizer === 'adam' ? { step: this.adam.step, m: enc(this.adam.m), v: enc(this.adam.v) } : null,
      sgd: { step: this.sgd.step },
      asked: this.asked,
      // ±Infinity (no value seen yet) as null: JSON has no infinities.
      reward: { emaAcc: this.rewardState.emaAcc, lo: this.rewardState.lo.map(finiteOrNull), hi: this.rewardState.hi.map(finiteOrNull) } as unknown as RewardState,
      chebyshevRng: this.chebyshevRng.getState(),
      baseline: this.baseline,
      queue: this.queue.map((q) => ({ tokens: [...q.tokens], active: [...q.active], advantage: q.advantage, ...(q.outcome ? { outcome: q.outcome } : {}) })),
      stats: { ...this.stats, fast: { ...this.fast } },
    };
    return { strategy: NAME, version: VERSION, state };
  }

  restore(snapshot: StrategySnapshot): void {
    checkSnapshot(snapshot, NAME, VERSION);
    const s = snapshot.state as ReinforceState;
    const mine = this.layout;
    if (
      !s?.layout ||
      s.layout.hidden !== mine.hidden ||
      s.layout.embedding !== mine.embedding ||
      JSON.stringify(s.layout.vocabularies) !== JSON.stringify(mine.vocabularies)
    ) {
      throw new HwnasError(
        'SNAPSHOT_MISMATCH',
        `reinforce: the snapshot's controller (hidden ${s?.layout?.hidden}, embedding ${s?.layout?.embedding}, ` +
          `${s?.layout?.vocabularies?.length} positions) does not match this one (hidden ${mine.hidden}, embedding ${mine.embedding}, ${mine.length} positions)`,
      );
    }
    const dec = (r: Record<string, string>, what: string): ControllerParams =>
      Object.fromEntries(PARAM_NAMES.map((n) => [n, base64ToFloat32(r?.[n], mine.size(n), `${what}.${n}`)])) as ControllerParams;
    // Decode everything before assigning anything, so a bad snapshot leaves this instance as it was.
    const params = dec(s.params, 'params');
    const adam = this.freshAdam();
    if (s.adam) {
      const m = dec(s.adam.m, 'adam.m');
      const v = dec(s.adam.v, 'adam.v');
      adam.step = s.adam.step;
      for (const n of PARAM_NAMES) {
        adam.m[n].set(m[n]);
        adam.v[n].set(v[n]);
      }
    }
    const sgd = new Sgd(this.options.learningRate);
    sgd.step = s.sgd?.step ?? 0;
    const rng = Rng.fromState(s.rng);
    this.sgd = sgd;
    if (s.reward) {
      const r = s.reward as unknown as { emaAcc: number | null; lo: (number | null)[]; hi: (number | null)[] };
      this.rewardState = { emaAcc: r.emaAcc, lo: r.lo.map((x) => x ?? Infinity), hi: r.hi.map((x) => x ?? -Infinity) };
    }
    if (s.chebyshevRng) this.chebyshevRng = Rng.fromState(s.chebyshevRng);
    if (s.stats?.fast) this.fast = { ...s.stats.fast, tuned: s.stats.fast.tuned ?? 0 };
    this.asked = s.asked ?? 0;
    this.params = params;
    this.adam = adam;
    this.rng = rng;
    this.baseline = s.baseline;
    this.queue = s.queue.map((q) => ({ tokens: q.tokens, active: q.active, advantage: q.advantage, ...(q.outcome ? { outcome: q.outcome } : {}) }));
    const { fast: _fast, ...stats } = s.stats;
    this.stats = stats;
  }

  dispose(): void {
    // No tensor outlives a call (weights are JS arrays), so there is nothing to release.
  }
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Inverse-CDF draw from `probs` (normalised here, as float32 softmax sums are only ≈ 1) with uniform `u` ∈ [0, 1). */
function inverseCdf(probs: Float32Array, u: number): number {
  let total = 0;
  for (let k = 0; k < probs.length; k++) total += probs[k];
  let r = u * total;
  for (let k = 0; k < probs.length; k++) {
    r -= probs[k];
    if (r < 0) return k;
  }
  // Rounding can leave r ≥ 0 after the last term: take the last token with positive probability.
  for (let k = probs.length - 1; k > 0; k--) if (probs[k] > 0) return k;
  return 0;
}

/** The registry entry of REINFORCE. */
export const reinforceStrategy = defineStrategy({
  name: NAME,
  summary: 'LSTM controller over the token view, REINFORCE (EMA or batch baseline; Adam, or plain ascent in the FGNAS `paper` preset), fast hardware exploration',
  schema: reinforceOptionsSchema,
  snapshot: { version: VERSION, state: reinforceStateSchema },
  create(ctx, options): Strategy {
    return new ReinforceStrategy(ctx, options);
  },
});
