/**
 * Errors with a stable `code`, so callers (CLI, workers, tests) can branch on the kind of failure
 * without parsing messages.
 */

/** One problem found while validating an input, with the path of the offending value. */
export interface Issue {
  /** Dotted path of the offending value, e.g. `search.population` or `genome.L3.filters`. */
  readonly path: string;
  /** What is wrong, in words a user can act on. */
  readonly message: string;
}

/** Base class of every error hwnas throws on purpose. */
export class HwnasError extends Error {
  constructor(
    /** Stable machine-readable code, e.g. `CONFIG_INVALID`, `RESUME_MISMATCH`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HwnasError';
  }
}

/** Invalid configuration or input: carries every issue found, each with its path. */
export class ConfigError extends HwnasError {
  constructor(
    readonly issues: readonly Issue[],
    context = 'invalid configuration',
  ) {
    super('CONFIG_INVALID', `${context}:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A failure inside a worker (training, mapping); `cause` is the original error. */
export class WorkerError extends HwnasError {
  constructor(message: string, cause?: unknown) {
    super('WORKER_FAILED', message, { cause });
    this.name = 'WorkerError';
  }
}
