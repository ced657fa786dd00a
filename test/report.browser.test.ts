// The reports as a person sees them, in a real headless Chromium (a system one when
// installed, else the build inside the @sparticuz/chromium package: see scripts/browser.ts;
// the test never skips): step through a counterexample in a design's index.html with the
// buttons and the keyboard, check what is displayed, switch the highlighted path in the
// state graph; render every Mermaid block of the Markdown reports with the mermaid
// package's own bundle (no network), so a diagram GitHub would refuse fails here.
// Screenshots go to a temporary directory: the tests leave the tree as they found it.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from '../scripts/browser.js';

let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function open(path: string): Promise<{ page: Page; errors: string[]; fetched: string[] }> {
  if (browser === undefined) throw new Error('Chromium did not start');
  const page = await browser.context.newPage();
  const errors: string[] = [];
  const fetched: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => fetched.push(r.url()));
  await page.goto(pathToFileURL(resolve(path)).href);
  return { page, errors, fetched };
}

const INPLACE = 'reports/guest-memfd-inplace/index.html';

describe('a design report in the browser', () => {
  it('steps through the F7 counterexample forwards and backwards, highlighting what changed', async () => {
    const { page, errors, fetched } = await open(INPLACE);
    const box = page.locator('#cx-guest-memfd-inplace-check-before-unmap-no-host-map-of-private');
    await expect.poll(() => box.locator('.position').textContent()).toBe('initial state');
    expect(await box.locator('td.changed').count()).toBe(0);

    await box.locator('button[data-go="next"]').click();
    expect(await box.locator('.position').textContent()).toBe('after step 1 of 4');
    expect(await box.locator('.current-event').textContent()).toBe('vmm: faultCheck(page=0) → ok');
    // The kernel function the step stands for is shown with it.
    expect(await box.locator('.current-kernel').textContent()).toContain('kvm_gmem_fault_user_mapping()');
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
    await box.screenshot({ path: join(mkdtempSync(join(tmpdir(), 'foliocheck-shot-')), 'explorer.png') });
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
    expect(await box.locator('.position').textContent()).toBe('initial state');
    expect(errors).toEqual([]);
    // Self-contained: the page itself is the only thing loaded.
    expect(fetched.filter((u) => !u.endsWith(`/${INPLACE}`))).toEqual([]);
    await page.close();
  });

  it('draws the state graph with the counterexample path, and switches paths', async () => {
    const { page, errors } = await open(INPLACE);
    const figure = page.locator('figure.state-graph[data-run="guest-memfd-inplace:check-before-unmap"]');
    const svg = figure.locator('svg.graph');
    await expect.poll(() => svg.isVisible()).toBe(true);
    expect(await svg.locator('g.state').count()).toBe(225);
    // The shown path is the 4-step F7 counterexample; it ends in a state that breaks an invariant.
    const shown = svg.locator('g.cxpath:not(.hidden)');
    expect(await shown.count()).toBe(1);
    expect(await shown.locator('path').count()).toBe(4);
    expect(await shown.locator('text').allTextContents()).toEqual([
      '1 faultCheck',
      '2 convertCheck',
      '3 faultAlloc',
      '4 convertCommit',
      '✗ no-host-map-of-private',
    ]);
    expect(await svg.locator('g.state.on').count()).toBe(5);
    expect(await svg.locator('g.state.on.bad').count()).toBe(1);
    const box = await svg.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);
    // Another counterexample of the variant: its path and states replace the first.
    await figure.locator('button', { hasText: 'no-pin-on-private' }).click();
    expect(await svg.locator('g.cxpath:not(.hidden) path').count()).toBe(5);
    expect(await figure.locator('.path-name').textContent()).toBe('no-pin-on-private');
    expect(await svg.locator('g.state.on').count()).toBe(6);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows each machine kind as a statechart with the visited states marked', async () => {
    const { page } = await open('reports/gunyah-longterm-pin/index.html');
    // Fault-time sharing never registers a region: the VMM's registration phases stay unvisited.
    const run = page.locator('details.coverage[data-run="gunyah-longterm-pin:fault-time-share"]');
    await run.locator('summary').first().click();
    const chart = run.locator('.kind[data-kind="frame"] .chart');
    await expect.poll(() => chart.isVisible()).toBe(true);
    expect(await chart.locator('li.visited[data-path="inUse"]').count()).toBe(1);
    const vmm = run.locator('.kind[data-kind="vmm"] .chart');
    expect(await vmm.locator('li.unvisited[data-path="registered"]').count()).toBe(1);
    await page.close();
  });

  it('the index links every design and says in words whether each verdict is expected', async () => {
    const { page, errors } = await open('reports/index.html');
    const links = await page
      .locator('table')
      .first()
      .locator('a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(links.length).toBeGreaterThan(10);
    for (const href of links) expect(statSync(join('reports', href)).isFile()).toBe(true);
    const cell = page.locator(
      '.matrix a[href="guest-memfd-inplace/index.html#cx-guest-memfd-inplace-check-before-unmap-no-host-map-of-private"]',
    );
    expect(await cell.textContent()).toBe('violated, as expected');
    // An expected violation is not drawn like a pass or like a mismatch: neutral text.
    const color = await cell.evaluate((a) => {
      const g = globalThis as unknown as { getComputedStyle(e: unknown): { color: string } };
      return g.getComputedStyle((a as unknown as { parentElement: unknown }).parentElement).color;
    });
    expect(color).not.toMatch(/rgb\(26, 127, 55\)|rgb\(180, 35, 24\)/);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('Mermaid in the Markdown reports', () => {
  it('every diagram renders with mermaid', async () => {
    const files = readdirSync('reports', { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'traces')
      .map((d) => join('reports', d.name, 'index.md'));
    const blocks = files.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1] ?? ''),
    );
    expect(blocks.filter((b) => b.startsWith('sequenceDiagram')).length).toBeGreaterThan(20);
    expect(blocks.some((b) => b.includes('loop repeats forever'))).toBe(true);
    if (browser === undefined) throw new Error('Chromium did not start');
    const page = await browser.context.newPage();
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
    const f7 = blocks.findIndex(
      (b) => b.includes('as converter0') && b.includes('✗ violated: no-host-map-of-private'),
    );
    expect(f7).toBeGreaterThanOrEqual(0);
    expect(results[f7]?.svg).toContain('converter0');
    expect(results[f7]?.svg).toContain('violated: no-host-map-of-private');
    await page.close();
  });
});

interface MermaidApi {
  initialize(config: object): void;
  render(id: string, text: string): Promise<{ svg: string }>;
}
