// `npm run screenshot`: a picture of the per-design HTML report of guest-memfd-inplace,
// showing the explored state graph of check-before-unmap (F7) with its counterexample path,
// saved as reports/guest-memfd-inplace/state-graph.png. Run after `npm start`; tests never
// write it (they leave the tree as they found it).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from './browser.js';

const PAGE = 'reports/guest-memfd-inplace/index.html';
const OUT = 'reports/guest-memfd-inplace/state-graph.png';

const browser = await launchBrowser({ width: 1300, height: 1000 });
try {
  const page = await browser.context.newPage();
  await page.goto(pathToFileURL(resolve(PAGE)).href);
  const figure = page.locator('figure.state-graph[data-run="guest-memfd-inplace:check-before-unmap"]');
  await figure.scrollIntoViewIfNeeded();
  await figure.screenshot({ path: OUT });
  process.stdout.write(`screenshot: ${OUT} (${browser.executable})\n`);
} finally {
  await browser.close();
}
