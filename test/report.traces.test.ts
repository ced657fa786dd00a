// Every command a report prints works: each trace shipped under reports/traces/ replays
// (lassos included), a report written with --out prints replay commands for that
// directory (Markdown, HTML and text alike) and they reproduce, and `check --out DIR`
// leaves no trace of an earlier run of the variants it checked.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { textReplayPaths } from './reportText.js';

async function replays(path: string): Promise<{ path: string; code: number; reproduced: boolean }> {
  const run = await runCli(['replay', path, '--json']);
  const out = JSON.parse(run.out) as { property: { reproduced: boolean } };
  return { path, code: run.code, reproduced: out.property.reproduced };
}

describe('printed commands work', () => {
  it('every trace under reports/traces/ replays to its violation', async () => {
    const files = readdirSync('reports/traces').filter((f) => f.endsWith('.trace.json'));
    expect(files.length).toBeGreaterThan(40);
    let lassos = 0;
    for (const f of files) {
      const path = join('reports/traces', f);
      if ((JSON.parse(readFileSync(path, 'utf8')) as { loop: number | null }).loop !== null) lassos++;
      expect(await replays(path)).toEqual({ path, code: 0, reproduced: true });
    }
    expect(lassos).toBeGreaterThanOrEqual(5);
  });

  it('report --out DIR prints replay commands for DIR in every format, and they reproduce', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-out-'));
    expect((await runCli(['report', 'guest-memfd-inplace', 'exclusive-gup', '--out', dir])).code).toBe(0);
    for (const design of ['guest-memfd-inplace', 'exclusive-gup']) {
      const md = readFileSync(join(dir, design, 'index.md'), 'utf8');
      const html = readFileSync(join(dir, design, 'index.html'), 'utf8');
      const text = readFileSync(join(dir, design, 'report.txt'), 'utf8');
      const fromMd = [...md.matchAll(/`npx foliocheck replay ([^`]+)`/g)].map((m) => m[1] ?? '');
      const fromHtml = [...html.matchAll(/<code>npx foliocheck replay ([^<]+)<\/code>/g)].map(
        (m) => m[1] ?? '',
      );
      expect(fromMd.length).toBeGreaterThan(0);
      expect(fromHtml).toEqual(fromMd);
      expect(textReplayPaths(text)).toEqual(fromMd);
      for (const path of fromMd) {
        expect(path.startsWith(join(dir, 'traces'))).toBe(true);
        expect(await replays(path)).toEqual({ path, code: 0, reproduced: true });
      }
      // Links to traces are relative to the design's page and lead to the same files.
      for (const m of md.matchAll(/\]\(\.\.\/traces\/([^)]+)\)/g))
        expect(existsSync(join(dir, 'traces', m[1] ?? ''))).toBe(true);
      for (const page of [md, html, text.replace(/\s+/g, ' ')]) {
        expect(page).not.toContain('npm start');
        expect(page).toContain(`npx foliocheck report guest-memfd-inplace exclusive-gup --out ${dir}`);
      }
    }
  });

  it('check --out DIR removes the traces of the checked variants that this run did not write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-check-'));
    const old = (f: string): string => join(dir, f);
    // An earlier run of F7 wrote a trace for a property that now holds (renamed or fixed) ...
    writeFileSync(old('guest-memfd-inplace.check-before-unmap.was-violated.trace.json'), '{}\n');
    // ... a shrunk copy, a trace of a variant not checked now, and a note stay.
    writeFileSync(old('guest-memfd-inplace.check-before-unmap.no-pin-on-private.shrunk.trace.json'), '{}\n');
    writeFileSync(old('guest-memfd-inplace.fixed.other.trace.json'), '{}\n');
    writeFileSync(old('notes.txt'), 'mine\n');
    const run = await runCli(['check', 'guest-memfd-inplace:check-before-unmap', '--out', dir]);
    expect(run.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      'guest-memfd-inplace.check-before-unmap.no-dma-of-private.trace.json',
      'guest-memfd-inplace.check-before-unmap.no-host-map-of-private.trace.json',
      'guest-memfd-inplace.check-before-unmap.no-pin-on-private.shrunk.trace.json',
      'guest-memfd-inplace.check-before-unmap.no-pin-on-private.trace.json',
      'guest-memfd-inplace.fixed.other.trace.json',
      'notes.txt',
    ]);
  });
});
