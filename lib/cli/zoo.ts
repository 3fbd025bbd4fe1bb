/**
 * `hwnas zoo`: a model zoo for hot-started searches (HotNAS, MODELS.md §4.1).
 *   hwnas zoo build [--dataset mnist] [--space lu2019-mnist] [--models 4] [--epochs 2] [--out zoo]
 *       trains the reference networks of the space fully (resumable: run it again to finish a killed build)
 *   hwnas zoo list <dir>
 *       prints the zoo's models with their accuracies
 * Use it with `hwnas search --zoo <dir>`.
 */
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { DATASET_NAMES, type DatasetName } from '../train/datasets/registry.js';
import { PRESET_NAMES, presetSpace, type PresetName } from '../space/presets/index.js';
import { buildZoo, ZOO_DEFAULTS } from '../zoo/build.js';
import { openZoo } from '../zoo/manifest.js';
import { decodeArchitecture } from '../space/decode.js';
import { FlagReader } from './flags.js';
import { progressSinks, type ProgressMode } from './progress.js';

interface BuildFlags {
  dataset?: string;
  space?: string;
  models?: string;
  epochs?: string;
  trainSubset?: string;
  seed?: string;
  out?: string;
  quiet?: boolean;
  json?: boolean;
}

/** Spaces a zoo can be built for: the lu2019-family presets (CNNs that training reads). */
function zooSpaces(): PresetName[] {
  return PRESET_NAMES.filter((n) => presetSpace(n).meta.family === 'lu2019');
}

/** The default space of a dataset's zoo. */
function defaultSpace(dataset: DatasetName): PresetName {
  return dataset === 'cifar10' ? 'lu2019-cifar10' : 'lu2019-mnist';
}

function listZoo(dir: string, json: boolean): void {
  const zoo = openZoo(dir);
  const m = zoo.manifest;
  if (json) {
    process.stdout.write(JSON.stringify({ dir: zoo.dir, digest: zoo.digest, ...m }) + '\n');
    return;
  }
  const lines = [
    `zoo ${zoo.dir}: ${m.dataset}, space ${m.space.name}, ${m.models.length}/${m.planned.length} models, ${m.training.epochs} epochs each`,
    `digest ${zoo.digest}`,
    `  id              val acc  test acc  params   layers  trained images  time`,
  ];
  for (const x of m.models) {
    const layers = decodeArchitecture(zoo.space, x.genome).layers.filter((l) => l.kind === 'conv').length;
    lines.push(
      `  ${x.id.padEnd(14)} ${(x.valAccuracy * 100).toFixed(2).padStart(7)}%  ${x.testAccuracy === undefined ? '     —' : (x.testAccuracy * 100).toFixed(2).padStart(7) + '%'}  ${String(x.parameters).padStart(6)}  ${String(layers).padStart(6)}  ${String(x.trainedImages).padStart(14)}  ${(x.durationMs / 1000).toFixed(1)} s`,
    );
  }
  const missing = m.planned.filter((id) => !m.models.some((x) => x.id === id));
  if (missing.length > 0) lines.push(`unfinished: ${missing.join(', ')} (run \`hwnas zoo build\` again with the same options to finish)`);
  process.stdout.write(lines.join('\n') + '\n');
}

export function register(program: Command): void {
  const zoo = program.command('zoo').description('a model zoo of fully trained reference networks, for hot-started searches (hwnas search --zoo)');
  zoo
    .command('build')
    .description('train the reference networks of a space on a dataset (resumable: run again to finish)')
    .option('--dataset <name>', `dataset (${DATASET_NAMES.join(', ')})`, 'mnist')
    .option('--space <name>', 'space preset (lu2019 family; default follows the dataset)')
    .option('--models <k>', `models to train (default ${ZOO_DEFAULTS.models}: small, medium, large, wide-shallow, then narrow-deep and seeded samples)`)
    .option('--epochs <e>', `epochs per model (default ${ZOO_DEFAULTS.epochs})`)
    .option('--train-subset <n>', 'training images per epoch (default: the whole training split)')
    .option('--seed <n>', `seed of initial weights and sampled models (default ${ZOO_DEFAULTS.seed})`)
    .option('--out <dir>', 'zoo directory', 'zoo')
    .option('--quiet', 'no progress display')
    .option('--json', 'progress and result as JSON lines')
    .action(async (f: BuildFlags) => {
      const r = new FlagReader();
      const dataset = r.oneOf('dataset', f.dataset ?? 'mnist', DATASET_NAMES);
      const spaces = zooSpaces();
      const spaceName = f.space !== undefined ? r.oneOf('space', f.space, spaces) : dataset ? defaultSpace(dataset) : undefined;
      const models = r.int('models', f.models, 1, 64);
      const epochs = r.int('epochs', f.epochs, 1, 1000);
      const trainSubset = r.int('train-subset', f.trainSubset, 1);
      const seed = r.int('seed', f.seed, 0, 2 ** 31 - 1);
      if (f.quiet && f.json) r.add('--json', 'cannot be combined with --quiet');
      if (r.issues.length > 0 || !dataset || !spaceName) throw new ConfigError(r.issues, 'hwnas zoo build: bad arguments');
      const space = presetSpace(spaceName);
      const mode: ProgressMode = f.quiet ? 'quiet' : f.json ? 'json' : 'auto';
      const res = await buildZoo({ dir: f.out ?? 'zoo', dataset, space, models, epochs, trainSubset, seed, progress: progressSinks(mode) });
      if (f.json) {
        process.stdout.write(JSON.stringify({ event: 'zoo', dir: f.out, trained: res.trained, skipped: res.skipped, durationMs: Math.round(res.durationMs) }) + '\n');
        return;
      }
      if (!f.quiet) process.stdout.write(`trained ${res.trained.length} model(s) in ${(res.durationMs / 1000).toFixed(1)} s${res.skipped.length ? `; ${res.skipped.length} were already finished` : ''}\n`);
      listZoo(f.out ?? 'zoo', false);
    });
  zoo
    .command('list')
    .description("print a zoo's models and accuracies")
    .argument('<dir>', 'zoo directory')
    .option('--json', 'the manifest as one JSON line')
    .action((dir: string, f: { json?: boolean }) => listZoo(dir, Boolean(f.json)));
}
