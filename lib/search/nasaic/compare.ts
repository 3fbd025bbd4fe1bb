/**
 * NASAIC against the successive baseline (NAS for accuracy, then the best ASIC for those networks), seed by seed,
 * with the same budget of trained children; a table with both methods' latency, energy, area and accuracies, and
 * the ratios the paper reports (NASAIC vs successive: latency −17.77 %, energy ÷2.49, area ÷2.32, accuracy −0.76 pt;
 * successive violates the specs [abstract, MODELS-ACCELERATORS §4.1]).
 */
import path from 'node:path';
import { writeJsonAtomic } from '../run-dir.js';
import type { ProgressSinkFactory } from '../progress.js';
import type { NasaicConfig } from './config.js';
import { nasaicTrainingPool, runNasaicSearch } from './run.js';
import { runSuccessive } from './successive.js';
import fs from 'node:fs';
import type { TrainingStage } from '../../eval/two-stage.js';

/** The paper's ratios, NASAIC against successive [abstract: arXiv 2002.04116]. */
export const NASAIC_PAPER = { latencyChange: -0.1777, energyRatio: 2.49, areaRatio: 2.32, accuracyLossPt: 0.76 } as const;

/** One method's result in one seed. */
export interface NasaicCompareRow {
  readonly method: 'nasaic' | 'successive';
  readonly seed: number;
  readonly found: boolean;
  readonly meetsSpecs: boolean;
  readonly t1Accuracy?: number;
  readonly t2Accuracy?: number;
  readonly weightedAccuracy?: number;
  readonly latencyMs?: number;
  readonly energyNj?: number;
  readonly areaUm2?: number;
  readonly design?: string;
  readonly trials: number;
  readonly trained: number;
  readonly wallS: number;
}

/** Runs every seed of both methods on one shared pool; writes `results.json` and `table.md` under `c.out`. */
export async function runNasaicCompare(
  c: NasaicConfig,
  o: { readonly progress?: ProgressSinkFactory; readonly signal?: AbortSignal; readonly training?: TrainingStage } = {},
): Promise<NasaicCompareRow[]> {
  const { progress, signal, training } = o;
  const pool = training ? undefined : nasaicTrainingPool(c);
  const rows: NasaicCompareRow[] = [];
  try {
    for (const seed of c.seeds) {
      const n = await runNasaicSearch(c, { seed, out: path.join(c.out, `nasaic-s${seed}`), pool, progress, signal, training });
      const b = n.best;
      rows.push({
        method: 'nasaic', seed, found: b !== null, meetsSpecs: b !== null,
        ...(b ? { t1Accuracy: b.metrics['t1.accuracy'], t2Accuracy: b.metrics['t2.accuracy'], weightedAccuracy: b.metrics.accuracy, latencyMs: b.metrics.latencyMs, energyNj: b.metrics.energyNj, areaUm2: b.metrics.areaUm2, design: String(b.extra?.design ?? '') } : {}),
        trials: n.trials.length, trained: n.trained, wallS: n.wallMs / 1000,
      });
      const s = await runSuccessive(c, { seed, out: path.join(c.out, `successive-s${seed}`), pool, progress, signal, training });
      const f = s.final;
      rows.push({
        method: 'successive', seed, found: f !== null, meetsSpecs: f?.meetsSpecs ?? false,
        ...(f ? { t1Accuracy: f.metrics['t1.accuracy'], t2Accuracy: f.metrics['t2.accuracy'], weightedAccuracy: f.metrics.accuracy, latencyMs: f.metrics.latencyMs, energyNj: f.metrics.energyNj, areaUm2: f.metrics.areaUm2, design: f.design } : {}),
        trials: s.nas.trials.length, trained: s.nas.trained, wallS: s.wallMs / 1000,
      });
    }
  } finally {
    await pool?.pool.close();
  }
  fs.mkdirSync(c.out, { recursive: true });
  writeJsonAtomic(path.join(c.out, 'results.json'), { config: c, rows, ratios: nasaicRatios(rows), paper: NASAIC_PAPER });
  fs.writeFileSync(path.join(c.out, 'table.md'), nasaicTable(rows));
  return rows;
}

/** NASAIC against successive, averaged over the seeds where both found a design. */
export interface NasaicRatios {
  readonly seeds: number;
  /** Mean of (lat_nasaic / lat_successive − 1). */
  readonly latencyChange: number | null;
  /** Mean of energy_successive / energy_nasaic. */
  readonly energyRatio: number | null;
  readonly areaRatio: number | null;
  /** Mean of (weighted acc_successive − weighted acc_nasaic), percentage points. */
  readonly accuracyLossPt: number | null;
  readonly nasaicMeetsSpecs: number;
  readonly successiveMeetsSpecs: number;
}

/** The ratios of a comparison's rows. */
export function nasaicRatios(rows: readonly NasaicCompareRow[]): NasaicRatios {
  const seeds = [...new Set(rows.map((r) => r.seed))];
  const pairs = seeds
    .map((s) => [rows.find((r) => r.seed === s && r.method === 'nasaic'), rows.find((r) => r.seed === s && r.method === 'successive')] as const)
    .filter(([a, b]) => a?.found && b?.found) as [NasaicCompareRow, NasaicCompareRow][];
  const mean = (f: (a: NasaicCompareRow, b: NasaicCompareRow) => number) => (pairs.length ? pairs.reduce((s, [a, b]) => s + f(a, b), 0) / pairs.length : null);
  return {
    seeds: pairs.length,
    latencyChange: mean((a, b) => a.latencyMs! / b.latencyMs! - 1),
    energyRatio: mean((a, b) => b.energyNj! / a.energyNj!),
    areaRatio: mean((a, b) => b.areaUm2! / a.areaUm2!),
    accuracyLossPt: mean((a, b) => 100 * (b.weightedAccuracy! - a.weightedAccuracy!)),
    nasaicMeetsSpecs: rows.filter((r) => r.method === 'nasaic' && r.meetsSpecs).length,
    successiveMeetsSpecs: rows.filter((r) => r.method === 'successive' && r.meetsSpecs).length,
  };
}

const pct = (v?: number) => (v === undefined ? '—' : `${(v * 100).toFixed(2)}%`);
const num = (v?: number, d = 3) => (v === undefined ? '—' : Number(v.toPrecision(d)).toLocaleString('en-US'));

/** The comparison as Markdown, with the paper's ratios. */
export function nasaicTable(rows: readonly NasaicCompareRow[]): string {
  const out = [
    '| method | seed | meets specs | t1 acc | t2 acc | weighted | latency ms | energy nJ | area µm² | design | trained | trials | wall s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.method} | ${r.seed} | ${r.found ? (r.meetsSpecs ? 'yes' : '**no**') : 'nothing found'} | ${pct(r.t1Accuracy)} | ${pct(r.t2Accuracy)} | ${pct(r.weightedAccuracy)} | ${num(r.latencyMs)} | ${num(r.energyNj)} | ${num(r.areaUm2)} | ${r.design ?? '—'} | ${r.trained} | ${r.trials} | ${r.wallS.toFixed(0)} |`),
  ];
  const q = nasaicRatios(rows);
  const f = (v: number | null, s: (x: number) => string) => (v === null ? '—' : s(v));
  out.push(
    '',
    `NASAIC vs successive over ${q.seeds} seed(s): latency ${f(q.latencyChange, (x) => `${(x * 100).toFixed(2)}%`)} (paper −17.77%), ` +
      `energy ÷${f(q.energyRatio, (x) => x.toFixed(2))} (paper ÷2.49), area ÷${f(q.areaRatio, (x) => x.toFixed(2))} (paper ÷2.32), ` +
      `accuracy loss ${f(q.accuracyLossPt, (x) => `${x.toFixed(2)} pt`)} (paper 0.76 pt); specs met: NASAIC ${q.nasaicMeetsSpecs}/${rows.filter((r) => r.method === 'nasaic').length}, successive ${q.successiveMeetsSpecs}/${rows.filter((r) => r.method === 'successive').length} (paper: successive violates them)`,
  );
  return out.join('\n') + '\n';
}
