// The flaw table written by `check --flaws`: each modelled flaw names the property its
// variant breaks, a counterexample length, and the fix's verdict.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { models } from '../models/index.js';
import { checkRun } from '../src/check.js';
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
    /\| violated \| 4 events \| gunyah-longterm-pin:longterm-pin-migrate-first \| holds \|$/,
  );
  for (const [flaw] of CATALOGUE) expect(text).toContain(`| ${flaw} |`);
});

it("every fix holds its flaw's properties for a reason: 'holds', never 'holds (vacuous)'", () => {
  const judged: string[] = [];
  for (const m of models) {
    const params = Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));
    const run = (v: string) =>
      checkRun(m, params, v, { engine: 'compiled', strategy: 'bfs', symmetry: false });
    for (const [variant, spec] of Object.entries(m.variants)) {
      if (spec.fixedBy === undefined || spec.flaws.length === 0) continue;
      const fix = run(spec.fixedBy);
      for (const p of run(variant).properties) {
        if (p.verdict !== 'violated') continue;
        const verdict = fix.properties.find((q) => q.name === p.name)?.verdict;
        if (verdict === 'violated') continue; // the fix does not claim this one
        expect({ flaw: `${m.id}:${variant}`, fix: spec.fixedBy, property: p.name, verdict }).toMatchObject({
          verdict: 'holds',
        });
        judged.push(`${m.id}:${variant}:${p.name}`);
      }
    }
  }
  expect(judged.length).toBeGreaterThan(30);
});
