import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts', 'src/**/*.test-d.ts'] },
    // One moto_server per run for the lifecycle and asset tests (tests read inject('motoEndpoint')).
    globalSetup: ['@sagemaker-mlops/test-services/moto-global-setup'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
