/**
 * The MobileNet-like edge space searched end to end from the CLI on the edge-accelerator model (issue 13): BO
 * asks, the edge model prunes by the latency target, feasible children train on CIFAR-10 and are exported; the
 * pre-flight refuses a hardware model that cannot describe the space's layers.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = path.resolve(__dirname, '../../bin/hwnas.js');
// Asynchronous, so the test worker keeps answering vitest while a search runs.
const run = (args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 600_000 }, (error, out, err) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, out, err });
    });
  });

describe('hwnas search --space edge-mbnet-reduced --model edge', () => {
  it('refuses an FPGA model for the edge space, naming the layers and the model to use, and writes nothing', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-edge-'));
    const r = await run(['search', '--dataset', 'cifar10', '--space', 'edge-mbnet-reduced', '--model', 'lu2019-pipeline', '--out', 'runs/e'], cwd);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/hardware\.model: edge-mbnet-reduced has depthwise, residual and global-pooling layers.*--model edge/);
    expect(fs.existsSync(path.join(cwd, 'runs'))).toBe(false);
  });

  it('runs BO under a latency target: trains the feasible children, reports latency and energy, exports a verified winner', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-edge-'));
    fs.writeFileSync(
      path.join(cwd, 'c.json'),
      JSON.stringify({ training: { epochs: 1, trainSubset: 256, valSubset: 128, batchNorm: true }, workers: 2 }),
    );
    const r = await run(['search', '--config', 'c.json', '--dataset', 'cifar10', '--space', 'edge-mbnet-reduced', '--model', 'edge', '--latency-ms', '0.015', '--strategy', 'bo', '--trials', '4', '--seed', '3', '--out', 'runs/e'], cwd);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/stages \(block kernel/);
    const dir = path.join(cwd, 'runs/e');
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary.objectives.map((o: { metric: string }) => o.metric)).toEqual(['accuracy', 'latencyMs', 'energyNj']);
    const results = fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'result');
    expect(results.length).toBe(4);
    for (const e of results) {
      // Every child got a latency from the edge model; only those within the target were trained.
      const m = e.result.metrics as Record<string, number>;
      expect(m.latencyMs).toBeGreaterThan(0);
      expect(m.energyNj).toBeGreaterThan(0);
      if (m.latencyMs > 0.015) expect(e.result.status).toBe('infeasible');
      else expect(m.accuracy).toBeGreaterThan(0);
    }
    // Seed 3 asks designs on both sides of the target (the feasible ones form the front).
    expect(results.some((e) => e.result.status === 'infeasible')).toBe(true);
    expect(summary.pareto.length).toBeGreaterThan(0);
    expect(summary.hypervolume).toBeGreaterThan(0);
    const ex = await run(['export', '--run', 'runs/e', '--best', '--out', 'best.onnx', '--test-images', '200'], cwd);
    expect(ex.code, ex.err).toBe(0);
    expect(ex.out + ex.err).toMatch(/verif/i);
    expect(fs.statSync(path.join(cwd, 'best.onnx')).size).toBeGreaterThan(1000);
  }, 600_000);
});
