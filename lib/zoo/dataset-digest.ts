/** The digest a zoo records of its dataset, so that a search on other data refuses it. */
import { createHash } from 'node:crypto';
import { loadDataset, type DatasetName } from '../train/datasets/registry.js';

const known = new Map<DatasetName, string>();

/**
 * sha256 over a built-in dataset's images and labels: the train, val and test splits of the default partition.
 * Computed once per process (built-in data does not change under a running process; it takes a second or so).
 */
export function datasetDigest(dataset: DatasetName): string {
  const cached = known.get(dataset);
  if (cached) return cached;
  const h = createHash('sha256');
  h.update(`${dataset}\n`);
  for (const split of ['train', 'val', 'test'] as const) {
    const ds = loadDataset(dataset, { split });
    h.update(`${split} ${ds.count} ${ds.shape.join('x')} ${ds.classes}\n`);
    h.update(ds.images);
    h.update(ds.labels);
  }
  const digest = `sha256:${h.digest('hex')}`;
  known.set(dataset, digest);
  return digest;
}
