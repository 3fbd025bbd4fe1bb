/**
 * Issue 14 diagnosis: re-times the operators of a predictor-diag data file the way `hwnas profile` does (chunks of
 * 100 with the empty graph and the speed reference, `passes` passes, normalised to the predictor's load level, minus
 * the empty graph) and writes op key → ms. `node dist/bench/predictor-diag-ops.mjs DATA.json OUT.json [passes] [seed]`.
 */
import fs from 'node:fs';
import { Rng } from '../lib/rng.js';
import { loadPredictor, predictorPath } from '../hardware/predictor/predictor.js';
import { median } from '../hardware/predictor/fit.js';
import { emptyGraph, opGraph, referenceGraphs, type TimedGraphSpec } from '../lib/profile/graphs.js';
import { normalise, timeGraphs, type GraphTiming } from '../lib/profile/timing.js';
import type { OpSpec } from '../hardware/predictor/ops.js';

const [data, out, passesArg = '2', seedArg = '3'] = process.argv.slice(2);
const p = loadPredictor(predictorPath('ort-cpu'));
const f = p.file;
const rows = (JSON.parse(fs.readFileSync(data, 'utf8')) as { rows: { ops: { key: string; spec: OpSpec }[] }[] }).rows;
const ops = new Map<string, OpSpec>();
for (const r of rows) for (const o of r.ops) ops.set(o.key, o.spec);
const rng = Rng.fromSeed(Number(seedArg));
const graphs = [...ops].map(([k, o]) => opGraph(o, k, rng));
const chunk = 99;
const withEmpty: TimedGraphSpec[] = [];
for (let i = 0; i < graphs.length; i += chunk) withEmpty.push({ ...emptyGraph(), key: `empty#${i / chunk}` }, ...graphs.slice(i, i + chunk));
const timing = { threads: f.machine.threads, warmup: f.settings.warmup, repeats: f.settings.repeats, statistic: f.settings.statistic, reference: referenceGraphs(Rng.fromSeed(20210325)), chunk: 100 };
const passes: GraphTiming[][] = [];
for (let i = 0; i < Number(passesArg); i++) passes.push(await timeGraphs(withEmpty, timing));
const perPass = passes.map((ts) => {
  const overhead = median(ts.filter((t) => t.key.startsWith('empty#')).map((t) => normalise(t, f.referenceLevels)));
  return Object.fromEntries(ts.filter((t) => !t.key.startsWith('empty#')).map((t) => [t.key, normalise(t, f.referenceLevels) - overhead]));
});
fs.writeFileSync(out, JSON.stringify({ passes: perPass }));
console.log(`timed ${graphs.length} ops × ${passes.length} passes → ${out}`);
