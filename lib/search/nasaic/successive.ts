/**
 * The successive baseline of NASAIC (MODELS-ACCELERATORS §4.4): (1) NAS for accuracy alone — the same space, the
 * same strategy and trained budget, no hardware in the loop; (2) the best ASIC design for the most accurate pair of
 * networks: a seeded sample of accelerator genes with the networks fixed, keeping a design that meets every spec
 * with the lowest spec-normalised cost Σ metric/spec, or, when none does, the one with the smallest total violation.
 */
import path from 'node:path';
import type { HardwareOutcome, HardwareStage } from '../../eval/two-stage.js';
import { Rng } from '../../rng.js';
import type { Genome } from '../../space/genome.js';
import { withHardwareGenes } from '../../space/nasaic.js';
import type { SearchSpace } from '../../space/search-space.js';
import { totalViolation } from '../../trial/index.js';
import type { NasaicConfig } from './config.js';
import { nasaicConfigSpace, runNasaicSearch, type NasaicRunOptions, type NasaicRunResult } from './run.js';
import { genomeHeteroCost, heteroOutcome, type NasaicSpecs } from './stages.js';

/** Hardware designs sampled in phase 2 (each costs well under a millisecond). */
export const SUCCESSIVE_HW_SAMPLES = 4000;

/** Phase 1's stage 1: costs the hardware for the record, but every child goes on to training. */
class AccuracyOnlyStage implements HardwareStage {
  constructor(private readonly space: SearchSpace, private readonly batch: number) {}
  async evaluate(genomes: readonly Genome[]): Promise<HardwareOutcome[]> {
    return genomes.map((g) => {
      const c = genomeHeteroCost(this.space, g, this.batch);
      return { feasible: true, metrics: { latencyMs: c.latencyMs, energyNj: c.energyNj, areaUm2: c.areaUm2 }, violations: {}, extra: { hardwareModel: 'asic-hetero (not a constraint)' } };
    });
  }
}

/** Spec-normalised cost of a design: Σ metric / spec over the given specs. */
export function specCost(metrics: Readonly<Record<string, number>>, specs: NasaicSpecs): number {
  let s = 0;
  if (specs.latencyMs !== undefined) s += metrics.latencyMs / specs.latencyMs;
  if (specs.energyNj !== undefined) s += metrics.energyNj / specs.energyNj;
  if (specs.areaUm2 !== undefined) s += metrics.areaUm2 / specs.areaUm2;
  return s;
}

/** Phase 2: the best accelerator for fixed networks. */
export function bestHardwareFor(space: SearchSpace, genome: Genome, specs: NasaicSpecs, batch: number, seed: number, samples = SUCCESSIVE_HW_SAMPLES): { genome: Genome; outcome: HardwareOutcome } {
  const rng = Rng.fromSeed(seed).fork('successive-hardware');
  let best: { genome: Genome; outcome: HardwareOutcome; score: [number, number] } | null = null;
  for (let i = 0; i < samples; i++) {
    const g = withHardwareGenes(space, genome, space.sample(rng));
    const outcome = heteroOutcome(space, g, specs, batch);
    // Feasible designs first (by cost), then the least violation.
    const score: [number, number] = outcome.feasible ? [0, specCost(outcome.metrics, specs)] : [1, totalViolation(outcome.violations)];
    if (!best || score[0] < best.score[0] || (score[0] === best.score[0] && score[1] < best.score[1])) best = { genome: g, outcome, score };
  }
  return { genome: best!.genome, outcome: best!.outcome };
}

/** What the successive baseline ends with. */
export interface SuccessiveResult {
  readonly nas: NasaicRunResult;
  /** The final design: the most accurate networks on the best accelerator found for them; null when phase 1 trained nothing. */
  readonly final: { readonly genome: Genome; readonly metrics: Readonly<Record<string, number>>; readonly meetsSpecs: boolean; readonly violations: Readonly<Record<string, number>>; readonly design: string } | null;
  readonly wallMs: number;
}

/** Runs the successive baseline under `o.out` (`nas/` holds phase 1's study). */
export async function runSuccessive(c: NasaicConfig, o: NasaicRunOptions): Promise<SuccessiveResult> {
  const t0 = Date.now();
  const space = nasaicConfigSpace(c);
  const nas = await runNasaicSearch(c, { ...o, out: path.join(o.out, 'nas'), hardware: new AccuracyOnlyStage(space, c.batch), specs: {}, kind: 'successive-nas' });
  if (!nas.best) return { nas, final: null, wallMs: Date.now() - t0 };
  const { genome, outcome } = bestHardwareFor(space, nas.best.genome, c.specs, c.batch, o.seed);
  const accuracy = Object.fromEntries(Object.entries(nas.best.metrics).filter(([k]) => k === 'accuracy' || k.endsWith('.accuracy')));
  return {
    nas,
    final: { genome, metrics: { ...accuracy, ...outcome.metrics }, meetsSpecs: outcome.feasible, violations: outcome.violations, design: String(outcome.extra?.design ?? '') },
    wallMs: Date.now() - t0,
  };
}
