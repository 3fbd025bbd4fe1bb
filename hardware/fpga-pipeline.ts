/**
 * The layer-pipelined FPGA accelerator of Lu et al. 2019 (DESIGN §4, MODELS.md §1.4–1.5): every layer (conv,
 * pooling, dense) is one stage with its own multipliers; throughput = f_clk / bottleneck cycles. This module
 * turns a network into mapper stages, runs the DP under a spec, and when nothing fits says why and how close
 * the nearest mapping comes.
 */
import { HwnasError } from '../lib/errors.js';
import type { Device } from './device.js';
import {
  DEFAULT_OPTION_SETTINGS, clearShapeCache, layerFigures, optionAt, optionList, stageOptionTable, type LayerFigures, type OptionSettings, type OptionTable,
  type StageOption,
} from './layer-cost.js';
import {
  activeResources, leastPerStage, mapFrontier, NO_LIMITS, type Blocked, type CostVector, type FrontierPoint, type FrontierResult, type MapperLimits, type MapperObjective, type MapperStage, type MappingPoint, type Resource,
} from './mapper.js';
import type { HwLayer, HwNetwork } from './network.js';

/** A pipeline stage: its layer, work and Pareto-pruned options. */
export interface PipelineStage extends MapperStage<StageOption> {
  readonly layer: HwLayer;
  readonly figures: LayerFigures;
  /** The options packed (what the mapper reads); `options` are built from it on first use. */
  readonly packed: OptionTable;
}

/** What the mapping must satisfy. Budgets default to the device's capacity and are capped by it. */
export interface PipelineSpec {
  readonly device: Device;
  readonly clockMHz: number;
  readonly lutBudget?: number;
  readonly dspBudget?: number;
  readonly bramBudgetBits?: number;
  /** Images per second the pipeline must reach. */
  readonly minThroughput?: number;
  /** Latency bound of one image through the pipeline (Σ stage cycles / f). */
  readonly maxLatencyMs?: number;
  /** Which feasible mapping to return; default: `min-luts` when a throughput is required, else `max-throughput`. */
  readonly objective?: 'max-throughput' | 'min-luts';
  readonly options?: OptionSettings;
}

/** Why no mapping satisfies the spec (typed, so the search can act on it and the user read it). */
export type InfeasibleReason =
  | {
      /** One layer alone exceeds a limit at every parallelism. */
      readonly code: 'layer-cannot-fit';
      readonly layer: string;
      readonly resource: Resource | 'throughput' | 'latency';
      /** The layer's best value: fewest resources, or highest img/s / lowest ms it can reach. */
      readonly best: number;
      readonly limit: number;
    }
  | {
      readonly code: 'budget';
      readonly resource: Resource;
      readonly needed: number;
      readonly budget: number;
      /**
       * What the `needed` design is: the fewest resources meeting the throughput/latency (the DP mapper, the
       * default), each layer's fastest tiling within its shares, or every layer's smallest tiles (tiling models).
       */
      readonly basis?: 'fewest-meeting-spec' | 'fastest-tiling' | 'smallest-tiles' | 'genome';
    }
  | { readonly code: 'throughput'; readonly achievable: number; readonly required: number }
  | { readonly code: 'latency'; readonly achievableMs: number; readonly maxMs: number };

/** A chosen mapping with its per-stage options. */
export interface PipelineMapping {
  readonly point: MappingPoint;
  readonly stages: readonly { readonly stage: PipelineStage; readonly option: StageOption }[];
  readonly throughput: number;
  readonly latencyMs: number;
}

/** Result of mapping a network. */
export interface PipelineResult {
  readonly feasible: boolean;
  readonly objective: 'max-throughput' | 'min-luts';
  /** The chosen mapping (feasible), or the closest one found (infeasible; null if no mapping exists at all). */
  readonly mapping: PipelineMapping | null;
  /**
   * Pareto frontier within the spec; when infeasible, within the budgets alone (ignoring throughput and
   * latency), so the trade-offs that do exist can be shown. See `frontierScope`.
   */
  readonly frontier: readonly CostVector[];
  readonly frontierScope: 'spec' | 'budgets';
  readonly reason?: InfeasibleReason;
  readonly stages: readonly PipelineStage[];
  /** Effective limits the DP used. */
  readonly limits: MapperLimits;
}

/**
 * The stages of a network on a device. Option lists are recomputed per call: with the per-shape tables of
 * layer-cost.ts that is cheaper than keying a cache by every layer's shape and formats (measured).
 */
export function pipelineStages(net: HwNetwork, device: Device, settings: OptionSettings = DEFAULT_OPTION_SETTINGS): PipelineStage[] {
  if (net.layers.length === 0) throw new HwnasError('HW_EMPTY_NETWORK', `network "${net.name}" has no layers`);
  const out: PipelineStage[] = [];
  for (const layer of net.layers) {
    const figures = layerFigures(layer);
    out.push(new LazyStage(layer, figures, stageOptionTable(layer, device, settings, figures)));
  }
  return out;
}

/** A stage whose option objects are built only when read (bulk mapping reads the packed table only). */
class LazyStage implements PipelineStage {
  readonly name: string;
  private built?: StageOption[];

  constructor(
    readonly layer: HwLayer,
    readonly figures: LayerFigures,
    readonly packed: OptionTable,
  ) {
    this.name = layer.name;
  }

  get options(): StageOption[] {
    this.built ??= optionList(this.packed);
    return this.built;
  }
}

/** Kept for callers that cleared the former option cache; layer-cost.ts's shape tables are the only cache. */
export function clearStageCache(): void {
  clearShapeCache();
}

/** Clock in Hz. */
function hz(spec: PipelineSpec): number {
  return spec.clockMHz * 1e6;
}

/** The DP limits of a spec: budgets capped by the device, throughput and latency turned into cycles. */
export function pipelineLimits(spec: PipelineSpec): MapperLimits {
  const d = spec.device;
  const f = hz(spec);
  return {
    luts: Math.min(spec.lutBudget ?? Infinity, d.luts),
    dsps: Math.min(spec.dspBudget ?? Infinity, d.dsps),
    bram: Math.min(spec.bramBudgetBits ?? Infinity, d.bramBits),
    // 1e-9 absorbs the rounding of f / T when T divides f exactly.
    maxCycles: spec.minThroughput ? Math.floor(f / spec.minThroughput + 1e-9) : Infinity,
    maxTotalCycles: spec.maxLatencyMs ? Math.floor((spec.maxLatencyMs / 1000) * f + 1e-9) : Infinity,
  };
}

function toMapping(stages: readonly PipelineStage[], p: MappingPoint, spec: PipelineSpec): PipelineMapping {
  // (p carries its choice: see FrontierResult.mapping)
  const f = hz(spec);
  return {
    point: p,
    stages: stages.map((stage, i) => ({ stage, option: optionAt(stage.packed, p.choice[i]) })),
    throughput: f / p.bottleneck,
    latencyMs: (p.totalCycles / f) * 1000,
  };
}

/** Maps a network onto the device under the spec (the DP of mapper.ts), with a typed reason when nothing fits. */
export function mapPipeline(net: HwNetwork, spec: PipelineSpec): PipelineResult {
  const stages = pipelineStages(net, spec.device, spec.options ?? DEFAULT_OPTION_SETTINGS);
  const limits = pipelineLimits(spec);
  const objective = spec.objective ?? (spec.minThroughput ? 'min-luts' : 'max-throughput');
  const res = mapFrontier(stages, limits);
  if (res.size > 0) {
    const pick = res.best(objective)!;
    return new MappedPipeline(true, objective, toMapping(stages, res.mapping(pick), spec), res, 'spec', undefined, stages, limits);
  }
  const { reason, closest, budgetFrontier } = diagnose(stages, spec, limits, res.blocked);
  return new MappedPipeline(false, objective, closest ? toMapping(stages, closest, spec) : null, budgetFrontier, 'budgets', reason, stages, limits);
}

/**
 * A PipelineResult whose frontier points are built only when read (bulk evaluation never reads them). A class
 * with the getter on its prototype, not an object literal with `get frontier()`: a literal's accessor is a
 * new closure each time, which gave every result a hidden class of its own, allocated outside the young
 * generation — 0.75 kB per genome that only full GCs reclaimed, and over half of the time of a feasible mapping
 * (bench:mapper).
 */
class MappedPipeline implements PipelineResult {
  constructor(
    readonly feasible: boolean,
    readonly objective: 'max-throughput' | 'min-luts',
    readonly mapping: PipelineMapping | null,
    private readonly source: FrontierResult,
    readonly frontierScope: 'spec' | 'budgets',
    readonly reason: InfeasibleReason | undefined,
    readonly stages: readonly PipelineStage[],
    readonly limits: MapperLimits,
  ) {}

  get frontier(): readonly CostVector[] {
    return this.source.points;
  }
}

/** A frontier restricted to the points within `l` (points built on first use). */
function withinBudgets(r: FrontierResult, l: MapperLimits): FrontierResult {
  return new WithinBudgets(r, l);
}

/** See {@link withinBudgets}; a class for the reason given at {@link MappedPipeline}. */
class WithinBudgets implements FrontierResult {
  private built?: FrontierPoint[];
  readonly blocked?: Blocked;
  readonly maxFrontier: number;

  constructor(
    private readonly r: FrontierResult,
    private readonly l: MapperLimits,
  ) {
    this.blocked = r.blocked;
    this.maxFrontier = r.maxFrontier;
  }

  get points(): FrontierPoint[] {
    const l = this.l;
    this.built ??= this.r.points.filter((p) => p.luts <= l.luts && p.dsps <= l.dsps && p.bram <= l.bram);
    return this.built;
  }

  get size(): number {
    return this.points.length;
  }

  best(objective: MapperObjective, within?: MapperLimits): FrontierPoint | undefined {
    return this.r.best(objective, within ?? this.l);
  }

  choice(point: FrontierPoint): number[] {
    return this.r.choice(point);
  }

  mapping(point: FrontierPoint): MappingPoint {
    return this.r.mapping(point);
  }
}

/** The first stage that cannot meet a limit on its own: resources first, then cycles. */
function aloneBlock(stages: readonly PipelineStage[], l: MapperLimits): Blocked | undefined {
  const mins = leastPerStage(stages);
  for (const r of ['luts', 'dsps', 'bram'] as const) {
    const i = mins.findIndex((m) => m[r] > l[r]);
    if (i >= 0) return { kind: 'stage', stage: i, name: stages[i].name, limit: r, minimum: mins[i][r], allowed: l[r] };
  }
  for (let i = 0; i < stages.length; i++) {
    const m = mins[i].cycles;
    if (m > l.maxCycles) return { kind: 'stage', stage: i, name: stages[i].name, limit: 'cycles', minimum: m, allowed: l.maxCycles };
    if (m > l.maxTotalCycles) return { kind: 'stage', stage: i, name: stages[i].name, limit: 'cycles', minimum: m, allowed: l.maxTotalCycles };
  }
  return undefined;
}

const budgetLimits = (l: MapperLimits): MapperLimits => ({ ...l, maxCycles: Infinity, maxTotalCycles: Infinity });
const perfLimits = (l: MapperLimits): MapperLimits => ({ ...l, luts: Infinity, dsps: Infinity, bram: Infinity });

/** Normalised excess of a point over the limits (Σ of positive parts), as constraintViolations computes it. */
function excess(p: CostVector, l: MapperLimits, f: number): number {
  let s = 0;
  const over = (v: number, lim: number): number => (Number.isFinite(lim) && v > lim ? (v - lim) / Math.max(lim, 1e-12) : 0);
  s += over(p.luts, l.luts) + over(p.dsps, l.dsps) + over(p.bram, l.bram) + over(p.totalCycles, l.maxTotalCycles);
  if (Number.isFinite(l.maxCycles) && p.bottleneck > l.maxCycles) {
    const need = f / l.maxCycles;
    s += (need - f / p.bottleneck) / need;
  }
  return s;
}

function worstResource(p: CostVector, l: MapperLimits): Resource {
  let worst: Resource = 'luts';
  let w = -Infinity;
  for (const r of ['luts', 'dsps', 'bram'] as const) {
    const e = Number.isFinite(l[r]) ? (p[r] - l[r]) / Math.max(l[r], 1e-12) : -Infinity;
    if (e > w) {
      w = e;
      worst = r;
    }
  }
  return worst;
}

/**
 * Why nothing fits, and the closest mapping: the best throughput within the budgets, or the fewest LUTs that
 * meet the throughput/latency — whichever violates the spec less.
 */
function diagnose(
  stages: readonly PipelineStage[],
  spec: PipelineSpec,
  limits: MapperLimits,
  blocked: Blocked | undefined,
): { reason: InfeasibleReason; closest: MappingPoint | null; budgetFrontier: FrontierResult } {
  const f = hz(spec);
  const toMs = (cycles: number): number => (cycles / f) * 1000;
  const pick = (r: FrontierResult, p: FrontierPoint | undefined): MappingPoint | undefined => (p ? r.mapping(p) : undefined);
  let byBudget: FrontierResult;
  let a: MappingPoint | undefined;
  let b: MappingPoint | undefined;
  const budgetOnly = budgetLimits(limits);
  const perfOnly = perfLimits(limits);
  if (!Number.isFinite(limits.maxTotalCycles) && activeResources(stages).length <= 1) {
    // Two dimensions: one frontier without limits holds both relaxed answers (each is a threshold query on
    // a Pareto set), at the cost of one DP instead of two.
    const free = mapFrontier(stages, NO_LIMITS);
    a = pick(free, free.best('max-throughput', budgetOnly));
    b = pick(free, free.best('min-luts', perfOnly));
    byBudget = withinBudgets(free, budgetOnly);
  } else {
    byBudget = mapFrontier(stages, budgetOnly);
    const byPerf = mapFrontier(stages, perfOnly);
    a = pick(byBudget, byBudget.best('max-throughput'));
    b = pick(byPerf, byPerf.best('min-luts'));
  }
  const candidates = [a, b].filter((x): x is MappingPoint => x !== undefined);
  let closest: MappingPoint | null = candidates.sort((x, y) => excess(x, limits, f) - excess(y, limits, f))[0] ?? null;
  if (!closest) {
    const free = mapFrontier(stages, NO_LIMITS);
    closest = pick(free, free.best('min-luts')) ?? null;
  }
  // Budgets that one stage alone exceeds are named before the throughput/latency a stage cannot reach.
  const alone = aloneBlock(stages, limits) ?? blocked;

  // One layer alone cannot meet a limit: the most specific reason.
  for (const blk of [alone]) {
    if (blk?.kind !== 'stage') continue;
    if (blk.limit === 'cycles') {
      const latency = Number.isFinite(limits.maxTotalCycles) && blk.minimum <= limits.maxCycles;
      return {
        reason: latency
          ? { code: 'layer-cannot-fit', layer: blk.name, resource: 'latency', best: toMs(blk.minimum), limit: spec.maxLatencyMs! }
          : { code: 'layer-cannot-fit', layer: blk.name, resource: 'throughput', best: f / blk.minimum, limit: spec.minThroughput! },
        closest,
        budgetFrontier: byBudget,
      };
    }
    return { reason: { code: 'layer-cannot-fit', layer: blk.name, resource: blk.limit, best: blk.minimum, limit: blk.allowed }, closest, budgetFrontier: byBudget };
  }
  if (!closest) {
    // Unreachable with non-empty option lists; kept so a bug shows as a typed error, not a crash.
    throw new HwnasError('HW_INTERNAL', 'no mapping found even without limits');
  }
  if (closest === a) {
    // Within the budgets; the throughput or the latency is what fails.
    if (Number.isFinite(limits.maxCycles) && closest.bottleneck > limits.maxCycles) {
      return { reason: { code: 'throughput', achievable: f / closest.bottleneck, required: spec.minThroughput! }, closest, budgetFrontier: byBudget };
    }
    return { reason: { code: 'latency', achievableMs: toMs(closest.totalCycles), maxMs: spec.maxLatencyMs! }, closest, budgetFrontier: byBudget };
  }
  if (closest === b) {
    const r = worstResource(closest, limits);
    return { reason: { code: 'budget', resource: r, needed: closest[r], budget: limits[r] }, closest, budgetFrontier: byBudget };
  }
  // Neither relaxed problem has a solution: the budgets alone are not met by any mapping.
  const r = worstResource(closest, limits);
  return { reason: { code: 'budget', resource: r, needed: closest[r], budget: limits[r] }, closest, budgetFrontier: byBudget };
}

/** One-line description of a reason, for logs and the CLI. */
export function describeReason(r: InfeasibleReason): string {
  const n = (x: number): string => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? groupThousands(Math.round(x)) : String(+x.toPrecision(4))) : String(x));
  switch (r.code) {
    case 'layer-cannot-fit':
      if (r.resource === 'throughput') return `layer ${r.layer} reaches at most ${n(r.best)} img/s at full parallelism, below the required ${n(r.limit)}`;
      if (r.resource === 'latency') return `layer ${r.layer} alone takes ${n(r.best)} ms, over the ${n(r.limit)} ms latency bound`;
      return `layer ${r.layer} needs at least ${n(r.best)} ${unit(r.resource)} at any parallelism, only ${n(r.limit)} available`;
    case 'budget':
      return `the design needs ${n(r.needed)} ${unit(r.resource)} (${BUDGET_BASIS[r.basis ?? 'fewest-meeting-spec']}), over the budget of ${n(r.budget)}`;
    case 'throughput':
      return `best throughput within the budgets is ${n(r.achievable)} img/s, below the required ${n(r.required)}`;
    case 'latency':
      return `best latency within the budgets is ${n(r.achievableMs)} ms, over the ${n(r.maxMs)} ms bound`;
  }
}

const BUDGET_BASIS = {
  'fewest-meeting-spec': 'fewest that meet the throughput/latency',
  'fastest-tiling': "each layer's fastest tiling within its DSP and block-RAM shares",
  'smallest-tiles': 'every layer at its smallest 1×1 tiles',
  genome: "the genome's own tiling",
} as const;

/** 1234567 → "1,234,567" (toLocaleString is slow, and reasons are built for every infeasible genome). */
function groupThousands(x: number): string {
  const s = String(Math.abs(x));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return x < 0 ? `-${out}` : out;
}

function unit(r: Resource): string {
  return r === 'luts' ? 'LUTs' : r === 'dsps' ? 'DSP blocks' : 'block-RAM bits';
}
