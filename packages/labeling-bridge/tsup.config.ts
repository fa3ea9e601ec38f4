import { defineConfig, type Options } from 'tsup';

const lambdaBundle = {
  outDir: 'dist/lambda-bundle',
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  platform: 'node',
  // The Lambda runtime it is deployed on: nodejs22.x (Node 20 is past end of life).
  target: 'node22',
  noExternal: [/.*/],
  minify: true,
  keepNames: true,
  treeshake: true,
  splitting: true,
  esbuildOptions(options) {
    // Chunks beside index.mjs, one flat folder, so `zip -j bridge.zip *.mjs` keeps every relative import working.
    options.chunkNames = '[name]-[hash]';
  },
  sourcemap: false,
  dts: false,
  clean: false,
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
} satisfies Options;

export default defineConfig([
  {
    entry: { index: 'src/index.ts', 'lambda/index': 'src/lambda/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: false,
    sourcemap: true,
    target: 'node20',
    splitting: true,
  },
  {
    // The deployable Lambda: ESM with every dependency (AWS SDK clients, zod) inlined, so the zip holds just the .mjs
    // files of dist/lambda-bundle (handler: index.handler) and does not depend on the runtime's SDK version.
    // index.mjs and the chunks it imports are everything a cold start loads. Code reached only through a dynamic
    // import() sits in chunks of its own that load when first needed: the SageMaker client (sagemaker.mjs, at the
    // first threshold crossing) and the credential providers the default chain tries after the environment (SSO,
    // ini files, web identity, IMDS and their STS/SSO clients), which a Lambda with role credentials never loads.
    // Code shared by the S3 and SageMaker clients (the SDK core) is in one chunk, loaded once.
    ...lambdaBundle,
    entry: { index: 'src/lambda/bundle.ts', sagemaker: 'src/bridge/sagemaker.ts' },
  },
]);
