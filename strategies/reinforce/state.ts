/**
 * The format of a REINFORCE snapshot's state, checked before restore touches the controller: weights and Adam
 * moments as base64 float32 per parameter, the Rng, the baseline and the queue of sampled children.
 */
import { z } from 'zod';

const rngState = z.object({ seed: z.string(), state: z.looseObject({}) });
const base64Record = z.record(z.string(), z.string());

/** Zod schema of {@link ReinforceStrategy}'s snapshot state (newer optional parts stay optional). */
export const reinforceStateSchema = z.looseObject({
  rng: rngState,
  layout: z.object({ hidden: z.number().int().min(1), embedding: z.number().int().min(1), vocabularies: z.array(z.number().int().min(1)) }),
  params: base64Record,
  adam: z.object({ step: z.number().int().min(0), m: base64Record, v: base64Record }).nullable(),
  sgd: z.object({ step: z.number().int().min(0) }).optional(),
  asked: z.number().int().min(0).optional(),
  reward: z.unknown().optional(),
  chebyshevRng: rngState.optional(),
  baseline: z.number().nullable(),
  queue: z.array(z.looseObject({ tokens: z.array(z.number().int().min(0)), active: z.array(z.boolean()), advantage: z.number() })),
  stats: z.looseObject({}),
});
