import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../lib/cli/progress.js';
import { Rng } from '../../lib/rng.js';
import { presetSpace } from '../../lib/space/index.js';
import { restrictSpace } from '../../lib/space/restrict.js';
import { defaultFixedArchitecture, floatTwin, widestQuantization } from '../../lib/search/baselines.js';
import { parseCompareConfig, runCompare } from '../../lib/search/compare.js';

describe('separate-search baselines', () => {
  const space = presetSpace('lu2019-mnist');

  it('pin genes without changing their names, so decoders still read them', () => {
    const fixed = defaultFixedArchitecture(space);
    const r = restrictSpace(space, fixed, 'pinned');
    const rng = Rng.fromSeed(1);
    for (let i = 0; i < 20; i++) {
      const g = r.sample(rng);
      for (const [k, v] of Object.entries(fixed)) if (r.isActive(g, r.gene(k))) expect(g[k]).toBe(v);
      expect(space.validate(g)).toEqual([]);
    }
    expect(() => restrictSpace(space, { depth: 99, nope: 1 }, 'bad')).toThrow(/fixed\.depth[\s\S]*fixed\.nope/);
  });

  it('find the float twin and the widest format of a space', () => {
    expect(floatTwin(space).name).toBe('lu2019-mnist-float');
    const wide = widestQuantization(space);
    expect(wide['L1.wInt']).toBe(3);
    expect(wide['L1.aFrac']).toBe(6);
  });

  it('hwnas compare runs joint search and every baseline with the same trained budget and writes the table', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-compare-'));
    const c = parseCompareConfig({
      specs: [{ name: 'tight', lutBudget: 3000, minThroughput: 2000 }],
      strategies: ['random'],
      strategyOptions: { random: { batchSize: 2 } },
      trained: 2,
      // quant-only's default (the median-size architecture) fits no format under this spec: it would train nothing.
      fixedArchitecture: 'mid',
      training: { trainSubset: 300, valSubset: 200, epochs: 1 },
      workers: 2,
      out,
    });
    const rows = await runCompare(c, new ProgressReporter('test', 'quiet'));
    expect(rows.map((r) => r.method)).toEqual(['joint', 'nas-then-quantize', 'quant-only', 'nas-then-map']);
    for (const r of rows) {
      expect(r.trained).toBeLessThanOrEqual(c.trained);
      expect(r.trained).toBeGreaterThan(0);
      if (r.best) {
        expect(r.best.luts).toBeLessThanOrEqual(3000);
        expect(r.best.throughput).toBeGreaterThanOrEqual(2000);
        expect(r.best.accuracy).toBeGreaterThan(0);
      }
    }
    // The joint search only trains designs that fit.
    expect(rows[0].best).not.toBeNull();
    const table = fs.readFileSync(path.join(out, 'table.md'), 'utf8');
    expect(table.split('\n').filter((l) => l.startsWith('| tight'))).toHaveLength(4);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(results.rows).toHaveLength(4);
    expect(fs.existsSync(path.join(out, 'tight/nas-then-quantize/random-s1/nas/journal.jsonl'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'tight/nas-then-quantize/random-s1/quantize/summary.json'))).toBe(true);
    const bad = () => parseCompareConfig({ trained: 1, strategies: ['nope'], methods: ['x'] });
    for (const p of [/- trained:/, /- strategies\.0:/, /- methods\.0:/]) expect(bad).toThrow(p);
  });
});
