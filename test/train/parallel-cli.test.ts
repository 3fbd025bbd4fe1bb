/**
 * `hwnas train --threads 2 --parallel data` end to end (in-process CLI): the retraining runs data-parallel and
 * its record says so; a bad `--parallel` is refused with exit code 2, naming the flag.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { readRetrainRecord, retrainDir } from '../../lib/train/retrain.js';
import { stopIdleReplicas } from '../../lib/train/parallel/data-parallel.js';
import { genomeOf, quantSpace, writeFixtureRun } from '../onnx/helpers.js';
import { runMain, tmpDir } from '../cli/run-main.js';

const B8 = { wInt: 2, wFrac: 4, aInt: 2, aFrac: 4 };
let root: string;
let run: string;

beforeAll(async () => {
  await initTrainingBackend({ backend: 'wasm', threads: 1 });
  root = tmpDir();
  run = path.join(root, 'run');
  await writeFixtureRun(run, [{ genome: genomeOf(quantSpace, [[8, 3, true], [16, 3, true]], [B8]), status: 'complete', luts: 30000, accuracy: 0.5 }]);
}, 60_000);

afterAll(async () => {
  await stopIdleReplicas();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('hwnas train --parallel', () => {
  it('retrains data-parallel on two threads and records it', async () => {
    const r = await runMain(['train', '--run', run, '--trial', '0', '--epochs', '1', '--images', '320', '--batch-size', '32', '--eval-images', '100', '--threads', '2', '--parallel', 'data', '--quiet'], root);
    expect(r.code, r.err).toBe(0);
    const rec = readRetrainRecord(retrainDir(run, 0))!;
    expect(rec.backend).toMatch(/data-parallel × 2/);
    expect(rec.valAccuracy).toBeGreaterThan(0.2);
  }, 120_000);

  it('refuses an unknown mode', async () => {
    const r = await runMain(['train', '--run', run, '--trial', '0', '--epochs', '1', '--parallel', 'both'], root);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--parallel: must be one of auto, intra-op, data, got "both"/);
  });
});
