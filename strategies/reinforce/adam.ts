/**
 * Adam (Kingma & Ba) over plain Float32Arrays. The controller's parameters live in JS arrays, not tf.Variables,
 * so the whole optimiser state (step count and both moment estimates) is plain data that snapshots exactly and
 * synchronously, and no tensor outlives a call.
 */

/** Adam's hyper-parameters. */
export interface AdamConfig {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** Adam's state for a set of named parameter arrays. */
export class Adam {
  /** Updates taken so far (for bias correction). */
  step = 0;
  readonly m: Record<string, Float32Array>;
  readonly v: Record<string, Float32Array>;

  constructor(
    private readonly config: AdamConfig,
    sizes: Readonly<Record<string, number>>,
  ) {
    this.m = Object.fromEntries(Object.entries(sizes).map(([k, n]) => [k, new Float32Array(n)]));
    this.v = Object.fromEntries(Object.entries(sizes).map(([k, n]) => [k, new Float32Array(n)]));
  }

  /** One descent step on `params` (in place) along `grads` (gradients of the loss to minimise). */
  apply(params: Record<string, Float32Array>, grads: Readonly<Record<string, Float32Array>>): void {
    const { learningRate, beta1, beta2, epsilon } = this.config;
    this.step += 1;
    // Bias correction folded into the step size, as in tf.train.adam.
    const lr = (learningRate * Math.sqrt(1 - beta2 ** this.step)) / (1 - beta1 ** this.step);
    for (const name of Object.keys(params)) {
      const p = params[name];
      const g = grads[name];
      const m = this.m[name];
      const v = this.v[name];
      if (!g || !m || !v || g.length !== p.length) throw new RangeError(`adam: no gradient of the right size for "${name}"`);
      for (let i = 0; i < p.length; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        p[i] -= (lr * m[i]) / (Math.sqrt(v[i]) + epsilon);
      }
    }
  }
}
