import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebAssets } from './handler.js';

const staticDir = join(dirname(fileURLToPath(import.meta.url)), 'static');

/**
 * Builds the page from `src/web/static`: the HTML and CSS as they are, the browser script
 * bundled by esbuild. The Lambda bundle inlines the result at build time instead (see tsup.config.ts).
 */
export async function buildWebAssets(): Promise<WebAssets> {
  const { build } = await import('esbuild');
  const bundle = async (entry: string) => {
    const result = await build({
      entryPoints: [join(staticDir, entry)],
      bundle: true,
      write: false,
      format: 'iife',
      target: ['chrome110', 'firefox110', 'safari16'],
      minify: true,
      logLevel: 'silent',
    });
    return result.outputFiles[0]?.text ?? '';
  };
  const [html, modelsHtml, css, app, models] = await Promise.all([
    readFile(join(staticDir, 'index.html'), 'utf8'),
    readFile(join(staticDir, 'models.html'), 'utf8'),
    readFile(join(staticDir, 'style.css'), 'utf8'),
    bundle('app.ts'),
    bundle('models.ts'),
  ]);
  const javascript = 'text/javascript; charset=utf-8';
  return {
    '/index.html': { contentType: 'text/html; charset=utf-8', body: html },
    '/models.html': { contentType: 'text/html; charset=utf-8', body: modelsHtml },
    '/style.css': { contentType: 'text/css; charset=utf-8', body: css },
    '/app.js': { contentType: javascript, body: app },
    '/models.js': { contentType: javascript, body: models },
  };
}
