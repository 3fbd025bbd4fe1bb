/**
 * The joint search and the separate-search baselines of Lu et al. 2019, as pipelines over the same strategies
 * and evaluators, each with the same budget of trained children:
 * - `joint`: architecture + quantization searched together, two-stage evaluation against the spec;
 * - `nas-then-quantize` (a): hardware-unaware NAS in float, then a quantization search on the best
 *   architecture to fit the spec (half the budget each);
 * - `quant-only` (b): quantization (and the DP mapping) on a fixed architecture (default: the space's
 *   median-size one, {@link fixedArchitectureOf});
 * - `nas-then-map` (c): hardware-unaware NAS in float, then the best architectures mapped at the widest
 *   fixed-point format, no search (the first that fits is trained once).
 * - `fixed-hardware` (spaces with hardware genes, e.g. coexplore-*): FNAS-style hardware-aware NAS — architecture
 *   and quantization searched against the spec on ONE fixed hardware design (hardware genes pinned by
 *   {@link defaultFixedHardware}); the baseline co-exploration (`joint` on such a space) is measured against
 *   (Jiang et al., TCAD'20, MODELS.md §3.1).
 */
import path from 'node:path';
import { HwnasError } from '../errors.js';
import { Rng } from '../rng.js';
import { presetSpace, type PresetName } from '../space/index.js';
import { genesOfGroup, restrictSpace } from '../space/restrict.js';
import type { Genome } from '../space/genome.js';
import { decodeArchitecture } from '../space/decode.js';
import type { GeneValue } from '../space/gene.js';
import type { SearchSpace } from '../space/search-space.js';
import type { HypervolumeSpec } from '../study/summary.js';
import { isFeasible, wasTrained, type Constraint, type FinishedTrial, type Objective } from '../trial/index.js';
import { TwoStageEvaluator, twoStageCounts, type HardwareStage } from '../eval/two-stage.js';
import type { FidelityConfig } from '../eval/fidelity/options.js';
import { fidelityPlan, rungObjective, type FidelityPlan } from '../eval/fidelity/scheduler.js';
import type { JointStages } from './joint-stages.js';
import { runStudy } from './run-study.js';

/** The methods `hwnas compare` runs. */
export const METHODS = ['joint', 'nas-then-quantize', 'quant-only', 'nas-then-map', 'fixed-hardware'] as const;
/** One method. */
export type Method = (typeof METHODS)[number];

/** What one method run produced. */
export interface MethodResult {
  readonly method: Method;
  readonly strategy: string;
  readonly seed: number;
  /** Best feasible design (highest accuracy meeting the spec), or null when none was found. */
  readonly best: {
    readonly accuracy: number;
    readonly throughput: number;
    readonly luts: number;
    readonly key: string;
    /** Its trial number in the study at `run` (what `hwnas train --run <run> --trial <trial>` retrains). */
    readonly trial: number;
    /** The study directory (journal) of the phase that found it. */
    readonly run: string;
  } | null;
  readonly trials: number;
  readonly trained: number;
  readonly wallMs: number;
  /** Where its studies' journals and summaries are. */
  readonly dir: string;
}

/** Everything a method needs. */
export interface MethodContext {
  /** The quantized space of the joint search (lu2019 family). */
  readonly space: SearchSpace;
  readonly stages: JointStages;
  readonly constraints: readonly Constraint[];
  readonly objectives: readonly Objective[];
  readonly hypervolume: HypervolumeSpec | null;
  readonly strategy: { readonly name: string; readonly options: Record<string, unknown> };
  readonly seed: number;
  /** Budget of trained children. */
  readonly trained: number;
  /** Fixed architecture of `quant-only`: a rule or the arch genes themselves; default `median` ({@link fixedArchitectureOf}). */
  readonly fixedArchitecture?: FixedArchitectureChoice;
  /** Multi-fidelity training of the children (every phase that trains); absent = none. */
  readonly fidelity?: FidelityConfig;
  /** Directory of this method run (its studies go in subdirectories). */
  readonly dir: string;
  /**
   * Kept in every phase's study record (e.g. `{dataset, config}` as a joint run records them), so `hwnas train
   * --run <phase dir>` and `hwnas export` can read a phase like a run.
   */
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal;
}

/** Hardware-unaware stage 1: every design "fits" (what a NAS that ignores the hardware sees). */
const unawareHardware: HardwareStage = {
  evaluate: async (genomes) => genomes.map(() => ({ feasible: true, metrics: {}, violations: {} })),
};

/** The float twin of a quantized lu2019 space (same architecture genes, no quantization genes). */
export function floatTwin(space: SearchSpace): SearchSpace {
  const name = `${space.meta.restrictedFrom ?? space.name}-float` as PresetName;
  try {
    return presetSpace(name);
  } catch {
    throw new HwnasError('INPUT_SPACE', `space "${space.name}" has no float twin preset "${name}"`);
  }
}

/** A mid-sized architecture of a lu2019 space: deepest, middle width, 3×3 kernels, pooling on the first two layers. */
export function defaultFixedArchitecture(space: SearchSpace): Record<string, GeneValue> {
  const depthGene = space.gene('depth');
  if (depthGene.kind !== 'int') throw new HwnasError('INPUT_SPACE', `space "${space.name}" has no integer depth gene`);
  const fixed: Record<string, GeneValue> = { depth: depthGene.max };
  for (let i = 1; i <= depthGene.max; i++) {
    const f = space.gene(`L${i}.filters`);
    const k = space.gene(`L${i}.kernel`);
    if (f.kind !== 'choice' || k.kind !== 'choice') throw new HwnasError('INPUT_SPACE', `space "${space.name}" is not of the lu2019 family`);
    fixed[`L${i}.filters`] = f.choices[Math.floor((f.choices.length - 1) / 2)];
    fixed[`L${i}.kernel`] = k.choices.includes(3) ? 3 : k.choices[0];
    fixed[`L${i}.pool`] = i <= 2;
  }
  return fixed;
}

/** Rules that pick the fixed architecture of `quant-only` (see {@link fixedArchitectureOf}). */
export const FIXED_ARCHITECTURE_RULES = ['median', 'mid'] as const;
/** A rule, or the architecture genes themselves (`{"depth": 3, "L1.filters": 36, …}`). */
export type FixedArchitectureChoice = (typeof FIXED_ARCHITECTURE_RULES)[number] | Readonly<Record<string, GeneValue>>;

/** Multiply-accumulates of a decoded network (convolutions 'same', dense): the size measure of {@link medianArchitecture}. */
export function architectureMacs(space: SearchSpace, genome: Genome): number {
  let macs = 0;
  for (const l of decodeArchitecture(space, genome).layers) {
    if (l.kind === 'conv') macs += l.outShape[0] * l.outShape[1] * l.kernel * l.kernel * l.inShape[2] * l.filters;
    else if (l.kind === 'dense') macs += l.inShape[0] * l.inShape[1] * l.inShape[2] * l.units;
  }
  return macs;
}

/** Architectures sampled by {@link medianArchitecture}: enough for a stable median, cheap to decode (a few ms). */
const MEDIAN_SAMPLES = 257;

/**
 * The median-size architecture of a space: of {@link MEDIAN_SAMPLES} architectures drawn uniformly (seed 0, so
 * every seed and spec of a comparison fixes the same one), the one with the median MAC count. The fair default of
 * `quant-only`: a fixed choice made without knowing the spec, neither the smallest (which fits every spec and
 * caps accuracy) nor the largest (which fits none).
 */
export function medianArchitecture(space: SearchSpace): Record<string, GeneValue> {
  const rng = Rng.fromSeed(0);
  const sized = Array.from({ length: MEDIAN_SAMPLES }, () => {
    const g = space.sample(rng);
    return { g, macs: architectureMacs(space, g) };
  }).sort((a, b) => a.macs - b.macs);
  return genesOfGroup(space, sized[Math.floor(sized.length / 2)].g, 'arch');
}

/**
 * The fixed architecture of `quant-only`: `median` ({@link medianArchitecture}, the default), `mid`
 * ({@link defaultFixedArchitecture}: deepest, middle width, 3×3), or the genes given (checked against the space).
 */
export function fixedArchitectureOf(space: SearchSpace, choice: FixedArchitectureChoice = 'median'): Record<string, GeneValue> {
  if (choice === 'median') return medianArchitecture(space);
  if (choice === 'mid') return defaultFixedArchitecture(space);
  const unknown = Object.keys(choice).filter((k) => !space.has(k) || space.gene(k).group !== 'arch');
  if (unknown.length > 0) {
    throw new HwnasError('INPUT_SPACE', `fixedArchitecture: ${unknown.map((k) => `"${k}"`).join(', ')} ${unknown.length === 1 ? 'is not an architecture gene' : 'are not architecture genes'} of space "${space.name}"`);
  }
  // Genes left out keep the median architecture's values, so a user can pin only what they care about.
  return { ...medianArchitecture(space), ...choice };
}

/**
 * The fixed design of the `fixed-hardware` baseline [inferred: FNAS fixes the accelerator and searches the network]:
 * each layer's engine at the middle Tm and Tn choices with whole-map Tr, Tc (the largest choices), FNAS's ports
 * 2/2/2 (or the smallest offered) [code: FNAS PARA.py], one FPGA, the first device choice (when the genome has one).
 * `overrides` pin other values.
 */
export function defaultFixedHardware(space: SearchSpace, overrides: Readonly<Record<string, GeneValue>> = {}): Record<string, GeneValue> {
  const out: Record<string, GeneValue> = {};
  for (const g of space.genesOf('hw')) {
    if (g.kind === 'int' || g.kind === 'bits') out[g.name] = g.min;
    else if (g.kind === 'choice') {
      const c = g.choices;
      const last = g.name.split('.').pop()!;
      if (last === 'Tm' || last === 'Tn') out[g.name] = c[Math.floor((c.length - 1) / 2)];
      else if (last === 'Tr' || last === 'Tc') out[g.name] = c[c.length - 1];
      else if (last === 'Wp' || last === 'Ip' || last === 'Op') out[g.name] = c.includes(2) ? 2 : c[0];
      else out[g.name] = c[0];
    } else if (g.kind === 'bool') out[g.name] = false;
  }
  return { ...out, ...overrides };
}

/** The widest fixed-point format of every quantization gene (the "no quantization search" implementation). */
export function widestQuantization(space: SearchSpace): Record<string, GeneValue> {
  const out: Record<string, GeneValue> = {};
  for (const g of space.genesOf('quant')) if (g.kind === 'bits' || g.kind === 'int') out[g.name] = g.max;
  return out;
}

/** The fidelity plan of a phase: ranked by its first objective training measures (none: trained at full budget). */
function phaseFidelity(c: FidelityConfig | undefined, objectives: readonly Objective[]): FidelityPlan | null {
  const ranking = rungObjective(objectives);
  return c && ranking ? fidelityPlan(c, ranking) : null;
}

/** One phase of a method: a study of its own in `<dir>/<sub>` on the shared run skeleton. */
async function runPhase(
  ctx: MethodContext,
  space: SearchSpace,
  hardware: HardwareStage,
  prune: boolean,
  objectives: readonly Objective[],
  constraints: readonly Constraint[],
  trained: number,
  sub: string,
): Promise<FinishedTrial[]> {
  const dir = path.join(ctx.dir, sub);
  // The hypervolume spec is for the joint objectives; the accuracy-only NAS phase has none.
  const hv = objectives === ctx.objectives ? ctx.hypervolume : null;
  const { study } = await runStudy({
    dir,
    resume: false,
    create: {
      space, objectives, constraints, strategy: ctx.strategy, seed: ctx.seed, meta: { ...ctx.meta, kind: 'baseline-phase', phase: sub, hypervolume: hv },
      // Fast exploration of hardware genes (REINFORCE) checks designs with the same stage 1, without training.
      ...(prune ? { precheck: async (gs: readonly Genome[]) => (await hardware.evaluate(gs, ctx.signal)).map((r) => ({ feasible: r.feasible, violations: r.violations, metrics: r.metrics })) } : {}),
    },
    evaluator: () => new TwoStageEvaluator({ space, hardware, training: ctx.stages.trainingIn(dir, space), trainConcurrency: ctx.stages.trainConcurrency, pruneInfeasible: prune, fidelity: phaseFidelity(ctx.fidelity, objectives) }),
    // The trial cap stops a search whose children are all infeasible (nothing trained) from running forever.
    termination: { trained, trials: trained * 50 },
    concurrency: ctx.stages.trainConcurrency,
    signal: ctx.signal,
    label: () => sub,
    hypervolume: () => hv,
    summaryExtra: (st) => ({ twoStage: twoStageCounts(st.finishedTrials()) }),
  });
  return study.finishedTrials();
}

function bestFeasible(trials: readonly FinishedTrial[], objectives: readonly Objective[], run: string): MethodResult['best'] {
  let best: FinishedTrial | null = null;
  for (const t of trials) {
    if (!isFeasible(t, objectives)) continue;
    if (!best || (t.metrics.accuracy ?? -1) > (best.metrics.accuracy ?? -1)) best = t;
  }
  return best ? { accuracy: best.metrics.accuracy, throughput: best.metrics.throughput, luts: best.metrics.luts, key: best.key, trial: best.number, run } : null;
}

const trainedCount = (trials: readonly FinishedTrial[]): number => trials.filter(wasTrained).length;

/** Best architectures of a hardware-unaware phase, by accuracy, distinct. */
function topArchitectures(space: SearchSpace, trials: readonly FinishedTrial[], k: number): Record<string, GeneValue>[] {
  const ok = trials.filter((t) => t.status === 'complete' && Number.isFinite(t.metrics.accuracy)).sort((a, b) => b.metrics.accuracy - a.metrics.accuracy);
  const seen = new Set<string>();
  const out: Record<string, GeneValue>[] = [];
  for (const t of ok) {
    if (seen.has(t.key)) continue;
    seen.add(t.key);
    out.push(genesOfGroup(space, t.genome, 'arch'));
    if (out.length === k) break;
  }
  return out;
}

function hasNoHardwareGenes(space: SearchSpace): boolean {
  return space.genesOf('hw').length === 0;
}

/** Runs one method and returns its result. */
export async function runMethod(method: Method, ctx: MethodContext): Promise<MethodResult> {
  const t0 = performance.now();
  const accuracyOnly: Objective[] = [{ metric: 'accuracy', direction: 'maximize' }];
  let trials: FinishedTrial[] = [];
  let trained = 0;
  // The phase whose trials are the method's designs (the study directory under ctx.dir).
  let phase: string = method;
  switch (method) {
    case 'joint': {
      trials = await runPhase(ctx, ctx.space, ctx.stages.hardware, true, ctx.objectives, ctx.constraints, ctx.trained, 'joint');
      trained = trainedCount(trials);
      break;
    }
    case 'fixed-hardware': {
      if (hasNoHardwareGenes(ctx.space)) {
        throw new HwnasError('INPUT_SPACE', `method fixed-hardware needs a space with hardware genes (coexplore-mnist, coexplore-cifar10); "${ctx.space.name}" has none`);
      }
      const space = restrictSpace(ctx.space, defaultFixedHardware(ctx.space), `${ctx.space.name}/fixed-hardware`);
      trials = await runPhase(ctx, space, ctx.stages.hardware, true, ctx.objectives, ctx.constraints, ctx.trained, 'fixed-hardware');
      trained = trainedCount(trials);
      break;
    }
    case 'quant-only': {
      const fixed = fixedArchitectureOf(ctx.space, ctx.fixedArchitecture);
      const space = restrictSpace(ctx.space, fixed, `${ctx.space.name}/fixed-arch`);
      trials = await runPhase(ctx, space, ctx.stages.hardware, true, ctx.objectives, ctx.constraints, ctx.trained, 'quant-only');
      trained = trainedCount(trials);
      break;
    }
    case 'nas-then-quantize':
    case 'nas-then-map': {
      const floatSpace = floatTwin(ctx.space);
      const nasBudget = method === 'nas-then-quantize' ? Math.ceil(ctx.trained / 2) : Math.max(1, ctx.trained - 1);
      const nas = await runPhase(ctx, floatSpace, unawareHardware, true, accuracyOnly, [], nasBudget, 'nas');
      trained = trainedCount(nas);
      const archs = topArchitectures(floatSpace, nas, 5);
      if (archs.length === 0) break;
      if (method === 'nas-then-quantize') {
        const space = restrictSpace(ctx.space, archs[0], `${ctx.space.name}/nas-best-arch`);
        phase = 'quantize';
        trials = await runPhase(ctx, space, ctx.stages.hardware, true, ctx.objectives, ctx.constraints, Math.max(1, ctx.trained - trained), phase);
        trained += trainedCount(trials);
      } else {
        // Map the best architectures at the widest format; train the first one that fits (one child).
        const wide = widestQuantization(ctx.space);
        // Every gene is pinned, so sampling the restricted space yields exactly that design.
        const pinned = archs.map((a) => restrictSpace(ctx.space, { ...a, ...wide }, `${ctx.space.name}/candidate`));
        const genomes: Genome[] = pinned.map((p) => p.sample(Rng.fromSeed(0)));
        const hw = await ctx.stages.hardware.evaluate(genomes, ctx.signal);
        const fit = hw.findIndex((h) => h.feasible);
        const mapSpace = restrictSpace(ctx.space, { ...archs[Math.max(0, fit)], ...wide }, `${ctx.space.name}/nas-best-arch-wide`);
        phase = 'map';
        trials = await runPhase(ctx, mapSpace, ctx.stages.hardware, true, ctx.objectives, ctx.constraints, 1, phase);
        trained += trainedCount(trials);
      }
      break;
    }
  }
  return { method, strategy: ctx.strategy.name, seed: ctx.seed, best: bestFeasible(trials, ctx.objectives, path.join(ctx.dir, phase)), trials: trials.length, trained, wallMs: performance.now() - t0, dir: ctx.dir };
}

