/** The benchmark problems by name: one const map, so `ProblemName` is a closed union (`--problem nb201`). */
import { ConfigError } from '../lib/errors.js';
import { dtlz2Problem } from './dtlz.js';
import { edgeCodesignNestedProblem, edgeCodesignProblem } from './edge-codesign.js';
import { eyerissCodesignProblem } from './eyeriss-codesign.js';
import { nb201Problem } from './nb201.js';
import type { BenchmarkProblem } from './problem.js';
import { zdtProblem } from './zdt.js';

export const PROBLEMS = {
  zdt1: () => zdtProblem('zdt1'),
  zdt2: () => zdtProblem('zdt2'),
  zdt3: () => zdtProblem('zdt3'),
  dtlz2: () => dtlz2Problem(),
  nb201: () => nb201Problem(),
  'edge-codesign': () => edgeCodesignProblem(),
  'edge-codesign-nested': () => edgeCodesignNestedProblem(),
  'eyeriss-codesign': () => eyerissCodesignProblem(),
} as const satisfies Record<string, () => BenchmarkProblem>;

/** Names of the registered problems. */
export type ProblemName = keyof typeof PROBLEMS;

/** All problem names. */
export const PROBLEM_NAMES = Object.keys(PROBLEMS) as ProblemName[];

/** Whether `name` is a registered problem. */
export function isProblemName(name: string): name is ProblemName {
  return Object.hasOwn(PROBLEMS, name);
}

/** The problem called `name` (a ConfigError naming the known ones otherwise). */
export function problemByName(name: string): BenchmarkProblem {
  if (!isProblemName(name)) {
    throw new ConfigError([{ path: 'problem', message: `unknown problem "${name}"; known: ${PROBLEM_NAMES.join(', ')}` }]);
  }
  return PROBLEMS[name]();
}

export type { BenchmarkProblem, Problem, ProblemSource } from './problem.js';
export { ProblemEvaluator } from './problem.js';
