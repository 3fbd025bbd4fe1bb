/** Reading command-line values: each reader records an issue (with the flag as its path) instead of throwing, so one error lists every problem. */
import type { Issue } from '../errors.js';

/** Collects issues while flags are read. */
export class FlagReader {
  readonly issues: Issue[] = [];

  /** An integer flag in [min, max]; undefined when absent or invalid. */
  int(flag: string, raw: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (raw === undefined) return undefined;
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < min || v > max) {
      this.issues.push({ path: `--${flag}`, message: `must be an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}], got ${JSON.stringify(raw)}` });
      return undefined;
    }
    return v;
  }

  /** A number flag > 0 (or ≥ min when given). */
  positive(flag: string, raw: string | undefined, min?: number): number | undefined {
    if (raw === undefined) return undefined;
    const v = Number(raw);
    const ok = raw.trim() !== '' && Number.isFinite(v) && (min === undefined ? v > 0 : v >= min);
    if (!ok) {
      this.issues.push({ path: `--${flag}`, message: `must be a number ${min === undefined ? '> 0' : `≥ ${min}`}, got ${JSON.stringify(raw)}` });
      return undefined;
    }
    return v;
  }

  /** One of `allowed`. */
  oneOf<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
    if (raw === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.issues.push({ path: `--${flag}`, message: `must be one of ${allowed.join(', ')}; got ${JSON.stringify(raw)}` });
      return undefined;
    }
    return raw as T;
  }

  /** Records a free-form issue. */
  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }
}
