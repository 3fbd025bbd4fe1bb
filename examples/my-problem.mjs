// Your own problem, defined in code: `npx hwnas search --problem-file examples/my-problem.mjs --trials 200`.
// A toy accelerator sizing: more processing elements (PEs) and wider words are faster but bigger and hungrier.
import { defineProblem } from 'hwnas';

export default defineProblem({
  name: 'toy-accelerator',
  space: {
    genes: [
      { name: 'pes', kind: 'int', min: 1, max: 256 },
      { name: 'bits', kind: 'choice', choices: [4, 8, 16] },
      { name: 'bufferKb', kind: 'real', min: 8, max: 512 },
    ],
  },
  objectives: [
    { metric: 'latencyMs', direction: 'minimize' },
    { metric: 'areaMm2', direction: 'minimize' },
  ],
  // Designs over 1.5 W are infeasible: they rank behind every feasible one and never enter the front.
  constraints: [{ metric: 'powerW', max: 1.5 }],
  evaluate({ pes, bits, bufferKb }) {
    const macs = 50e6; // one inference
    const computeMs = (macs / (pes * 200e6)) * 1e3 * (bits / 8);
    const memoryMs = (4e6 * bits) / 8 / (bufferKb * 1e3) / 10; // refills of a small buffer
    const areaMm2 = 0.02 * pes * (bits / 8) ** 2 + 0.005 * bufferKb;
    const powerW = 0.004 * pes * (bits / 8) + 0.001 * bufferKb;
    return { latencyMs: computeMs + memoryMs, areaMm2, powerW };
  },
});
