import { defineConfig } from 'tsup';

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
    // The deployable Lambda: one ESM file with every dependency (AWS SDK clients, zod) inlined, so the zip holds
    // just dist/lambda-bundle/index.mjs (handler: index.handler) and does not depend on the runtime's SDK version.
    entry: { index: 'src/lambda/bundle.ts' },
    outDir: 'dist/lambda-bundle',
    format: ['esm'],
    outExtension: () => ({ js: '.mjs' }),
    platform: 'node',
    target: 'node20',
    noExternal: [/.*/],
    minify: true,
    keepNames: true,
    treeshake: true,
    splitting: false,
    sourcemap: false,
    dts: false,
    clean: false,
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  },
]);
