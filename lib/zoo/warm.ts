/**
 * Hot-starting a search from a model zoo (HotNAS, Jiang et al. CODES+ISSS'20; MODELS.md §4.1):
 *   - the zoo must be of the search's dataset (name and digest) and of a compatible space (lu2019 family, same
 *     input and classes): anything else is refused before the run starts;
 *   - the zoo's genomes, mapped into the searched space (lib/space/genome-distance.ts), are the first trials
 *     (the study's `enqueue`), so every strategy learns from them through tell;
 *   - every child inherits the weights of its nearest zoo model (genomeDistance; lib/train/inherit.ts copies them)
 *     and is fine-tuned on `warmImages` images (one epoch) instead of the cold budget (epochs × trainSubset);
 *     a child farther than {@link WARM_MAX_DISTANCE} from every zoo model inherits too little and trains cold.
 */
import { ConfigError, HwnasError, type Issue } from '../errors.js';
import { Rng } from '../rng.js';
import { genomeDistance, mapGenome, spaceCompatibilityIssues } from '../space/genome-distance.js';
import type { Genome } from '../space/genome.js';
import type { SearchSpace } from '../space/search-space.js';
import { isCustomDataset } from '../train/datasets/custom.js';
import type { DatasetRef } from '../train/datasets/registry.js';
import type { TrainRequest } from '../train/request.js';
import { datasetDigest } from './dataset-digest.js';
import { openZoo, zooModelDir, type Zoo } from './manifest.js';

export { WARM_DEFAULT_IMAGES } from './defaults.js';

/**
 * Beyond this distance a child trains cold: two whole layers missing (2 × MISSING_LAYER_COST) leave too little
 * to inherit for a short fine-tune to be a fair measure of it.
 */
export const WARM_MAX_DISTANCE = 6;

/** The zoo settings of a search (lib/config.ts `zoo`). */
export interface ZooSearchSettings {
  readonly dir: string;
  readonly warmImages: number;
  /** The zoo's digest when the run started; a resumed run refuses a zoo that changed since. */
  readonly digest?: string;
}

/** Every reason `zoo` cannot hot-start a search of `space` on `dataset`. */
export function zooIssues(zoo: Zoo, dataset: DatasetRef, space: SearchSpace, path = '--zoo'): Issue[] {
  const issues: Issue[] = [];
  if (isCustomDataset(dataset)) {
    issues.push({ path, message: `a zoo is built on a built-in dataset; this search trains on your own data (${dataset.path})` });
  } else if (zoo.manifest.dataset !== dataset) {
    issues.push({ path, message: `the zoo in ${zoo.dir} was trained on ${zoo.manifest.dataset}; this search is on ${dataset} (build one with \`hwnas zoo build --dataset ${dataset}\`)` });
  } else if (datasetDigest(dataset) !== zoo.manifest.datasetDigest) {
    issues.push({ path, message: `the zoo in ${zoo.dir} was trained on other ${dataset} data (digest ${zoo.manifest.datasetDigest.slice(0, 19)}…); rebuild it here` });
  }
  issues.push(...spaceCompatibilityIssues(zoo.space, space, path));
  if (zoo.manifest.models.length === 0) issues.push({ path, message: `the zoo in ${zoo.dir} holds no finished model yet (run \`hwnas zoo build --out ${zoo.dir}\`)` });
  return issues;
}

/**
 * Opens and checks the zoo of a search: refused (ConfigError) for another dataset or an incompatible space,
 * ZOO_MISMATCH when a resumed run recorded another digest.
 */
export function openSearchZoo(settings: ZooSearchSettings, dataset: DatasetRef, space: SearchSpace): Zoo {
  const zoo = openZoo(settings.dir);
  const issues = zooIssues(zoo, dataset, space);
  if (issues.length > 0) throw new ConfigError(issues, 'hwnas search: the zoo does not fit this search');
  if (settings.digest !== undefined && settings.digest !== zoo.digest) {
    throw new HwnasError('ZOO_MISMATCH', `the zoo in ${zoo.dir} changed since this run started (run recorded ${settings.digest.slice(0, 19)}…, now ${zoo.digest.slice(0, 19)}…); a resumed run needs the same zoo`);
  }
  return zoo;
}

/** Hardware draws per zoo model when its genome is mapped into a space with hardware genes (stage 1 picks one). */
export const SEED_HARDWARE_DRAWS = 32;

/** Stage 1 on a batch of genomes: feasibility and violations (the two-stage evaluator's hardware stage). */
export type SeedHardwareCheck = (genomes: readonly Genome[]) => Promise<readonly { readonly feasible: boolean; readonly violations: Readonly<Record<string, number>> }[]>;

/**
 * The zoo's genomes as genomes of `space`, in zoo order, without repeats: the first trials of a hot-started
 * search. Genes the zoo's space lacks are filled by mapGenome; when they include hardware genes and `hardware` is
 * given, {@link SEED_HARDWARE_DRAWS} seeded draws are mapped (no training) and the first that meets the spec is kept
 * (else the one closest to it), so a zoo network is not wasted on a random accelerator that cannot run it.
 */
export async function zooSeedGenomes(zoo: Zoo, space: SearchSpace, seed: number, hardware?: SeedHardwareCheck): Promise<Genome[]> {
  const rng = Rng.fromSeed(seed).fork('zoo/seeds');
  const draws = hardware && space.genesOf('hw').length > 0 ? SEED_HARDWARE_DRAWS : 1;
  const out: Genome[] = [];
  const keys = new Set<string>();
  for (const m of zoo.manifest.models) {
    const candidates: Genome[] = [];
    for (let i = 0; i < draws; i++) {
      const g = mapGenome(zoo.space, m.genome, space, rng.fork(`${m.id}/${i}`));
      if (g && !candidates.some((c) => space.key(c) === space.key(g))) candidates.push(g);
    }
    let pick = candidates[0];
    if (hardware && candidates.length > 1) {
      const reports = await hardware(candidates);
      const excess = (v: Readonly<Record<string, number>>) => Object.values(v).reduce((s, x) => s + Math.max(0, x), 0);
      let at = reports.findIndex((r) => r.feasible);
      if (at < 0) at = reports.reduce((b, r, i) => (excess(r.violations) < excess(reports[b].violations) ? i : b), 0);
      pick = candidates[at];
    }
    if (!pick || keys.has(space.key(pick))) continue;
    keys.add(space.key(pick));
    out.push(pick);
  }
  return out;
}

/** The nearest zoo model of a genome of `space`, with its distance. */
export function nearestZooModel(zoo: Zoo, space: SearchSpace, genome: Genome): { id: string; dir: string; distance: number } {
  let best = { id: '', dir: '', distance: Infinity };
  for (const m of zoo.manifest.models) {
    const d = genomeDistance(space, genome, zoo.space, m.genome);
    if (d < best.distance) best = { id: m.id, dir: zooModelDir(zoo.dir, m), distance: d };
  }
  return best;
}

/**
 * The training request fields of a child under a warm start: inherit from the nearest zoo model and fine-tune
 * one epoch on `warmImages` images; nothing (a cold child) beyond {@link WARM_MAX_DISTANCE}.
 */
export function warmRequestFields(zoo: Zoo, space: SearchSpace, genome: Genome, warmImages: number): Partial<TrainRequest> {
  const near = nearestZooModel(zoo, space, genome);
  if (near.distance > WARM_MAX_DISTANCE) return {};
  return { initialWeights: { model: near.dir, id: near.id }, epochs: 1, trainSubset: warmImages };
}
