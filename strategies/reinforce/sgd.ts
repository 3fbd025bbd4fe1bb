/**
 * Plain gradient descent on the loss (= gradient ascent on the expected reward, θ ← θ + lr·∇J), as FGNAS updates
 * its controller [code: qinglu0330/FGNAS:controller.py; MODELS.md §1.6]. Stateless apart from the step count.
 */

/** One step per call; `step` counts them (kept for snapshots, like Adam's). */
export class Sgd {
  step = 0;

  constructor(private readonly learningRate: number) {}

  /** One descent step on `params` (in place) along `grads` (gradients of the loss to minimise). */
  apply(params: Record<string, Float32Array>, grads: Readonly<Record<string, Float32Array>>): void {
    this.step += 1;
    for (const name of Object.keys(params)) {
      const p = params[name];
      const g = grads[name];
      if (!g || g.length !== p.length) throw new RangeError(`sgd: no gradient of the right size for "${name}"`);
      for (let i = 0; i < p.length; i++) p[i] -= this.learningRate * g[i];
    }
  }
}
