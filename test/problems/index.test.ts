import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { Rng } from '../../lib/rng.js';
import { PROBLEM_NAMES, ProblemEvaluator, problemByName } from '../../problems/index.js';

describe('problem registry', () => {
  it('names every problem and evaluates random genomes to finite objectives through ProblemEvaluator', async () => {
    expect(PROBLEM_NAMES).toEqual(['zdt1', 'zdt2', 'zdt3', 'dtlz2', 'nb201', 'edge-codesign', 'edge-codesign-nested', 'eyeriss-codesign']);
    // The co-design problems have a latency target (constraint): their random designs may be infeasible.
    const constrained = new Set(['edge-codesign', 'edge-codesign-nested', 'eyeriss-codesign']);
    for (const name of PROBLEM_NAMES) {
      const p = problemByName(name);
      expect(p.name).toBe(name);
      const rng = Rng.fromSeed(name);
      const requests = Array.from({ length: 5 }, (_, i) => ({ genome: p.space.sample(rng), trialNumber: i, seed: String(i) }));
      const results = await new ProblemEvaluator(p).evaluate(requests);
      for (const r of results) {
        if (constrained.has(name)) expect(['complete', 'infeasible']).toContain(r.status);
        else expect(r.status).toBe('complete');
        if (r.status === 'complete') for (const o of p.objectives) expect(Number.isFinite(r.metrics[o.metric])).toBe(true);
      }
      expect(p.hypervolume.reference).toHaveLength(p.objectives.length);
    }
  });

  it('refuses an unknown name with a ConfigError listing the known ones', () => {
    expect(() => problemByName('zdt9')).toThrow(ConfigError);
    expect(() => problemByName('zdt9')).toThrow(/known: zdt1, zdt2, zdt3, dtlz2, nb201, edge-codesign, edge-codesign-nested, eyeriss-codesign/);
  });
});
