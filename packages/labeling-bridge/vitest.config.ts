import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts', 'src/**/*.test-d.ts'] },
    // One moto server and one real Label Studio for the whole run.
    globalSetup: [
      '@sagemaker-mlops/test-services/moto-global-setup',
      './test/integration/label-studio-global-setup.ts',
    ],
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
