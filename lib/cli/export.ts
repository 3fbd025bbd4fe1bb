/**
 * `hwnas export --run <dir> (--trial N | --best | --front) --out <file|dir>`: trained winners of a search →
 * ONNX (QDQ fixed point, or plain float), each verified in onnxruntime-node against our own quantized
 * inference on the dataset's test images before it is written (lib/onnx/export-run.ts).
 */
import type { Command } from 'commander';
import { ConfigError, HwnasError, isInputError, type ErrorCode } from '../errors.js';
import { exportRun, type ExportedModel, type Selection } from '../onnx/export-run.js';
import { DEFAULT_VERIFY } from '../onnx/verify.js';
import { FlagReader } from './flags.js';

interface ExportFlags {
  run?: string;
  trial?: string;
  best?: boolean;
  front?: boolean;
  out?: string;
  testImages?: string;
  logitTolerance?: string;
  checker?: boolean;
  json?: boolean;
  task?: string;
  proxy?: boolean;
}

function pct(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(2)} %`;
}

function describe(m: ExportedModel): string {
  const lines = [`trial ${m.trial} → ${m.file} (${m.bytes} bytes, opset ${m.opset}${m.float ? ', float' : ', QDQ'})`];
  const r = m.retrained;
  lines.push(
    r
      ? `  weights: retrained (hwnas train: ${r.epochs} epochs on ${r.trainImages} images; validation ${pct(r.valAccuracy)}, test ${pct(r.testAccuracy)}; search-time validation ${pct(m.metrics.accuracy)})`
      : `  weights: search-time (proxy-trained; validation ${pct(m.metrics.accuracy)})`,
  );
  for (const s of m.verification.sets) {
    const expected = s.expectedAccuracy !== undefined ? `, recorded ${pct(s.expectedAccuracy)}` : '';
    lines.push(
      `  ${s.name}: same class on ${pct(s.agreement)} of ${s.images}, logits equal within float32 rounding on ${pct(s.exactFraction)}, ` +
        `max |Δlogit| ${s.maxAbsLogitDiff.toExponential(2)} (tolerance ${s.logitTolerance.toExponential(2)}), ` +
        `accuracy ONNX ${pct(s.onnxAccuracy)} / ours ${pct(s.ourAccuracy)}${expected}`,
    );
  }
  const c = m.checker;
  lines.push(`  ONNX checker: ${c === null ? 'not run (--no-checker)' : c.status === 'passed' ? `passed (onnx ${c.onnxVersion})` : `${c.status}: ${'message' in c ? c.message : ''}`}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('export')
    .description('export trained winners of a run to ONNX, each verified in onnxruntime-node against our own inference')
    .option('--run <dir>', 'run directory (journal.jsonl, summary.json, models/)')
    .option('--trial <n>', 'export this trial')
    .option('--best', 'export the feasible complete trial with the highest accuracy')
    .option('--front', "export the run's Pareto front (summary.json) into the --out directory")
    .option('--out <path>', 'the .onnx file to write (a directory with --front)')
    .option('--test-images <n>', 'verify on this many test images (default: the whole test set)')
    .option('--logit-tolerance <x>', `largest allowed logit difference on any image, relative to 1 + max |logit| (default ${DEFAULT_VERIFY.logitTolerance}); see lib/onnx/verify.ts`)
    .option('--no-checker', 'do not run the ONNX checker (python3-onnx) even if installed')
    .option('--task <name>', 'a NASAIC run: the task whose network to export (t1, t2)')
    .option('--proxy', 'export the search-time (proxy-trained) weights even where hwnas train left a retrained model')
    .option('--json', 'one JSON line per exported model on stdout')
    .action(async (flags: ExportFlags) => {
      const r = new FlagReader();
      if (!flags.run) r.add('--run', 'is required: the run directory to export from');
      if (!flags.out) r.add('--out', 'is required: the .onnx file (or, with --front, the directory) to write');
      const chosen = [flags.trial !== undefined, Boolean(flags.best), Boolean(flags.front)].filter(Boolean).length;
      if (chosen !== 1) r.add('--trial/--best/--front', `give exactly one of --trial <n>, --best, --front${chosen > 1 ? ' (several given)' : ''}`);
      const trial = r.int('trial', flags.trial, 0);
      const testImages = r.int('test-images', flags.testImages, 1);
      const logitTolerance = r.positive('logit-tolerance', flags.logitTolerance);
      if (r.issues.length > 0) throw new ConfigError(r.issues, 'hwnas export: bad arguments');
      const select: Selection = flags.front ? { kind: 'front' } : flags.best ? { kind: 'best' } : { kind: 'trial', trial: trial! };
      let models: ExportedModel[];
      try {
        models = await exportRun({
          run: flags.run!,
          select,
          out: flags.out!,
          ...(testImages !== undefined ? { testImages } : {}),
          ...(logitTolerance !== undefined ? { verify: { logitTolerance } } : {}),
          checker: flags.checker !== false,
          ...(flags.task !== undefined ? { task: flags.task } : {}),
          proxy: Boolean(flags.proxy),
          log: flags.json ? undefined : (line) => process.stderr.write(`${line}\n`),
        });
      } catch (err) {
        // Bad input names the flag it came from: exit code 2, nothing written.
        // A damaged or empty journal is bad input too: the --run given is not a usable run.
        const journal: readonly ErrorCode[] = ['JOURNAL_CORRUPT', 'JOURNAL_VERSION', 'RUN_EMPTY'];
        if (isInputError(err)) {
          const runLevel = (['INPUT_NO_RUN', 'INPUT_BAD_RUN', 'INPUT_NO_FEASIBLE', 'INPUT_UNSUPPORTED_SPACE', ...journal] as readonly ErrorCode[]).includes(err.code);
          const where = err.code === 'INPUT_OUT' ? '--out' : select.kind === 'trial' && !runLevel ? '--trial' : '--run';
          throw new ConfigError([{ path: where, message: err.message }], 'hwnas export: bad arguments');
        }
        throw err;
      }
      for (const m of models) {
        process.stdout.write(flags.json ? JSON.stringify({ event: 'exported', ...m }) + '\n' : describe(m) + '\n');
      }
    });
}
