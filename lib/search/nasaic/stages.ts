/**
 * The two stages of a NASAIC search: stage 1 decodes every task's network and the heterogeneous accelerator and
 * costs them (hardware/asic/hetero.ts) against the latency/energy/area specs — no training; stage 2 trains every
 * task's network on its own dataset and reports each accuracy and their weighted sum (the NASAIC reward's accuracy).
 */
import path from 'node:path';
import type { EvalRequest } from '../../eval/evaluator.js';
import type { HardwareOutcome, HardwareStage, TrainingOutcome, TrainingStage } from '../../eval/two-stage.js';
import type { Genome } from '../../space/genome.js';
import { decodeArchitecture, decodeQuantization } from '../../space/decode.js';
import { decodeHeteroDesign, decodeTasks, nasaicTasks } from '../../space/nasaic.js';
import type { SearchSpace } from '../../space/search-space.js';
import { constraintViolations, describeViolations, type Constraint } from '../../trial/index.js';
import { fromArchitecture, type HwNetwork } from '../../../hardware/network.js';
import { heteroCost, type HeteroCost } from '../../../hardware/asic/hetero.js';
import { l1Shortfall } from '../../../hardware/asic/network-cost.js';
import type { TrainRequest } from '../../train/train.js';
import { PoolTrainingStage } from '../../eval/training-stage.js';
import type { TrainingPool } from '../joint-stages.js';

/** Latency (ms, the slowest sub-accelerator), energy (nJ, all networks) and area (µm², sub-accelerators built) bounds. */
export interface NasaicSpecs {
  readonly latencyMs?: number;
  readonly energyNj?: number;
  readonly areaUm2?: number;
}

/** The constraints of the specs, on the metrics `latencyMs`, `energyNj`, `areaUm2`. */
export function nasaicConstraints(s: NasaicSpecs): Constraint[] {
  const c: Constraint[] = [];
  if (s.latencyMs !== undefined) c.push({ metric: 'latencyMs', max: s.latencyMs });
  if (s.energyNj !== undefined) c.push({ metric: 'energyNj', max: s.energyNj });
  if (s.areaUm2 !== undefined) c.push({ metric: 'areaUm2', max: s.areaUm2 });
  return c;
}

/** The task networks of a genome in hardware terms. */
export function taskNetworks(space: SearchSpace, genome: Genome): HwNetwork[] {
  return decodeTasks(space, genome).map((t) => fromArchitecture(decodeArchitecture(t.space, t.genome), decodeQuantization(t.space, t.genome), t.task));
}

/** The hetero cost of a genome. */
export function genomeHeteroCost(space: SearchSpace, genome: Genome, batch = 1): HeteroCost {
  return heteroCost(taskNetworks(space, genome), decodeHeteroDesign(space, genome), batch);
}

/** Stage-1 outcome of one genome: metrics and violations (an L1 too small for a layer: `l1`, its normalised shortfall). */
export function heteroOutcome(space: SearchSpace, genome: Genome, specs: NasaicSpecs, batch = 1): HardwareOutcome {
  const c = genomeHeteroCost(space, genome, batch);
  const metrics: Record<string, number> = { latencyMs: c.latencyMs, energyNj: c.energyNj, areaUm2: c.areaUm2, subAccelerators: c.built.length };
  c.taskLatencyMs.forEach((l, i) => (metrics[`t${i + 1}.latencyMs`] = l));
  const violations = constraintViolations(nasaicConstraints(specs), metrics);
  // A layer whose per-PE data exceed its sub-accelerator's L1: the worst shortfall, normalised.
  if (c.unfit.length > 0) violations.l1 = Math.max(...c.networks.map(l1Shortfall));
  const feasible = Object.values(violations).every((v) => v <= 0);
  const design = c.built.map((b) => `${b.accelerator.template}×${b.accelerator.pes} bw${b.accelerator.nocBw}`).join(' + ');
  return {
    feasible,
    metrics,
    violations,
    ...(feasible ? {} : { reason: c.unfit.length > 0 ? `a layer does not fit its sub-accelerator's L1; ${describeViolations(violations)}` : describeViolations(violations) }),
    extra: { hardwareModel: 'asic-hetero', design },
  };
}

/** Stage 1 of a NASAIC search (in-process: one genome costs well under a millisecond). */
export class NasaicHardwareStage implements HardwareStage {
  constructor(
    private readonly space: SearchSpace,
    private readonly specs: NasaicSpecs,
    private readonly batch = 1,
  ) {}

  async evaluate(genomes: readonly Genome[]): Promise<HardwareOutcome[]> {
    return genomes.map((g) => heteroOutcome(this.space, g, this.specs, this.batch));
  }
}

/** Training settings shared by every task. */
export type TaskTrainingBase = Omit<TrainRequest, 'genome' | 'seed' | 'space' | 'dataset'>;

/**
 * Stage 2: every task's network trained on its dataset (in the pool, concurrently), its weights saved under
 * `<run>/<task>/models/trial-N/`. Metrics: `<task>.accuracy` per task and `accuracy` = Σ weight·accuracy.
 */
export class MultiTaskTrainingStage implements TrainingStage {
  private readonly stages: PoolTrainingStage[];
  constructor(
    private readonly space: SearchSpace,
    pool: TrainingPool,
    base: TaskTrainingBase,
    runDir: string,
    private readonly weights: readonly number[],
  ) {
    this.stages = nasaicTasks(space).map((t) => new PoolTrainingStage(pool.pool, { ...base, space: t.space.toJSON(), dataset: t.dataset as TrainRequest['dataset'] }, path.join(runDir, t.name)));
  }

  async train(request: EvalRequest, signal?: AbortSignal): Promise<TrainingOutcome> {
    const tasks = decodeTasks(this.space, request.genome);
    const outs = await Promise.all(tasks.map((t, i) => this.stages[i].train({ ...request, genome: t.genome, seed: `${request.seed}/${t.task}` }, signal)));
    const metrics: Record<string, number> = {};
    let weighted = 0;
    outs.forEach((o, i) => {
      const t = tasks[i].task;
      for (const [k, v] of Object.entries(o.metrics)) metrics[`${t}.${k}`] = v;
      weighted += this.weights[i] * o.metrics.accuracy;
    });
    metrics.accuracy = weighted;
    return { metrics, extra: { tasks: Object.fromEntries(outs.map((o, i) => [tasks[i].task, o.extra])) } };
  }
}
