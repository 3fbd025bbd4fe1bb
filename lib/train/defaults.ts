/**
 * The one source of training defaults: the search configuration (lib/config.ts) and a training request
 * (train.ts) both read them, so a child trains the same whether a search or a direct call asked for it.
 */

/** Training backends: `auto` (tfjs-node if installed, else wasm); `cpu` only when asked by name. */
export const TRAINING_BACKENDS = ['auto', 'tfjs-node', 'wasm', 'cpu'] as const;

/** Defaults of a proxy training (a short, comparable budget per child). */
export const TRAINING_DEFAULTS = {
  epochs: 2,
  batchSize: 64,
  learningRate: 0.002,
  // Off by default: BatchNorm training runs on generic tfjs ops, several times slower than the fused conv path.
  batchNorm: false,
  backend: 'auto',
} as const satisfies { epochs: number; batchSize: number; learningRate: number; batchNorm: boolean; backend: (typeof TRAINING_BACKENDS)[number] };
