import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Other workspace packages are loaded from their built dist/ by Node itself, as a user's project would load them.
    server: { deps: { external: [/packages\/[^/]+\/dist\//, /aws-cdk-lib/, /cdk-nag/, /constructs/] } },
    globalSetup: ['@sagemaker-mlops/test-services/moto-global-setup'],
    // aws-cdk-lib >= 2.2xx validates every synthesized template with a WASM build of cfn-lint, about 12 s of CPU per
    // test file. test/integration/cfn-lint.test.ts runs the real cfn-lint (pinned, from PyPI) on the same templates.
    env: { CDK_VALIDATION: 'false' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
