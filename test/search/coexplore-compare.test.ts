/** Co-exploration against the FNAS-style fixed-hardware baseline in `hwnas compare` (issue 18). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/rng.js';
import { decodeHardware, presetSpace, restrictSpace } from '../../lib/space/index.js';
import { defaultFixedHardware } from '../../lib/search/baselines.js';
import { parseCompareConfig, runCompare } from '../../lib/search/compare.js';
import { finishedOf, readJournalFile, replayTrials } from '../../lib/study/journal.js';

describe('fixed-hardware baseline', () => {
  it('pins every hardware gene to one FNAS-like design and leaves the network free', () => {
    const space = presetSpace('coexplore-mnist');
    const fixed = defaultFixedHardware(space);
    expect(Object.keys(fixed).sort()).toEqual(space.genesOf('hw').map((g) => g.name).sort());
    expect(fixed).toMatchObject({ 'L1.Tm': 4, 'L1.Tn': 2, 'L1.Tr': 28, 'L1.Tc': 28, 'hw.Wp': 2, 'hw.Ip': 2, 'hw.Op': 2, 'hw.fpgas': 1 });
    const pinned = restrictSpace(space, fixed, 'fixed');
    const rng = Rng.fromSeed(2);
    const designs = new Set<string>();
    const nets = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const g = pinned.sample(rng);
      const d = decodeHardware(pinned, g);
      designs.add(JSON.stringify({ ports: d.ports, p: d.partition, t: d.layers.map((l) => [l.Tm, l.Tn, l.Tr, l.Tc]) }));
      nets.add(String(g.depth) + g['L1.filters']);
    }
    // One design per depth at most (inactive layers drop out), many networks.
    expect(designs.size).toBeLessThanOrEqual(3);
    expect(nets.size).toBeGreaterThan(3);
  });

  it('hwnas compare runs co-exploration (joint on coexplore-mnist) and fixed-hardware with the same trained budget', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-cocompare-'));
    const c = parseCompareConfig({
      space: 'coexplore-mnist',
      hardware: { model: 'fnas-tiling', device: 'zcu102' },
      specs: [{ name: 'lat', maxLatencyMs: 0.5 }],
      strategies: ['reinforce'],
      strategyOptions: { reinforce: { hiddenUnits: 16, embeddingSize: 8, batchSize: 2 } },
      methods: ['joint', 'fixed-hardware'],
      trained: 2,
      training: { trainSubset: 300, valSubset: 200, epochs: 1 },
      workers: 2,
      out,
    });
    const rows = await runCompare(c);
    expect(rows.map((r) => r.method)).toEqual(['joint', 'fixed-hardware']);
    for (const r of rows) {
      expect(r.trained).toBe(2);
      const { events, file } = readJournalFile(path.join(r.dir, r.method));
      const trials = finishedOf(replayTrials(events, file));
      for (const t of trials.filter((x) => x.status === 'complete')) {
        expect(t.metrics.latencyMs).toBeLessThanOrEqual(0.5);
        expect(t.metrics.gopsPerW).toBeGreaterThan(0);
      }
      if (r.method === 'fixed-hardware') for (const t of trials) expect(t.genome['hw.Wp']).toBe(2);
    }
    // Co-exploration ran fast exploration (its snapshot counts the designs checked).
    const snap = JSON.parse(fs.readFileSync(path.join(rows[0].dir, 'joint', 'strategy-snapshot.json'), 'utf8'));
    expect(snap.snapshot.state.stats.fast.checked).toBeGreaterThan(rows[0].trials);
    await expect(runCompare(parseCompareConfig({ ...c, space: 'lu2019-mnist', hardware: { model: 'lu2019-pipeline', device: 'ep4ce115' }, specs: [{ name: 'x', lutBudget: 30000 }], methods: ['fixed-hardware'], out: path.join(out, 'bad') }))).rejects.toThrow(/needs a space with hardware genes/);
  });
});
