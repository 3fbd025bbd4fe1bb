/**
 * The result of a DP: the final frontier's cost vectors, the back-pointers that recover each point's options,
 * and the two answers ("highest throughput", "fewest LUTs") as lexicographic minima over the vectors.
 */
import { HwnasError } from '../../lib/errors.js';
import type { StageCost } from '../layer-cost.js';
import type { Blocked, CostVector, FrontierPoint, FrontierResult, MapperLimits, MapperObjective, MapperStage, MappingPoint, PackedOptions } from './types.js';

/** Slots of a state's vector in {@link Frontier.vectors}. */
export const BOTTLENECK = 0, LUTS = 1, DSPS = 2, BRAM = 3, TOTAL_CYCLES = 4;
/** Numbers per state in {@link Frontier.vectors}. */
export const STRIDE = 5;

/** Lexicographic keys of each objective (slots), as {@link bestThroughput} and {@link fewestLuts} break ties. */
const OBJECTIVE_KEYS: Record<MapperObjective, readonly number[]> = {
  'max-throughput': [BOTTLENECK, LUTS, DSPS, BRAM, TOTAL_CYCLES],
  'min-luts': [LUTS, BOTTLENECK, DSPS, BRAM, TOTAL_CYCLES],
};

/**
 * Finished DPs' numbers live in large shared typed arrays (slabs), each result reading its own range: a DP's
 * result then costs one small object instead of a copy of its back-pointers and vectors on the JS heap. Those
 * copies (a few kB per call, one to three calls per genome) were the largest share of what young-generation
 * GCs copied in bulk mapping, and with it of the GC helper threads' CPU time that kept the worker pool from
 * scaling (bench:mapper). A slab is replaced when full and freed with the last result reading it.
 */
class Slabs {
  /** Where the last reserved range starts in its slab. */
  intsAt = 0;
  doublesAt = 0;
  private ints = new Int32Array(SLAB_INTS);
  private intsUsed = 0;
  private doubles = new Float64Array(SLAB_DOUBLES);
  private doublesUsed = 0;

  /** Room for n ints: the slab holding them from {@link intsAt} on. */
  reserveInts(n: number): Int32Array {
    if (this.intsUsed + n > this.ints.length) {
      this.ints = new Int32Array(Math.max(SLAB_INTS, n));
      this.intsUsed = 0;
    }
    this.intsAt = this.intsUsed;
    this.intsUsed += n;
    return this.ints;
  }

  /** Room for n doubles: the slab holding them from {@link doublesAt} on. */
  reserveDoubles(n: number): Float64Array {
    if (this.doublesUsed + n > this.doubles.length) {
      this.doubles = new Float64Array(Math.max(SLAB_DOUBLES, n));
      this.doublesUsed = 0;
    }
    this.doublesAt = this.doublesUsed;
    this.doublesUsed += n;
    return this.doubles;
  }
}

/** Slab sizes: 256 kB and 512 kB, room for a few hundred typical results (≈ 400 back-pointer ints each). */
const SLAB_INTS = 1 << 16;
const SLAB_DOUBLES = 1 << 16;

/** The slabs of all results (DPs run synchronously, one at a time, per thread). */
export const slabs = new Slabs();

/**
 * Back-pointers of a finished DP, in `ints` from `at` on: first the links, then `steps` step starts. The states
 * kept after stage i are numbered from step start i on; state t holds at `links[2t]` the index of the state it
 * extends (among the previous step's states) and at `links[2t + 1]` the option of stage i it adds.
 */
export class BackPointers {
  constructor(
    private readonly ints: Int32Array,
    private readonly at: number,
    private readonly stepsAt: number,
    private readonly steps: number,
  ) {}

  /** The option of every stage for state `state` of the last step. */
  choice(state: number): number[] {
    const { ints, at, stepsAt } = this;
    const c = new Array<number>(this.steps);
    let s = state;
    for (let i = this.steps - 1; i >= 0; i--) {
      const link = at + 2 * (ints[stepsAt + i] + s);
      c[i] = ints[link + 1];
      s = ints[link];
    }
    return c;
  }
}

/** Collects back-pointers during a DP in buffers reused between calls; `finish` copies them into a slab. */
export class TrailBuilder {
  private links = new Int32Array(1024);
  private steps = new Int32Array(64);
  private size = 0;
  private stepCount = 0;

  reset(): void {
    this.size = 0;
    this.stepCount = 0;
  }

  beginStep(): void {
    if (this.stepCount === this.steps.length) this.steps = grown(this.steps);
    this.steps[this.stepCount++] = this.size;
  }

  add(parent: number, option: number): void {
    if (2 * this.size + 2 > this.links.length) this.links = grown(this.links);
    this.links[2 * this.size] = parent;
    this.links[2 * this.size + 1] = option;
    this.size++;
  }

  finish(): BackPointers {
    const n = 2 * this.size, L = this.stepCount;
    const ints = slabs.reserveInts(n + L);
    const at = slabs.intsAt;
    const links = this.links, steps = this.steps;
    for (let k = 0; k < n; k++) ints[at + k] = links[k];
    for (let i = 0; i < L; i++) ints[at + n + i] = steps[i];
    return new BackPointers(ints, at, at + n, L);
  }
}

/** The one trail of the DPs (they run synchronously, one at a time). */
export const trail = new TrailBuilder();

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}

/** A non-empty frontier. */
export class Frontier implements FrontierResult {
  private built?: FrontierPoint[];

  /**
   * @param vectors holds from `at` on the final states' cost vectors, {@link STRIDE} numbers each (by
   *   bottleneck ascending); a slab range (see {@link Slabs}) or an array of its own
   */
  constructor(
    private readonly stages: readonly MapperStage[],
    private readonly trail: BackPointers,
    private readonly vectors: ArrayLike<number>,
    private readonly at: number,
    readonly size: number,
    readonly maxFrontier: number,
  ) {}

  get points(): FrontierPoint[] {
    this.built ??= Array.from({ length: this.size }, (_, j) => this.point(j));
    return this.built;
  }

  // Methods, not arrow properties: three closures per result were garbage of every DP call (call them on the
  // result, do not detach them).
  best(objective: MapperObjective, within?: MapperLimits): FrontierPoint | undefined {
    const keys = OBJECTIVE_KEYS[objective];
    const v = this.vectors, at = this.at;
    let best = -1;
    for (let j = 0; j < this.size; j++) {
      if (within && !this.isWithin(j, within)) continue;
      if (best < 0 || lexLess(v, at + j * STRIDE, at + best * STRIDE, keys)) best = j;
    }
    return best >= 0 ? this.point(best) : undefined;
  }

  choice(point: FrontierPoint): number[] {
    return this.trail.choice(point.id);
  }

  mapping(point: FrontierPoint): MappingPoint {
    return costOf(this.stages, this.choice(point));
  }

  private isWithin(j: number, l: MapperLimits): boolean {
    const v = this.vectors, at = this.at + j * STRIDE;
    return v[at + BOTTLENECK] <= l.maxCycles && v[at + LUTS] <= l.luts && v[at + DSPS] <= l.dsps && v[at + BRAM] <= l.bram && v[at + TOTAL_CYCLES] <= l.maxTotalCycles;
  }

  private point(j: number): FrontierPoint {
    const v = this.vectors, at = this.at + j * STRIDE;
    return { bottleneck: v[at + BOTTLENECK], luts: v[at + LUTS], dsps: v[at + DSPS], bram: v[at + BRAM], totalCycles: v[at + TOTAL_CYCLES], id: j };
  }
}

/** Whether the vector at `a` precedes the one at `b` on `keys` (slots compared in order). */
function lexLess(v: ArrayLike<number>, a: number, b: number, keys: readonly number[]): boolean {
  for (let q = 0; q < keys.length; q++) {
    const k = keys[q];
    if (v[a + k] !== v[b + k]) return v[a + k] < v[b + k];
  }
  return false;
}

/** An empty frontier and why. */
export class BlockedFrontier implements FrontierResult {
  readonly points: FrontierPoint[] = [];
  readonly size = 0;

  constructor(
    readonly blocked: Blocked,
    readonly maxFrontier = 0,
  ) {}

  best(): undefined {
    return undefined;
  }

  choice(): number[] {
    throw new HwnasError('HW_NO_MAPPING', 'no mapping: the frontier is empty');
  }

  mapping(): MappingPoint {
    throw new HwnasError('HW_NO_MAPPING', 'no mapping: the frontier is empty');
  }
}

/** Option k of packed options, as a cost. */
function packedCost(p: PackedOptions, k: number): StageCost {
  const at = k * p.stride;
  return { cycles: p.values[at], luts: p.values[at + 1], dsps: p.values[at + 2], bram: p.values[at + 3] };
}

/** The cost vector of a given choice of options (from the stages' packed options when they have them). */
export function costOf(stages: readonly MapperStage[], choice: readonly number[]): MappingPoint {
  let bottleneck = 0, luts = 0, dsps = 0, bram = 0, totalCycles = 0;
  for (let i = 0; i < stages.length; i++) {
    const k = choice[i];
    const packed = stages[i].packed;
    const o = packed ? packedCost(packed, k) : stages[i].options[k];
    if (o.cycles > bottleneck) bottleneck = o.cycles;
    luts += o.luts;
    dsps += o.dsps;
    bram += o.bram;
    totalCycles += o.cycles;
  }
  return { bottleneck, luts, dsps, bram, totalCycles, choice };
}

/** The point with the smallest bottleneck (highest throughput); ties: fewer LUTs, DSPs, BRAM, latency. */
export function bestThroughput<P extends CostVector>(points: readonly P[]): P | undefined {
  return minBy(points, ['bottleneck', 'luts', 'dsps', 'bram', 'totalCycles']);
}

/** The point with the fewest LUTs; ties: smaller bottleneck, fewer DSPs, BRAM, latency. */
export function fewestLuts<P extends CostVector>(points: readonly P[]): P | undefined {
  return minBy(points, ['luts', 'bottleneck', 'dsps', 'bram', 'totalCycles']);
}

function minBy<P extends CostVector>(points: readonly P[], keys: readonly (keyof CostVector)[]): P | undefined {
  let best: P | undefined;
  for (const p of points) {
    if (!best) {
      best = p;
      continue;
    }
    for (const k of keys) {
      if (p[k] !== best[k]) {
        if (p[k] < best[k]) best = p;
        break;
      }
    }
  }
  return best;
}
