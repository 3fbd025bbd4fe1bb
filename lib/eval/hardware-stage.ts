/**
 * Stage 1 of the two-stage evaluator (two-stage.ts) on top of a hardware model: in-process, or on an executor
 * (the worker pool, or a Redis queue) as the named task `hardware`, split into one chunk per worker.
 */
import type { HardwareOutcome, HardwareStage } from './two-stage.js';
import type { TaskExecutor } from './executor.js';
import type { Genome } from '../space/genome.js';
import type { SearchSpace } from '../space/search-space.js';
import { DEFAULT_HARDWARE_MODEL, evaluateBatch, parseHardwareSpec, reportMetrics, type HardwareModelName, type HardwareReport, type HardwareSpecInput } from '../../hardware/model.js';
import type { HardwareTaskPayload } from '../../hardware/task.js';

/** The outcome the two-stage evaluator keeps for a report. */
export function toHardwareOutcome(r: HardwareReport): HardwareOutcome {
  return {
    feasible: r.feasible,
    metrics: reportMetrics(r),
    violations: r.violations,
    ...(r.reasonText ? { reason: r.reasonText } : {}),
    extra: { hardwareModel: r.model, device: r.device, ...(r.reason ? { hardwareReason: r.reason } : {}) },
  };
}

/** Options of {@link ModelHardwareStage}. */
export interface ModelHardwareStageOptions {
  readonly space: SearchSpace;
  /** Raw spec (validated here, once, and again in each worker). */
  readonly spec: HardwareSpecInput;
  readonly model?: HardwareModelName;
  /** Run batches in this pool (task `hardware`); in-process when absent. */
  readonly pool?: TaskExecutor;
  /** Below this many genomes a batch is mapped in-process even with a pool (posting costs more). Default 64. */
  readonly minPoolBatch?: number;
}

/** A HardwareStage backed by a registered hardware model. */
export class ModelHardwareStage implements HardwareStage {
  private readonly spec;

  constructor(private readonly o: ModelHardwareStageOptions) {
    this.spec = parseHardwareSpec(o.spec);
  }

  async evaluate(genomes: readonly Genome[], signal?: AbortSignal): Promise<HardwareOutcome[]> {
    const model = this.o.model ?? DEFAULT_HARDWARE_MODEL;
    const pool = this.o.pool;
    if (!pool || genomes.length < (this.o.minPoolBatch ?? 64)) {
      return evaluateBatch(this.o.space, genomes, this.spec, model).map(toHardwareOutcome);
    }
    const chunks = splitEven(genomes, pool.threads);
    const decl = this.o.space.toJSON();
    const parts = await Promise.all(
      chunks.map((chunk) => {
        const payload: HardwareTaskPayload = { space: decl, genomes: chunk, spec: this.o.spec, model };
        return pool.run('hardware', payload, signal);
      }),
    );
    return parts.flat().map(toHardwareOutcome);
  }
}

/** `items` in `n` contiguous chunks of near-equal size (no empty chunk). */
export function splitEven<T>(items: readonly T[], n: number): T[][] {
  const k = Math.max(1, Math.min(n, items.length));
  const out: T[][] = [];
  for (let i = 0; i < k; i++) out.push(items.slice(Math.floor((i * items.length) / k), Math.floor(((i + 1) * items.length) / k)));
  return out;
}
