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

/**
 * Every error code hwnas uses, with the exit status the CLI ends with: 2 for bad input (nothing was written;
 * fix the input and run again), 1 for a failure at run time. A closed union: a new code is one line here.
 */
export const ERROR_CODES = {
  BACKEND_UNAVAILABLE: 2,
  CHECKPOINT_CORRUPT: 2,
  CONFIG_INVALID: 2,
  DATASET_CHANGED: 2,
  DATASET_CORRUPT: 2,
  DATASET_FETCH: 1,
  DATASET_INVALID: 2,
  DATASET_MISSING: 2,
  HW_BAD_LIMIT: 1,
  HW_BAD_LINK: 1,
  HW_BAD_TILING: 1,
  HW_BITS_RANGE: 2,
  HW_BRUTE_TOO_LARGE: 1,
  HW_DESIGN_MISMATCH: 1,
  HW_EMPTY_NETWORK: 2,
  HW_INTERNAL: 1,
  HW_LAYER_CANNOT_FIT: 1,
  HW_NO_DEVICES: 1,
  HW_NO_MAPPING: 1,
  HW_NO_OPTIONS: 1,
  HW_QUANT_MISMATCH: 1,
  HW_UNKNOWN_LAYER: 1,
  HW_UNSUPPORTED_LAYER: 2,
  INPUT_ASK: 2,
  INPUT_BAD_MODEL: 2,
  INPUT_BAD_PREDICTOR: 2,
  INPUT_BAD_RUN: 2,
  INPUT_DATASET: 2,
  INPUT_ENQUEUE: 2,
  INPUT_MISMATCH: 2,
  INPUT_NO_FEASIBLE: 2,
  INPUT_NO_PREDICTOR: 2,
  INPUT_NO_RUN: 2,
  INPUT_NO_TRIAL: 2,
  INPUT_OBJECTIVES: 2,
  INPUT_OUT: 2,
  INPUT_QUEUE_SECRET: 2,
  INPUT_REFUSED_BY_WORKER: 2,
  INPUT_RESUME_CONFLICT: 2,
  INPUT_SPACE: 2,
  INPUT_SPEC_INFEASIBLE: 2,
  INPUT_TARGET: 2,
  INPUT_TELL: 2,
  INPUT_THREADS: 2,
  INPUT_TRIAL_UNUSABLE: 2,
  INPUT_UNSUPPORTED_FORMAT: 2,
  INPUT_UNSUPPORTED_LAYER: 2,
  INPUT_UNSUPPORTED_SPACE: 2,
  INPUT_UNTRAINED: 2,
  INPUT_UNWRITABLE: 2,
  INPUT_VERSION_MISMATCH: 2,
  JOURNAL_CLOSED: 1,
  JOURNAL_CORRUPT: 2,
  JOURNAL_VERSION: 2,
  MODEL_CORRUPT: 1,
  MODEL_FORMAT: 1,
  MODEL_MISSING: 2,
  ONNX_CHECK_FAILED: 1,
  ONNX_SCHEMA: 1,
  ONNX_SCHEMA_MISSING: 1,
  ONNX_VERIFY_FAILED: 1,
  ONNX_WRITE: 1,
  PLATFORM_UNSUPPORTED: 2,
  PREDICTOR_FIT: 1,
  PREDICTOR_UNKNOWN_OP: 1,
  PREDICTOR_VERSION: 2,
  PREDICTOR_WRITE: 1,
  QUEUE_BAD_PAYLOAD: 1,
  QUEUE_BAD_SIGNATURE: 1,
  QUEUE_UNKNOWN_TASK: 1,
  REDIS_UNREACHABLE: 1,
  REINFORCE_NONFINITE: 1,
  REPORT_WRITE: 1,
  RESUME_MISMATCH: 2,
  REWARD_METRIC_MISSING: 1,
  RUN_ALL_FAILED: 1,
  RUN_EMPTY: 2,
  RUN_EXISTS: 2,
  RUN_LOCKED: 2,
  RUN_UNWRITABLE: 2,
  SNAPSHOT_CORRUPT: 2,
  SNAPSHOT_FOREIGN: 2,
  SNAPSHOT_INVALID: 2,
  SNAPSHOT_MISMATCH: 1,
  SPACE_CHANNEL_GENE: 1,
  SPACE_CHANNEL_TARGET: 1,
  SPACE_FAMILY: 2,
  STRATEGY_FOREIGN_GENOME: 1,
  STRATEGY_INVALID_GENOME: 1,
  STUDY_CLOSED: 1,
  TRAIN_ABORTED: 1,
  TRAIN_CRASH: 1,
  TRAIN_INPUT: 2,
  TRAIN_NAN: 1,
  TRAIN_OOM: 1,
  WORKER_FAILED: 1,
  WRITE_FAILED: 1,
  ZOO_INVALID: 2,
  ZOO_MISMATCH: 2,
  ZOO_MISSING: 2,
} as const satisfies Record<string, 1 | 2>;

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The exit status of an error code (2: bad input, 1: failure at run time). */
export function exitStatusOf(code: ErrorCode): 1 | 2 {
  return ERROR_CODES[code];
}

/** Whether `err` is an hwnas error caused by bad input (exit status 2). */
export function isInputError(err: unknown): err is HwnasError {
  return err instanceof HwnasError && ERROR_CODES[err.code] === 2;
}

/** Base class of every error hwnas throws on purpose. */
export class HwnasError extends Error {
  constructor(
    /** Stable machine-readable code (ERROR_CODES), e.g. `CONFIG_INVALID`, `RESUME_MISMATCH`. */
    readonly code: ErrorCode,
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
