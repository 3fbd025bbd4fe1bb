/**
 * Shared by the ONNX tests: genomes with chosen shapes and bit widths, networks with seeded random weights
 * that are "alive" (non-trivial logits), and a real small run directory (trained models, journal, summary).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { main } from '../../lib/cli/main.js';
import { checkOnnxFile, type CheckerResult } from '../../lib/onnx/checker.js';
import { Rng } from '../../lib/rng.js';
import { LU2019_MNIST, lu2019Space } from '../../lib/space/presets/lu2019.js';
import type { Genome } from '../../lib/space/genome.js';
import type { SearchSpace } from '../../lib/space/search-space.js';
import { JOURNAL_VERSION, type StudyEvent } from '../../lib/study/events.js';
import { summarizeTrials } from '../../lib/study/summary.js';
import type { FinishedTrial, Objective, TrialResult } from '../../lib/trial/index.js';
import { QuantizedCnn, type TrainedModel } from '../../lib/train/build-model.js';
import { saveTrainedModel, trialModelDir } from '../../lib/train/model-store.js';
import { trainGenome } from '../../lib/train/train.js';

/**
 * lu2019-family MNIST spaces of our own (the preset's filter and kernel choices may change): filters
 * {8, 16, 24, 32}, kernels {1, 3, 5, 7}, depth 1–4, the paper's bit ranges.
 */
const TEST_MNIST = { ...LU2019_MNIST, filters: [8, 16, 24, 32], kernels: [1, 3, 5, 7] };
export const quantSpace = lu2019Space({ ...TEST_MNIST, name: 'onnx-test-mnist' });
export const floatSpace = lu2019Space({ ...TEST_MNIST, name: 'onnx-test-mnist-float', quantization: 'float' });

export interface Bits {
  readonly wInt: number;
  readonly wFrac: number;
  readonly aInt: number;
  readonly aFrac: number;
}

/** A genome of `space` with the given layers ([filters, kernel, pool]) and, when quantized, bit widths per layer. */
export function genomeOf(
  space: SearchSpace,
  layers: readonly (readonly [number, number, boolean])[],
  bits: readonly Bits[] = [],
  fc: { wInt: number; wFrac: number } = { wInt: 2, wFrac: 4 },
): Genome {
  const g: Record<string, number | boolean | string> = { ...space.sample(Rng.fromSeed('onnx-base')) };
  g.depth = layers.length;
  layers.forEach(([filters, kernel, pool], i) => {
    const l = `L${i + 1}`;
    Object.assign(g, { [`${l}.filters`]: filters, [`${l}.kernel`]: kernel, [`${l}.pool`]: pool });
    const b = bits[i] ?? bits[bits.length - 1];
    if (b && space.meta.quantization === 'search') {
      Object.assign(g, { [`${l}.wInt`]: b.wInt, [`${l}.wFrac`]: b.wFrac, [`${l}.aInt`]: b.aInt, [`${l}.aFrac`]: b.aFrac });
    }
  });
  if (space.meta.quantization === 'search') Object.assign(g, { 'fc.wInt': fc.wInt, 'fc.wFrac': fc.wFrac });
  const issues = space.validate(g);
  if (issues.length > 0) throw new Error(`bad test genome: ${JSON.stringify(issues)}`);
  return space.canonical(g);
}

/**
 * A network with seeded random weights large enough that activations and logits are not trivially zero
 * (He-like normal kernels, positive-leaning biases, random BatchNorm statistics).
 */
export function aliveModel(space: SearchSpace, genome: Genome, seed: number, batchNorm: boolean): TrainedModel {
  const m = QuantizedCnn.fromGenome(space, genome, { seed, batchNorm });
  try {
    const rng = Rng.fromSeed(`alive/${seed}`);
    m.setWeights(
      m.getWeights().map((w) => {
        const r = rng.fork(w.name);
        const fill = (f: () => number) => ({ ...w, data: Float32Array.from(w.data, f) });
        if (w.name.endsWith('/gamma')) return fill(() => r.uniform(0.5, 1.5));
        if (w.name.endsWith('/beta')) return fill(() => r.uniform(-0.2, 0.2));
        if (w.name.endsWith('/moving_mean')) return fill(() => r.uniform(-0.2, 0.2));
        if (w.name.endsWith('/moving_variance')) return fill(() => r.uniform(0.2, 2));
        if (w.name.endsWith('/bias')) return fill(() => r.uniform(-0.1, 0.4));
        const fanIn = w.shape.length === 4 ? w.shape[0] * w.shape[1] * w.shape[2] : w.shape[0];
        return fill(() => (r.normal() * 2) / Math.sqrt(fanIn));
      }),
    );
    return m.toTrainedModel();
  } finally {
    m.dispose();
  }
}

/** What a trial of the fixture run is. */
export interface FixtureTrial {
  readonly genome: Genome;
  readonly status: TrialResult['status'];
  /** Train it (saving the model) — only for complete trials. */
  readonly train?: { readonly batchNorm: boolean; readonly seed: number; readonly evaluateTest?: boolean };
  readonly luts: number;
  /** Override the recorded accuracy (to make verification disagree). */
  readonly accuracy?: number;
}

export const FIXTURE_OBJECTIVES: Objective[] = [
  { metric: 'accuracy', direction: 'maximize' },
  { metric: 'luts', direction: 'minimize' },
];
export const FIXTURE_VAL_SUBSET = 500;

/**
 * Writes a real small run into `dir` in the joint search's layout: journal.jsonl (create with meta.dataset
 * and meta.config.training.valSubset, ask, result, tell), summary.json, and models/trial-N/ for the trained
 * trials, trained for real on MNIST subsets.
 */
export async function writeFixtureRun(dir: string, trials: readonly FixtureTrial[]): Promise<FinishedTrial[]> {
  fs.mkdirSync(dir, { recursive: true });
  const at = new Date(0).toISOString();
  const events: StudyEvent[] = [
    {
      type: 'create',
      version: JOURNAL_VERSION,
      at,
      study: {
        space: quantSpace.toJSON(),
        objectives: FIXTURE_OBJECTIVES,
        constraints: [{ metric: 'luts', max: 50000 }],
        strategy: { name: 'random', options: {} },
        seed: 1,
        meta: { kind: 'joint', dataset: 'mnist', config: { training: { valSubset: FIXTURE_VAL_SUBSET, epochs: 1 } } },
      },
    },
    { type: 'ask', at, trials: trials.map((t, number) => ({ number, genome: t.genome, key: quantSpace.key(t.genome) })) },
  ];
  const finished: FinishedTrial[] = [];
  for (let number = 0; number < trials.length; number++) {
    const t = trials[number];
    const hw = { luts: t.luts, throughput: 1000 + number, cycles: 5000 };
    const violations = { luts: (t.luts - 50000) / 50000 };
    let result: TrialResult;
    if (t.status === 'complete' && t.train) {
      const r = await trainGenome({
        space: quantSpace.toJSON(),
        genome: t.genome,
        dataset: 'mnist',
        epochs: 2,
        batchSize: 32,
        trainSubset: 2000,
        valSubset: FIXTURE_VAL_SUBSET,
        batchNorm: t.train.batchNorm,
        seed: t.train.seed,
        backend: 'wasm',
        threads: 1,
        returnWeights: true,
        evaluateTest: t.train.evaluateTest ?? false,
      });
      saveTrainedModel(trialModelDir(dir, number), r.weights!);
      result = {
        status: 'complete',
        metrics: { ...hw, accuracy: t.accuracy ?? r.valAccuracy, ...(r.testAccuracy !== undefined ? { testAccuracy: r.testAccuracy } : {}) },
        violations,
        extra: { hardwareModel: 'lu2019-pipeline', device: 'ep4ce115' },
      };
    } else if (t.status === 'complete') {
      // Complete in the journal but no model on disk (e.g. a search that did not keep weights).
      result = { status: 'complete', metrics: { ...hw, accuracy: t.accuracy ?? 0.5 }, violations, extra: { device: 'ep4ce115' } };
    } else if (t.status === 'infeasible') {
      result = { status: 'infeasible', metrics: hw, violations, extra: { device: 'ep4ce115' } };
    } else {
      result = { status: t.status, metrics: hw, violations, error: 'training diverged' };
    }
    events.push({ type: 'result', at, number, result });
    finished.push({ number, genome: t.genome, key: quantSpace.key(t.genome), startedAt: at, finishedAt: at, ...result });
  }
  events.push({ type: 'tell', at, seq: 1, numbers: trials.map((_, i) => i) });
  fs.writeFileSync(path.join(dir, 'journal.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const summary = summarizeTrials(finished, FIXTURE_OBJECTIVES, null);
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ ...summary, dataset: 'mnist' }, null, 2));
  return finished;
}

/** Files in `dir` (recursively), relative, sorted — to prove nothing was left behind. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

/**
 * Runs the ONNX checker (python3-onnx) on `file`: it must pass; where it cannot judge the model (not
 * installed, or too old for the model's opset) the test says so visibly (a warning and a test annotation).
 */
export async function expectChecker(file: string, ctx: { annotate: (m: string, type?: string) => Promise<unknown> }): Promise<CheckerResult> {
  const r = checkOnnxFile(file);
  if (r.status === 'unavailable') {
    const m = `ONNX checker NOT RUN on ${path.basename(file)}: ${r.message}`;
    console.warn(m);
    await ctx.annotate(m, 'warning');
  } else expect(r, r.status === 'failed' ? r.message : '').toMatchObject({ status: 'passed' });
  return r;
}

/** `hwnas export …args` in this process, its stdout and stderr captured. */
export async function exportCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => ((out += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'hwnas', 'export', ...args]);
    return { code, out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}
