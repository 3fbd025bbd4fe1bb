/**
 * `hwnas export` on a real small run: genomes trained for real on MNIST subsets and saved in the joint
 * search's layout (journal, summary, models/trial-N). Exports by trial, best and front; every written model
 * runs in onnxruntime-node and agrees with our own inference, carries its metadata and passes the ONNX
 * checker (where installed); bad input gets a clear error, exit code 2 and no file; a model that does not
 * reproduce the recorded accuracy is not written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel, metadataValue } from '../../lib/onnx/proto.js';
import { compareLogits, ourLogits, onnxLogits } from '../../lib/onnx/verify.js';
import { vectorSpace } from '../../lib/space/index.js';
import type { FinishedTrial } from '../../lib/trial/index.js';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { loadDataset, toFloat } from '../../lib/train/datasets/registry.js';
import { loadTrainedModel, trialModelDir } from '../../lib/train/model-store.js';
import { expectChecker, genomeOf, listFiles, quantSpace, writeFixtureRun, exportCli } from './helpers.js';

const B8 = { wInt: 2, wFrac: 4, aInt: 2, aFrac: 4 };
let root: string;
let run: string;
let trials: FinishedTrial[];

const cli = exportCli;

beforeAll(async () => {
  await initTrainingBackend({ backend: 'wasm', threads: 1 });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-export-'));
  run = path.join(root, 'runs', 'x');
  trials = await writeFixtureRun(run, [
    // 0: the winner: BatchNorm, 8-bit, test accuracy measured too.
    { genome: genomeOf(quantSpace, [[8, 3, true], [16, 3, true]], [B8]), status: 'complete', train: { batchNorm: true, seed: 1, evaluateTest: true }, luts: 30000 },
    // 1: smaller and cheaper, with 9-bit (int16) weights and activations, no BatchNorm.
    {
      genome: genomeOf(quantSpace, [[8, 5, true]], [{ wInt: 3, wFrac: 6, aInt: 3, aFrac: 6 }], { wInt: 2, wFrac: 5 }),
      status: 'complete',
      train: { batchNorm: false, seed: 2, evaluateTest: true },
      luts: 12000,
    },
    // 2: over the LUT budget: never trained.
    { genome: genomeOf(quantSpace, [[32, 7, false]], [B8]), status: 'infeasible', luts: 90000 },
    // 3: complete in the journal, but no model on disk.
    { genome: genomeOf(quantSpace, [[16, 3, true]], [B8]), status: 'complete', luts: 45000, accuracy: 0.3 },
    // 4: training failed.
    { genome: genomeOf(quantSpace, [[24, 3, true]], [B8]), status: 'failed', luts: 40000 },
    // 5: trained, but the journal records an accuracy the model does not have.
    { genome: genomeOf(quantSpace, [[8, 1, true]], [B8]), status: 'complete', train: { batchNorm: true, seed: 5 }, luts: 48000, accuracy: 0.02 },
  ]);
}, 300_000);

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

function meta(file: string): Record<string, string> {
  const m = decodeModel(fs.readFileSync(file));
  return Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
}

/** The written file, run independently of the export code path, agrees with our own inference. */
async function expectComputesTrained(file: string, trial: number, images = 300): Promise<void> {
  const trained = loadTrainedModel(trialModelDir(run, trial));
  const ds = loadDataset('mnist', { split: 'val', subset: images, seed: 'another-order' });
  const x = toFloat(ds, 0, ds.count);
  const session = await ort.InferenceSession.create(file);
  const theirs = await onnxLogits(session, x, ds.count, [1, 28, 28], 10);
  await session.release();
  const c = compareLogits(ourLogits(trained, x, ds.count), theirs, ds.labels, ds.count, 10);
  expect(c.agreement).toBeGreaterThanOrEqual(0.999);
  expect(c.inexactImages / c.images).toBeLessThanOrEqual(0.01);
  expect(c.maxAbsLogitDiff).toBeLessThanOrEqual(0.1 * (1 + c.maxAbsLogit));
  expect(c.onnxAccuracy).toBeGreaterThan(0.3); // trained, not noise (10 classes: 0.1)
}

describe('hwnas export (a real small run)', () => {
  it('--trial N writes a verified QDQ model with its genome, quantization, hardware report, dataset and accuracy', async (ctx) => {
    const out = path.join(root, 'trial0.onnx');
    const r = await cli('--run', run, '--trial', '0', '--out', out, '--test-images', '1000');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/trial 0 → .*trial0\.onnx .*opset 13, QDQ/);
    expect(r.out).toMatch(/mnist\/val: same class on 100\.00 % of 500/);
    const m = meta(out);
    expect(JSON.parse(m['hwnas.genome'])).toEqual(trials[0].genome);
    expect(m['hwnas.dataset']).toBe('mnist');
    expect(m['hwnas.trial']).toBe('0');
    expect(m['hwnas.space']).toBe('onnx-test-mnist');
    const hw = JSON.parse(m['hwnas.hardware']);
    expect(hw).toMatchObject({ model: 'lu2019-pipeline', device: 'ep4ce115', metrics: { luts: 30000, throughput: 1000, cycles: 5000 } });
    expect(hw.metrics.accuracy).toBeUndefined();
    const acc = JSON.parse(m['hwnas.accuracy']);
    expect(acc.validation).toBe(trials[0].metrics.accuracy);
    expect(acc.test).toBe(trials[0].metrics.testAccuracy);
    // The recorded validation accuracy is reproduced exactly by the ONNX model on the same 500 images.
    expect(acc['onnx mnist/val']).toBeCloseTo(trials[0].metrics.accuracy, 10);
    const q = JSON.parse(m['hwnas.quantization']);
    expect(q.batchNorm).toMatch(/^unfolded/);
    expect(q.tensors).toHaveLength(5);
    const v = JSON.parse(m['hwnas.verification']);
    expect(v.pass).toBe(true);
    expect(v.sets.map((s: { name: string }) => s.name)).toEqual(['mnist/test (1000 images)', 'mnist/val']);
    await expectComputesTrained(out, 0);
    await expectChecker(out, ctx);
    expect(listFiles(root).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('--best exports the most accurate feasible trial, verified on the whole test set against its recorded test accuracy', async () => {
    const usable = trials.filter((t) => t.status === 'complete' && t.metrics.luts <= 50000 && fs.existsSync(trialModelDir(run, t.number)));
    const best = trials.filter((t) => t.status === 'complete').reduce((a, b) => (b.metrics.accuracy > a.metrics.accuracy ? b : a));
    expect(usable.map((t) => t.number)).toContain(best.number);
    const out = path.join(root, 'best.onnx');
    const r = await cli('--run', run, '--best', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const line = JSON.parse(r.out.trim());
    expect(line).toMatchObject({ event: 'exported', trial: best.number });
    expect(meta(out)['hwnas.trial']).toBe(String(best.number));
    const test = line.verification.sets[0];
    expect(test.images).toBe(10000);
    expect(test.expectedAccuracy).toBe(best.metrics.testAccuracy);
    expect(Math.abs(test.onnxAccuracy - best.metrics.testAccuracy)).toBeLessThanOrEqual(0.001);
  });

  it('exports an int16 (9-bit) genome at opset 21; the checker says plainly when it is too old for it', async (ctx) => {
    const out = path.join(root, 'trial1.onnx');
    const r = await cli('--run', run, '--trial', '1', '--out', out, '--test-images', '500');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/opset 21, QDQ/);
    const q = JSON.parse(meta(out)['hwnas.quantization']);
    expect(q.tensors.filter((t: { container: string }) => t.container === 'int16').map((t: { layer: string; tensor: string }) => `${t.layer}.${t.tensor}`)).toEqual([
      'L1.weight',
      'L1.activation',
    ]);
    await expectComputesTrained(out, 1);
    const c = await expectChecker(out, ctx);
    if (c.status === 'unavailable') expect(r.err).toMatch(/ONNX checker not run on trial 1: onnx .* opset 21/);
  });

  it('--front writes every Pareto design of summary.json into a directory, with an index', async () => {
    const out = path.join(root, 'front');
    const summary = JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8')) as { pareto: { number: number }[] };
    const r = await cli('--run', run, '--front', '--out', out, '--test-images', '300');
    expect(r.code, r.err).toBe(0);
    const numbers = summary.pareto.map((p) => p.number);
    expect(listFiles(out)).toEqual([...numbers.map((n) => `trial-${n}.onnx`), 'front.json'].sort());
    const index = JSON.parse(fs.readFileSync(path.join(out, 'front.json'), 'utf8'));
    expect(index.models.map((m: { trial: number }) => m.trial)).toEqual(numbers);
    for (const n of numbers) expect(metadataValue(decodeModel(fs.readFileSync(path.join(out, `trial-${n}.onnx`))), 'hwnas.trial')).toBe(String(n));
  });

  describe('bad input: a clear error, exit code 2, nothing written', () => {
    const cases: [string, string[], RegExp][] = [
      ['an unknown run', ['--run', '/nonexistent/run', '--trial', '0'], /--run: \/nonexistent\/run is not a directory/],
      ['an unknown trial', ['--trial', '99'], /--trial: .* has no finished trial 99; finished trials are numbered 0\.\.5/],
      ['an infeasible trial', ['--trial', '2'], /--trial: trial 2 cannot be exported: infeasible \(luts off by 80\.0 %\): it was never trained/],
      ['an untrained trial', ['--trial', '3'], /--trial: trial 3 has no trained model in .*trial-3/],
      ['a failed trial', ['--trial', '4'], /--trial: trial 4 cannot be exported: failed \(training diverged\)/],
      ['two selections', ['--trial', '0', '--best'], /exactly one of --trial <n>, --best, --front \(several given\)/],
      ['no selection', [], /exactly one of --trial <n>, --best, --front/],
      ['a negative trial', ['--trial', '-1'], /--trial: must be an integer in \[0, ∞\]/],
    ];
    for (const [name, args, message] of cases) {
      it(name, async () => {
        const dir = fs.mkdtempSync(path.join(root, 'bad-'));
        const withRun = args.includes('--run') ? args : ['--run', run, ...args];
        const r = await cli(...withRun, '--out', path.join(dir, 'm.onnx'));
        expect(r.code).toBe(2);
        expect(r.err).toMatch(message);
        expect(listFiles(dir)).toEqual([]);
      });
    }

    it('an --out that is a directory, or in a missing directory; a --front --out that is a file', async () => {
      const dir = fs.mkdtempSync(path.join(root, 'bad-'));
      let r = await cli('--run', run, '--trial', '0', '--out', dir);
      expect([r.code, r.err]).toEqual([2, expect.stringMatching(/--out: .* is a directory/)]);
      r = await cli('--run', run, '--trial', '0', '--out', path.join(dir, 'missing', 'm.onnx'));
      expect([r.code, r.err]).toEqual([2, expect.stringMatching(/--out: the directory .*missing does not exist/)]);
      fs.writeFileSync(path.join(dir, 'file'), 'x');
      r = await cli('--run', run, '--front', '--out', path.join(dir, 'file'));
      expect([r.code, r.err]).toEqual([2, expect.stringMatching(/--out: .*file is a file; --front writes/)]);
      expect(listFiles(dir)).toEqual(['file']);
    });
  });

  it('refuses a run whose space has no exportable networks', async () => {
    const copy = path.join(root, 'runs', 'vector');
    fs.cpSync(run, copy, { recursive: true });
    const journal = path.join(copy, 'journal.jsonl');
    const lines = fs.readFileSync(journal, 'utf8').split('\n');
    const create = JSON.parse(lines[0]);
    create.study.space = vectorSpace('toy', 2).toJSON();
    fs.writeFileSync(journal, [JSON.stringify(create), ...lines.slice(1)].join('\n'));
    const dir = fs.mkdtempSync(path.join(root, 'bad-'));
    const r = await cli('--run', copy, '--trial', '0', '--out', path.join(dir, 'm.onnx'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--run: .* searched space "toy" \(family "vector"\): only lu2019-family networks/);
    expect(listFiles(dir)).toEqual([]);
  });

  it('does not write a model that fails verification (the recorded accuracy is not reproduced)', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'verify-'));
    const r = await cli('--run', run, '--trial', '5', '--out', path.join(dir, 'm.onnx'), '--test-images', '300');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/trial 5: the ONNX model does not compute what we trained; nothing was written/);
    expect(r.err).toMatch(/mnist\/val: ONNX accuracy .* differs from the 2\.00 % measured after training \(trial metric "accuracy"\)/);
    expect(listFiles(dir)).toEqual([]);
  });

  it('reads a journal whose last line is torn (a search still writing) without touching it', async () => {
    const copy = path.join(root, 'runs', 'torn');
    fs.cpSync(run, copy, { recursive: true });
    const journal = path.join(copy, 'journal.jsonl');
    fs.appendFileSync(journal, '{"type":"result","at":"x","numb');
    const before = fs.readFileSync(journal);
    const out = path.join(root, 'torn.onnx');
    const r = await cli('--run', copy, '--trial', '1', '--out', out, '--test-images', '200');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/last line .* is torn/);
    expect(fs.readFileSync(journal)).toEqual(before);
    expect(fs.existsSync(out)).toBe(true);
  });
});
