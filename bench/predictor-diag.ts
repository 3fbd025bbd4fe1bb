/**
 * Issue 14 diagnosis: measures fresh calibration and held-out networks once (held-out twice) with the stored
 * ORT-CPU predictor's timing settings and writes the sums and times to a JSON file, for offline analysis of the
 * correction (fit on calibration, score on held-out). `node dist/bench/predictor-diag.js OUT.json [calib] [held]`.
 */
import fs from 'node:fs';
import { Rng } from '../lib/rng.js';
import { decodeArchitecture, decodeQuantization } from '../lib/space/decode.js';
import { presetSpace } from '../lib/space/presets/index.js';
import { fromArchitecture } from '../hardware/network.js';
import { loadPredictor, predictorPath } from '../hardware/predictor/predictor.js';
import { sampleNetworks, timeNetworks, type SampledNetwork } from '../lib/profile/profile.js';
import { referenceGraphs } from '../lib/profile/graphs.js';
import { normalise } from '../lib/profile/timing.js';
import { networkOps, opKey } from '../hardware/predictor/ops.js';

const [out = '/tmp/diag.json', nc = '300', nh = '100', ms = '5'] = process.argv.slice(2);
const p = loadPredictor(predictorPath('ort-cpu'));
const sp = (['lu2019-mnist', 'lu2019-mnist-float'] as const).map((s) => presetSpace(s));
const seen = new Set<string>();
const root = Rng.fromSeed(777);
const calib = sampleNetworks(sp, Number(nc), root.fork('c'), seen);
const held = sampleNetworks(sp, Number(nh), root.fork('h'), seen);
const t0 = Date.now();
const all = [...calib, ...held];
const f = p.file;
// As lib/profile/profile.ts measureNetworks, keeping each timing's speed-reference figures.
const measure = async (nets: SampledNetwork[], seed: number) =>
  (await timeNetworks(nets, Rng.fromSeed(seed).fork('measure'), { threads: f.machine.threads, warmup: f.settings.warmup, repeats: f.settings.repeats, statistic: f.settings.statistic, reference: referenceGraphs(Rng.fromSeed(20210325)) }))
    .map((t) => ({ ms: normalise(t, f.referenceLevels), rawMs: t.ms, spread: t.spread, references: t.references }));
const m1 = await measure(all, Number(ms));
const m2 = await measure(held, Number(ms) + 1);
const rows = all.map((n, i) => {
  const net = fromArchitecture(decodeArchitecture(n.space, n.genome), decodeQuantization(n.space, n.genome));
  return { set: i < calib.length ? 'calib' : 'held', key: n.key, sums: p.sums(net), ops: networkOps(net).map((o) => ({ key: opKey(o), spec: o, lookupMs: p.lookupMs(o) })), predictedMs: p.predictNetworkMs(net), ms: m1[i].ms, rawMs: m1[i].rawMs, spread: m1[i].spread, references: m1[i].references, againReferences: i >= calib.length ? m2[i - calib.length].references : null, againMs: i >= calib.length ? m2[i - calib.length].ms : null, againRawMs: i >= calib.length ? m2[i - calib.length].rawMs : null };
});
fs.writeFileSync(out, JSON.stringify({ wallS: (Date.now() - t0) / 1000, rows }));
console.log(`wrote ${rows.length} rows to ${out} in ${(Date.now() - t0) / 1000} s`);
