import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['@sagemaker-mlops/test-services/moto-global-setup'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Browser, local endpoints and the whole loop share 2 cores: one file at a time.
    fileParallelism: false,
  },
});
