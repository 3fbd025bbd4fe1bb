/**
 * Exporting the winners of a run directory: pick trials (one by number, the most accurate feasible one, or
 * the Pareto front of summary.json), load their trained models from `<run>/models/trial-<N>/`, build the
 * ONNX models, verify each in onnxruntime-node against our own quantized inference on the dataset's test
 * images (and on the validation images whose accuracy the search recorded), run the ONNX checker when it
 * is installed, and only then write the files.
 *
 * The journal is read without its lock (lib/report/load.ts): a search may still be running. Every input
 * problem (unknown run or trial, a trial that is infeasible, failed or untrained, a model that does not fit
 * its genome or the exporter) is found before any work and reported as an HwnasError with an `INPUT_` code.
 * Nothing partial is left behind: files are written to temporaries beside their targets and renamed once
 * every model of the request has passed; on any error the temporaries (and, for a front, the files of this
 * request already renamed) are removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HwnasError } from '../errors.js';
import { loadRun, type LoadedRun } from '../report/load.js';
import { taskRun } from './task-view.js';
import { decodeArchitecture, decodesToCnn } from '../space/decode.js';
import type { Genome } from '../space/genome.js';
import { SearchSpace } from '../space/search-space.js';
import { summarizeTrials, type StudySummary } from '../study/summary.js';
import { isFeasible, mostAccurateFeasible, type FinishedTrial } from '../trial/index.js';
import { TRAINING_METRICS } from '../eval/training-stage.js';
import { initTrainingBackend } from '../train/backend.js';
import type { TrainedModel } from '../train/build-model.js';
import { datasetLabel, datasetRefSchema, loadDataset, toFloat, type Dataset, type DatasetRef } from '../train/datasets/registry.js';
import { loadTrainedModel, trialModelDir } from '../train/model-store.js';
import { RETRAIN_FILES, readRetrainRecord, retrainDir, type RetrainRecord } from '../train/retrain-store.js';
import { checkOnnxFile, type CheckerResult } from './checker.js';
import { buildOnnxModel, checkExportable, withMetadata, type OnnxExport } from './export.js';
import { verifyExport, type Verification, type VerifyImages, type VerifyOptions } from './verify.js';



/** Which trials to export. */
export type Selection = { readonly kind: 'trial'; readonly trial: number } | { readonly kind: 'best' } | { readonly kind: 'front' };

/** Options of {@link exportRun}. */
export interface ExportRunOptions {
  readonly run: string;
  readonly select: Selection;
  /** A file for one trial; a directory (created if missing) for the front. */
  readonly out: string;
  /** Verify on the first n test images of the split's seeded order (default: the whole test split). */
  readonly testImages?: number;
  /** Verification thresholds (defaults in verify.ts). */
  readonly verify?: Omit<VerifyOptions, 'sessionOptions' | 'batchSize'>;
  /** Run the ONNX checker when it is installed (default true). */
  readonly checker?: boolean;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
  /** Warnings such as a torn journal line (default: stderr). */
  readonly warn?: (line: string) => void;
  /** A NASAIC run: which task's network to export (`t1`, `t2`). */
  readonly task?: string;
  /** Export the search-time (proxy-trained) weights even where `hwnas train` left a retrained model. */
  readonly proxy?: boolean;
}

/** One exported model. */
export interface ExportedModel {
  readonly trial: number;
  readonly file: string;
  readonly bytes: number;
  readonly opset: number;
  readonly irVersion: number;
  readonly float: boolean;
  readonly metrics: Readonly<Record<string, number>>;
  readonly verification: Verification;
  /** null when the checker was not asked for. */
  readonly checker: CheckerResult | null;
  /** Which weights were exported: the retrained model (`hwnas train`) or the search's own. */
  readonly weights: 'retrained' | 'search';
  /** The retraining's record, when its weights were exported. */
  readonly retrained?: Pick<RetrainRecord, 'epochs' | 'valAccuracy' | 'testAccuracy' | 'trainImages' | 'valImages' | 'testImages'> & { readonly dir: string };
}


/** A trial chosen for export, with what its export needs. */
interface Chosen {
  readonly trial: FinishedTrial;
  readonly trained: TrainedModel;
  /** The retraining whose weights these are, or null for the search's own. */
  readonly retrain: RetrainRecord | null;
}

function describeStatus(t: FinishedTrial): string {
  if (t.status === 'infeasible') {
    const over = Object.entries(t.violations ?? {})
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} off by ${(v * 100).toFixed(1)} %`);
    return `infeasible${over.length ? ` (${over.join(', ')})` : ''}: it was never trained`;
  }
  if (t.status === 'failed') return `failed${t.error ? ` (${t.error})` : ''}`;
  return t.status;
}


/** The trials a selection names, or an INPUT_ error saying why not. */
export function selectTrials(run: LoadedRun, select: Selection, warn: (m: string) => void = () => {}): FinishedTrial[] {
  const byNumber = new Map(run.trials.map((t) => [t.number, t]));
  if (select.kind === 'trial') {
    const t = byNumber.get(select.trial);
    if (!t) {
      const max = run.trials.reduce((m, x) => Math.max(m, x.number), -1);
      const hint = run.running > 0 ? ` (${run.running} trial(s) still running)` : '';
      throw new HwnasError(
        'INPUT_NO_TRIAL',
        `${run.dir} has no finished trial ${select.trial}${max >= 0 ? `; finished trials are numbered 0..${max}` : ''}${hint}`,
      );
    }
    if (!isFeasible(t)) {
      const why = t.status === 'complete' ? 'it violates a constraint' : describeStatus(t);
      throw new HwnasError('INPUT_TRIAL_UNUSABLE', `trial ${t.number} cannot be exported: ${why}`);
    }
    return [t];
  }
  if (select.kind === 'best') {
    const best = mostAccurateFeasible(run.trials);
    if (!best) throw new HwnasError('INPUT_NO_FEASIBLE', `${run.dir} has no feasible complete trial with an accuracy to export`);
    return [best];
  }
  const file = path.join(run.dir, 'summary.json');
  let summary: Pick<StudySummary, 'pareto'>;
  if (fs.existsSync(file)) {
    try {
      summary = JSON.parse(fs.readFileSync(file, 'utf8')) as StudySummary;
    } catch (err) {
      throw new HwnasError('INPUT_BAD_RUN', `${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(summary.pareto)) throw new HwnasError('INPUT_BAD_RUN', `${file} has no "pareto" list`);
  } else {
    warn(`${run.dir} has no summary.json (search still running?); using the Pareto front of the trials finished so far`);
    summary = summarizeTrials(run.trials, run.record.objectives, null);
  }
  if (summary.pareto.length === 0) throw new HwnasError('INPUT_NO_FEASIBLE', `the Pareto front of ${run.dir} is empty: no feasible design to export`);
  return summary.pareto.map((e) => {
    const t = byNumber.get(e.number);
    if (!t) throw new HwnasError('INPUT_BAD_RUN', `summary.json names trial ${e.number}, which the journal does not hold`);
    if (!isFeasible(t)) throw new HwnasError('INPUT_BAD_RUN', `summary.json names trial ${e.number}, which is ${describeStatus(t)}`);
    return t;
  });
}

/** Loads trial `t`'s trained model and checks it is the network its genome encodes and can be exported. */
export function loadTrialModel(run: LoadedRun, space: SearchSpace, t: FinishedTrial, dir = trialModelDir(run.dir, t.number)): TrainedModel {
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    throw new HwnasError(
      'INPUT_UNTRAINED',
      `trial ${t.number} has no trained model in ${dir} (it was not trained in this run, or the search did not keep its weights)`,
    );
  }
  let trained: TrainedModel;
  try {
    trained = loadTrainedModel(dir);
  } catch (err) {
    throw new HwnasError('INPUT_BAD_MODEL', `trial ${t.number}: ${(err as Error).message}`, { cause: err });
  }
  let expected;
  try {
    expected = decodeArchitecture(space, t.genome as Genome);
  } catch (err) {
    throw new HwnasError('INPUT_BAD_RUN', `trial ${t.number}: its genome does not decode: ${(err as Error).message}`, { cause: err });
  }
  if (JSON.stringify(expected) !== JSON.stringify(trained.architecture)) {
    throw new HwnasError('INPUT_BAD_MODEL', `the model in ${dir} is not the network trial ${t.number}'s genome encodes`);
  }
  checkExportable(trained.architecture);
  return trained;
}

/** The run's dataset (study meta `dataset`): a built-in name, or your own data with the digest the run recorded. */
function runDataset(run: LoadedRun): DatasetRef {
  const d = run.record.meta.dataset;
  const parsed = datasetRefSchema.safeParse(d);
  if (!parsed.success) {
    throw new HwnasError('INPUT_BAD_RUN', `${run.dir} does not record a known dataset (study meta "dataset" is ${JSON.stringify(d)})`);
  }
  return parsed.data;
}

function asImages(ds: Dataset, name: string): Omit<VerifyImages, 'expectedAccuracy'> {
  return { name, images: toFloat(ds, 0, ds.count), labels: ds.labels, count: ds.count };
}

/**
 * The validation images the search measured `accuracy` on, rebuilt as the joint search's training stage
 * loads them (config `training.valSubset`, and `training.splitSeed` / `training.valSize` when set); null
 * when the run does not record them.
 */
function validationSet(run: LoadedRun, dataset: DatasetRef): Dataset | null {
  const training = (run.record.meta.config as { training?: Record<string, unknown> } | undefined)?.training;
  const sub = training?.valSubset;
  if (typeof sub !== 'number' || !Number.isInteger(sub) || sub < 1) return null;
  // The split parameters trainGenome defaults (seed 0, DEFAULT_VAL_SIZE) unless the configuration sets them.
  const seed = typeof training?.splitSeed === 'number' || typeof training?.splitSeed === 'string' ? training.splitSeed : 0;
  const valSize = typeof training?.valSize === 'number' ? training.valSize : undefined;
  return loadDataset(dataset, { split: 'val', subset: sub, seed, ...(valSize !== undefined ? { valSize } : {}) });
}

function hardwareReport(t: FinishedTrial): Record<string, unknown> {
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(t.metrics ?? {})) if (!(TRAINING_METRICS as readonly string[]).includes(k)) metrics[k] = v;
  const extra = t.extra ?? {};
  return {
    ...(extra.hardwareModel !== undefined ? { model: extra.hardwareModel } : {}),
    ...(extra.device !== undefined ? { device: extra.device } : {}),
    metrics,
    violations: t.violations ?? {},
  };
}

function pctOf(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(2)} %`;
}

function tempPath(file: string): string {
  return path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.tmp-${process.pid}`);
}

/** Checks an output path before any work; returns an issue message or null. */
export function outputIssue(out: string, front: boolean): string | null {
  const exists = fs.existsSync(out);
  if (front) {
    if (exists && !fs.statSync(out).isDirectory()) return `${out} is a file; --front writes one model per trial into a directory`;
    let probe = path.resolve(out);
    while (!fs.existsSync(probe)) probe = path.dirname(probe);
    if (!fs.statSync(probe).isDirectory()) return `cannot create ${out}: ${probe} is a file`;
    try {
      fs.accessSync(probe, fs.constants.W_OK);
    } catch {
      return `cannot write to ${probe}`;
    }
    return null;
  }
  if (exists && fs.statSync(out).isDirectory()) return `${out} is a directory; give a file name such as ${path.join(out, 'model.onnx')}`;
  const dir = path.dirname(path.resolve(out));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return `the directory ${dir} does not exist`;
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    return `cannot write to ${dir}`;
  }
  return null;
}

/** Exports the selected trials of a run (see the module comment). */
export async function exportRun(o: ExportRunOptions): Promise<ExportedModel[]> {
  const log = o.log ?? (() => {});
  const warn = o.warn ?? ((m: string) => process.stderr.write(`hwnas: warning: ${m}\n`));
  const front = o.select.kind === 'front';
  // ---- everything that can be wrong with the input, before any work ----
  const bad = outputIssue(o.out, front);
  if (bad) throw new HwnasError('INPUT_OUT', bad);
  // A NASAIC run exports one task's network at a time (task-view.ts).
  const run = taskRun(loadRun(o.run, { warn }), o.task);
  const space = new SearchSpace(run.record.space);
  if (!decodesToCnn(space)) {
    throw new HwnasError(
      'INPUT_UNSUPPORTED_SPACE',
      `${run.dir} searched space "${space.name}" (family "${String(space.meta.family)}"): only lu2019-family networks (conv/pool chains with a dense head) and edge-mbnet networks (MobileNet-like) can be exported`,
    );
  }
  const dataset = runDataset(run);
  const chosen: Chosen[] = selectTrials(run, o.select, warn).map((trial) => {
    // A finished retraining (hwnas train) wins over the search's proxy-trained weights unless --proxy says otherwise.
    const rdir = retrainDir(run.dir, trial.number);
    const retrain = o.proxy ? null : readRetrainRecord(rdir);
    if (retrain) {
      log(`trial ${trial.number}: exporting the retrained weights (${retrain.epochs} epochs on ${retrain.trainImages} images, validation ${pctOf(retrain.valAccuracy)}, test ${pctOf(retrain.testAccuracy)}) from ${rdir}`);
    } else {
      const unfinished = !o.proxy && fs.existsSync(path.join(rdir, RETRAIN_FILES.checkpoint));
      if (unfinished) warn(`trial ${trial.number} has an unfinished retraining in ${rdir}; exporting the search-time weights (finish it by running the same hwnas train command again)`);
      log(`trial ${trial.number}: exporting the search-time (proxy-trained) weights${o.proxy ? ' (--proxy)' : unfinished ? '' : ' (no retraining: hwnas train retrains it)'}`);
    }
    return { trial, retrain, trained: loadTrialModel(run, space, trial, retrain ? rdir : undefined) };
  });
  // ---- data and our own inference ----
  await initTrainingBackend();
  const test = loadDataset(dataset, { split: 'test', ...(o.testImages !== undefined ? { subset: o.testImages } : {}) });
  const testSet = asImages(test, `${datasetLabel(dataset)}/test${o.testImages !== undefined ? ` (${test.count} images)` : ''}`);
  const val = validationSet(run, dataset);
  const valSet = val ? asImages(val, `${datasetLabel(dataset)}/val`) : null;
  if (!valSet) warn(`${run.dir} does not record its validation subset (meta.config.training.valSubset); the recorded accuracy is not re-measured`);
  // A retrained model is checked on the images its retraining measured (the whole validation split, as a rule).
  const retrainVal = new Map<string, VerifyImages>();
  const retrainSets = (rec: RetrainRecord): { test?: number; val: VerifyImages } => {
    const key = JSON.stringify(rec.split);
    let v = retrainVal.get(key);
    if (!v) {
      const ds = loadDataset(dataset, { split: 'val', seed: rec.split.seed, ...(rec.split.valSize !== null ? { valSize: rec.split.valSize } : {}), ...(rec.split.valSubset !== null ? { subset: rec.split.valSubset } : {}) });
      v = asImages(ds, `${datasetLabel(dataset)}/val`);
      retrainVal.set(key, v);
    }
    const sameTest = o.testImages === undefined && rec.split.testSubset === null && rec.testImages === test.count;
    return { ...(sameTest && rec.testAccuracy !== undefined ? { test: rec.testAccuracy } : {}), val: { ...v, expectedAccuracy: rec.valAccuracy, expectedFrom: 'retrain.json "valAccuracy"' } };
  };
  // ---- build and verify every model in memory ----
  const built: { c: Chosen; exp: OnnxExport; verification: Verification; file: string }[] = [];
  for (const c of chosen) {
    const t = c.trial;
    const m = t.metrics ?? {};
    const rs = c.retrain ? retrainSets(c.retrain) : null;
    const sets: VerifyImages[] = rs
      ? [{ ...testSet, ...(rs.test !== undefined ? { expectedAccuracy: rs.test, expectedFrom: 'retrain.json "testAccuracy"' } : {}) }, rs.val]
      : [
          // Test accuracy is comparable only on the same (whole) test split it was measured on.
          { ...testSet, ...(m.testAccuracy !== undefined && o.testImages === undefined ? { expectedAccuracy: m.testAccuracy, expectedFrom: 'trial metric "testAccuracy"' } : {}) },
          ...(valSet ? [{ ...valSet, ...(m.accuracy !== undefined ? { expectedAccuracy: m.accuracy, expectedFrom: 'trial metric "accuracy"' } : {}) }] : []),
        ];
    const base = buildOnnxModel(c.trained, {
      name: `trial-${t.number}`,
      docString: `hwnas trial ${t.number} of ${path.basename(path.resolve(run.dir))} (${space.name}, ${datasetLabel(dataset)})`,
      metadata: {
        'hwnas.run': path.basename(path.resolve(run.dir)),
        'hwnas.trial': String(t.number),
        'hwnas.space': space.name,
        'hwnas.genome': JSON.stringify(t.genome),
        'hwnas.dataset': typeof dataset === 'string' ? dataset : JSON.stringify(dataset),
        'hwnas.hardware': JSON.stringify(hardwareReport(t)),
        'hwnas.metrics': JSON.stringify(m),
        ...(run.record.meta.config && typeof run.record.meta.config === 'object' && 'training' in run.record.meta.config
          ? { 'hwnas.training': JSON.stringify((run.record.meta.config as { training: unknown }).training) }
          : {}),
        'hwnas.weights': c.retrain ? 'retrained' : 'search',
        ...(c.retrain ? { 'hwnas.retrain': JSON.stringify({ epochs: c.retrain.epochs, config: c.retrain.config, valAccuracy: c.retrain.valAccuracy, testAccuracy: c.retrain.testAccuracy, trainImages: c.retrain.trainImages }) } : {}),
      },
    });
    log(`trial ${t.number}: verifying in onnxruntime-node on ${sets.map((s) => `${s.count} ${s.name}`).join(' + ')} images…`);
    const verification = await verifyExport(base.bytes, c.trained, sets, o.verify ?? {});
    if (!verification.pass) {
      throw new HwnasError(
        'ONNX_VERIFY_FAILED',
        `trial ${t.number}: the ONNX model does not compute what we trained; nothing was written:\n  ${verification.sets.flatMap((s) => s.failures).join('\n  ')}`,
      );
    }
    const accuracy: Record<string, number> = {};
    if (c.retrain) {
      accuracy.validation = c.retrain.valAccuracy;
      if (c.retrain.testAccuracy !== undefined) accuracy.test = c.retrain.testAccuracy;
      if (m.accuracy !== undefined) accuracy['search validation'] = m.accuracy;
    } else {
      if (m.accuracy !== undefined) accuracy.validation = m.accuracy;
      if (m.testAccuracy !== undefined) accuracy.test = m.testAccuracy;
    }
    for (const s of verification.sets) accuracy[`onnx ${s.name}`] = s.onnxAccuracy;
    const exp = withMetadata(base, {
      'hwnas.accuracy': JSON.stringify(accuracy),
      'hwnas.verification': JSON.stringify({
        pass: verification.pass,
        runtime: verification.runtime,
        thresholds: verification.thresholds,
        sets: verification.sets.map(({ failures: _f, pass: _p, ...s }) => s),
      }),
    });
    const file = front ? path.join(o.out, `trial-${t.number}.onnx`) : o.out;
    built.push({ c, exp, verification, file });
  }
  // ---- write: temporaries, checker, then renames; remove everything of this request on failure ----
  const createdDir = front && !fs.existsSync(o.out);
  const pending: { tmp: string; file: string }[] = [];
  const renamed: string[] = [];
  const results: ExportedModel[] = [];
  try {
    if (createdDir) fs.mkdirSync(o.out, { recursive: true });
    for (const b of built) {
      const tmp = tempPath(b.file);
      pending.push({ tmp, file: b.file });
      fs.writeFileSync(tmp, b.exp.bytes);
      let checker: CheckerResult | null = null;
      if (o.checker ?? true) {
        checker = checkOnnxFile(tmp);
        if (checker.status === 'failed') {
          throw new HwnasError('ONNX_CHECK_FAILED', `trial ${b.c.trial.number}: the ONNX checker rejects the model; nothing was written: ${checker.message}`);
        }
        if (checker.status === 'unavailable') warn(`ONNX checker not run on trial ${b.c.trial.number}: ${checker.message}`);
      }
      results.push({
        trial: b.c.trial.number,
        file: b.file,
        bytes: b.exp.bytes.length,
        opset: b.exp.opset,
        irVersion: b.exp.irVersion,
        float: b.exp.float,
        metrics: b.c.trial.metrics ?? {},
        verification: b.verification,
        checker,
        weights: b.c.retrain ? 'retrained' : 'search',
        ...(b.c.retrain
          ? {
              retrained: {
                dir: retrainDir(run.dir, b.c.trial.number),
                epochs: b.c.retrain.epochs,
                valAccuracy: b.c.retrain.valAccuracy,
                ...(b.c.retrain.testAccuracy !== undefined ? { testAccuracy: b.c.retrain.testAccuracy } : {}),
                trainImages: b.c.retrain.trainImages,
                valImages: b.c.retrain.valImages,
                ...(b.c.retrain.testImages !== undefined ? { testImages: b.c.retrain.testImages } : {}),
              },
            }
          : {}),
      });
    }
    if (front) {
      const index = path.join(o.out, 'front.json');
      const tmp = tempPath(index);
      pending.push({ tmp, file: index });
      fs.writeFileSync(
        tmp,
        JSON.stringify(
          {
            run: path.resolve(run.dir),
            dataset,
            objectives: run.record.objectives,
            models: results.map((r) => ({ trial: r.trial, file: path.basename(r.file), opset: r.opset, metrics: r.metrics })),
          },
          null,
          2,
        ) + '\n',
      );
    }
    for (const p of pending) {
      fs.renameSync(p.tmp, p.file);
      renamed.push(p.file);
    }
  } catch (err) {
    for (const p of pending) fs.rmSync(p.tmp, { force: true });
    if (front) for (const f of renamed) fs.rmSync(f, { force: true });
    if (createdDir) fs.rmSync(o.out, { recursive: true, force: true });
    if (err instanceof HwnasError) throw err;
    throw new HwnasError('ONNX_WRITE', `could not write ${o.out}: ${(err as Error).message}`, { cause: err });
  }
  return results;
}
