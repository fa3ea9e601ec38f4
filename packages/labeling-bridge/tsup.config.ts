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
  splitting: false,
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
    // The deployable Lambda: ESM with every dependency (AWS SDK clients, zod) inlined, so the zip holds just the two
    // files of dist/lambda-bundle (handler: index.handler) and does not depend on the runtime's SDK version.
    // index.mjs is everything a cold start needs; the SageMaker client, reached only through a dynamic import() on the
    // first threshold crossing, is bundled on its own into sagemaker.mjs so init does not parse it.
    ...lambdaBundle,
    entry: { index: 'src/lambda/bundle.ts' },
    esbuildPlugins: [
      {
        name: 'sagemaker-beside',
        setup(build) {
          build.onResolve({ filter: /\/sagemaker\.js$/ }, () => ({ path: './sagemaker.mjs', external: true }));
        },
      },
    ],
  },
  { ...lambdaBundle, entry: { sagemaker: 'src/bridge/sagemaker.ts' } },
]);
