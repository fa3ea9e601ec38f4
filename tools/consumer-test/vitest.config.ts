import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Each file packs, installs and runs whole projects on a 2-core machine: one file at a time. The fresh-clone
    // test (and each other heavy file) runs in a vitest process of its own (package.json): after the consumer projects in the same run it
    // stalled before its first command in two CI runs, while it passes alone.
    fileParallelism: false,
  },
});
