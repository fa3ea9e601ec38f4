import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts', 'src/**/*.test-d.ts'] },
    globalSetup: ['@sagemaker-mlops/test-services/moto-global-setup'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
