import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Each file packs, installs and runs whole projects on a 2-core machine: one file at a time.
    fileParallelism: false,
  },
});
