/**
 * Reuse of identical trainings within one comparison. The hardware-unaware NAS phase of `nas-then-quantize` and
 * `nas-then-map` does not depend on the spec, so every spec (and both methods, as far as their searches agree)
 * proposes the same children with the same seeds: the same space, genome, seed and training options give the same
 * training. The first one trains; the others get its outcome and a copy of its saved model, marked
 * `extra.reusedFrom`. Each method is still charged for the child (it counts as trained), so every method's budget
 * and trials are what they would be without the memo; only the wall time shrinks.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EvalRequest } from '../eval/evaluator.js';
import type { TrainingOutcome, TrainingStage } from '../eval/two-stage.js';
import type { SearchSpace } from '../space/search-space.js';
import { trialModelDir } from '../train/model-store.js';
import type { JointStages } from './joint-stages.js';

interface Done {
  readonly outcome: TrainingOutcome;
  readonly dir: string;
  readonly trial: number;
}

/** Trainings already run in this comparison, by what determines them. */
export type TrainingMemo = Map<string, Promise<Done>>;


class MemoTrainingStage implements TrainingStage {
  /** The space's declaration: a restricted space trains the same networks but is another study, so it is part of the key. */
  private readonly spaceKey: string;

  constructor(
    private readonly inner: TrainingStage,
    private readonly space: SearchSpace,
    private readonly dir: string,
    private readonly memo: TrainingMemo,
  ) {
    this.spaceKey = JSON.stringify(space.toJSON());
  }

  async train(request: EvalRequest, signal?: AbortSignal): Promise<TrainingOutcome> {
    // What determines a training: space, genome (canonical), seed and fidelity; the options are the comparison's.
    const key = JSON.stringify([this.spaceKey, this.space.key(request.genome), request.seed, request.fidelity ?? null]);
    const have = this.memo.get(key);
    if (have) {
      const done = await have.catch(() => null);
      if (done) {
        const from = trialModelDir(done.dir, done.trial);
        const to = trialModelDir(this.dir, request.trialNumber);
        if (fs.existsSync(from) && path.resolve(from) !== path.resolve(to)) fs.cpSync(from, to, { recursive: true });
        const model = done.outcome.extra?.model !== undefined ? trialModelDir('.', request.trialNumber) : undefined;
        return { ...done.outcome, extra: { ...done.outcome.extra, model, reusedFrom: `${done.dir}#${done.trial}` } };
      }
    }
    const running = this.inner.train(request, signal).then((outcome) => ({ outcome, dir: this.dir, trial: request.trialNumber }));
    this.memo.set(key, running);
    try {
      return (await running).outcome;
    } catch (err) {
      // A failed or cancelled training is not reused: the next asker trains it itself.
      if (this.memo.get(key) === running) this.memo.delete(key);
      throw err;
    }
  }
}

/** `stages` whose trainings (in any run directory) are looked up in `memo` first. */
export function withTrainingMemo(stages: JointStages, memo: TrainingMemo): JointStages {
  return {
    ...stages,
    close: () => stages.close(),
    trainingIn: (dir, space) => new MemoTrainingStage(stages.trainingIn(dir, space), space, dir, memo),
  };
}
