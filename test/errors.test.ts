/** Error codes are a closed set with their exit status in one table, and the CLI ends with that status. */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, HwnasError, exitStatusOf, isInputError, type ErrorCode } from '../lib/errors.js';
import { reportError } from '../lib/cli/main.js';

describe('error codes', () => {
  it('give the CLI its exit status from the one table, without a stack trace', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const r = reportError(new HwnasError(code, 'something'), false);
      expect(r.code).toBe(exitStatusOf(code));
      expect(r.message).toBe(`hwnas: something [${code}]`);
    }
    expect(exitStatusOf('RUN_LOCKED')).toBe(2);
    expect(exitStatusOf('ONNX_VERIFY_FAILED')).toBe(1);
    expect(isInputError(new HwnasError('INPUT_NO_RUN', 'x'))).toBe(true);
    expect(isInputError(new HwnasError('HW_INTERNAL', 'x'))).toBe(false);
  });

  it('name one family per prefix (no DATA_/DATASET_ or INPUT_RUN_EXISTS/RUN_EXISTS twins)', () => {
    const codes = Object.keys(ERROR_CODES);
    expect(codes.filter((c) => c.startsWith('DATA_'))).toEqual([]);
    expect(codes).not.toContain('INPUT_RUN_EXISTS');
    for (const c of codes) expect(c).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/);
  });
});
