// The flaw table written by `check --flaws`: each modelled flaw names the property its
// variant breaks, a counterexample length, and the fix's verdict.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CATALOGUE } from '../src/flaws.js';
import { runCli } from './helpers.js';

it('check --flaws writes one row per flaw with the fix verdict', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'foliocheck-flaws-')), 'flaws.md');
  const run = await runCli(['check', '--flaws', file]);
  expect(run.code).toBe(0);
  const text = readFileSync(file, 'utf8');
  const row = (flaw: string, variant: string, property: string): string | undefined =>
    text
      .split('\n')
      .find(
        (l) => l.startsWith(`| ${flaw} |`) && l.includes(`| ${variant} |`) && l.includes(`| ${property} |`),
      );
  expect(row('F6', 'guest-memfd-inplace:no-pin-check', 'no-pin-on-private')).toMatch(
    /\| violated \| 6 events \| guest-memfd-inplace:fixed \| holds \|$/,
  );
  expect(row('F7', 'guest-memfd-inplace:check-before-unmap', 'no-host-map-of-private')).toMatch(
    /\| violated \| 4 events \| guest-memfd-inplace:fixed \| holds \|$/,
  );
  expect(row('F3', 'guest-memfd-inplace:no-lru-drain', 'conversion-completes')).toMatch(
    /\| violated \| \d+ events \| guest-memfd-inplace:fixed \| holds \|$/,
  );
  expect(row('F1', 'gunyah-longterm-pin:longterm-pin', 'movable-stays-migratable')).toMatch(
    /\| violated \| 5 events \| gunyah-longterm-pin:longterm-pin-migrate-first \| holds \|$/,
  );
  // A fix holds its flaw's property because the situation arises and is handled, never
  // because it cannot arise: no fix verdict is a vacuous hold.
  const fixVerdicts = text
    .split('\n')
    .filter((l) => /^\| F\d+ \|/.test(l))
    .map((l) => l.split(' | ').at(-1));
  expect(fixVerdicts.length).toBeGreaterThan(30);
  expect(fixVerdicts.filter((v) => v?.includes('vacuous'))).toEqual([]);
  for (const [flaw] of CATALOGUE) expect(text).toContain(`| ${flaw} |`);
});
