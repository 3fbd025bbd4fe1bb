/** When a search stops: a number of finished trials, a wall-clock budget, or both (whichever comes first). */
import { z } from 'zod';

export const terminationSchema = z
  .object({
    /** Stop once this many trials have finished (counting those of earlier sessions of a resumed study). */
    trials: z.number().int().min(1).optional(),
    /** Stop asking for new trials after this many minutes of this session. */
    minutes: z.number().positive().optional(),
    /** Stop once this many trials were trained (have a `train` timing): the fair budget of two-stage searches. */
    trained: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((t) => t.trials !== undefined || t.minutes !== undefined || t.trained !== undefined, {
    message: 'give at least one of trials, minutes or trained',
  });

/** A validated termination rule. */
export type Termination = z.output<typeof terminationSchema>;

/** Whether a search with `finished` trials (`trained` of them trained), `elapsedMs` into this session, should stop asking. */
export function shouldStop(t: Termination, finished: number, elapsedMs: number, trained = 0): boolean {
  if (t.trials !== undefined && finished >= t.trials) return true;
  if (t.trained !== undefined && trained >= t.trained) return true;
  if (t.minutes !== undefined && elapsedMs >= t.minutes * 60_000) return true;
  return false;
}

/** How many new trials may still be asked (Infinity for a time-only budget). */
export function trialsLeft(t: Termination, asked: number): number {
  return t.trials === undefined ? Infinity : Math.max(0, t.trials - asked);
}
