import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/**/*.test.ts'], environment: 'node', testTimeout: 30_000 },
      },
      {
        // Real Chromium through playwright-core against the built package (npm run build first).
        // One file at a time: the machine has 2 cores, and parallel browsers would skew long-task checks.
        test: { name: 'e2e', include: ['e2e/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false },
      },
    ],
  },
});
