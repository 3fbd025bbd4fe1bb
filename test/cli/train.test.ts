/**
 * `hwnas train --run <dir> --trial N --epochs E` end to end: a retraining run as `node bin/hwnas.js` and
 * killed with SIGKILL after its first epoch resumes when the same command runs again, and ends with the
 * weights of an uninterrupted retraining (wasm backend, 1 thread); `hwnas export` then exports the retrained
 * model (or, with --proxy, the search's own); bad input gets a clear error and exit code 2.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTrainingBackend } from '../../lib/train/backend.js';
import { loadCheckpoint } from '../../lib/train/checkpoint.js';
import { RETRAIN_FILES, readRetrainRecord, retrainDir } from '../../lib/train/retrain.js';
import { genomeOf, quantSpace, writeFixtureRun } from '../onnx/helpers.js';
import { runMain, tmpDir } from './run-main.js';

const B8 = { wInt: 2, wFrac: 4, aInt: 2, aFrac: 4 };
const BIN = path.resolve(__dirname, '../../bin/hwnas.js');
// Small enough for a test: 600 training images, 3 epochs, accuracy measured on 300 images. `--best` picks trial 0,
// the run's only feasible design (the second test names its trial).
const ARGS = ['--best', '--epochs', '3', '--images', '600', '--batch-size', '32', '--eval-images', '300', '--threads', '1'];
let root: string;
let run: string;

beforeAll(async () => {
  await initTrainingBackend({ backend: 'wasm', threads: 1 });
  root = tmpDir();
  run = path.join(root, 'run');
  // No training here: trial 0 is complete in the journal without a model on disk (retraining does not need one).
  await writeFixtureRun(run, [
    { genome: genomeOf(quantSpace, [[8, 3, true], [16, 3, true]], [B8]), status: 'complete', luts: 30000, accuracy: 0.5 },
    { genome: genomeOf(quantSpace, [[32, 7, false]], [B8]), status: 'infeasible', luts: 90000 },
    { genome: genomeOf(quantSpace, [[24, 3, true]], [B8]), status: 'failed', luts: 40000 },
  ]);
  // The runs' journals hold the backend 'auto' and no threads: the retraining runs on wasm in this process.
  fs.cpSync(run, path.join(root, 'reference'), { recursive: true });
}, 60_000);

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** `node bin/hwnas.js train --run <run> …ARGS --json`, SIGKILLed once epoch `killAfterEpoch`'s message is out. */
function child(dir: string, killAfterEpoch: number): Promise<{ code: number | null; signal: string | null; events: Record<string, unknown>[]; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, 'train', '--run', dir, ...ARGS, '--json'], { env: { ...process.env, HWNAS_TRAIN_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: Record<string, unknown>[] = [];
    let buf = '';
    let err = '';
    p.stderr.on('data', (d) => (err += String(d)));
    p.stdout.on('data', (d) => {
      buf += String(d);
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const e = JSON.parse(line) as Record<string, unknown>;
        events.push(e);
        if (e.event === 'message' && String(e.text).startsWith(`epoch ${killAfterEpoch}/`)) p.kill('SIGKILL');
      }
    });
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, events, err }));
  });
}

describe('hwnas train', () => {
  it('killed (SIGKILL) after epoch 1, resumes with the same command and ends with the weights of an uninterrupted retraining; export then uses them', async () => {
    // The child runs the compiled CLI; CI builds dist/ first. Without it this case cannot run and says so by failing.
    expect(fs.existsSync(path.resolve(__dirname, '../../dist/lib/cli/train.js')), 'dist/ has no train command: run `npm run build` first').toBe(true);
    const dir = retrainDir(run, 0);
    const killed = await child(run, 1);
    expect(killed.signal, killed.err).toBe('SIGKILL');
    const ck = loadCheckpoint(path.join(dir, RETRAIN_FILES.checkpoint));
    expect(ck?.epoch).toBeGreaterThanOrEqual(1);
    expect(ck!.epoch).toBeLessThan(3);
    expect(readRetrainRecord(dir)).toBeNull();

    // The same command again (in this process: the compiled and the source CLI compute the same).
    const again = await runMain(['train', '--run', run, ...ARGS, '--json'], root);
    expect(again.code, again.err).toBe(0);
    const events = again.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const texts = events.filter((e) => e.event === 'message').map((e) => String(e.text));
    expect(texts).toContain(`resuming trial 0 from epoch ${ck!.epoch}/3 (checkpoint in ${dir})`);
    const done = events.find((e) => e.event === 'retrained')!;
    expect(done).toMatchObject({ epochs: 3, trainImages: 600, valImages: 300, testImages: 300, resumedFrom: [ck!.epoch] });

    // The reference: the same command, never interrupted (in this process).
    const ref = await runMain(['train', '--run', path.join(root, 'reference'), ...ARGS], root);
    expect(ref.code, ref.err).toBe(0);
    expect(ref.out).toMatch(/trial 0 retrained: 3 epochs on 600 images/);
    expect(ref.out).toContain('export it: hwnas export --run');
    const refDir = retrainDir(path.join(root, 'reference'), 0);
    expect(fs.readFileSync(path.join(dir, 'weights.bin')).equals(fs.readFileSync(path.join(refDir, 'weights.bin')))).toBe(true);
    const refRec = readRetrainRecord(refDir)!;
    expect(done.valAccuracy).toBe(refRec.valAccuracy);
    expect(done.testAccuracy).toBe(refRec.testAccuracy);
    expect(refRec.valAccuracy).toBeGreaterThan(0.5); // trained (10 classes)

    // Export finds the retrained model; the search kept no model of trial 0, so --proxy has nothing to export.
    const out = path.join(root, 't0.onnx');
    const ex = await runMain(['export', '--run', run, '--trial', '0', '--out', out, '--test-images', '300', '--no-checker'], root);
    expect(ex.code, ex.err).toBe(0);
    expect(ex.err).toContain(`trial 0: exporting the retrained weights (3 epochs on 600 images`);
    expect(ex.out).toMatch(/weights: retrained \(hwnas train: 3 epochs on 600 images; validation [\d.]+ %/);
    expect(fs.existsSync(out)).toBe(true);
    const proxy = await runMain(['export', '--run', run, '--trial', '0', '--out', path.join(root, 'p.onnx'), '--proxy', '--no-checker'], root);
    expect(proxy.code).toBe(2);
    expect(proxy.err).toMatch(/trial 0 has no trained model/);

    // The report shows the retrained accuracy beside the search's.
    const html = path.join(root, 'report.html');
    const rep = await runMain(['report', run, '--out', html], root);
    expect(rep.code, rep.err).toBe(0);
    expect(fs.readFileSync(html, 'utf8')).toMatch(/retrained val \/ test<\/th>.*\(3 ep\)/s);

    // Running it again with another configuration is refused (nothing lost), unless --restart.
    const other = await runMain(['train', '--run', run, ...ARGS, '--lr', '0.01'], root);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/--restart: .*another configuration \(learningRate: 0\.002 → 0\.01\)/);
    expect(readRetrainRecord(dir)).not.toBeNull();
  }, 240_000);

  it("reads the run's genome, data and training options: retrained with the search's own budget, it reproduces the search's weights", async () => {
    // A real joint search (2 workers × 1 wasm thread, like this process), every design feasible.
    const dir = path.join(root, 'search');
    const config = path.join(root, 'search.json');
    fs.writeFileSync(
      config,
      JSON.stringify({ training: { epochs: 1, trainSubset: 400, valSubset: 200 }, hardware: { lutBudget: 10_000_000, minThroughput: 1 }, budget: { trials: 2 }, strategy: { name: 'random' }, workers: 2 }),
    );
    const s = await runMain(['search', '--config', config, '--out', dir, '--quiet'], root);
    expect(s.code, s.err).toBe(0);
    const trial = fs.readdirSync(path.join(dir, 'models')).map((m) => Number(m.replace('trial-', ''))).sort((a, b) => a - b)[0];
    // One thread, as each search worker trained: data-parallel training (the default on ≥ 2 threads) sums the
    // batch's gradient in another order, so it reproduces weights only at the same thread count.
    const r = await runMain(['train', '--run', dir, '--trial', String(trial), '--epochs', '1', '--images', '400', '--eval-images', '200', '--threads', '1', '--json'], root);
    expect(r.code, r.err).toBe(0);
    const done = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'retrained')!;
    expect(fs.readFileSync(path.join(retrainDir(dir, trial), 'weights.bin')).equals(fs.readFileSync(path.join(dir, 'models', `trial-${trial}`, 'weights.bin')))).toBe(true);
    expect(done.valAccuracy).toBe((done.proxy as { accuracy: number }).accuracy);
  }, 240_000);

  describe('bad input: a clear error and exit code 2', () => {
    const cases: [string, string[], RegExp][] = [
      ['no --epochs', ['--run', 'RUN', '--trial', '0'], /--epochs: is required/],
      ['--epochs 0', ['--run', 'RUN', '--trial', '0', '--epochs', '0'], /--epochs: must be an integer in \[1, 1000\], got "0"/],
      ['--epochs x', ['--run', 'RUN', '--trial', '0', '--epochs', 'x'], /--epochs: must be an integer/],
      ['--lr -1', ['--run', 'RUN', '--trial', '0', '--epochs', '1', '--lr', '-1'], /--lr: must be a number > 0/],
      ['no such run', ['--run', 'nowhere', '--trial', '0', '--epochs', '1'], /--run: nowhere is not a directory/],
      ['no such trial', ['--run', 'RUN', '--trial', '7', '--epochs', '1'], /--trial: .* has no finished trial 7; finished trials are numbered 0\.\.2/],
      ['an infeasible trial', ['--run', 'RUN', '--trial', '1', '--epochs', '1'], /--trial: trial 1 is infeasible: .*add --force/],
      ['a failed trial', ['--run', 'RUN', '--trial', '2', '--epochs', '1'], /--trial: trial 2 is failed \(training diverged\).*add --force/],
      ['--trial and --best', ['--run', 'RUN', '--trial', '0', '--best', '--epochs', '1'], /--trial\/--best: give exactly one of --trial <n> .* and --best \(both given\)/],
      ['neither --trial nor --best', ['--run', 'RUN', '--epochs', '1'], /--trial\/--best: give exactly one/],
    ];
    for (const [name, args, msg] of cases) {
      it(name, async () => {
        const r = await runMain(['train', ...args.map((a) => (a === 'RUN' ? run : a))], root);
        expect(r.code).toBe(2);
        expect(r.err).toMatch(msg);
        expect(fs.existsSync(retrainDir(run, 1))).toBe(false);
      });
    }
  });
});
