/**
 * The report's plots as Vega-Lite specs, rendered to SVG strings in Node (Vega's headless View, no canvas:
 * text widths are Vega's estimate, which only affects label padding). No scripts, nothing fetched.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Classes of a plotted trial; the order is the legend's. */
export const POINT_CLASSES = ['feasible', 'infeasible', 'Pareto front'] as const;
export type PointClass = (typeof POINT_CLASSES)[number];

/** One trial in a scatter; `y: null` for a trial without a y value (an infeasible design never trained), drawn on the bottom edge. */
export interface ScatterPoint {
  readonly run: string;
  readonly trial: number;
  readonly x: number;
  readonly y: number | null;
  readonly cls: PointClass;
}

/** An axis: the metric and, for an objective, which way is better. */
export interface Axis {
  readonly metric: string;
  readonly direction?: 'minimize' | 'maximize';
}

/** Name of the mark layer holding the Pareto-front points (one symbol per front point): `<name>_marks` in the SVG. */
export const FRONT_LAYER = 'front';

const PANEL = { width: 300, height: 230 };

function axisTitle(a: Axis): string {
  if (!a.direction) return a.metric;
  return `${a.metric} (${a.direction === 'maximize' ? '↑' : '↓'} better)`;
}

/**
 * Scatter of trials, `y` against `x`, one panel per run (shared scales, so strategies compare side by side);
 * the Pareto front is its own mark layer, joined by a line when `joinFront` (a 2-objective front); trials
 * without a y value sit on the bottom edge of the panel, at their x.
 */
export function scatterSpec(o: {
  x: Axis;
  y: Axis;
  points: readonly ScatterPoint[];
  /** Run labels in panel order (left to right). */
  runs: readonly string[];
  joinFront: boolean;
  /** Constraint bounds to draw as dashed rules. */
  bounds?: readonly { readonly axis: 'x' | 'y'; readonly value: number }[];
}): TopLevelSpec {
  const x = { field: 'x', type: 'quantitative', title: axisTitle(o.x), scale: { zero: false, nice: true } } as const;
  const y = { field: 'y', type: 'quantitative', title: axisTitle(o.y), scale: { zero: false, nice: true } } as const;
  const cls = (range: readonly string[]) =>
    ({ field: 'cls', type: 'nominal', title: null, scale: { domain: [...POINT_CLASSES], range: [...range] } }) as const;
  const encoding = {
    x,
    y,
    color: cls(['#4c78a8', '#f58518', '#d62728']),
    shape: cls(['circle', 'cross', 'diamond']),
    // Becomes each mark's aria-label: names the trial in the SVG text.
    description: { field: 'label', type: 'nominal' },
  } as const;
  const isFront = `datum.cls === 'Pareto front'`;
  const hasY = 'datum.y !== null';
  const layers: unknown[] = [
    { name: 'trials', transform: [{ filter: `${hasY} && !(${isFront})` }], mark: { type: 'point', filled: true, size: 28, opacity: 0.6 }, encoding },
    {
      name: 'noy',
      transform: [{ filter: `!(${hasY})` }],
      mark: { type: 'point', filled: true, size: 28, opacity: 0.6 },
      encoding: { ...encoding, y: { value: PANEL.height - 4 } },
    },
    { name: FRONT_LAYER, transform: [{ filter: isFront }], mark: { type: 'point', filled: true, size: 90, opacity: 1 }, encoding },
  ];
  if (o.joinFront) {
    layers.splice(1, 0, {
      name: 'frontline',
      transform: [{ filter: isFront }],
      mark: { type: 'line', color: '#d62728', strokeWidth: 1, opacity: 0.6 },
      encoding: { x, y, order: { field: 'x', type: 'quantitative' } },
    });
  }
  for (const [k, b] of (o.bounds ?? []).entries()) {
    // One row per run, so each panel of the facet draws the rule once.
    layers.unshift({
      name: `bound${k}`,
      transform: [{ aggregate: [{ op: 'count', as: 'n' }], groupby: ['run'] }],
      mark: { type: 'rule', strokeDash: [4, 3], color: '#888' },
      encoding: { [b.axis]: { datum: b.value, type: 'quantitative' } },
    });
  }
  return {
    data: { values: o.points.map((p) => ({ ...p, label: `trial ${p.trial}, ${p.run}` })) },
    facet: { column: { field: 'run', type: 'nominal', title: null, sort: [...o.runs], header: { labelFontSize: 12 } } },
    spec: { ...PANEL, layer: layers },
    config: { legend: { orient: 'bottom' } },
  } as TopLevelSpec;
}

/** One step of a run's hypervolume curve. */
export interface HvPoint {
  readonly run: string;
  readonly trials: number;
  readonly hv: number;
}

/** Hypervolume after each finished trial, one line per run. */
export function hypervolumeSpec(points: readonly HvPoint[]): TopLevelSpec {
  return {
    width: 520,
    height: 260,
    data: { values: points as HvPoint[] },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
    encoding: {
      x: { field: 'trials', type: 'quantitative', title: 'finished trials' },
      y: { field: 'hv', type: 'quantitative', title: 'hypervolume (↑ better)' },
      color: { field: 'run', type: 'nominal', title: null, sort: null },
    },
    config: { legend: { orient: 'bottom' } },
  } as TopLevelSpec;
}

/**
 * Renders a Vega-Lite spec to an SVG string. `idPrefix` makes the SVG's element ids (clip paths, gradients)
 * unique when several SVGs are inlined in one page.
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none', logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    return svg.replace(/\bid="([^"]+)"/g, `id="${idPrefix}-$1"`).replace(/url\(#([^)]+)\)/g, `url(#${idPrefix}-$1)`);
  } finally {
    view.finalize();
  }
}
