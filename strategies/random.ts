/** Random search: uniform samples of the space. The baseline every other strategy must beat. */
import { z } from 'zod';
import { Rng, type RngState } from '../lib/rng.js';
import type { Genome } from '../lib/space/genome.js';
import { defineStrategy, type Strategy, type StrategySnapshot } from './strategy.js';

/** Options of random search. */
export const randomOptionsSchema = z
  .object({
    /** Skip genomes whose key was already proposed (up to `maxRetries` draws each). */
    dedupe: z.boolean().default(false),
    maxRetries: z.number().int().min(1).default(100),
    batchSize: z.number().int().min(1).default(10),
  })
  .strict();

/** Options of random search, parsed. */
export type RandomOptions = z.output<typeof randomOptionsSchema>;

const stateSchema = z.object({
  rng: z.object({ seed: z.string(), state: z.looseObject({}) }),
  seen: z.array(z.string()),
});
interface RandomState {
  rng: RngState;
  seen: string[];
}

/** The random strategy. */
export const randomStrategy = defineStrategy({
  name: 'random',
  summary: 'uniform random sampling of the space',
  schema: randomOptionsSchema,
  snapshot: { version: 1, state: stateSchema },
  create(ctx, options): Strategy {
    let rng = ctx.rng;
    let seen = new Set<string>();
    return {
      name: 'random',
      batchSize: options.batchSize,
      async ask(n: number): Promise<Genome[]> {
        const out: Genome[] = [];
        for (let i = 0; i < n; i++) {
          let g = ctx.space.sample(rng);
          if (options.dedupe) {
            for (let r = 0; r < options.maxRetries && seen.has(ctx.space.key(g)); r++) g = ctx.space.sample(rng);
            seen.add(ctx.space.key(g));
          }
          out.push(g);
        }
        return out;
      },
      async tell(): Promise<void> {
        // Random search does not learn.
      },
      snapshot(): StrategySnapshot {
        const state: RandomState = { rng: rng.getState(), seen: [...seen] };
        return { strategy: 'random', version: 1, state };
      },
      restore(s: StrategySnapshot): void {
        const state = s.state as RandomState;
        rng = Rng.fromState(state.rng);
        seen = new Set(state.seen);
      },
    };
  },
});
