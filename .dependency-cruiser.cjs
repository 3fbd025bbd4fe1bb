/**
 * Layer rules of hwnas (DESIGN §2): dependencies point down, cli → search → study/eval → strategies,
 * hardware, train → space, pareto → trial vocabulary. test/architecture.test.ts runs these on every `npm test`.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'no import cycles anywhere', from: {}, to: { circular: true } },
    {
      name: 'trial-is-the-bottom',
      severity: 'error',
      comment: 'the trial vocabulary imports nothing above it (only the genome type of lib/space)',
      from: { path: '^lib/trial/' },
      to: { path: '^(lib/(?!trial/|space/genome)|strategies/|hardware/|problems/)' },
    },
    {
      name: 'pareto-knows-only-trials',
      severity: 'error',
      comment: 'pareto tools depend only on the trial vocabulary',
      from: { path: '^lib/pareto' },
      to: { path: '^(lib/(?!trial/|pareto)|strategies/|hardware/|problems/)' },
    },
    { name: 'hardware-not-train', severity: 'error', comment: 'hardware knows nothing of training', from: { path: '^hardware/' }, to: { path: '^lib/train/' } },
    { name: 'train-not-hardware', severity: 'error', comment: 'training knows nothing of hardware', from: { path: '^lib/train/' }, to: { path: '^hardware/' } },
    {
      name: 'models-not-eval',
      severity: 'error',
      comment: 'hardware models and training are measured by lib/eval, never the other way round',
      from: { path: '^(hardware|lib/train)/' },
      to: { path: '^lib/(eval|study|search|cli)/' },
    },
    {
      name: 'strategies-only-propose',
      severity: 'error',
      comment: 'a strategy never evaluates, stores or schedules: no study, eval, search, cli, hardware or training',
      from: { path: '^strategies/' },
      to: { path: '^(lib/(study|eval|search|cli|train)/|hardware/)' },
    },
    { name: 'search-not-cli', severity: 'error', comment: 'runners report through a sink they are given', from: { path: '^lib/search/' }, to: { path: '^lib/cli/' } },
    {
      name: 'study-not-search',
      severity: 'error',
      comment: 'the study keeps books for any runner; it knows no runner, command or evaluator implementation',
      from: { path: '^lib/study/' },
      to: { path: '^(lib/(search|cli|train)/|hardware/)' },
    },
    {
      name: 'space-is-low',
      severity: 'error',
      comment: 'the genome encoding depends on nothing but rng, errors and validation',
      from: { path: '^lib/space/' },
      to: { path: '^(lib/(study|eval|search|cli|train|onnx|report)/|strategies/|hardware/|problems/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test|bench)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
