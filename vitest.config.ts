import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real servers, sox and the CLI: two cores, keep it modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
