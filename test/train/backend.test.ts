/** Backend choice: auto never trains on the pure-JS cpu backend; cpu only by name; every start reports itself. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initTrainingBackend, threadsPerWorker } from '../../lib/train/backend.js';
import { OWN_WASM_KERNELS } from '../../lib/train/kernels/index.js';

describe('training backend', () => {
  it('picks wasm (tfjs-node is not installed here), cpu only when asked, and switches back', async () => {
    const auto = await initTrainingBackend({ threads: 1 });
    expect(auto.kind).toBe('wasm');
    expect(auto.simd).toBe(true);
    expect(auto.ownKernels).toContain('Conv2DBackpropFilter');
    expect(auto.name).toBe(`wasm (SIMD, 1 thread, ${OWN_WASM_KERNELS.length} own kernels)`);
    const cpu = await initTrainingBackend({ backend: 'cpu' });
    expect(cpu.kind).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    // Auto again: back to the wasm backend already started, never the cpu one.
    const again = await initTrainingBackend({ backend: 'auto', threads: 1 });
    expect(again).toBe(auto);
    expect(tf.getBackend()).toBe('wasm');
    const other = await initTrainingBackend({ backend: 'wasm', threads: 2 });
    expect(other.note).toMatch(/already started with 1 thread/);
  });

  it('says how to get tfjs-node when it is asked for by name', async () => {
    let installed = true;
    try {
      const name = '@tensorflow/tfjs-node';
      await import(name);
    } catch {
      installed = false;
    }
    if (installed) return;
    await expect(initTrainingBackend({ backend: 'tfjs-node' })).rejects.toThrow(/npm install @tensorflow\/tfjs-node/);
    await expect(initTrainingBackend({ threads: 0 })).rejects.toThrow(/threads must be an integer/);
  });

  it('splits cores between workers and wasm threads', () => {
    expect(threadsPerWorker(1, 2)).toBe(2);
    expect(threadsPerWorker(2, 2)).toBe(1);
    expect(threadsPerWorker(4, 2)).toBe(1);
    expect(threadsPerWorker(2, 8)).toBe(4);
  });
});
