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
 * Back-pointers of a finished DP: the states kept after stage i are numbered from `stepStart[i]` on; state t
 * holds at `links[2t]` the index of the state it extends (among the previous step's states) and at
 * `links[2t + 1]` the option of stage i it adds.
 */
export class BackPointers {
  constructor(
    private readonly links: ArrayLike<number>,
    private readonly stepStart: ArrayLike<number>,
  ) {}

  /** The option of every stage for state `state` of the last step. */
  choice(state: number): number[] {
    const L = this.stepStart.length;
    const c = new Array<number>(L);
    let s = state;
    for (let i = L - 1; i >= 0; i--) {
      const at = 2 * (this.stepStart[i] + s);
      c[i] = this.links[at + 1];
      s = this.links[at];
    }
    return c;
  }
}

/** Collects back-pointers during a DP in buffers reused between calls; `finish` copies them at their exact size. */
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
    return new BackPointers(heapCopy(this.links, 2 * this.size), heapCopy(this.steps, this.stepCount));
  }
}

/** The one trail of the DPs (they run synchronously, one at a time). */
export const trail = new TrailBuilder();

/**
 * The first n numbers of `a` in a plain array. Results of bulk mapping die young: a plain array is a bump
 * allocation on the JS heap, where a typed copy would allocate a backing store outside it for each result.
 */
export function heapCopy(a: ArrayLike<number>, n: number): number[] {
  const out = new Array<number>(n);
  for (let k = 0; k < n; k++) out[k] = a[k];
  return out;
}

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}


/** A non-empty frontier. */
export class Frontier implements FrontierResult {
  private built?: FrontierPoint[];

  /**
   * @param vectors the final states' cost vectors, {@link STRIDE} numbers each (by bottleneck ascending)
   */
  constructor(
    private readonly stages: readonly MapperStage[],
    private readonly trail: BackPointers,
    private readonly vectors: ArrayLike<number>,
    readonly size: number,
    readonly maxFrontier: number,
  ) {}

  get points(): FrontierPoint[] {
    this.built ??= Array.from({ length: this.size }, (_, j) => this.point(j));
    return this.built;
  }

  // Arrow properties, not methods: callers may pass them around detached (fpga-pipeline's withinBudgets does).
  readonly best = (objective: MapperObjective, within?: MapperLimits): FrontierPoint | undefined => {
    const keys = OBJECTIVE_KEYS[objective];
    const v = this.vectors;
    let best = -1;
    for (let j = 0; j < this.size; j++) {
      if (within && !this.isWithin(j, within)) continue;
      if (best < 0 || lexLess(v, j * STRIDE, best * STRIDE, keys)) best = j;
    }
    return best >= 0 ? this.point(best) : undefined;
  };

  readonly choice = (point: FrontierPoint): number[] => this.trail.choice(point.id);

  readonly mapping = (point: FrontierPoint): MappingPoint => costOf(this.stages, this.choice(point));

  private isWithin(j: number, l: MapperLimits): boolean {
    const v = this.vectors, at = j * STRIDE;
    return v[at + BOTTLENECK] <= l.maxCycles && v[at + LUTS] <= l.luts && v[at + DSPS] <= l.dsps && v[at + BRAM] <= l.bram && v[at + TOTAL_CYCLES] <= l.maxTotalCycles;
  }

  private point(j: number): FrontierPoint {
    const v = this.vectors, at = j * STRIDE;
    return { bottleneck: v[at + BOTTLENECK], luts: v[at + LUTS], dsps: v[at + DSPS], bram: v[at + BRAM], totalCycles: v[at + TOTAL_CYCLES], id: j };
  }
}

/** Whether the vector at `a` precedes the one at `b` on `keys` (slots compared in order). */
function lexLess(v: ArrayLike<number>, a: number, b: number, keys: readonly number[]): boolean {
  for (const k of keys) {
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

  readonly best = (): undefined => undefined;

  readonly choice = (): number[] => {
    throw new HwnasError('HW_NO_MAPPING', 'no mapping: the frontier is empty');
  };

  readonly mapping = (): MappingPoint => {
    throw new HwnasError('HW_NO_MAPPING', 'no mapping: the frontier is empty');
  };
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
