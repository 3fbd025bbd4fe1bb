/**
 * Where a retraining (`hwnas train`, retrain.ts) keeps its files in a run directory, and its record: light
 * (no tfjs), so that export and report can find a retrained model without loading the trainer.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Files of a retraining directory. */
export const RETRAIN_FILES = { checkpoint: 'checkpoint.hwck', record: 'retrain.json', weights: 'weights.bin', lock: 'retrain.lock' } as const;

/** Where trial `n`'s retraining lives in run directory `run`. */
export function retrainDir(run: string, n: number): string {
  return path.join(run, 'retrain', `trial-${n}`);
}

/** What one epoch measured. */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean training loss of the epoch. */
  readonly loss: number;
  readonly valAccuracy: number;
  readonly testAccuracy?: number;
  /** Training throughput of the epoch (images/s). */
  readonly imagesPerSecond: number;
  /** Wall time of the epoch's training steps, in ms. */
  readonly trainMs: number;
}

/** `retrain.json`: a finished retraining. */
export interface RetrainRecord {
  readonly format: 'hwnas-retrain/1';
  readonly status: 'complete';
  readonly epochs: number;
  /** What defines the training (a resume must match it): genome, data, batch size, learning rate, seeds … */
  readonly config: Readonly<Record<string, unknown>>;
  readonly valAccuracy: number;
  readonly testAccuracy?: number;
  readonly trainImages: number;
  readonly valImages: number;
  readonly testImages?: number;
  /** How the validation and test images were drawn (loadDataset options), so that an exporter can measure the same ones. */
  readonly split: { readonly seed: number | string; readonly valSize: number | null; readonly valSubset: number | null; readonly testSubset: number | null };
  readonly parameters: number;
  readonly history: readonly EpochRecord[];
  readonly backend: string;
  /** Epoch counts this retraining resumed from (empty: it ran in one go). */
  readonly resumedFrom: readonly number[];
  /** SHA-256 of `weights.bin`: the model beside this record is the one it describes. */
  readonly weightsSha256: string;
  readonly finishedAt: string;
  /** The caller's fields (run, trial, search-time accuracy …). */
  readonly [key: string]: unknown;
}

/** The finished record in `dir`, when its model is complete and the one it describes; otherwise null. */
export function readRetrainRecord(dir: string): RetrainRecord | null {
  const file = path.join(dir, RETRAIN_FILES.record);
  if (!fs.existsSync(file)) return null;
  let rec: RetrainRecord;
  try {
    rec = JSON.parse(fs.readFileSync(file, 'utf8')) as RetrainRecord;
  } catch {
    return null;
  }
  if (rec.format !== 'hwnas-retrain/1' || rec.status !== 'complete') return null;
  const weights = path.join(dir, RETRAIN_FILES.weights);
  if (!fs.existsSync(weights) || !fs.existsSync(path.join(dir, 'model.json'))) return null;
  return sha256File(weights) === rec.weightsSha256 ? rec : null;
}

/** SHA-256 of a file, hex. */
export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

