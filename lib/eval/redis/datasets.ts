/**
 * Datasets on a worker machine: each worker prepares the dataset a job trains on by itself (CIFAR-10 with the same
 * verified preparation as `hwnas data cifar10`), then compares its sha256 digest with the coordinator's, so two
 * machines never train on different data under one search.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HwnasError } from '../../errors.js';
import { CIFAR10_FILES, prepareCifar10 } from '../../train/datasets/cifar.js';
import { cacheDir, cifarDir, datasetStatus, type DatasetName } from '../../train/datasets/registry.js';

const IDX_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** The files a dataset is read from here (the .gz or the raw IDX file, whichever the loader would read). */
function datasetFiles(name: DatasetName): string[] {
  const where = datasetStatus(name).where;
  if (name === 'cifar10') return CIFAR10_FILES.map((f) => path.join(where, f.name));
  return IDX_FILES.map((f) => (existsSync(path.join(where, `${f}.gz`)) ? path.join(where, `${f}.gz`) : path.join(where, f)));
}

const digests = new Map<DatasetName, string>();

/**
 * sha256 over the dataset's files (name and bytes, in a fixed order), or null when it is not prepared here.
 * Computed once per process. Gzipped and raw copies of the same IDX data digest differently: machines of one
 * search should install the dataset the same way.
 */
export function datasetDigest(name: DatasetName): string | null {
  const inMemory = digests.get(name);
  if (inMemory) return inMemory;
  if (!datasetStatus(name).ready) return null;
  const files = datasetFiles(name);
  // Hashing 55–180 MB takes seconds on a busy machine: remembered per file set, size and mtime (as make does).
  const stamp = files.map((f) => {
    const st = statSync(f);
    return `${f}:${st.size}:${st.mtimeMs}`;
  }).join('|');
  const memo = path.join(cacheDir(), 'digests.json');
  let known: Record<string, { stamp: string; sha256: string }> = {};
  try {
    known = JSON.parse(readFileSync(memo, 'utf8')) as typeof known;
  } catch {
    // no memo yet
  }
  let d = known[name]?.stamp === stamp ? known[name].sha256 : undefined;
  if (!d) {
    const h = createHash('sha256');
    for (const file of files) {
      h.update(path.basename(file));
      h.update(readFileSync(file));
    }
    d = h.digest('hex');
    try {
      mkdirSync(cacheDir(), { recursive: true });
      writeFileSync(memo, JSON.stringify({ ...known, [name]: { stamp, sha256: d } }));
    } catch {
      // a read-only cache only costs the hashing next time
    }
  }
  digests.set(name, d);
  return d;
}

/**
 * Makes `name` ready on this machine (CIFAR-10: prepared and verified against its MD5/SHA-1 table; the others
 * come from packages and cannot be fetched here) and checks its digest against `expected` when the coordinator
 * gave one. Throws an `[input]`-tagged error naming the difference.
 */
export async function ensureDataset(name: DatasetName, expected: string | undefined, workerId: string): Promise<string> {
  if (!datasetStatus(name).ready) {
    if (name !== 'cifar10') {
      const s = datasetStatus(name);
      throw new HwnasError('DATASET_MISSING', `[input] ${name} is not available on worker ${workerId} (${s.where}): run \`${s.howto}\` there`);
    }
    await prepareCifar10({ dir: cifarDir() });
  }
  const digest = datasetDigest(name)!;
  if (expected !== undefined && expected !== digest) {
    throw new HwnasError(
      'DATASET_CORRUPT',
      `[input] ${name} on worker ${workerId} has sha256 ${digest.slice(0, 16)}…, the coordinator's has ${expected.slice(0, 16)}…: install the same copy on both machines`,
    );
  }
  return digest;
}
