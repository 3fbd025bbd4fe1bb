/**
 * The HTML report of one or more runs: one self-contained page (inline SVG, inline CSS, no scripts) with
 * the Pareto fronts, hypervolume over trials, the runs side by side, and a table of each front.
 */
import path from 'node:path';
import { HwnasError } from '../errors.js';
import { hypervolume, paretoFront } from '../pareto.js';
import { normalisePoints, type HypervolumeSpec } from '../pareto.js';
import { summarizeTrials, type StudySummary } from '../study/summary.js';
import { isFeasible, minimisedObjectives, type FinishedTrial, type Objective } from '../trial/index.js';
import type { LoadedRun } from './load.js';
import { readRetrainRecord, retrainDir } from '../train/retrain-store.js';
import { hypervolumeSpec, renderSvg, scatterSpec, type Axis, type HvPoint, type ScatterPoint } from './plots.js';

/** Options of {@link renderReport}. */
export interface ReportOptions {
  readonly title?: string;
  /** Shown in the page header (default: now). */
  readonly generatedAt?: Date;
}

/** A run with what the report computes from it. */
interface RunView {
  readonly run: LoadedRun;
  readonly label: string;
  readonly summary: StudySummary;
  readonly frontNumbers: ReadonlySet<number>;
  readonly hvCurve: readonly HvPoint[];
}

/** Pseudo-metric: the trial number, the x axis of a single-objective study. */
const TRIAL_AXIS = 'trial number';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A number as a reader wants it: thousands grouped for large integers, 4 significant digits otherwise. */
function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  if (Number.isInteger(v) && Math.abs(v) >= 1000) return v.toLocaleString('en-US');
  return String(Number(v.toPrecision(4)));
}

/** The runs' shared objectives; a report compares runs of one problem only. */
function sharedObjectives(runs: readonly LoadedRun[]): readonly Objective[] {
  const sig = (r: LoadedRun) => r.record.objectives.map((o) => `${o.metric}:${o.direction}`).join(', ');
  const first = sig(runs[0]);
  const other = runs.find((r) => sig(r) !== first);
  if (other) {
    throw new HwnasError('INPUT_MISMATCH', `runs to compare must share objectives: ${runs[0].dir} has [${first}], ${other.dir} has [${sig(other)}]`);
  }
  return runs[0].record.objectives;
}

/**
 * The hypervolume measure for all runs: the one their meta declares when they agree; otherwise objectives
 * normalised over the feasible trials of all runs shown, reference 1.1 (so the runs stay comparable).
 */
function sharedHvSpec(runs: readonly LoadedRun[], objectives: readonly Objective[]): { spec: HypervolumeSpec | null; note: string } {
  const specs = runs.map((r) => r.hypervolume);
  if (specs.every((s) => s !== null && JSON.stringify(s) === JSON.stringify(specs[0]))) {
    return { spec: specs[0], note: `reference ${JSON.stringify(specs[0]!.reference)}${specs[0]!.ideal ? ', normalised by the declared ideal and nadir' : ''}, as the runs declare` };
  }
  const pts = runs.flatMap((r) => r.trials.filter((t) => isFeasible(t, objectives)).map((t) => minimisedObjectives(t, objectives)));
  const why = specs.some((s) => s === null) ? 'no hypervolume spec in the run meta' : 'the runs declare different hypervolume specs';
  if (pts.length === 0) return { spec: null, note: `${why}, and no feasible trial to derive one from` };
  const ideal = objectives.map((_, i) => Math.min(...pts.map((p) => p[i])));
  const nadir = objectives.map((_, i) => {
    const hi = Math.max(...pts.map((p) => p[i]));
    return hi > ideal[i] ? hi : ideal[i] + 1; // a flat objective: any positive span keeps the scale finite
  });
  return {
    spec: { reference: objectives.map(() => 1.1), ideal, nadir },
    note: `${why}: objectives normalised to [0, 1] over the feasible trials of the runs shown, reference 1.1 each`,
  };
}

/**
 * Hypervolume of the feasible trials among the first 1, 2, … finished trials (in trial order), one point per
 * trial. Keeps a running front, so each step costs one hypervolume of the current front (and nothing when the
 * new trial is dominated). Empty without a spec.
 */
export function hypervolumeCurve(label: string, trials: readonly FinishedTrial[], objectives: readonly Objective[], spec: HypervolumeSpec | null): HvPoint[] {
  if (!spec) return [];
  let front: number[][] = [];
  let hv = 0;
  return trials.map((t, i) => {
    if (isFeasible(t, objectives)) {
      const candidates = [...front, normalisePoints([minimisedObjectives(t, objectives)], spec)[0]];
      const keep = paretoFront(candidates);
      // A new point that is dominated leaves the front, and so the hypervolume, unchanged.
      if (keep.includes(candidates.length - 1)) {
        front = keep.map((j) => candidates[j]);
        hv = hypervolume(front, spec.reference);
      }
    }
    return { run: label, trials: i + 1, hv };
  });
}

/** The scatters to draw: the lead objective (accuracy when it is one) against each other objective, plus accuracy against throughput and LUTs when measured. */
function scatterAxes(objectives: readonly Objective[], trials: readonly FinishedTrial[]): { x: Axis; y: Axis; joinFront: boolean }[] {
  const lead = objectives.find((o) => o.metric === 'accuracy') ?? objectives[0];
  const others = objectives.filter((o) => o !== lead);
  const pairs = others.map((o) => ({ x: o as Axis, y: lead as Axis, joinFront: objectives.length === 2 }));
  if (lead.metric === 'accuracy') {
    for (const metric of ['throughput', 'luts']) {
      if (!pairs.some((p) => p.x.metric === metric) && trials.some((t) => Number.isFinite(t.metrics[metric]))) {
        pairs.push({ x: { metric }, y: lead, joinFront: false });
      }
    }
  }
  if (pairs.length === 0) pairs.push({ x: { metric: TRIAL_AXIS }, y: lead, joinFront: false });
  return pairs;
}

function metricValue(t: FinishedTrial, metric: string): number | undefined {
  return metric === TRIAL_AXIS ? t.number : t.metrics[metric];
}

/**
 * The scatter points of one run for axes (x, y). Failed trials are left out; a trial with x but no y (an
 * infeasible design never trained) gets `y: null`; trials without x are left out and counted.
 */
function scatterPoints(v: RunView, x: string, y: string, objectives: readonly Objective[]): { points: ScatterPoint[]; noY: number; missing: number } {
  const points: ScatterPoint[] = [];
  let noY = 0;
  let missing = 0;
  const finite = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n);
  for (const t of v.run.trials) {
    if (t.status === 'failed' || t.status === 'pruned') continue;
    const xv = metricValue(t, x);
    const yv = metricValue(t, y);
    if (!finite(xv)) {
      missing++;
      continue;
    }
    if (!finite(yv)) noY++;
    const cls = v.frontNumbers.has(t.number) ? 'Pareto front' : isFeasible(t, objectives) ? 'feasible' : 'infeasible';
    points.push({ run: v.label, trial: t.number, x: xv, y: finite(yv) ? yv : null, cls });
  }
  return { points, noY, missing };
}

/** Unique labels: "strategy (seed N)", with the directory added where two runs would share one. */
function runLabels(runs: readonly LoadedRun[]): string[] {
  return runs.map((r) => (runs.filter((o) => o.label === r.label).length > 1 ? `${r.label} ${path.basename(path.resolve(r.dir))}` : r.label));
}

/** An HTML table; columns [numericFrom, numericTo) are right-aligned numbers. Cells are HTML already. */
function table(head: readonly string[], rows: readonly (readonly string[])[], numericFrom = 1, numericTo = head.length): string {
  const n = (i: number) => (i >= numericFrom && i < numericTo ? ' class="n"' : '');
  const th = head.map((h, i) => `<th${n(i)}>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${n(i)}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px auto;max-width:1400px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #ddd;padding-bottom:3px}
h3{font-size:15px;margin:18px 0 4px}.meta{color:#666}.plot{overflow-x:auto;margin:6px 0}.plot svg{display:block}
p.cap{color:#555;font-size:13px;margin:2px 0 10px}
table{border-collapse:collapse;margin:6px 0 14px;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px;word-break:break-all}
`;

/** Renders the report of `runs` (all of one problem: same objectives) as one HTML string. */
export async function renderReport(runs: readonly LoadedRun[], options: ReportOptions = {}): Promise<string> {
  if (runs.length === 0) throw new HwnasError('INPUT_NO_RUN', 'a report needs at least one run');
  const objectives = sharedObjectives(runs);
  const constraints = runs[0].record.constraints;
  const hv = sharedHvSpec(runs, objectives);
  const labels = runLabels(runs);
  const views: RunView[] = runs.map((run, i) => {
    const summary = summarizeTrials(run.trials, objectives, hv.spec);
    return {
      run,
      label: labels[i],
      summary,
      frontNumbers: new Set(summary.pareto.map((p) => p.number)),
      hvCurve: hypervolumeCurve(labels[i], run.trials, objectives, hv.spec),
    };
  });
  const allTrials = runs.flatMap((r) => r.trials);
  const meta = runs[0].record.meta;
  const title = options.title ?? `hwnas report${typeof meta.problem === 'string' ? `: ${meta.problem}` : ''}`;
  const out: string[] = [];
  out.push(`<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${CSS}</style></head><body>`);
  out.push(`<h1>${esc(title)}</h1>`);
  out.push(
    `<p class="meta">generated ${esc((options.generatedAt ?? new Date()).toISOString())} · objectives: ${objectives
      .map((o) => `${esc(o.metric)} (${o.direction})`)
      .join(', ')}${constraints.length ? ` · constraints: ${constraints.map((c) => esc(`${c.metric}${c.min !== undefined ? ` ≥ ${fmt(c.min)}` : ''}${c.max !== undefined ? ` ≤ ${fmt(c.max)}` : ''}`)).join(', ')}` : ''}</p>`,
  );

  out.push('<h2>Runs</h2>');
  out.push(
    table(
      ['run', 'directory', 'trials', 'running', 'complete', 'infeasible', 'failed', 'front', 'hypervolume'],
      views.map((v) => [
        esc(v.label),
        `<code>${esc(v.run.dir)}</code>`,
        String(v.summary.trials),
        String(v.run.running),
        String(v.summary.complete),
        String(v.summary.infeasible),
        String(v.summary.failed),
        String(v.summary.pareto.length),
        fmt(v.summary.hypervolume ?? undefined),
      ]),
      2,
    ),
  );

  out.push('<h2>Pareto fronts</h2>');
  const axes = scatterAxes(objectives, allTrials);
  for (const [i, a] of axes.entries()) {
    const per = views.map((v) => scatterPoints(v, a.x.metric, a.y.metric, objectives));
    const points = per.flatMap((p) => p.points);
    const noY = per.reduce((s, p) => s + p.noY, 0);
    const missing = per.reduce((s, p) => s + p.missing, 0);
    out.push(`<h3>${esc(a.y.metric)} against ${esc(a.x.metric)}</h3>`);
    if (points.length === 0) {
      out.push(`<p class="cap">No trial has ${esc(a.x.metric)}.</p>`);
      continue;
    }
    const failed = views.reduce((s, v) => s + v.summary.failed, 0);
    const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
    const bounds = constraints.flatMap((c) =>
      (['x', 'y'] as const).flatMap((axis) => (c.metric === a[axis].metric ? [c.max, c.min].filter((b) => b !== undefined).map((value) => ({ axis, value })) : [])),
    );
    out.push(`<div class="plot">${await renderSvg(scatterSpec({ ...a, points, bounds, runs: labels }), `scatter${i}`)}</div>`);
    out.push(
      `<p class="cap">Every finished trial; the Pareto front (feasible trials, non-dominated over all objectives) in red${bounds.length ? '; constraint bounds dashed' : ''}.` +
        (noY ? ` ${plural(noY, 'trial')} without ${esc(a.y.metric)} (e.g. infeasible designs, never trained) on the bottom edge.` : '') +
        (missing ? ` ${plural(missing, 'trial')} without ${esc(a.x.metric)} not shown.` : '') +
        (failed ? ` ${plural(failed, 'failed trial')} not shown.` : '') +
        '</p>',
    );
  }

  out.push('<h2>Hypervolume over trials</h2>');
  const curve = views.flatMap((v) => v.hvCurve);
  if (curve.length > 0) out.push(`<div class="plot">${await renderSvg(hypervolumeSpec(curve), 'hv')}</div>`);
  out.push(`<p class="cap">Hypervolume of the feasible trials finished so far (in trial order); ${esc(hv.note)}.</p>`);

  out.push('<h2>Fronts</h2>');
  const extra = constraints.map((c) => c.metric).filter((m, i, all) => !objectives.some((o) => o.metric === m) && all.indexOf(m) === i);
  const lead = objectives.find((o) => o.metric === 'accuracy') ?? objectives[0];
  for (const v of views) {
    out.push(`<h3>${esc(v.label)}: ${v.summary.pareto.length} design${v.summary.pareto.length === 1 ? '' : 's'}</h3>`);
    const sign = lead.direction === 'maximize' ? -1 : 1;
    // Designs retrained by `hwnas train`: their real accuracy beside the search's proxy one.
    const retrained = new Map(v.summary.pareto.map((p) => [p.number, readRetrainRecord(retrainDir(v.run.dir, p.number))]));
    const anyRetrained = [...retrained.values()].some((r) => r !== null);
    const rows = [...v.summary.pareto]
      .sort((p, q) => sign * ((p.metrics[lead.metric] ?? 0) - (q.metrics[lead.metric] ?? 0)) || p.number - q.number)
      .map((p) => {
        const r = retrained.get(p.number);
        return [
          String(p.number),
          ...objectives.map((o) => fmt(p.metrics[o.metric])),
          ...extra.map((m) => fmt(p.metrics[m])),
          ...(anyRetrained ? [r ? `${fmt(r.valAccuracy)} / ${fmt(r.testAccuracy)} (${r.epochs} ep)` : '—'] : []),
          `<code>${esc(p.key)}</code>`,
        ];
      });
    const head = ['trial', ...objectives.map((o) => esc(o.metric)), ...extra.map(esc), ...(anyRetrained ? ['retrained val / test'] : []), 'design (key)'];
    out.push(rows.length ? table(head, rows, 0, head.length - 1) : '<p class="cap">No feasible trial yet.</p>');
  }
  out.push('</body></html>\n');
  return out.join('\n');
}
