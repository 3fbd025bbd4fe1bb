/** Atomic file writes: a temp file in the same directory, then a rename, so no reader ever sees half a file. */
import fs from 'node:fs';
import path from 'node:path';
import { HwnasError, type ErrorCode } from './errors.js';

/**
 * Writes `data` to `file` through `.<name>.tmp-<pid>` and a rename. On any error the temp file is removed
 * and a HwnasError with `code` is thrown.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, code: ErrorCode = 'WRITE_FAILED'): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.tmp-${process.pid}`);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new HwnasError(code, `could not write ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Writes `value` as indented JSON, atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
