/**
 * The official ONNX checker (`onnx.checker.check_model(model, full_check=True)`, which also runs shape
 * inference), through Python: Debian's `python3-onnx` (`apt-get install python3-onnx`). It is optional:
 * when Python or the onnx module is missing, or the installed onnx is older than the model's IR/opset
 * (Debian 12 ships onnx 1.12: IR ≤ 8, opset ≤ 17, so it cannot check the opset-21 int16 exports), the result
 * says so instead of passing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** What the checker said. */
export type CheckerResult =
  | { readonly status: 'passed'; readonly onnxVersion: string }
  | { readonly status: 'failed'; readonly onnxVersion: string; readonly message: string }
  /** The checker could not judge this model (no Python, no onnx module, or an onnx too old for it). */
  | { readonly status: 'unavailable'; readonly onnxVersion?: string; readonly message: string };

/** How to install the checker (for messages and the README). */
export const CHECKER_INSTALL_HINT = 'apt-get install python3-onnx (or: pip install onnx)';

const SCRIPT = `
import json, sys
try:
    import onnx
except Exception as e:
    print(json.dumps({"status": "unavailable", "message": "python module onnx not importable: %s" % e})); sys.exit(0)
v = onnx.__version__
m = onnx.load(sys.argv[1])
opset = max([o.version for o in m.opset_import if o.domain in ("", "ai.onnx")] or [0])
max_opset = onnx.defs.onnx_opset_version()
if m.ir_version > onnx.IR_VERSION or opset > max_opset:
    print(json.dumps({"status": "unavailable", "onnxVersion": v, "message": "onnx %s checks IR <= %d and opset <= %d; this model is IR %d, opset %d" % (v, onnx.IR_VERSION, max_opset, m.ir_version, opset)})); sys.exit(0)
try:
    onnx.checker.check_model(m, full_check=True)
except Exception as e:
    print(json.dumps({"status": "failed", "onnxVersion": v, "message": str(e)})); sys.exit(0)
print(json.dumps({"status": "passed", "onnxVersion": v}))
`;

/** The Python interpreter to use: env `HWNAS_PYTHON`, else /usr/bin/python3. */
export function checkerPython(): string {
  return process.env.HWNAS_PYTHON || '/usr/bin/python3';
}

/** Runs the ONNX checker on a model file. */
export function checkOnnxFile(file: string, python = checkerPython()): CheckerResult {
  if (!fs.existsSync(python)) return { status: 'unavailable', message: `${python} not found; install the checker: ${CHECKER_INSTALL_HINT}` };
  const r = spawnSync(python, ['-c', SCRIPT, file], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return { status: 'unavailable', message: `could not run ${python}: ${r.error.message}` };
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as CheckerResult;
    if (parsed.status === 'unavailable' && !parsed.onnxVersion) {
      return { ...parsed, message: `${parsed.message}; install the checker: ${CHECKER_INSTALL_HINT}` };
    }
    return parsed;
  } catch {
    return { status: 'failed', onnxVersion: '?', message: `the checker exited with ${r.status}: ${(r.stderr || r.stdout).trim().slice(-2000)}` };
  }
}
