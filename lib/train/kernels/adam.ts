/**
 * Adam with the whole update of a variable in one pass over the wasm heap (moments in place, one new tensor for
 * the weights).
 *
 * tfjs's AdamOptimizer runs about a dozen elementwise kernels per variable and step (each a dispatch through
 * the engine, a new tensor and a heap allocation); for small networks that dispatch, not arithmetic, is the
 * cost (bench:train net (a): ~6 % of a step, all of it on the main thread). This optimizer keeps tfjs's state
 * (the same first/second-moment variables, `accBeta1/2`, iterations), so getWeights/setWeights, checkpoints and
 * `tf.train.adam` state stay interchangeable, and computes each element with the same float32 operations in
 * the same order as tfjs's composition:
 *
 *   m ← m·β1 + g·(1−β1);  v ← v·β2 + g²·(1−β2);  w ← (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε) · (−lr) + w
 *
 * Every operation is rounded to float32 (Math.fround), and float32 +, ·, / and √ computed in double then
 * rounded are correctly rounded, so the result equals tfjs-wasm's bit for bit (test/train/adam.test.ts).
 * A moment or weight whose data another tensor also references is updated the tfjs way (in place would change
 * both).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor, NamedVariableMap } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import { heapF32, WASM, type WasmBackendLike } from './wasm-util.js';

interface MomentSlot {
  originalName: string;
  variable: tf.Variable;
}

/** The protected state of tfjs's AdamOptimizer this class works on. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: MomentSlot[];
  accumulatedSecondMoment: MomentSlot[];
  incrementIterations(): void;
}

interface RefCounting extends WasmBackendLike {
  refCount(dataId: object): number;
}

/** Adam whose update runs as one in-place pass per variable on the wasm backend (tfjs's Adam elsewhere). */
export class FusedAdam extends tf.AdamOptimizer {
  override applyGradients(variableGradients: NamedVariableMap | NamedTensor[]): void {
    if (tf.getBackend() !== WASM) return super.applyGradients(variableGradients);
    const self = this as unknown as AdamState;
    const backend = tf.backend() as unknown as RefCounting;
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((v) => ({ name: v.name, g: v.tensor }))
      : Object.keys(variableGradients).map((name) => ({ name, g: variableGradients[name] }));
    const f = Math.fround;
    const [acc1] = heapF32(backend, self.accBeta1);
    const [acc2] = heapF32(backend, self.accBeta2);
    const b1 = f(self.beta1), c1 = f(1 - self.beta1), b2 = f(self.beta2), c2 = f(1 - self.beta2);
    const eps = f(self.epsilon), negLr = f(-self.learningRate);
    const d1 = f(1 - acc1), d2 = f(1 - acc2);
    const fallback: NamedTensor[] = [];
    list.forEach(({ name, g }, i) => {
      const value = tf.engine().registeredVariables[name];
      self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      if (g == null) return;
      const m = self.accumulatedFirstMoment[i].variable;
      const v = self.accumulatedSecondMoment[i].variable;
      const owned = [m, v].every((t) => backend.refCount(t.dataId) === 1) && value.dtype === 'float32' && g.dtype === 'float32';
      if (!owned) {
        fallback.push({ name, tensor: g });
        return;
      }
      // The new weights go to a new tensor: tfjs-wasm caches XNNPACK operators (packed filters) by tensor id,
      // so weights changed in place would not be seen by the next convolution. The moments are never packed.
      const next = backend.makeOutput(value.shape.slice(), 'float32');
      // Views taken after every allocation above (a heap growth would detach earlier ones).
      const w = heapF32(backend, value), out = heapF32(backend, next), mm = heapF32(backend, m), vv = heapF32(backend, v), gg = heapF32(backend, g);
      for (let k = 0; k < w.length; k++) {
        const gk = gg[k];
        const mk = f(f(mm[k] * b1) + f(gk * c1));
        const vk = f(f(vv[k] * b2) + f(f(gk * gk) * c2));
        mm[k] = mk;
        vv[k] = vk;
        out[k] = f(f(f(f(mk / d1) / f(f(Math.sqrt(f(vk / d2))) + eps)) * negLr) + w[k]);
      }
      const t = tf.engine().makeTensorFromTensorInfo(next);
      value.assign(t);
      t.dispose();
    });
    if (fallback.length > 0) this.fallbackUpdate(self, fallback, list.map((l) => l.name));
    for (const [acc, beta, now] of [[self.accBeta1, self.beta1, acc1], [self.accBeta2, self.beta2, acc2]] as const) {
      if (backend.refCount(acc.dataId) === 1) heapF32(backend, acc)[0] = f(now * f(beta));
      else tf.tidy(() => acc.assign(tf.mul(acc, beta)));
    }
    self.incrementIterations();
  }

  /** tfjs's composition for the variables that could not be updated in place (accBeta and iterations aside). */
  private fallbackUpdate(self: AdamState, items: NamedTensor[], order: string[]): void {
    tf.tidy(() => {
      const d1 = tf.sub(1, self.accBeta1);
      const d2 = tf.sub(1, self.accBeta2);
      for (const { name, tensor: g } of items) {
        const i = order.indexOf(name);
        const value = tf.engine().registeredVariables[name];
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        const m2 = tf.add(tf.mul(m, self.beta1), tf.mul(g, 1 - self.beta1));
        const v2 = tf.add(tf.mul(v, self.beta2), tf.mul(tf.square(g), 1 - self.beta2));
        m.assign(m2);
        v.assign(v2);
        const step = tf.div(tf.div(m2, d1), tf.add(tf.sqrt(tf.div(v2, d2)), self.epsilon));
        value.assign(tf.add(tf.mul(step, -self.learningRate), value));
      }
    });
  }
}

/** The optimizer training uses: {@link FusedAdam} (tfjs's Adam on backends other than wasm). */
export function adam(learningRate: number): tf.AdamOptimizer {
  return new FusedAdam(learningRate, 0.9, 0.999);
}
