import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: test files that train or spawn workers compete for them, so run files two at a time at most.
    maxWorkers: 2,
    minWorkers: 1,
    pool: 'forks',
  },
});
