/**
 * A tabular problem from a CSV file (`hwnas search --table my.csv --objectives error:min,latency:min`): every
 * row is one design. The decision columns (all the others, or the ones named) become genes — a contiguous
 * integer column an `int` gene, any other column a `choice` of its values — and a genome is looked up by its
 * values. Any number of objective columns, each minimised or maximised; every other numeric column is kept as a
 * metric. The table is known in full, so its true front sets the hypervolume normalisation (as for nb201).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ConfigError, type Issue } from '../lib/errors.js';
import { paretoFront, type HypervolumeSpec } from '../lib/pareto.js';
import type { Gene, GeneValue } from '../lib/space/gene.js';
import { SearchSpace } from '../lib/space/search-space.js';
import { minimisedObjectives, type Objective } from '../lib/trial/index.js';
import { fileDigest } from './define.js';
import type { Problem } from './problem.js';

/** A table problem as configured. */
export interface TableProblemOptions {
  readonly file: string;
  /** Objective columns with their directions. */
  readonly objectives: readonly { readonly column: string; readonly direction: Objective['direction'] }[];
  /**
   * Decision columns. Default: the non-objective columns, less those the others determine (taken from the right:
   * a `params` column computed from `kernel` and `filters` is a metric, not a gene).
   */
  readonly genes?: readonly string[];
}

/** Parses `error:min,latency:max` (also `minimize`/`maximize`) into objective columns. */
export function parseObjectiveList(text: string, pathLabel = '--objectives'): TableProblemOptions['objectives'] {
  const issues: Issue[] = [];
  const out = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((item) => {
      const [column, dir = 'min'] = item.split(':').map((x) => x.trim());
      const direction = ({ min: 'minimize', minimize: 'minimize', max: 'maximize', maximize: 'maximize' } as const)[dir as 'min'];
      if (!column || !direction) issues.push({ path: pathLabel, message: `"${item}" is not column:min or column:max` });
      return { column, direction: direction ?? 'minimize' };
    });
  if (out.length === 0) issues.push({ path: pathLabel, message: 'needs at least one objective column, e.g. "error:min,latency:min"' });
  if (issues.length > 0) throw new ConfigError(issues, 'invalid table objectives');
  return out;
}

function geneOf(column: string, values: readonly GeneValue[]): Gene {
  const nums = values.every((v) => typeof v === 'number');
  if (nums) {
    const sorted = [...(values as number[])].sort((a, b) => a - b);
    const contiguous = sorted.every((v, i) => Number.isInteger(v) && (i === 0 || v === sorted[i - 1] + 1));
    if (contiguous && sorted.length > 1) return { name: column, group: 'arch', kind: 'int', min: sorted[0], max: sorted[sorted.length - 1] };
    return { name: column, group: 'arch', kind: 'choice', choices: sorted };
  }
  return { name: column, group: 'arch', kind: 'choice', choices: [...values].map(String).sort() };
}

/** The fewest of `candidates` (dropping from the right) that still tell every row apart. */
function identifyingColumns(rows: readonly Record<string, string>[], candidates: readonly string[]): string[] {
  const distinct = (cols: readonly string[]) => new Set(rows.map((r) => JSON.stringify(cols.map((c) => r[c])))).size === rows.length;
  const kept = [...candidates];
  if (!distinct(kept)) return kept; // duplicates: reported as such by the caller
  for (let i = kept.length - 1; i >= 0 && kept.length > 1; i--) {
    const without = kept.filter((_, j) => j !== i);
    if (distinct(without)) kept.splice(i, 1);
  }
  return kept;
}

/** Reads and checks the table; every problem with its row and column. */
export function tableProblem(o: TableProblemOptions): Problem {
  const file = path.resolve(o.file);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new ConfigError([{ path: 'table.file', message: `${o.file} is not a file` }], 'invalid table');
  let rows: Record<string, string>[];
  try {
    rows = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (err) {
    throw new ConfigError([{ path: 'table.file', message: `${o.file} is not valid CSV: ${(err as Error).message}` }], 'invalid table');
  }
  const issues: Issue[] = [];
  const columns = rows.length > 0 ? Object.keys(rows[0]) : [];
  if (rows.length === 0) issues.push({ path: 'table.file', message: `${o.file} has a header but no rows` });
  const objectiveColumns = o.objectives.map((x) => x.column);
  for (const [i, c] of objectiveColumns.entries()) {
    if (!columns.includes(c)) issues.push({ path: `table.objectives.${i}`, message: `no column "${c}"; columns: ${columns.join(', ')}` });
  }
  if (new Set(objectiveColumns).size !== objectiveColumns.length) issues.push({ path: 'table.objectives', message: 'names a column twice' });
  const geneColumns = o.genes ?? identifyingColumns(rows, columns.filter((c) => !objectiveColumns.includes(c)));
  for (const [i, c] of geneColumns.entries()) {
    if (!columns.includes(c)) issues.push({ path: `table.genes.${i}`, message: `no column "${c}"; columns: ${columns.join(', ')}` });
    if (objectiveColumns.includes(c)) issues.push({ path: `table.genes.${i}`, message: `"${c}" is an objective column` });
  }
  if (geneColumns.length === 0) issues.push({ path: 'table.genes', message: 'no decision column left: name the columns that describe a design' });
  if (issues.length > 0) throw new ConfigError(issues, `invalid table ${o.file}`);

  const cell = (v: string): GeneValue => (v !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
  const metricColumns = columns.filter((c) => !geneColumns.includes(c) && rows.every((r) => r[c] !== '' && Number.isFinite(Number(r[c]))));
  const byKey = new Map<string, { line: number; metrics: Record<string, number> }>();
  const values = geneColumns.map(() => new Set<GeneValue>());
  rows.forEach((r, i) => {
    const line = i + 2;
    for (const c of objectiveColumns) {
      if (!Number.isFinite(Number(r[c])) || r[c] === '') issues.push({ path: `table.file:${line}.${c}`, message: `objective value ${JSON.stringify(r[c])} is not a number` });
    }
    const tuple = geneColumns.map((c, j) => {
      const v = cell(r[c]);
      values[j].add(v);
      return v;
    });
    const key = JSON.stringify(tuple);
    const seen = byKey.get(key);
    if (seen) issues.push({ path: `table.file:${line}`, message: `describes the same design as line ${seen.line} (${geneColumns.map((c, j) => `${c}=${tuple[j]}`).join(', ')})` });
    else byKey.set(key, { line, metrics: Object.fromEntries(metricColumns.map((c) => [c, Number(r[c])])) });
  });
  if (issues.length > 0) throw new ConfigError(issues.slice(0, 20), `invalid table ${o.file}${issues.length > 20 ? ` (first 20 of ${issues.length} issues)` : ''}`);

  const name = `table:${path.basename(file)}`;
  const space = new SearchSpace({ name, genes: geneColumns.map((c, j) => geneOf(c, [...values[j]])), meta: { family: 'table' } });
  const objectives: Objective[] = o.objectives.map((x) => ({ metric: x.column, direction: x.direction }));
  return {
    name,
    space,
    objectives,
    constraints: [],
    hypervolume: tableHypervolume([...byKey.values()].map((v) => minimisedObjectives(v, objectives))),
    source: { kind: 'table', file, digest: fileDigest(file) },
    evaluate(genome) {
      const tuple = geneColumns.map((c) => genome[c]);
      const row = byKey.get(JSON.stringify(tuple));
      if (!row) throw new Error(`no row of ${path.basename(file)} has ${geneColumns.map((c, j) => `${c}=${tuple[j]}`).join(', ')}`);
      return row.metrics;
    },
  };
}

/** Normalisation by the table's true front: its ideal and nadir, reference 1 in every objective (EvoXBench). */
function tableHypervolume(points: readonly number[][]): HypervolumeSpec | null {
  const front = paretoFront(points).map((i) => points[i]);
  if (front.length === 0) return null;
  const m = front[0].length;
  const ideal = Array.from({ length: m }, (_, k) => Math.min(...front.map((p) => p[k])));
  const nadir = Array.from({ length: m }, (_, k) => Math.max(...front.map((p) => p[k])));
  // A single-point front (or a flat objective) has no extent to normalise by: scale that objective by 1.
  for (let k = 0; k < m; k++) if (!(nadir[k] > ideal[k])) nadir[k] = ideal[k] + 1;
  return { reference: Array(m).fill(1), ideal, nadir };
}
