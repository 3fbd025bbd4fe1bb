/**
 * Issue 14 diagnosis: the same held-out networks timed in two ways, twice each (A B A B): interleaved in chunks of 50
 * with the speed reference (as the profile times them) and alone (one session, back-to-back repeats). Prints each
 * mode's repeat agreement and the alone / interleaved ratios. `node dist/bench/predictor-diag-modes.js [n] [out.json]`.
 */
import fs from 'node:fs';
import { Rng } from '../lib/rng.js';
import { presetSpace } from '../lib/space/presets/index.js';
import { decodeArchitecture, decodeQuantization } from '../lib/space/decode.js';
import { sampleNetworks } from '../lib/profile/profile.js';
import { networkGraph, referenceGraphs } from '../lib/profile/graphs.js';
import { timeGraphs } from '../lib/profile/timing.js';
import { median } from '../hardware/predictor/fit.js';

const n = Number(process.argv[2] ?? '100');
const out = process.argv[3];
const sp = (['lu2019-mnist', 'lu2019-mnist-float'] as const).map((s) => presetSpace(s));
const nets = sampleNetworks(sp, n, Rng.fromSeed(99).fork('h'), new Set());
const wr = Rng.fromSeed(5);
const graphs = nets.map((x) => networkGraph(decodeArchitecture(x.space, x.genome), decodeQuantization(x.space, x.genome), x.key, wr));
const reference = referenceGraphs(Rng.fromSeed(20210325));
const base = { threads: 1, warmup: 5, repeats: 101, statistic: 'min' as const };
const inter = async () => (await timeGraphs(graphs, { ...base, chunk: 50, reference })).map((t) => t.ms);
const alone = async () => (await timeGraphs(graphs, { ...base, warmup: 20, chunk: 1 })).map((t) => t.ms);
const agree = (a: number[], b: number[]) => a.filter((x, i) => Math.abs(x / b[i] - 1) <= 0.1).length / a.length;
const t0 = Date.now();
const A1 = await inter();
const B1 = await alone();
const A2 = await inter();
const B2 = await alone();
console.log(JSON.stringify({
  wallS: (Date.now() - t0) / 1000,
  interleavedAgreement: agree(A1, A2), aloneAgreement: agree(B1, B2),
  medianAloneOverInterleaved: median(B1.map((b, i) => b / A1[i])),
  medianA2overA1: median(A2.map((x, i) => x / A1[i])), medianB2overB1: median(B2.map((x, i) => x / B1[i])),
}));
if (out) fs.writeFileSync(out, JSON.stringify({ keys: nets.map((x) => x.key), A1, A2, B1, B2 }));
