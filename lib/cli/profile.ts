/**
 * `hwnas profile --target ort-cpu`: measures this CPU's per-operator latencies in onnxruntime-node, fits the
 * whole-network correction, validates on held-out random networks and writes the versioned predictor file
 * the `ort-cpu` hardware model reads (lib/profile/profile.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, HwnasError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { decodeModel } from '../onnx/proto.js';
import { DEFAULT_PROFILE, measureOnnx, runProfile } from '../profile/profile.js';
import { finalistsOf, measureFinalists } from '../profile/finalists.js';
import { DEFAULT_RECALIBRATION_PANEL, recalibrateFile } from '../profile/recalibrate.js';
import { loadRun } from '../report/load.js';
import { SearchSpace } from '../space/search-space.js';
import { PRESET_NAMES, type PresetName } from '../space/presets/index.js';
import { loadPredictor, predictorPath } from '../../hardware/predictor/predictor.js';
import { FlagReader } from './flags.js';
import { ProgressReporter, type ProgressMode } from './progress.js';

interface ProfileFlags {
  target: string;
  threads?: string;
  warmup?: string;
  repeats?: string;
  statistic?: string;
  space?: string;
  calibration?: string;
  validate?: string;
  grid: boolean;
  seed?: string;
  out?: string;
  quiet?: boolean;
  json?: boolean;
  measure?: string;
  latencyMs?: string;
  predictor?: string;
  measureRun?: string;
  finalists?: string;
  recalibrate?: boolean;
  panel?: string;
}

/**
 * `hwnas profile --measure-run <dir>`: the run's most accurate predicted-feasible trials timed in onnxruntime-node,
 * and the most accurate one that meets the latency target measured (lib/profile/finalists.ts).
 */
async function measureRun(f: ProfileFlags): Promise<void> {
  const r = new FlagReader();
  const dir = f.measureRun!;
  const n = r.int('finalists', f.finalists, 1, 1000);
  let target = r.positive('latency-ms', f.latencyMs);
  if (r.issues.length > 0) throw new ConfigError(r.issues, 'hwnas profile --measure-run: bad arguments');
  const run = loadRun(dir);
  const space = new SearchSpace(run.record.space);
  if (space.meta.family !== 'lu2019') throw new HwnasError('INPUT_UNSUPPORTED_SPACE', `${dir} searched space "${space.name}": only lu2019-family networks can be measured`);
  target ??= run.record.constraints.find((c) => c.metric === 'latencyMs' && c.max !== undefined)?.max;
  if (target === undefined) throw new ConfigError([{ path: '--latency-ms', message: `${dir} has no latency constraint; give the target with --latency-ms` }], 'hwnas profile --measure-run: bad arguments');
  const predictor = loadPredictor(f.predictor ?? predictorPath('ort-cpu'));
  const trials = finalistsOf(run.trials, n!);
  if (trials.length === 0) throw new HwnasError('INPUT_TRIAL_UNUSABLE', `${dir} has no feasible trial to measure`);
  const m = (await measureFinalists(predictor, space, new Map([['run', trials]]), target)).get('run')!;
  if (f.json) {
    process.stdout.write(JSON.stringify({ event: 'measure-run', run: dir, targetMs: target, finalists: m.finalists, winner: m.winner }) + '\n');
    return;
  }
  process.stdout.write(`${dir}: ${m.finalists.length} finalist(s) timed in ${predictor.file.machine.runtime} ${predictor.file.machine.runtimeVersion} (${predictor.file.settings.statistic} of ≥ 201 repeats), target ${target} ms\n`);
  process.stdout.write('  trial  accuracy  predicted ms  measured ms (raw)   meets\n');
  for (const x of m.finalists) {
    process.stdout.write(`  #${String(x.trial).padEnd(5)} ${(100 * x.accuracy).toFixed(2).padStart(7)}%  ${x.predictedMs.toFixed(4).padStart(12)}  ${x.ms.toFixed(4).padStart(11)} (${x.rawMs.toFixed(4)})   ${x.meets ? 'yes' : 'NO'}\n`);
  }
  process.stdout.write(m.winner ? `winner measured: trial ${m.winner.trial} (${(100 * m.winner.accuracy).toFixed(2)} %): hwnas export --run ${dir} --trial ${m.winner.trial}\n` : `no finalist meets ${target} ms measured; try more --finalists\n`);
}

/** `hwnas profile --measure model.onnx`: the model's latency in onnxruntime-node, timed as the predictor was. */
async function measureFile(f: ProfileFlags): Promise<void> {
  const r = new FlagReader();
  const target = r.positive('latency-ms', f.latencyMs);
  const file = f.measure!;
  if (!fs.existsSync(file)) r.add('--measure', `file ${file} does not exist`);
  if (r.issues.length > 0) throw new ConfigError(r.issues, 'hwnas profile --measure: bad arguments');
  const predictor = loadPredictor(f.predictor ?? predictorPath('ort-cpu'));
  const bytes = new Uint8Array(fs.readFileSync(file));
  const model = decodeModel(bytes);
  const dims = model.graph.input[0]?.type?.tensorType?.shape?.dim ?? [];
  const shape = dims.map((d) => ('dimValue' in d && d.dimValue ? Number(d.dimValue) : 1));
  const repeats = r.int('repeats', f.repeats, 3, 100_000);
  const m = await measureOnnx(predictor, bytes, shape, { repeats: f.repeats === String(DEFAULT_PROFILE.repeats) ? undefined : repeats });
  // Judged conservatively: both the normalised and the raw figure must meet it (the speed reference can err).
  const meets = target === undefined ? undefined : Math.max(m.ms, m.rawMs) <= target;
  if (f.json) {
    process.stdout.write(JSON.stringify({ event: 'measure', file, ...m, targetMs: target ?? null, meets: meets ?? null }) + '\n');
  } else {
    process.stdout.write(`${file}: ${m.ms.toFixed(4)} ms at the predictor's load level (${m.rawMs.toFixed(4)} ms as timed now; ${m.repeats} repeats, ${predictor.file.settings.statistic}, spread ${(100 * m.spread).toFixed(0)} %) in ${predictor.file.machine.runtime} ${predictor.file.machine.runtimeVersion}, ${predictor.file.machine.threads} thread(s)${target === undefined ? '' : meets ? `; meets the target ${target} ms` : `; MISSES the target ${target} ms`}\n`);
  }
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/**
 * `hwnas search --recalibrate`: before a search with `--model ort-cpu` predicts anything, the stored predictor is
 * recalibrated to the machine's speed now and the map stored in its file (which the pool workers read). Not on
 * `--resume`: a resumed run keeps the predictions it had. Says what it did on stderr.
 */
export async function recalibrateForSearch(model: string | undefined, resume: boolean): Promise<void> {
  if (model !== 'ort-cpu') throw new ConfigError([{ path: '--recalibrate', message: `applies to --model ort-cpu (the measured CPU predictor), not to ${model ?? 'the default model'}` }], 'hwnas search: bad arguments');
  if (resume) {
    process.stderr.write('hwnas: --recalibrate ignored on --resume (the run keeps the predictor as it was)\n');
    return;
  }
  const file = predictorPath('ort-cpu');
  const res = await recalibrateFile(file);
  const c = res.recalibration;
  process.stderr.write(`hwnas: ort-cpu predictor recalibrated on ${c.panel} networks in ${(res.wallMs / 1000).toFixed(1)} s (${c.map}; panel within ±10 %: ${pct(c.before.within10)} stored → ${pct(c.after.within10)} leave-one-out); stored in ${file}\n`);
}

/**
 * `hwnas profile --recalibrate`: re-times the recalibration panel now, fits the map from the stored predictions to the
 * machine's speed now (lib/profile/recalibrate.ts) and stores it in the predictor file, which every later search,
 * pool worker and `--measure` reads.
 */
async function recalibrateCommand(f: ProfileFlags): Promise<void> {
  const r = new FlagReader();
  const panel = r.int('panel', f.panel, 8, 10_000);
  if (r.issues.length > 0) throw new ConfigError(r.issues, 'hwnas profile --recalibrate: bad arguments');
  const file = f.predictor ?? f.out ?? predictorPath('ort-cpu');
  loadPredictor(file); // says what to run when it is missing or old, before any timing
  const mode: ProgressMode = f.quiet ? 'quiet' : f.json ? 'json' : 'auto';
  const progress = new ProgressReporter('profile: recalibration panel', mode);
  const t0 = Date.now();
  const res = await recalibrateFile(file, {
    panel: panel!,
    onProgress: (done, total) => {
      const el = Date.now() - t0;
      progress.update({ done, total, etaMs: done > 0 ? (el / done) * (total - done) : undefined });
    },
  });
  progress.stop();
  const c = res.recalibration;
  if (f.json) {
    process.stdout.write(JSON.stringify({ event: 'recalibrate', predictor: file, wallMs: res.wallMs, recalibration: c }) + '\n');
    return;
  }
  if (f.quiet) return;
  process.stdout.write(`recalibrated ${file} on ${c.panel} networks timed now in ${(res.wallMs / 1000).toFixed(1)} s (load average ${c.loadAvg.toFixed(1)}): ${c.map === 'identity' ? 'the stored predictions kept (no fit predicted the panel better)' : `now ≈ ${c.a.toFixed(3)} × profile ${c.b < 0 ? '−' : '+'} ${Math.abs(1000 * c.b).toFixed(1)} µs${c.map === 'ridge' ? ` + per-group terms (λ ${c.lambda})` : ''}`}\n`);
  process.stdout.write(`panel within ±10 %: stored ${pct(c.before.within10)} (RMSE ${c.before.rmsePct.toFixed(1)} %) → recalibrated ${pct(c.after.within10)} (RMSE ${c.after.rmsePct.toFixed(1)} %, leave-one-out)\n`);
}

/** Registers `hwnas profile`. */
export function register(program: Command): void {
  program
    .command('profile')
    .description('measure a latency predictor for a real target (this CPU in onnxruntime-node) and store it')
    .option('--target <name>', 'target to profile (ort-cpu)', 'ort-cpu')
    .option('--threads <n>', 'intra-op threads of each ORT session', String(DEFAULT_PROFILE.threads))
    .option('--warmup <n>', 'untimed runs per graph', String(DEFAULT_PROFILE.warmup))
    .option('--repeats <n>', 'timed runs per graph (the --statistic of them is kept)', String(DEFAULT_PROFILE.repeats))
    .option('--statistic <s>', 'figure kept of the repeats: min (robust under load), q10, q25, median', DEFAULT_PROFILE.statistic)
    .option('--space <names>', `spaces whose operators are tabulated, comma-separated (${PRESET_NAMES.filter((n) => n.startsWith('lu2019')).join(', ')})`, DEFAULT_PROFILE.spaces.join(','))
    .option('--calibration <n>', 'whole networks timed to fit the correction', String(DEFAULT_PROFILE.calibrationNetworks))
    .option('--validate <n>', 'held-out random networks to validate on (0: none)', String(DEFAULT_PROFILE.validationNetworks))
    .option('--no-grid', 'skip the generic operator grid (strides, depthwise, activations)')
    .option('--seed <n>', 'seed of the sampled networks and weights', String(DEFAULT_PROFILE.seed))
    .option('--out <file>', `predictor file (default ${predictorPath('ort-cpu')})`)
    .option('--quiet', 'no progress')
    .option('--json', 'one JSON object per event on stdout')
    .option('--measure <file.onnx>', 'instead of profiling: time this ONNX model as the predictor was timed (e.g. an exported winner)')
    .option('--measure-run <dir>', "instead of profiling: time a run's most accurate feasible trials and pick the most accurate that meets the target measured")
    .option('--finalists <n>', 'with --measure-run: trials to time', '8')
    .option('--latency-ms <ms>', "with --measure / --measure-run: the target (--measure-run: default the run's latency constraint)")
    .option('--predictor <file>', `with --measure / --measure-run / --recalibrate: the predictor file (default ${predictorPath('ort-cpu')})`)
    .option('--recalibrate', "instead of profiling: re-time a panel of networks now and store the map from the stored predictions to the machine's speed now in the predictor file (seconds)")
    .option('--panel <n>', 'with --recalibrate: networks timed', String(DEFAULT_RECALIBRATION_PANEL))
    .action(async (f: ProfileFlags) => {
      if (f.recalibrate) return recalibrateCommand(f);
      if (f.measure !== undefined) return measureFile(f);
      if (f.measureRun !== undefined) return measureRun(f);
      const r = new FlagReader();
      const target = r.oneOf('target', f.target, ['ort-cpu'] as const);
      const threads = r.int('threads', f.threads, 1, 64);
      const warmup = r.int('warmup', f.warmup, 0, 1000);
      const repeats = r.int('repeats', f.repeats, 3, 100_000);
      const statistic = r.oneOf('statistic', f.statistic, ['median', 'q25', 'q10', 'min'] as const);
      const calibration = r.int('calibration', f.calibration, 8, 10_000);
      const validate = r.int('validate', f.validate, 0, 100_000);
      const seed = r.int('seed', f.seed, 0, 2 ** 31 - 1);
      const spaces = (f.space ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const lu = PRESET_NAMES.filter((n) => n.startsWith('lu2019'));
      for (const s of spaces) if (!(lu as string[]).includes(s)) r.add('--space', `unknown space "${s}"; known: ${lu.join(', ')}`);
      if (spaces.length === 0) r.add('--space', 'name at least one space');
      const out = f.out ?? predictorPath('ort-cpu');
      // Writable where it would be created: the nearest existing ancestor of its directory (created after the checks).
      let dir = path.dirname(path.resolve(out));
      while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
      try {
        fs.accessSync(dir, fs.constants.W_OK);
      } catch (err) {
        r.add('--out', `cannot write to ${dir}: ${(err as Error).message}`);
      }
      if (r.issues.length > 0) throw new ConfigError(r.issues, 'hwnas profile: bad arguments');
      fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
      const mode: ProgressMode = f.quiet ? 'quiet' : f.json ? 'json' : 'auto';
      let progress = new ProgressReporter('profile', mode);
      const t0 = Date.now();
      let phaseStart = Date.now();
      const result = await runProfile({
        ...DEFAULT_PROFILE,
        target: target!,
        spaces: spaces as PresetName[],
        threads: threads!,
        warmup: warmup!,
        repeats: repeats!,
        statistic: statistic!,
        calibrationNetworks: calibration!,
        validationNetworks: validate!,
        grid: f.grid,
        seed: seed!,
        onPhase: (phase) => {
          progress.stop();
          progress = new ProgressReporter(`profile: ${phase}`, mode);
          phaseStart = Date.now();
        },
        onProgress: (done, total) => {
          const el = Date.now() - phaseStart;
          progress.update({ done, total, etaMs: done > 0 ? (el / done) * (total - done) : undefined });
        },
      });
      progress.stop();
      const file = result.file;
      writeFileAtomic(out, JSON.stringify(file, null, 1) + '\n', 'PREDICTOR_WRITE');
      const v = file.validation;
      if (f.json) {
        process.stdout.write(JSON.stringify({ event: 'profile', out, wallMs: Date.now() - t0, machine: file.machine, operators: Object.keys(file.table).length, overheadMs: file.overheadMs, correction: file.correction, validation: v }) + '\n');
        return;
      }
      if (f.quiet) return;
      const m = file.machine;
      process.stdout.write(`profiled ${Object.keys(file.table).length} operators on ${m.cpu} (${m.cores} cores), ${m.runtime} ${m.runtimeVersion}, ${m.threads} thread${m.threads > 1 ? 's' : ''}, ${file.settings.repeats} repeats (${file.settings.statistic}) in ${((Date.now() - t0) / 1000).toFixed(0)} s; load average ${m.loadAvg.map((x) => x.toFixed(1)).join(' → ')}\n`);
      process.stdout.write(`run overhead ${(file.overheadMs * 1000).toFixed(1)} µs; correction ${file.correction.kind} (leave-one-out RMSE ${Object.entries(file.correction.candidates).map(([k, c]) => `${k} ${c.looRmsePct.toFixed(1)} %`).join(', ')})\n`);
      const d = file.opDeltas;
      process.stdout.write(d ? `per-operator departures for ${Object.keys(d.ms).length} operators (λ ${d.lambda}): leave-one-out RMSE ${d.looRmsePct.toFixed(1)} % against ${d.baseRmsePct.toFixed(1)} % without\n` : 'no per-operator departures (none predicted the calibration networks better)\n');
      if (v) {
        const a = v.accuracy;
        process.stdout.write(`validation on ${v.networks} held-out networks: ${pct(a.within10)} within ±10 %, Kendall τ ${a.kendallTau.toFixed(3)}, RMSE ${a.rmsePct.toFixed(1)} % (raw, without the speed reference: ${pct(v.rawAccuracy.within10)}, τ ${v.rawAccuracy.kendallTau.toFixed(3)}); measurement noise (IQR/median of the repeats) ${pct(v.noise)}\n`);
        if (v.repeatAgreement) process.stdout.write(`noise floor: the same networks measured twice agree within ±10 % for ${pct(v.repeatAgreement.raw)} raw, ${pct(v.repeatAgreement.normalised)} normalised\n`);
      }
      process.stdout.write(`written ${out}\n`);
    });
}
