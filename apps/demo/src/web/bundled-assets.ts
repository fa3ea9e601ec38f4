import type { WebAssets } from './handler.js';

/**
 * The page's static files. From source this builds them with esbuild; the Lambda bundle replaces
 * this module at build time with the prebuilt files inlined (tsup.config.ts), so the deployed
 * function needs neither esbuild nor the static folder.
 */
export async function loadWebAssets(): Promise<WebAssets> {
  const { buildWebAssets } = await import('./assets.js');
  return buildWebAssets();
}
