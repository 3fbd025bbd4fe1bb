/**
 * A model zoo on disk (HotNAS's hot start, MODELS.md §4.1):
 *   <zoo>/zoo.json                 the manifest: dataset (+ digest), space, training options, finished models
 *   <zoo>/models/<id>/model.json   each model as lib/train/model-store.ts saves it (+ weights.bin)
 * The manifest is rewritten atomically after every finished model, so a killed build loses at most the model it
 * was training. It is checked with zod whenever it is read.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { HwnasError } from '../errors.js';
import { writeJsonAtomic } from '../fs-atomic.js';
import { SearchSpace, type SpaceDeclaration } from '../space/search-space.js';
import type { Genome } from '../space/genome.js';

/** Format tag of zoo.json. */
export const ZOO_FORMAT = 'hwnas-zoo/1';
/** The manifest's file name. */
export const ZOO_MANIFEST = 'zoo.json';

const geneValue = z.union([z.number(), z.string(), z.boolean()]);

/** One trained model of the zoo. */
export const zooModelSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
    genome: z.record(z.string(), geneValue),
    key: z.string(),
    /** Directory of the model, relative to the zoo. */
    dir: z.string().min(1),
    valAccuracy: z.number().min(0).max(1),
    testAccuracy: z.number().min(0).max(1).optional(),
    parameters: z.number().int().min(0),
    epochs: z.number().int().min(1),
    /** Images trained on (epochs × training images). */
    trainedImages: z.number().int().min(0),
    durationMs: z.number().min(0),
    /** sha256 of weights.bin: part of the zoo's digest. */
    weightsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

/** How the zoo's models were trained. */
export const zooTrainingSchema = z
  .object({
    epochs: z.number().int().min(1),
    trainSubset: z.number().int().min(1).optional(),
    batchSize: z.number().int().min(1),
    learningRate: z.number().positive(),
    batchNorm: z.boolean(),
    seed: z.number().int().min(0),
  })
  .strict();

/** zoo.json. */
export const zooManifestSchema = z
  .object({
    format: z.literal(ZOO_FORMAT),
    dataset: z.string().min(1),
    /** sha256 over the dataset's images and labels (train, val and test splits): a zoo of other data is refused. */
    datasetDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    space: z.object({ name: z.string(), genes: z.array(z.any()), meta: z.looseObject({ family: z.string() }) }).loose(),
    training: zooTrainingSchema,
    /** The models the build plans, in order (ids); `models` holds the finished ones. */
    planned: z.array(z.string()),
    models: z.array(zooModelSchema),
    createdAt: z.string(),
  })
  .strict();

export type ZooModel = z.output<typeof zooModelSchema>;
export type ZooTraining = z.output<typeof zooTrainingSchema>;
export type ZooManifest = z.output<typeof zooManifestSchema>;

/** A zoo read from disk. */
export interface Zoo {
  /** Absolute directory. */
  readonly dir: string;
  readonly manifest: ZooManifest;
  readonly space: SearchSpace;
  /** sha256 over the dataset digest, the space, and every model's id, genome key and weights (see {@link zooDigest}). */
  readonly digest: string;
}

/** The digest of a zoo's content: what a search records so that resuming it with a changed zoo is refused. */
export function zooDigest(m: ZooManifest): string {
  const h = createHash('sha256');
  h.update(`${m.format}\n${m.dataset}\n${m.datasetDigest}\n${JSON.stringify(m.space)}\n${JSON.stringify(m.training)}\n`);
  for (const x of m.models) h.update(`${x.id}\n${x.key}\n${x.weightsSha256}\n`);
  return `sha256:${h.digest('hex')}`;
}

/** The absolute directory of model `m` of zoo `dir`. */
export function zooModelDir(dir: string, m: ZooModel): string {
  return path.resolve(dir, m.dir);
}

/** Reads and validates `<dir>/zoo.json` (ZOO_MISSING, ZOO_INVALID with every bad path). */
export function readZooManifest(dir: string): ZooManifest {
  const file = path.join(dir, ZOO_MANIFEST);
  if (!fs.existsSync(file)) throw new HwnasError('ZOO_MISSING', `${dir} is not a model zoo (no ${ZOO_MANIFEST}); build one with \`hwnas zoo build --out ${dir}\``);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HwnasError('ZOO_INVALID', `${file} is not valid JSON: ${(err as Error).message}`);
  }
  const r = zooManifestSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new HwnasError('ZOO_INVALID', `${file} is not a valid zoo manifest: ${issues}`);
  }
  return r.data;
}

/** Opens a zoo: the manifest, its space, its digest; every listed model's files must be there. */
export function openZoo(dir: string): Zoo {
  const abs = path.resolve(dir);
  const manifest = readZooManifest(abs);
  let space: SearchSpace;
  try {
    space = new SearchSpace(manifest.space as unknown as SpaceDeclaration);
  } catch (err) {
    throw new HwnasError('ZOO_INVALID', `${path.join(abs, ZOO_MANIFEST)}: its space is invalid (${(err as Error).message})`);
  }
  for (const m of manifest.models) {
    const issues = space.validate(m.genome as Genome);
    if (issues.length > 0) throw new HwnasError('ZOO_INVALID', `${abs}: model "${m.id}" does not fit the zoo's space (${issues.map((i) => `${i.path} ${i.message}`).join('; ')})`);
    const md = zooModelDir(abs, m);
    if (!fs.existsSync(path.join(md, 'model.json')) || !fs.existsSync(path.join(md, 'weights.bin'))) {
      throw new HwnasError('ZOO_INVALID', `${abs}: model "${m.id}" is listed but ${md} lacks model.json or weights.bin`);
    }
  }
  return { dir: abs, manifest, space, digest: zooDigest(manifest) };
}

/** Writes the manifest atomically. */
export function writeZooManifest(dir: string, m: ZooManifest): void {
  writeJsonAtomic(path.join(dir, ZOO_MANIFEST), zooManifestSchema.parse(m));
}

/** sha256 (hex) of a file. */
export function fileSha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
