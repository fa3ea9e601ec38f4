import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts', 'src/**/*.test-d.ts'] },
    // Other workspace packages are loaded from their built dist/ by Node itself, as a user's project would load them
    // (vite would otherwise transform them and trip over the builtins tsup writes without the node: prefix).
    server: { deps: { external: [/packages\/[^/]+\/dist\//] } },
    globalSetup: ['@sagemaker-mlops/test-services/moto-global-setup'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
