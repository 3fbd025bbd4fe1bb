/** The model zoo: a resumable build, a validated manifest, and the checks and choices of a hot-started search. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetSpace } from '../../lib/space/index.js';
import { buildZoo } from '../../lib/zoo/build.js';
import { openZoo, ZOO_MANIFEST, type ZooManifest } from '../../lib/zoo/manifest.js';
import { nearestZooModel, openSearchZoo, warmRequestFields, WARM_MAX_DISTANCE, zooIssues, zooSeedGenomes } from '../../lib/zoo/warm.js';
import { loadTrainedModel } from '../../lib/train/model-store.js';
import type { ProgressSink } from '../../lib/search/progress.js';

const lu = presetSpace('lu2019-mnist');
const tiny = { dataset: 'mnist' as const, space: lu, epochs: 1, trainSubset: 128, backend: 'wasm' as const };

/** The zoo the first test builds; the second reads it. */
let built = '';

describe('hwnas zoo build', () => {
  it('trains the planned models, survives a kill mid-model, and refuses other options on resume', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-zoo-'));
    // Stopped once the first model is done; a half-written second model lies beside it (as after kill -9).
    const ac = new AbortController();
    const killer = (): ProgressSink => ({ update: () => {}, message: (m) => m.startsWith('small:') && ac.abort(), stop: () => {} });
    await expect(buildZoo({ ...tiny, dir, models: 2, progress: killer, signal: ac.signal })).rejects.toThrow();
    fs.mkdirSync(path.join(dir, 'models', 'medium'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'models', 'medium', 'weights.bin'), 'half');
    const killed = JSON.parse(fs.readFileSync(path.join(dir, ZOO_MANIFEST), 'utf8')) as ZooManifest;
    expect(killed.planned).toEqual(['small', 'medium']);
    expect(killed.models.map((m) => m.id)).toEqual(['small']);

    const r = await buildZoo({ ...tiny, dir, models: 2 });
    expect(r.skipped).toEqual(['small']);
    expect(r.trained).toEqual(['medium']);
    const zoo = openZoo(dir);
    expect(zoo.manifest.models.map((m) => m.id)).toEqual(['small', 'medium']);
    for (const m of zoo.manifest.models) {
      expect(lu.validate(m.genome)).toEqual([]);
      expect(m.trainedImages).toBe(128);
      expect(m.valAccuracy).toBeGreaterThan(0);
      expect(loadTrainedModel(path.join(dir, m.dir)).architecture.layers.length).toBeGreaterThan(1);
    }
    // Finished: nothing to do; the digest covers the models.
    const again = await buildZoo({ ...tiny, dir, models: 2 });
    expect(again.trained).toEqual([]);
    expect(openZoo(dir).digest).toBe(zoo.digest);
    await expect(buildZoo({ ...tiny, dir, models: 2, epochs: 2 })).rejects.toMatchObject({ code: 'ZOO_MISMATCH' });
    built = dir;
  }, 120_000);
});

describe('a zoo in a search', () => {
  it('refuses another dataset, an incompatible space or a damaged manifest; maps its genomes; picks the nearest model', async () => {
    const dir = built;
    expect(dir).not.toBe('');
    const zoo = openZoo(dir);
    expect(zooIssues(zoo, 'mnist', presetSpace('hotnas-mnist'))).toEqual([]);
    expect(zooIssues(zoo, 'mnist', presetSpace('lu2019-cifar10')).map((i) => i.message).join()).toMatch(/28×28×1/);
    expect(zooIssues(zoo, 'fashion-mnist', lu).map((i) => i.message).join()).toMatch(/trained on mnist; this search is on fashion-mnist/);
    expect(() => openSearchZoo({ dir, warmImages: 100, digest: 'sha256:' + '0'.repeat(64) }, 'mnist', lu)).toThrow(/changed since this run started/);

    // Seeds: the zoo's networks as genomes of the searched space, in zoo order.
    const hot = presetSpace('hotnas-mnist');
    const seeds = await zooSeedGenomes(zoo, hot, 1);
    // With a hardware check, the first draw whose accelerator meets it (here: hw.Wp = 2) is kept.
    const picky = await zooSeedGenomes(zoo, hot, 1, async (gs) => gs.map((g) => ({ feasible: g['hw.Wp'] === 2, violations: { x: g['hw.Wp'] === 2 ? 0 : 1 } })));
    expect(picky.map((g) => g['hw.Wp'])).toEqual([2, 2]);
    expect(picky.map((g) => g['L1.filters'])).toEqual(seeds.map((g) => g['L1.filters']));
    expect(seeds).toHaveLength(2);
    seeds.forEach((g) => expect(hot.validate(g)).toEqual([]));
    expect(nearestZooModel(zoo, hot, seeds[1])).toMatchObject({ id: 'medium', distance: 0 });
    expect(warmRequestFields(zoo, hot, seeds[0], 500)).toEqual({ initialWeights: { model: path.join(dir, 'models', 'small'), id: 'small' }, epochs: 1, trainSubset: 500 });
    // A child far from every zoo model trains cold.
    const far = lu.canonical({ ...zoo.manifest.models[0].genome, depth: 4, 'L1.filters': 24, 'L1.kernel': 1, 'L1.pool': false, 'L2.filters': 24, 'L2.kernel': 1, 'L2.pool': false, 'L3.filters': 4, 'L3.kernel': 5, 'L4.filters': 4, 'L4.kernel': 5 });
    expect(nearestZooModel(zoo, lu, far).distance).toBeGreaterThan(WARM_MAX_DISTANCE);
    expect(warmRequestFields(zoo, lu, far, 500)).toEqual({});

    const file = path.join(dir, ZOO_MANIFEST);
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...m, models: [{ ...m.models[0], valAccuracy: 2 }] }));
    expect(() => openZoo(dir)).toThrow(/models\.0\.valAccuracy/);
    fs.rmSync(path.join(dir, ZOO_MANIFEST));
    expect(() => openZoo(dir)).toThrow(expect.objectContaining({ code: 'ZOO_MISSING' }));
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
