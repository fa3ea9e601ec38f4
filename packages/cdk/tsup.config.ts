import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: false,
    sourcemap: true,
    target: 'node20',
    splitting: true,
    // import.meta.url locates the Lambda bundles beside the library in the CommonJS build too.
    shims: true,
  },
  {
    // The deploy-on-approval Lambda: one self-contained ESM file (deploy-config's Deployer and the AWS SDK clients
    // inlined), built here so `cdk synth` needs neither Docker nor esbuild on the user's machine.
    entry: { index: 'src/lambda/deploy-on-approval.ts' },
    outDir: 'dist/lambda-bundle/deploy-on-approval',
    format: ['esm'],
    outExtension: () => ({ js: '.mjs' }),
    platform: 'node',
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
  },
]);
