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
 *   default 0, or `offset − scale·totalViolation`); failed and pruned ones get `reward.failed`.
 * - snapshot() holds the weights and Adam's moments as base64 float32 (little-endian), Adam's step, the Rng, the
 *   baseline and the queued rewards: restoring it into a fresh instance continues exactly.
 */
import { HwnasError } from '../../lib/errors.js';
import { Rng, type RngState } from '../../lib/rng.js';
import type { Genome } from '../../lib/space/genome.js';
import type { FinishedTrial } from '../../lib/trial/index.js';
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
import { rewardOf } from './reward.js';
import { TokenView, type TokenSequence } from './tokens.js';

export { reinforceOptionsSchema, type ReinforceOptions } from './options.js';

const NAME = 'reinforce';
const VERSION = 1;

/** A rewarded sequence waiting for its batch. */
interface Queued {
  readonly tokens: readonly number[];
  readonly active: readonly boolean[];
  readonly advantage: number;
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
}

/** The JSON state of a snapshot. */
interface ReinforceState {
  rng: RngState;
  layout: { hidden: number; embedding: number; vocabularies: number[] };
  params: Record<string, string>;
  adam: { step: number; m: Record<string, string>; v: Record<string, string> };
  baseline: number | null;
  queue: { tokens: number[]; active: boolean[]; advantage: number }[];
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
  private baseline: number | null;
  private queue: Queued[] = [];
  private stats: ReinforceStats = { told: 0, updates: 0, lastLoss: null, lastEntropy: null, lastLogProb: null };

  constructor(
    ctx: StrategyContext,
    private readonly options: ReinforceOptions,
  ) {
    this.rule = resolveRewardRule(options, ctx.objectives);
    this.batchSize = options.batchSize;
    this.rng = ctx.rng;
    this.view = new TokenView(ctx.space);
    this.layout = new ControllerLayout(options.hiddenUnits, options.embeddingSize, this.view.vocabularies);
    // A forked stream for the weights, so initialisation does not shift the sampling stream.
    this.params = initParams(this.layout, ctx.rng.fork('reinforce/init'), options.initRange);
    this.adam = this.freshAdam();
    this.baseline = options.initialBaseline ?? null;
  }

  private freshAdam(): Adam {
    const { learningRate, adam } = this.options;
    return new Adam({ learningRate, ...adam }, this.layout.sizes());
  }

  /** A copy of the running figures. */
  getStats(): ReinforceStats {
    return { ...this.stats };
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
    return seqs.map((t) => this.view.toGenome(t));
  }

  async tell(trials: readonly FinishedTrial[]): Promise<void> {
    // Rewards and sequences first, so a bad trial throws before any state changes.
    const told = trials.map((t) => ({ seq: this.view.ofGenome(t.genome), reward: rewardOf(t, this.rule) }));
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
    const g = await onCpu(() =>
      policyGradient(this.layout, this.params, seqs, batch.map((q) => q.advantage), this.options.entropyWeight),
    );
    for (const name of PARAM_NAMES) {
      if (!g.grads[name].every(Number.isFinite)) {
        throw new HwnasError('REINFORCE_NONFINITE', `reinforce: non-finite gradient for ${name} (rewards too large?)`);
      }
    }
    this.adam.apply(this.params, g.grads);
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
      adam: { step: this.adam.step, m: enc(this.adam.m), v: enc(this.adam.v) },
      baseline: this.baseline,
      queue: this.queue.map((q) => ({ tokens: [...q.tokens], active: [...q.active], advantage: q.advantage })),
      stats: { ...this.stats },
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
    const m = dec(s.adam.m, 'adam.m');
    const v = dec(s.adam.v, 'adam.v');
    const adam = this.freshAdam();
    adam.step = s.adam.step;
    for (const n of PARAM_NAMES) {
      adam.m[n].set(m[n]);
      adam.v[n].set(v[n]);
    }
    const rng = Rng.fromState(s.rng);
    this.params = params;
    this.adam = adam;
    this.rng = rng;
    this.baseline = s.baseline;
    this.queue = s.queue.map((q) => ({ tokens: q.tokens, active: q.active, advantage: q.advantage }));
    this.stats = { ...s.stats };
  }

  dispose(): void {
    // No tensor outlives a call (weights are JS arrays), so there is nothing to release.
  }
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
  summary: 'LSTM controller over the token view, REINFORCE with EMA baseline and Adam',
  schema: reinforceOptionsSchema,
  create(ctx, options): Strategy {
    return new ReinforceStrategy(ctx, options);
  },
});
