/**
 * The `hardware` worker task: maps a batch of genomes in a pool worker. The payload carries the space
 * declaration (space.toJSON()), the genomes and the raw spec, all plain JSON; the reply is one report per
 * genome, in order.
 */
import { z } from 'zod';
import { SearchSpace, type SpaceDeclaration } from '../lib/space/search-space.js';
import type { Genome } from '../lib/space/genome.js';
import { parseOrThrow } from '../lib/validate.js';
import { DEFAULT_HARDWARE_MODEL, evaluateBatch, HARDWARE_MODEL_NAMES, parseHardwareSpec, type HardwareModelName, type HardwareReport } from './model.js';

/** What the task receives. */
export interface HardwareTaskPayload {
  readonly space: SpaceDeclaration;
  readonly genomes: readonly Genome[];
  /** Raw spec, validated in the worker with the same schema as everywhere. */
  readonly spec: unknown;
  readonly model?: HardwareModelName;
  readonly detail?: boolean;
}

/** The payload schema of the task `hardware`. */
export const hardwareTaskPayloadSchema = z.object({
  space: z.object({ name: z.string(), genes: z.array(z.any()), meta: z.record(z.string(), z.unknown()) }).passthrough(),
  // Each genome is validated against the space by evaluateBatch (every issue with its path); here only the shape.
  genomes: z.array(z.any()),
  spec: z.unknown(),
  model: z.enum(HARDWARE_MODEL_NAMES as [HardwareModelName, ...HardwareModelName[]]).optional(),
  detail: z.boolean().optional(),
});

// Spaces are rebuilt once per declaration per worker, not per batch.
const spaces = new Map<string, SearchSpace>();

/** Runs a batch (also usable in-process). */
export function runHardwareTask(payload: unknown): HardwareReport[] {
  const p = parseOrThrow(hardwareTaskPayloadSchema, payload, 'payload', 'invalid hardware task payload');
  const key = JSON.stringify(p.space);
  let space = spaces.get(key);
  if (!space) {
    space = new SearchSpace(p.space as unknown as SpaceDeclaration);
    if (spaces.size > 32) spaces.clear();
    spaces.set(key, space);
  }
  const spec = parseHardwareSpec(p.spec);
  return evaluateBatch(space, p.genomes, spec, p.model ?? DEFAULT_HARDWARE_MODEL, { detail: p.detail });
}
