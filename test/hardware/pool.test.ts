import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../lib/eval/pool.js';
import { Rng } from '../../lib/rng.js';
import { presetSpace } from '../../lib/space/index.js';
import { ModelHardwareStage } from '../../lib/eval/hardware-stage.js';

// Workers run the compiled code in dist/: `npx tsc -p .` first (npm test does).
describe('hardware task in the worker pool', () => {
  it('maps a batch on 2 workers exactly as in-process', async () => {
    const space = presetSpace('lu2019-cifar10');
    const rng = Rng.fromSeed(31);
    const genomes = Array.from({ length: 40 }, () => space.sample(rng));
    const spec = { device: 'ep4ce115', lutBudget: 30_000, minThroughput: 1000 };
    const pool = new WorkerPool({ threads: 2 });
    try {
      const viaPool = await new ModelHardwareStage({ space, spec, pool, minPoolBatch: 1 }).evaluate(genomes);
      const local = await new ModelHardwareStage({ space, spec }).evaluate(genomes);
      expect(viaPool).toEqual(local);
      // A bad spec fails the task with a WorkerError that carries the config error's message.
      await expect(pool.run('hardware', { space: space.toJSON(), genomes, spec: { device: 'nope' } })).rejects.toThrow(/unknown device "nope"/);
    } finally {
      await pool.close();
    }
  });
});
