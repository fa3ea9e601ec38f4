import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Other workspace packages are loaded from their built dist/ by Node itself, as a user's project would load them.
    server: { deps: { external: [/packages\/[^/]+\/dist\//, /aws-cdk-lib/, /cdk-nag/, /constructs/] } },
    globalSetup: ['@sagemaker-mlops/test-services/moto-global-setup'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
