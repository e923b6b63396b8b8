import { defineConfig } from 'vitest/config';

// Sized for a 2-core machine: files run in parallel on two forks, tests inside a file in order.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    reporters: process.env.CI ? ['default'] : ['default'],
    restoreMocks: true,
  },
});
