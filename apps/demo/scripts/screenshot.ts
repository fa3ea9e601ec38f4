/**
 * Refreshes docs/web-frontend.png: uploads images to a running front-end (`npm run demo -- web`) in
 * Chromium with the Grad-CAM overlay on, and saves a screenshot.
 *   npx tsx apps/demo/scripts/screenshot.ts http://127.0.0.1:8080 img1.png img2.png ...
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, ...images] = process.argv.slice(2);
if (!url || images.length === 0) throw new Error('usage: screenshot.ts <front-end url> <image>...');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ],
});
const page = await browser.newPage({ viewport: { width: 1100, height: 820 } });
await page.goto(url);
await page.locator('#explain').check();
await page
  .locator('#files')
  .setInputFiles([
    ...images.map((file) => ({ name: basename(file), mimeType: 'image/png', buffer: readFileSync(file) })),
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') },
  ]);
await page.waitForFunction(
  (count) => document.querySelectorAll('article.card .label, article.card .message').length >= count,
  images.length + 1,
  {
    timeout: 120_000,
  },
);
await page.waitForTimeout(500);
const out = join(import.meta.dirname, '../../../docs/web-frontend.png');
await page.screenshot({ path: out, fullPage: true });
await browser.close();
console.log(`wrote ${out}`);
