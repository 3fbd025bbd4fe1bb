/**
 * nb201: NAS-Bench-201 cells (6 edges × 5 operations, 15,625 architectures) with their CIFAR-10 test accuracy
 * (NATS-Bench, 200 epochs) and HW-NAS-Bench FPGA latency, read from `data/nb201/` (see its README for sources,
 * licences and checks). Objectives: test error % (= 100 − accuracy) and FPGA latency in ms, both minimised.
 * Hypervolume as EvoXBench normalises it: each objective scaled by the true front's ideal and nadir,
 * reference (1, 1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HwnasError } from '../lib/errors.js';
import { paretoFront } from '../lib/pareto.js';
import { decodeNb201 } from '../lib/space/decode.js';
import { NB201_OPS, nb201Space } from '../lib/space/presets/nb201.js';
import type { HypervolumeSpec, BenchmarkProblem } from './problem.js';

/** Number of cells: 5^6. */
export const NB201_CELLS = 15_625;

/** The table, indexed by op code (the six op indices read as a base-5 number, first edge most significant). */
export interface Nb201Table {
  /** CIFAR-10 test error, % (100 − test accuracy). */
  readonly error: Float64Array;
  /** FPGA latency, ms. */
  readonly latencyMs: Float64Array;
  /** NAS-Bench-201 index of each op code. */
  readonly index: Int32Array;
}

/** The package root: the nearest directory above this module holding hwnas's package.json (works from dist/). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'hwnas') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new HwnasError('DATASET_MISSING', 'nb201: cannot find the hwnas package root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Path of the nb201 CSV inside the package. */
export function nb201CsvPath(): string {
  return path.join(packageRoot(), 'data', 'nb201', 'nb201-cifar10-fpga.csv');
}

/** Op code of six op indices (each 0–4). */
export function nb201Code(ops: readonly number[]): number {
  let code = 0;
  for (const o of ops) code = code * 5 + o;
  return code;
}

/** Parses the CSV text, checking its header and that every one of the 5^6 op tuples appears exactly once. */
export function parseNb201Csv(text: string, source = 'nb201 CSV'): Nb201Table {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines[0]?.trim();
  if (header !== 'index,arch,ops,cifar10_test_acc,fpga_latency_ms') {
    throw new HwnasError('DATASET_INVALID', `${source}: unexpected header ${JSON.stringify(header)}`);
  }
  const error = new Float64Array(NB201_CELLS).fill(NaN);
  const latencyMs = new Float64Array(NB201_CELLS).fill(NaN);
  const index = new Int32Array(NB201_CELLS).fill(-1);
  for (let r = 1; r < lines.length; r++) {
    const cols = lines[r].split(',');
    const ops = cols[2]?.split('-').map(Number) ?? [];
    const acc = Number(cols[3]);
    const lat = Number(cols[4]);
    const idx = Number(cols[0]);
    if (cols.length !== 5 || ops.length !== 6 || ops.some((o) => !Number.isInteger(o) || o < 0 || o > 4) || !Number.isFinite(acc) || !Number.isFinite(lat) || !Number.isInteger(idx)) {
      throw new HwnasError('DATASET_INVALID', `${source}: malformed line ${r + 1}: ${lines[r].slice(0, 120)}`);
    }
    const code = nb201Code(ops);
    if (index[code] !== -1) throw new HwnasError('DATASET_INVALID', `${source}: ops ${cols[2]} appear twice (line ${r + 1})`);
    error[code] = 100 - acc;
    latencyMs[code] = lat;
    index[code] = idx;
  }
  if (lines.length - 1 !== NB201_CELLS) {
    throw new HwnasError('DATASET_INVALID', `${source}: ${lines.length - 1} rows, expected ${NB201_CELLS}`);
  }
  return { error, latencyMs, index };
}

let cached: Nb201Table | undefined;

/** The nb201 table (read once per process). */
export function nb201Table(): Nb201Table {
  if (cached) return cached;
  const file = nb201CsvPath();
  if (!fs.existsSync(file)) throw new HwnasError('DATASET_MISSING', `nb201: ${file} is missing (it ships with the package under data/nb201/)`);
  cached = parseNb201Csv(fs.readFileSync(file, 'utf8'), file);
  return cached;
}

/** The true Pareto front of (error %, latency ms): distinct points, sorted by error. */
export function nb201TrueFront(table: Nb201Table = nb201Table()): number[][] {
  const pts: number[][] = [];
  for (let c = 0; c < NB201_CELLS; c++) pts.push([table.error[c], table.latencyMs[c]]);
  const seen = new Set<string>();
  return paretoFront(pts)
    .map((i) => pts[i])
    .filter((p) => (seen.has(p.join()) ? false : (seen.add(p.join()), true)))
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** EvoXBench-style hypervolume spec: ideal and nadir of the true front, reference (1, 1) after normalisation. */
export function nb201HypervolumeSpec(table: Nb201Table = nb201Table()): HypervolumeSpec {
  const front = nb201TrueFront(table);
  const ideal = [Math.min(...front.map((p) => p[0])), Math.min(...front.map((p) => p[1]))];
  const nadir = [Math.max(...front.map((p) => p[0])), Math.max(...front.map((p) => p[1]))];
  return { reference: [1, 1], ideal, nadir };
}

/** The nb201 problem. Metrics: `error`, `latencyMs` (objectives), `accuracy`, `index` (NAS-Bench-201 index). */
export function nb201Problem(): BenchmarkProblem {
  const table = nb201Table();
  const space = nb201Space();
  return {
    name: 'nb201',
    space,
    objectives: [
      { metric: 'error', direction: 'minimize' },
      { metric: 'latencyMs', direction: 'minimize' },
    ],
    constraints: [],
    hypervolume: nb201HypervolumeSpec(table),
    evaluate(genome) {
      const code = nb201Code(decodeNb201(space, genome).map((op) => NB201_OPS.indexOf(op)));
      return { error: table.error[code], latencyMs: table.latencyMs[code], accuracy: 100 - table.error[code], index: table.index[code] };
    },
  };
}
