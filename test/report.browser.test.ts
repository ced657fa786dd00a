// The report as a person sees it, in a real headless Chromium (Debian's /usr/bin/chromium,
// installed by .ci/run): step through a counterexample in index.html with the buttons and
// the keyboard, check what is displayed, save a screenshot; and render every Mermaid block
// of index.md with the mermaid package's own bundle (no network), so a diagram GitHub would
// refuse fails here.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let context: BrowserContext;

beforeAll(async () => {
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'foliocheck-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1200, height: 900 },
  });
  // Nothing in the report may reach the network.
  await context.route(/^(?!file:|data:|about:)/, (route) => route.abort());
});

afterAll(async () => {
  await context.close();
});

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? '';
}

describe('index.html explorer', () => {
  it('steps through the F7 counterexample forwards and backwards, highlighting what changed', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    const fetched: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => fetched.push(r.url()));
    await page.goto(pathToFileURL(resolve('reports/index.html')).href);
    const box = page.locator('#cx-guest-memfd-inplace-check-before-unmap-no-host-map-of-private');
    await expect.poll(() => box.locator('.position').textContent()).toBe('initial state');
    expect(await box.locator('td.changed').count()).toBe(0);

    await box.locator('button[data-go="next"]').click();
    expect(await box.locator('.position').textContent()).toBe('after step 1 of 4');
    expect(await box.locator('.current-event').textContent()).toBe('vmm: faultCheck(page=0) → ok');
    // The machines the event moved are highlighted, and only those whose state changed.
    const touched = await box.locator('.machines tr.touched th').allTextContents();
    expect(touched.sort()).toEqual(['invalidateLock', 'page0', 'vmm']);
    const changed = await box.locator('.machines tr:has(td.changed) th').allTextContents();
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((m) => touched.includes(m))).toBe(true);
    expect(await box.locator('.seq .arrow.current text').textContent()).toContain('1. faultCheck(page=0)');

    await box.press('End');
    expect(await box.locator('.position').textContent()).toBe('after step 4 of 4');
    expect(await box.locator('.current-event').textContent()).toContain('violates no-host-map-of-private');
    const page0 = box.locator('.machines tr', { has: page.locator('th', { hasText: /^page0$/ }) });
    expect(await page0.locator('td.state').textContent()).toMatch(/attr=private .*hostMap=mapped/);
    // Within a machine's state, the words that changed in this step are marked.
    expect(await page0.locator('td.state mark').allTextContents()).toEqual(['attr=private']);
    await box.screenshot({ path: 'reports/explorer.png' });
    // The live statechart of page0 outlines the states it is in now.
    await box.locator('details.live-charts summary').click();
    const live = box.locator('.live', { has: page.locator('h4', { hasText: /^page0/ }) });
    expect(await live.locator('li.here[data-path="attr.private"]').count()).toBe(1);
    expect(await live.locator('li.here[data-path="attr.shared"]').count()).toBe(0);
    await box.locator('details.live-charts summary').click();

    await box.press('ArrowLeft');
    expect(await box.locator('.position').textContent()).toBe('after step 3 of 4');
    expect(await page0.locator('td.state').textContent()).toMatch(/attr=shared/);
    expect(await live.locator('li.here[data-path="attr.shared"]').count()).toBe(1);
    await box.locator('button[data-go="first"]').click();
    expect(
      await text(page, '#cx-guest-memfd-inplace-check-before-unmap-no-host-map-of-private .position'),
    ).toBe('initial state');
    expect(errors).toEqual([]);
    // Self-contained: the page itself is the only thing loaded.
    expect(fetched.filter((u) => !u.endsWith('/reports/index.html'))).toEqual([]);
    await page.close();
  });

  it('shows each machine kind as a statechart with the visited states marked', async () => {
    const page = await context.newPage();
    await page.goto(pathToFileURL(resolve('reports/index.html')).href);
    const run = page.locator('details.coverage[data-run="gunyah-longterm-pin:longterm-pin"]');
    await run.locator('summary').first().click();
    const chart = run.locator('.kind[data-kind="page"] .chart');
    await expect.poll(() => chart.isVisible()).toBe(true);
    expect(await chart.locator('li.visited[data-path="pin.pinned"]').count()).toBe(1);
    expect(await chart.locator('li.unvisited[data-path="pin.exclusive"]').count()).toBe(1);
    await page.close();
  });
});

describe('index.md Mermaid', () => {
  it('every diagram renders with mermaid', async () => {
    const md = readFileSync('reports/index.md', 'utf8');
    const blocks = [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1] ?? '');
    expect(blocks.filter((b) => b.startsWith('sequenceDiagram')).length).toBeGreaterThan(0);
    expect(blocks.filter((b) => b.startsWith('xychart-beta')).length).toBeGreaterThan(0);
    const page = await context.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    const bundle = join(dirname(createRequire(import.meta.url).resolve('mermaid')), 'mermaid.min.js');
    await page.addScriptTag({ path: bundle });
    const results = await page.evaluate(async (sources: string[]) => {
      const m = (globalThis as unknown as { mermaid: MermaidApi }).mermaid;
      m.initialize({ startOnLoad: false });
      const out: { ok: boolean; svg: string; error: string }[] = [];
      for (const [i, src] of sources.entries()) {
        try {
          const { svg } = await m.render(`d${i}`, src);
          out.push({ ok: true, svg, error: '' });
        } catch (e) {
          out.push({ ok: false, svg: '', error: String(e) });
        }
      }
      return out;
    }, blocks);
    expect(results.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
    const f7 = blocks.findIndex((b) => b.includes('✗ violated: no-host-map-of-private'));
    expect(results[f7]?.svg).toContain('converter0');
    expect(results[f7]?.svg).toContain('violated: no-host-map-of-private');
    await page.close();
  });
});

interface MermaidApi {
  initialize(config: object): void;
  render(id: string, text: string): Promise<{ svg: string }>;
}
