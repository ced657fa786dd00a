// The flaw table written by `check --flaws`: each modelled flaw names the property its
// variant breaks, how the counterexample arises (read off the trace), its length, and the
// fix's verdict on every property of the model — or `no fix agreed` when the catalogue says so.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import { loadCatalogues } from '../src/catalogue.js';
import { checkRun, type RunResult } from '../src/check.js';
import { fixVerdict, mechanism } from '../src/flaws.js';
import { runCli } from './helpers.js';

const FIXTURE_CONFIG = 'test/fixtures/project/foliocheck.config.json';

function rowOf(text: string): (flaw: string, variant: string, property: string) => string | undefined {
  return (flaw, variant, property) =>
    text
      .split('\n')
      .find(
        (l) => l.startsWith(`| ${flaw} |`) && l.includes(`| ${variant} |`) && l.includes(`| ${property} |`),
      );
}

async function flawTable(args: readonly string[]): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'foliocheck-flaws-')), 'flaws.md');
  const run = await runCli(['check', ...args, '--flaws', file]);
  expect({ code: run.code, output: run.err }).toMatchObject({ code: 0 });
  return readFileSync(file, 'utf8');
}

describe('the flaw table of the shipped catalogue', () => {
  it('has a row for every catalogue flaw, with mechanism, length and the fix judged on every property', async () => {
    const text = await flawTable([]);
    const row = rowOf(text);
    expect(row('F7', 'guest-memfd-inplace:check-before-unmap', 'no-host-map-of-private')).toMatch(
      /\| violated \| race of 2 actors \| 4 events \| guest-memfd-inplace:fixed \| holds \|$/,
    );
    expect(row('F31', 'guest-memfd-v1-binding:signed-bind-offset', 'binding-within-file')).toMatch(
      /\| violated \| single call \| 1 event \| /,
    );
    // A fix that breaks another property of its model says which.
    expect(row('F24', 'exclusive-gup:no-exclusive-pin', 'no-kernel-access-to-private')).toMatch(
      /\| exclusive-gup:exclusive-pin \| breaks no-host-map-of-private \|$/,
    );
    // The catalogue agrees no fix for F13 and F22: the table says so, whatever the model offers.
    for (const flaw of ['F13', 'F22']) {
      const rows = text.split('\n').filter((l) => l.startsWith(`| ${flaw} |`));
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(r).toMatch(/\(candidate\) \| no fix agreed \|$|\| - \| no fix agreed \|$/);
    }
    const ids = loadCatalogues(['catalogue/flaws.json']).flaws.map((f) => f.id);
    expect(ids).toHaveLength(30);
    for (const flaw of ids) expect(text).toContain(`| ${flaw} |`);
  });
});

describe('the flaw table of a project with its own catalogue', () => {
  it('judges each fix on every property: holds, breaks another property, or no fix agreed', async () => {
    const text = await flawTable(['--config', FIXTURE_CONFIG]);
    const row = rowOf(text);
    // recheck fixes X1's property but its refused commits break no-refused-commit.
    expect(row('X1', 'fixture-convert:check-then-commit', 'no-pin-on-private')).toBe(
      '| X1 | commit trusts an earlier check | fixture-convert:check-then-commit | no-pin-on-private | violated | race of 2 actors | 3 events | fixture-convert:recheck | breaks no-refused-commit |',
    );
    expect(row('X2', 'fixture-convert:unchecked', 'no-pin-on-private')).toMatch(
      /\| race of 2 actors \| 2 events \| fixture-convert:atomic \(candidate\) \| no fix agreed \|$/,
    );
    expect(row('X3', 'fixture-convert:unchecked', 'no-pin-on-private')).toMatch(
      /\| fixture-convert:atomic \| holds \|$/,
    );
    // Only catalogues some checked variant refers to are listed: the shipped one is not.
    expect(text).not.toContain('| F1 |');
    expect(text).toContain('3 of 3 flaws are modelled');
  });
});

const run = (actors: readonly string[]): RunResult =>
  ({ system: { events: actors.map((actor) => ({ actor })) } }) as unknown as RunResult;
const fix = (properties: readonly object[]): RunResult => ({ properties }) as unknown as RunResult;
const p = (name: string, kind: string, verdict: string, expected?: string): object => ({
  name,
  kind,
  verdict,
  expected,
});

describe('mechanism and fix verdict', () => {
  it('reads the mechanism off the counterexample: one event, one actor, or several actors', () => {
    const r = run(['vmm', 'vmm', 'converter', 'device']);
    expect(mechanism(r, [])).toBe('initial state');
    expect(mechanism(r, [2])).toBe('single call');
    expect(mechanism(r, [0, 1, 0])).toBe('single-thread sequence');
    expect(mechanism(r, [0, 2, 1])).toBe('race of 2 actors');
    expect(mechanism(r, [3, 2, 0])).toBe('race of 3 actors');
  });

  it('a vacuous hold or an undecided invariant is not a fix; progress counts as declared', () => {
    expect(fixVerdict(fix([p('a', 'always', 'holds'), p('g', 'eventually', 'violated', 'violated')]))).toBe(
      'holds',
    );
    expect(fixVerdict(fix([p('a', 'always', 'vacuous', 'vacuous')]))).toBe('a holds (vacuous)');
    expect(fixVerdict(fix([p('a', 'always', 'unknown')]))).toBe('a undecided');
    expect(fixVerdict(fix([p('d', 'deadlock-free', 'violated', 'violated')]))).toBe('breaks d');
    expect(fixVerdict(fix([p('r', 'sometimes', 'unreached', 'reached')]))).toBe(
      'r unreached (declared reached)',
    );
  });
});

it("every shipped fix holds its flaw's properties for a reason: 'holds', never 'holds (vacuous)'", () => {
  const judged: string[] = [];
  for (const m of models) {
    const params = Object.fromEntries(Object.entries(m.params).map(([k, q]) => [k, q.default]));
    const check = (v: string): RunResult =>
      checkRun(m, params, v, { engine: 'compiled', strategy: 'bfs', symmetry: false });
    for (const [variant, spec] of Object.entries(m.variants)) {
      if (spec.fixedBy === undefined || spec.flaws.length === 0) continue;
      const fixed = check(spec.fixedBy);
      for (const broken of check(variant).properties) {
        if (broken.verdict !== 'violated') continue;
        const verdict = fixed.properties.find((q) => q.name === broken.name)?.verdict;
        if (verdict === 'violated') continue; // the fix does not claim this one
        expect({
          flaw: `${m.id}:${variant}`,
          fix: spec.fixedBy,
          property: broken.name,
          verdict,
        }).toMatchObject({
          verdict: 'holds',
        });
        judged.push(`${m.id}:${variant}:${broken.name}`);
      }
    }
  }
  expect(judged.length).toBeGreaterThan(30);
});
