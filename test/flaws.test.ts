// The flaw table written by `check --flaws`: each modelled flaw names the property its
// variant breaks, a counterexample length, and the fix's verdict.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { models } from '../models/index.js';
import { CATALOGUE } from '../src/flaws.js';
import { runCli } from './helpers.js';

interface JsonRun {
  readonly model: string;
  readonly variant: string;
  readonly properties: readonly { readonly name: string; readonly verdict: string }[];
}

it('check --flaws writes one row per flaw with the fix verdict', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'foliocheck-flaws-')), 'flaws.md');
  const run = await runCli(['check', '--flaws', file, '--json']);
  expect(run.code).toBe(0);
  // Every fix keeps its flaw's properties non-vacuously: a property the flawed variant
  // violates holds in the fix with its premise met (or is violated there too, which the
  // table reports), never 'holds (vacuous)'.
  const runs = new Map(
    (JSON.parse(run.out) as { runs: JsonRun[] }).runs.map((r) => [`${r.model}:${r.variant}`, r]),
  );
  const vacuousFixes = models.flatMap((m) =>
    Object.entries(m.variants).flatMap(([variant, spec]) => {
      if (spec.fixedBy === undefined) return [];
      const flawed = runs.get(`${m.id}:${variant}`);
      const fix = runs.get(`${m.id}:${spec.fixedBy}`);
      return (flawed?.properties ?? [])
        .filter((p) => p.verdict === 'violated')
        .filter((p) => fix?.properties.find((q) => q.name === p.name)?.verdict === 'vacuous')
        .map((p) => `${m.id}:${spec.fixedBy} ${p.name}`);
    }),
  );
  expect(vacuousFixes).toEqual([]);
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
  expect(row('F5', 'guest-memfd-inaccessible:inaccessible-mask', 'punched-range-reads-zero')).toMatch(
    /\| violated \| 4 events \| guest-memfd-inaccessible:inaccessible-bit \| holds \|$/,
  );
  expect(row('F8', 'guest-memfd-v1:no-range-add', 'no-private-spte-on-shared')).toMatch(
    /\| violated \| 7 events \| guest-memfd-v1:fixed \| holds \|$/,
  );
  expect(row('F1', 'gunyah-longterm-pin:longterm-pin', 'movable-stays-migratable')).toMatch(
    /\| violated \| 4 events \| gunyah-longterm-pin:longterm-pin-migrate-first \| holds \|$/,
  );
  for (const [flaw] of CATALOGUE) expect(text).toContain(`| ${flaw} |`);
});
