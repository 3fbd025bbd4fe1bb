import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { networkGraph } from '../../lib/profile/graphs.js';
import { measureOnnx, runProfile } from '../../lib/profile/profile.js';
import { decodeArchitecture, decodeQuantization, presetSpace } from '../../lib/space/index.js';
import { MeasuredLatencyPredictor, parsePredictorFile } from '../../hardware/predictor/predictor.js';

describe('hwnas profile (real onnxruntime-node, tiny settings)', () => {
  it('writes a valid versioned predictor with the machine, a table of the space operators and a held-out validation', async () => {
    const phases: string[] = [];
    const r = await runProfile({
      target: 'ort-cpu', spaces: ['lu2019-mnist-float'], threads: 1, warmup: 1, repeats: 3, statistic: 'median',
      calibrationNetworks: 8, validationNetworks: 4, grid: false, seed: 3, samplesPerSpace: 20,
      onPhase: (p) => phases.push(p),
    });
    expect(phases).toEqual(['operators', 'calibration networks', 'validation networks', 'validation networks, second measurement']);
    const file = parsePredictorFile(JSON.parse(JSON.stringify(r.file)));
    expect(file.machine.runtime).toBe('onnxruntime-node');
    expect(file.machine.runtimeVersion).toMatch(/^\d+\.\d+/);
    expect(file.machine.cores).toBeGreaterThan(0);
    expect(Object.keys(file.table).length).toBeGreaterThan(3);
    expect(Object.keys(file.table).every((k) => /^(conv|maxpool|dense):/.test(k) && k.includes('float') === !k.startsWith('maxpool'))).toBe(true);
    expect(file.referenceMs).toBeGreaterThan(0);
    expect(file.validation?.networks).toBe(4);
    // The noise floor: each held-out network measured twice, the agreement a fraction.
    expect(file.validation?.repeatAgreement?.raw).toBeGreaterThanOrEqual(0);
    expect(file.validation?.repeatAgreement?.raw).toBeLessThanOrEqual(1);
    expect(r.validation.every((v) => v.againRawMs! > 0)).toBe(true);
    expect(file.referenceLevels).toHaveLength(8);
    const space = presetSpace('lu2019-mnist-float');
    const p = new MeasuredLatencyPredictor(file);
    const g = space.sample(Rng.fromSeed(1));
    const arch = decodeArchitecture(space, g);
    const quant = decodeQuantization(space, g);
    expect(p.predictMs(arch, quant)).toBeGreaterThan(0);
    const graph = networkGraph(arch, quant, 'x', Rng.fromSeed(2));
    const m = await measureOnnx(p, graph.bytes, graph.inputShape, { repeats: 3, warmup: 1 });
    expect(m.ms).toBeGreaterThan(0);
    expect(m.rawMs).toBeGreaterThan(0);
  }, 120_000);
});

describe('measured finalists (the winner must meet the target measured)', () => {
  it('times the most accurate feasible trials and picks the most accurate that meets the target; none when none does', async () => {
    const { finalistsOf, measureFinalists } = await import('../../lib/profile/finalists.js');
    const { syntheticPredictor } = await import('./fixture.js');
    const space = presetSpace('lu2019-mnist');
    const rng = Rng.fromSeed(8);
    const trial = (number: number, accuracy: number, feasible = true) => ({
      number, key: `t${number}`, genome: space.sample(rng), status: 'complete' as const,
      metrics: { accuracy, latencyMs: 0.05, throughput: 20_000 }, violations: { latencyMs: feasible ? -0.1 : 0.2 },
    });
    const trials = [trial(0, 0.5), trial(1, 0.9, false), trial(2, 0.8), trial(3, 0.7)];
    const finalists = finalistsOf(trials as never, 2);
    expect(finalists.map((t) => t.number)).toEqual([2, 3]);
    const p = new MeasuredLatencyPredictor(syntheticPredictor());
    const loose = (await measureFinalists(p, space, new Map([['a', finalists]]), 1000, { repeats: 5 })).get('a')!;
    expect(loose.finalists.map((f) => f.trial)).toEqual([2, 3]);
    expect(loose.finalists.every((f) => f.meets && f.rawMs > 0)).toBe(true);
    expect(loose.winner?.trial).toBe(2);
    const tight = (await measureFinalists(p, space, new Map([['a', finalists]]), 1e-6, { repeats: 5 })).get('a')!;
    expect(tight.winner).toBeNull();
  }, 60_000);
});

describe('hwnas profile command line', () => {
  it('refuses bad flags with one error naming each flag (exit 2), before any measurement', async () => {
    const { main } = await import('../../lib/cli/main.js');
    const chunks: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (chunks.push(String(s)), true)) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(['node', 'hwnas', 'profile', '--threads', '0', '--statistic', 'mean', '--space', 'nb201', '--out', '/tmp/hwnas-test-no-such-dir/x/p.json']);
    } finally {
      process.stderr.write = write;
    }
    expect(code).toBe(2);
    const text = chunks.join('');
    expect(text).toMatch(/--threads/);
    expect(text).toMatch(/--statistic/);
    expect(text).toMatch(/--space: unknown space "nb201"/);
  });
});
