/**
 * The one source of randomness: seeded, serialisable, forkable (never the unseeded global generator).
 * `fork(label)` derives an independent stream from the root seed and a label, so a strategy, a worker
 * or a trial draws the same numbers whatever order the others ran in.
 */
import seedrandom from 'seedrandom';

/** Serialisable state of an {@link Rng}: enough to continue the exact same stream. */
export interface RngState {
  readonly seed: string;
  readonly state: object;
}

interface StatefulPrng {
  (): number;
  double(): number;
  state(): object;
}

/** A seeded pseudo-random stream (seedrandom's ARC4, 53-bit doubles). */
export class Rng {
  private readonly prng: StatefulPrng;

  private constructor(
    /** The seed string this stream (and its forks) derive from. */
    readonly seed: string,
    state?: object,
  ) {
    this.prng = (state
      ? seedrandom('', { state: state as seedrandom.State.Arc4 })
      : seedrandom(seed, { state: true })) as unknown as StatefulPrng;
  }

  /** A new stream from a seed (number or string). */
  static fromSeed(seed: number | string): Rng {
    return new Rng(String(seed));
  }

  /** Continues a stream saved with {@link Rng.getState}. */
  static fromState(s: RngState): Rng {
    return new Rng(s.seed, s.state);
  }

  /** An independent stream for `label`, derived from this stream's seed (not its position). */
  fork(label: string): Rng {
    return new Rng(`${this.seed}/${label}`);
  }

  /** The state to save; {@link Rng.fromState} continues from exactly here. */
  getState(): RngState {
    return { seed: this.seed, state: this.prng.state() };
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng.double();
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  /** Standard normal (Box–Muller; no cached spare, so the stream state alone defines the next draw). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const a = items.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  /** An index drawn with probability proportional to `weights` (non-negative, not all zero). */
  categorical(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}
