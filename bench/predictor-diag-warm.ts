/**
 * Issue 14 diagnosis: does a process time the same graphs slower at its start? Times `n` random networks interleaved
 * with the speed-reference panel in chunks of 50 (as the profile does), `passes` times over, and prints each chunk's
 * reference geometric mean and the networks' median figure with the time since the start.
 * `node dist/bench/predictor-diag-warm.js [n] [passes]`.
 */
import { Rng } from '../lib/rng.js';
import { presetSpace } from '../lib/space/presets/index.js';
import { decodeArchitecture, decodeQuantization } from '../lib/space/decode.js';
import { sampleNetworks } from '../lib/profile/profile.js';
import { networkGraph, referenceGraphs } from '../lib/profile/graphs.js';
import { timeGraphs } from '../lib/profile/timing.js';

const n = Number(process.argv[2] ?? '100');
const passes = Number(process.argv[3] ?? '4');
const sp = (['lu2019-mnist', 'lu2019-mnist-float'] as const).map((s) => presetSpace(s));
const nets = sampleNetworks(sp, n, Rng.fromSeed(99).fork('h'), new Set());
const wr = Rng.fromSeed(5);
const graphs = nets.map((x) => networkGraph(decodeArchitecture(x.space, x.genome), decodeQuantization(x.space, x.genome), x.key, wr));
const reference = referenceGraphs(Rng.fromSeed(20210325));
const t0 = Date.now();
const first: number[] = [];
for (let p = 0; p < passes; p++) {
  const ts = await timeGraphs(graphs, { threads: 1, warmup: 5, repeats: 101, statistic: 'min', chunk: 50, reference });
  if (p === 0) first.push(...ts.map((t) => t.ms));
  const chunks = [...new Set(ts.map((t) => t.referenceMs!))];
  const ratio = ts.map((t, i) => t.ms / first[i]).sort((a, b) => a - b)[ts.length >> 1];
  console.log(JSON.stringify({ pass: p, s: (Date.now() - t0) / 1000, refGeoMeanUs: chunks.map((c) => +(c * 1000).toFixed(1)), medianRatioToFirstPass: +ratio.toFixed(3) }));
}
