/** Your own data end to end from the CLI: search (training on it), export, the digest guarding resume, bad input. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { clearDatasetCache } from '../../lib/train/datasets/registry.js';
import { loadCustomData } from '../../lib/train/datasets/custom.js';

const bin = path.resolve(import.meta.dirname, '../../bin/hwnas.js');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-own-'));
/** Runs the CLI without blocking this worker (a blocked worker misses vitest's heartbeats). */
const run = (args: string[], cwd: string) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });

/** 12×12 grey images of 3 classes: class c is a bright band of rows 4c … 4c+3 on a dark, noisy background. */
function writeDataset(dir: string): void {
  let s = 7;
  const noise = () => (s = (s * 1103515245 + 12345) % 2147483648) % 40;
  for (const [part, n] of [['train', 20], ['test', 5]] as const) {
    for (let c = 0; c < 3; c++) {
      fs.mkdirSync(path.join(dir, part, `class${c}`), { recursive: true });
      for (let i = 0; i < n; i++) {
        const img = new PNG({ width: 12, height: 12 });
        for (let p = 0; p < 144; p++) {
          const row = Math.floor(p / 12);
          img.data[4 * p] = img.data[4 * p + 1] = img.data[4 * p + 2] = (row >= 4 * c && row < 4 * c + 4 ? 200 : 20) + noise();
          img.data[4 * p + 3] = 255;
        }
        fs.writeFileSync(path.join(dir, part, `class${c}`, `${i}.png`), PNG.sync.write(img, { colorType: 0 }));
      }
    }
  }
}

describe('hwnas search --dataset-dir (your own data)', () => {
  it('searches, trains and exports on a folder of PNGs, recording the data digest; a changed dataset is refused on resume', async () => {
    const cwd = tmp();
    writeDataset(path.join(cwd, 'shapes'));
    const search = await run(['search', '--dataset-dir', 'shapes', '--trials', '3', '--epochs', '1', '--workers', '1', '--seed', '2', '--out', 'runs/own', '--quiet'], cwd);
    expect(search.err).toBe('');
    expect(search.code).toBe(0);
    const create = JSON.parse(fs.readFileSync(path.join(cwd, 'runs/own/journal.jsonl'), 'utf8').split('\n')[0]);
    clearDatasetCache();
    const digest = loadCustomData({ path: path.join(cwd, 'shapes') }).digest;
    expect(create.study.meta.dataset).toEqual({ kind: 'folder', path: path.join(fs.realpathSync(cwd), 'shapes'), digest });
    expect(create.study.space.name).toBe('lu2019-mnist@12x12x1/3');
    const summary = JSON.parse(fs.readFileSync(path.join(cwd, 'runs/own/summary.json'), 'utf8'));
    expect(summary.trials).toBe(3);
    expect(summary.pareto.length).toBeGreaterThan(0);

    const exp = await run(['export', '--run', 'runs/own', '--best', '--out', 'best.onnx'], cwd);
    expect(exp.code, exp.err).toBe(0);
    expect(exp.out).toMatch(/custom:shapes\/test: same class on 100\.00 % of 15/);
    expect(fs.statSync(path.join(cwd, 'best.onnx')).size).toBeGreaterThan(1000);

    // One image changes: the run's trials were trained on other data, so resume refuses it (export reads the same check).
    fs.copyFileSync(path.join(cwd, 'shapes/train/class1/0.png'), path.join(cwd, 'shapes/train/class0/0.png'));
    const journal = fs.readFileSync(path.join(cwd, 'runs/own/journal.jsonl'), 'utf8');
    const resumed = await run(['search', '--out', 'runs/own', '--trials', '4', '--resume', '--quiet'], cwd);
    expect(resumed.code).not.toBe(0);
    expect(resumed.err).toMatch(/shapes has changed since the run recorded it/);
    expect(fs.readFileSync(path.join(cwd, 'runs/own/journal.jsonl'), 'utf8')).toBe(journal);
  });

  it('rejects a missing or empty dataset directory, and --dataset with --dataset-dir, before writing anything', async () => {
    const cwd = tmp();
    fs.mkdirSync(path.join(cwd, 'empty'));
    const cases = [
      [['--dataset-dir', 'nowhere'], /dataset\.path: dataset directory .*nowhere: does not exist/],
      [['--dataset-dir', 'empty'], /dataset\.path: .*holds none of the known layouts/],
      [['--dataset-dir', 'empty', '--dataset', 'mnist'], /--dataset-dir: cannot be combined with --dataset/],
    ] as const;
    const results = await Promise.all(cases.map(([args]) => run(['search', ...args, '--trials', '2', '--out', 'runs/x', '--quiet'], cwd)));
    results.forEach((r, i) => {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(cases[i][1]);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
    expect(fs.existsSync(path.join(cwd, 'runs'))).toBe(false);
  });
});
