/**
 * The trial vocabulary shared by every layer: objectives, constraints, violations, trial records, and the one
 * definition of "feasible" and of "trained". It imports nothing of hwnas but the genome type, so pareto tools,
 * strategies, evaluators, hardware models and the Study all speak it without depending on each other.
 */
export * from './types.js';
export * from './violations.js';
export * from './predicates.js';
