import { defineConfig } from 'tsup';
import type { Plugin } from 'esbuild';
import { buildWebAssets } from './src/web/assets.js';

/**
 * Inlines the page into the Lambda bundle: `bundled-assets.ts` (which builds the page with esbuild
 * at run time when used from source) is replaced by a module holding the prebuilt files.
 */
const inlineWebAssets: Plugin = {
  name: 'inline-web-assets',
  setup(build) {
    build.onLoad({ filter: /[\\/]web[\\/]bundled-assets\.ts$/ }, async () => {
      const assets = await buildWebAssets();
      return {
        loader: 'ts',
        contents: `export async function loadWebAssets() { return ${JSON.stringify(assets)}; }\n`,
      };
    });
  },
};

/** `dist/lambda/index.mjs`: one self-contained file (AWS SDK included) to deploy behind a function URL. */
export default defineConfig({
  entry: { 'lambda/index': 'src/web/lambda.ts' },
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  platform: 'node',
  target: 'node22', // the nodejs22.x Lambda runtime
  bundle: true,
  noExternal: [/.*/],
  splitting: false,
  clean: true,
  minify: true,
  sourcemap: false,
  dts: false,
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  esbuildPlugins: [inlineWebAssets],
  // Keep class names: AWS SDK commands are dispatched by constructor name (local mode's clients do too).
  esbuildOptions(options) {
    options.keepNames = true;
  },
});
