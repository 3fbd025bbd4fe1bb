import { it } from 'vitest';
import { hypervolume } from '../lib/pareto.js';
import { Rng } from '../lib/rng.js';
import { ProblemEvaluator } from '../problems/problem.js';
import { problemByName } from '../problems/index.js';
import { createNsga2, nsga2OptionsSchema } from '../strategies/nsga2/index.js';
it('x', async () => {
  for (const name of ['zdt1', 'zdt2', 'zdt3', 'dtlz2']) {
    const p = problemByName(name);
    const ev = new ProblemEvaluator(p);
    const t0 = performance.now();
    const s = createNsga2({ space: p.space, objectives: p.objectives, constraints: [], rng: Rng.fromSeed(0) }, nsga2OptionsSchema.parse({ populationSize: 100 }));
    let num = 0;
    for (let g = 0; g < 100; g++) {
      const gs = await s.ask(100);
      const rs = await ev.evaluate(gs.map((genome, i) => ({ genome, trialNumber: num + i, seed: '' })));
      await s.tell(rs.map((r, i) => ({ ...r, number: num + i, genome: gs[i], key: '', startedAt: '' })));
      num += 100;
    }
    const t = performance.now() - t0;
    console.log(name, t.toFixed(0), 'ms', hypervolume(s.population().map((m) => m.objectives), p.hypervolume.reference));
  }
});
