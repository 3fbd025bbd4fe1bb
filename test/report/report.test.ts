import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import type { Evaluator } from '../../lib/eval/evaluator.js';
import { vectorSpace } from '../../lib/space/index.js';
import { JournalStorage } from '../../lib/study/journal-storage.js';
import { createStudy } from '../../lib/study/study.js';
import { studyHypervolume, type HypervolumeSpec } from '../../lib/study/summary.js';
import type { FinishedTrial, Objective } from '../../lib/trial/index.js';
import { hypervolumeCurve, renderReport } from '../../lib/report/html.js';
import { loadRun, type LoadedRun } from '../../lib/report/load.js';
import { register } from '../../lib/cli/report.js';
import { ProblemEvaluator, type Problem } from '../../problems/problem.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hwnas-report-'));

// A toy joint hardware/NN problem: x1 ~ network size, x2 ~ parallelism, x3 ~ quantization aggressiveness.
const jointSpace = vectorSpace('toy-joint', 3);
const joint: Problem = {
  name: 'toy-joint',
  space: jointSpace,
  objectives: [
    { metric: 'accuracy', direction: 'maximize' },
    { metric: 'throughput', direction: 'maximize' },
    { metric: 'luts', direction: 'minimize' },
  ],
  constraints: [{ metric: 'luts', max: 45000 }],
  hypervolume: { reference: [1.1, 1.1, 1.1], ideal: [-1, -4000, 0], nadir: [-0.5, 0, 100000] },
  evaluate(g) {
    const [x1, x2, x3] = [g.x1, g.x2, g.x3] as number[];
    return {
      accuracy: 0.55 + 0.4 * (1 - (1 - x1) ** 2) - 0.05 * x3,
      throughput: 200 + 3000 * x2 * (1 - 0.7 * x1) + 500 * x3,
      luts: Math.round(8000 + 60000 * x2 * (0.5 + x1) * (1 - 0.4 * x3)),
    };
  },
};
// As the two-stage evaluator does: infeasible designs are never trained (no accuracy); some trainings fail.
const jointEvaluator: Evaluator = {
  async evaluate(requests) {
    const results = await new ProblemEvaluator(joint).evaluate(requests);
    return results.map((r, i) => {
      if ((requests[i].genome.x3 as number) > 0.93) return { status: 'failed' as const, metrics: {}, violations: {}, error: 'diverged' };
      if (r.status !== 'infeasible') return r;
      const { accuracy: _dropped, ...hardware } = r.metrics;
      return { ...r, metrics: hardware };
    });
  },
};

const sphereSpace = vectorSpace('sphere', 2);
const sphere: Problem = {
  name: 'sphere',
  space: sphereSpace,
  objectives: [
    { metric: 'f1', direction: 'minimize' },
    { metric: 'f2', direction: 'minimize' },
  ],
  constraints: [{ metric: 'f1', max: 1.2 }],
  hypervolume: { reference: [2, 2] },
  evaluate(g) {
    const x = [g.x1, g.x2] as number[];
    return { f1: x.reduce((s, v) => s + v * v, 0), f2: x.reduce((s, v) => s + (v - 1) ** 2, 0) };
  },
};

/** Runs a real search into a fresh run directory; returns the directory and the study's own finished trials. */
async function makeRun(problem: Problem, seed: number, trials: number, evaluator: Evaluator = new ProblemEvaluator(problem), keepOpen = false) {
  const dir = tmp();
  const study = await createStudy({
    space: problem.space,
    objectives: problem.objectives,
    constraints: problem.constraints,
    strategy: { name: 'random', options: { batchSize: 5 } },
    seed,
    meta: { kind: 'problem', problem: problem.name, hypervolume: problem.hypervolume },
    storage: JournalStorage.open(dir),
  });
  const finished = await study.optimize({ evaluator, termination: { trials } });
  if (!keepOpen) await study.close();
  return { dir, finished, study };
}

/** The Pareto front by brute force (feasible complete trials, one per distinct design), as trial numbers. */
function bruteFront(trials: readonly FinishedTrial[], objectives: readonly Objective[]): number[] {
  const pts = trials
    .filter((t) => t.status === 'complete' && Object.values(t.violations).every((v) => v <= 0))
    .map((t) => ({ t, p: objectives.map((o) => (o.direction === 'minimize' ? 1 : -1) * t.metrics[o.metric]) }));
  const dominated = (a: number[], b: number[]) => b.every((v, i) => v <= a[i]) && b.some((v, i) => v < a[i]);
  const seen = new Set<string>();
  return pts
    .filter(({ p }) => !pts.some((q) => dominated(p, q.p)))
    .filter(({ t }) => (seen.has(t.key) ? false : (seen.add(t.key), true)))
    .map(({ t }) => t.number)
    .sort((a, b) => a - b);
}

/** The trials named by the marks of layer `layer` (`<layer>_marks` groups) in one SVG: `trial N, run` from each mark's aria-label. */
function layerMarks(svg: string, layer: string): { trial: number; run: string }[] {
  const marks: { trial: number; run: string }[] = [];
  for (const [, group] of svg.matchAll(new RegExp(`<g class="mark-symbol role-mark ${layer}_marks"[^>]*>([\\s\\S]*?)</g>`, 'g'))) {
    const paths = group.match(/<path /g) ?? [];
    const labels = [...group.matchAll(/aria-label="trial (\d+), ([^"]*)"/g)].map((m) => ({ trial: Number(m[1]), run: m[2] }));
    expect(labels).toHaveLength(paths.length);
    marks.push(...labels);
  }
  return marks.sort((a, b) => a.run.localeCompare(b.run) || a.trial - b.trial);
}

/** The inline SVGs of a report that hold a scatter (a front layer). */
const scatterSvgs = (html: string): string[] => [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]).filter((svg) => svg.includes('front_marks'));

describe('report', () => {
  let runA: Awaited<ReturnType<typeof makeRun>>;
  let runB: Awaited<ReturnType<typeof makeRun>>;
  let html: string;
  beforeAll(async () => {
    runA = await makeRun(joint, 1, 40, jointEvaluator);
    runB = await makeRun(joint, 2, 40, jointEvaluator);
    html = await renderReport([loadRun(runA.dir), loadRun(runB.dir)]);
  });

  it('loads a run read-only while its search holds the lock, skipping a torn last line', async () => {
    const { dir, study, finished } = await makeRun(sphere, 3, 12, undefined, true);
    try {
      const run = loadRun(dir);
      expect(run.trials.map((t) => t.key)).toEqual(finished.map((t) => t.key));
      expect(run.label).toBe('random (seed 3)');
      expect(run.hypervolume).toEqual(sphere.hypervolume);
      const file = path.join(dir, 'journal.jsonl');
      fs.appendFileSync(file, '{"type":"result","at":"x","numb');
      const size = fs.statSync(file).size;
      const warnings: string[] = [];
      expect(loadRun(dir, { warn: (m) => warnings.push(m) }).trials).toHaveLength(12);
      expect(warnings.join()).toMatch(/torn/);
      expect(fs.statSync(file).size).toBe(size); // never repairs: the search owns the file
    } finally {
      await study.close();
    }
  });

  it('rejects a journal damaged before its last line, and a directory without a journal', async () => {
    const { dir } = await makeRun(sphere, 4, 5);
    const file = path.join(dir, 'journal.jsonl');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2].slice(0, 10);
    fs.writeFileSync(file, lines.join('\n'));
    expect(() => loadRun(dir)).toThrow(/line 3 is not valid JSON/);
    expect(() => loadRun(tmp())).toThrow(expect.objectContaining({ code: 'INPUT_NO_RUN' }));
  });

  it('draws one front mark per front point in every scatter, side by side per run, infeasible designs marked', () => {
    const scatters = scatterSvgs(html);
    // accuracy against throughput and against luts (the two plots the issue names); no others for these objectives.
    expect(html).toMatch(/<h3>accuracy against throughput<\/h3>/);
    expect(html).toMatch(/<h3>accuracy against luts<\/h3>/);
    expect(scatters).toHaveLength(2);
    const named = (run: string) => (trial: number) => ({ trial, run });
    const front = [
      ...bruteFront(runA.finished, joint.objectives).map(named('random (seed 1)')),
      ...bruteFront(runB.finished, joint.objectives).map(named('random (seed 2)')),
    ];
    expect(front.length).toBeGreaterThan(4);
    // Infeasible designs were never trained: no accuracy, so they sit on the bottom edge at their hardware figure.
    const untrained = [
      ...runA.finished.filter((t) => t.status === 'infeasible').map((t) => t.number).map(named('random (seed 1)')),
      ...runB.finished.filter((t) => t.status === 'infeasible').map((t) => t.number).map(named('random (seed 2)')),
    ];
    expect(untrained.length).toBeGreaterThan(0);
    const plotted = [...runA.finished, ...runB.finished].filter((t) => t.status !== 'failed').length;
    for (const svg of scatters) {
      expect(layerMarks(svg, 'front')).toEqual(front);
      expect(layerMarks(svg, 'noy')).toEqual(untrained);
      expect(layerMarks(svg, 'front').length + layerMarks(svg, 'noy').length + layerMarks(svg, 'trials').length).toBe(plotted);
    }
    expect(html).toContain(`${untrained.length} trials without accuracy (e.g. infeasible designs, never trained) on the bottom edge`);
    const failed = [...runA.finished, ...runB.finished].filter((t) => t.status === 'failed').length;
    expect(failed).toBeGreaterThan(0);
    expect(html).toContain(`${failed} failed trials not shown`);
  });

  it('is self-contained: no scripts, no external resources', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '')).not.toMatch(/https?:\/\//);
    // Element ids stay unique across the inlined SVGs.
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('computes hypervolume over trials exactly as recomputing from every prefix', () => {
    const run = loadRun(runA.dir);
    const spec = run.hypervolume as HypervolumeSpec;
    const curve = hypervolumeCurve('a', run.trials, joint.objectives, spec);
    expect(curve).toHaveLength(run.trials.length);
    curve.forEach((p, i) => {
      expect(p.trials).toBe(i + 1);
      expect(p.hv).toBeCloseTo(studyHypervolume(run.trials.slice(0, i + 1), joint.objectives, spec), 12);
    });
    expect(curve.at(-1)!.hv).toBeGreaterThan(curve[0].hv);
    // Both runs' curves are in the page, one line per run.
    const hvSvg = html.slice(html.indexOf('Hypervolume over trials'));
    expect(hvSvg).toMatch(/random \(seed 1\)/);
    expect(hvSvg).toMatch(/random \(seed 2\)/);
  });

  it('tabulates each front', () => {
    for (const [run, label] of [[runA, 'random (seed 1)'], [runB, 'random (seed 2)']] as const) {
      const front = bruteFront(run.finished, joint.objectives);
      const section = html.slice(html.indexOf(`<h3>${label}: ${front.length} designs</h3>`));
      const table = section.slice(0, section.indexOf('</table>'));
      const rows = [...table.matchAll(/<tr><td class="n">(\d+)<\/td>/g)].map((m) => Number(m[1]));
      expect(rows.sort((a, b) => a - b)).toEqual(front);
    }
  });

  it('joins a two-objective front and handles a derived hypervolume reference', async () => {
    const r = await makeRun(sphere, 5, 20);
    const loaded = loadRun(r.dir);
    const noSpec: LoadedRun = { ...loaded, hypervolume: null };
    const page = await renderReport([noSpec]);
    expect(page).toContain('frontline_marks');
    // The constraint f1 ≤ 1.2 is drawn once in the panel (f1 is the y axis).
    expect(page.match(/<g class="mark-rule role-mark bound0_marks"[^>]*><line [^>]*\/><\/g>/g)).toHaveLength(1);
    expect(page).toMatch(/constraint bounds dashed/);
    expect(page).toMatch(/no hypervolume spec in the run meta: objectives normalised/);
    const [scatter] = scatterSvgs(page);
    expect(layerMarks(scatter, 'front').map((m) => m.trial)).toEqual(bruteFront(r.finished, sphere.objectives));
  });

  it('puts the runs side by side in the order given', async () => {
    const page = await renderReport([loadRun(runB.dir), loadRun(runA.dir)]);
    const svg = scatterSvgs(page)[0];
    const header = svg.slice(svg.indexOf('role-column-header'), svg.indexOf('role-column-footer'));
    const headers = [...header.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(headers).toEqual(['random (seed 2)', 'random (seed 1)']);
  });

  it('plots a single objective against the trial number', async () => {
    const single: Problem = { ...sphere, objectives: [sphere.objectives[0]], hypervolume: { reference: [2] } };
    const r = await makeRun(single, 7, 15);
    const page = await renderReport([loadRun(r.dir)]);
    expect(page).toMatch(/<h3>f1 against trial number<\/h3>/);
    expect(layerMarks(scatterSvgs(page)[0], 'front').map((m) => m.trial)).toEqual(bruteFront(r.finished, single.objectives));
  });

  describe('hwnas report (CLI)', () => {
    const run = async (...args: string[]) => {
      const program = new Command().exitOverride();
      register(program);
      const out: string[] = [];
      const write = process.stdout.write;
      process.stdout.write = ((s: string) => (out.push(s), true)) as typeof process.stdout.write;
      try {
        await program.parseAsync(['node', 'hwnas', 'report', ...args]);
      } finally {
        process.stdout.write = write;
      }
      return out.join('');
    };

    it('writes the report file', async () => {
      const out = path.join(tmp(), 'report.html');
      expect(await run(runA.dir, runB.dir, '--out', out)).toMatch(/written .*: 2 runs, 80 finished trials/);
      expect(fs.readFileSync(out, 'utf8')).toContain('front_marks');
      expect(fs.readdirSync(path.dirname(out))).toEqual(['report.html']);
    });

    it('rejects bad input with every issue and writes nothing', async () => {
      const dir = tmp();
      const out = path.join(dir, 'r.html');
      const err = await run(path.join(dir, 'missing'), tmp(), '--out', path.join(dir, 'no', 'r.html')).catch((e) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.message).join('\n')).toMatch(/is not a directory[\s\S]*no journal\.jsonl[\s\S]*does not exist/);
      const sphereRun = await makeRun(sphere, 6, 5);
      await expect(run(runA.dir, sphereRun.dir, '--out', out)).rejects.toThrow(/must share objectives/);
      await expect(run(runA.dir, '--out', dir)).rejects.toThrow(/is a directory/);
      expect(fs.readdirSync(dir)).toEqual([]);
    });
  });

  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
  if (!chromium) console.warn('report test: Debian chromium is not installed (apt-get install chromium); the screenshot check is SKIPPED');
  it.skipIf(!chromium)('renders in headless Chromium to a non-blank page with the plots drawn', () => {
    const dir = tmp();
    const file = path.join(dir, 'report.html');
    const png = path.join(dir, 'shot.png');
    fs.writeFileSync(file, html);
    const r = spawnSync(
      chromium!,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${path.join(dir, 'profile')}`,
        `--screenshot=${png}`,
        '--window-size=1200,2000',
        `file://${file}`,
      ],
      { timeout: 90_000 },
    );
    expect(fs.existsSync(png), `chromium wrote no screenshot: ${r.stderr?.toString().slice(-500)}`).toBe(true);
    const img = PNG.sync.read(fs.readFileSync(png));
    expect([img.width, img.height]).toEqual([1200, 2000]);
    let ink = 0;
    let red = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      const [r0, g0, b0] = [img.data[i], img.data[i + 1], img.data[i + 2]];
      if (r0 < 240 || g0 < 240 || b0 < 240) ink++;
      // The front marks' colour (#d62728): present only if the SVG plots were drawn.
      if (Math.abs(r0 - 0xd6) < 20 && Math.abs(g0 - 0x27) < 20 && Math.abs(b0 - 0x28) < 20) red++;
    }
    expect(ink / (img.width * img.height)).toBeGreaterThan(0.02);
    expect(red).toBeGreaterThan(50);
  }, 120_000);
});
