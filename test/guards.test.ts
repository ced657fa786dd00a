// Guard necessity on the fixed variants of the shipped models: the sets of necessary
// and redundant guards are pinned, so a change to a design's guards or to the strength
// of its properties shows up here. (A lower local-state cap keeps "unbounded" fast.)
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

interface GuardsJson {
  necessary: string[];
  redundant: string[];
  guards: { machine: string; guard: string; status: string; changes: { trace: string | null }[] }[];
}

const pinned: Record<string, { necessary: string[]; redundant: string[]; other: string[] }> = {
  'guest-memfd-inplace:fixed': {
    // The folio's reference check is the design's check: without it (always refusing) the
    // L-Convert property 'conversion-completes' breaks. The converter's phase guards carry
    // the check's answer. keptByRefs is redundant: a punched folio kept without references
    // would only leak, which no property of the model observes.
    necessary: ['refFolio.refsRemain', 'converter.accepts', 'converter.refused'],
    redundant: [
      'refFolio.holdsGet',
      'refFolio.lastRef',
      'refFolio.large',
      'refFolio.split',
      'refFolio.extraRefs',
      'refFolio.keptByRefs',
      'page.mapped',
      'vmm.accepts',
      'vmm.refused',
    ],
    other: ['refFolio.mapped:unbounded', 'refFolio.holdsPin:unbounded'],
  },
  'gunyah-longterm-pin:longterm-pin-migrate-first': {
    necessary: [],
    redundant: [
      'page.holdsPin',
      'page.lastPin',
      'page.canPunch',
      'page.convertible',
      'page.toPrivate',
      'page.toShared',
      'page.mappingSeen',
      'page.referenceSeen',
      'vmm.accepts',
      'vmm.refused',
      'migrator.accepts',
      'migrator.refused',
    ],
    other: ['page.canPin:unbounded', 'page.referenced:changes-verdicts'],
  },
  'bench:spec': {
    necessary: ['page.canFault', 'page.unreferenced'],
    redundant: ['page.canPunch', 'page.canBegin'],
    other: ['page.canPin:unbounded', 'page.pinned:unbounded'],
  },
};

describe('foliocheck guards', () => {
  const out = mkdtempSync(join(tmpdir(), 'foliocheck-guards-'));
  for (const [sel, want] of Object.entries(pinned)) {
    it(`${sel}: necessary and redundant guards`, async () => {
      const r = await runCli(['guards', sel, '--json', '--max-local-states', '64', '--out', out]);
      expect([r.code, r.err]).toEqual([0, '']);
      const body = JSON.parse(r.out) as GuardsJson;
      const other = body.guards
        .filter((g) => g.status !== 'necessary' && g.status !== 'redundant')
        .map((g) => `${g.machine}.${g.guard}:${g.status}`);
      expect({ necessary: body.necessary, redundant: body.redundant, other }).toEqual(want);
      for (const g of body.guards.filter((x) => x.status === 'necessary')) {
        for (const c of g.changes) {
          if (c.trace === null) continue;
          const trace = JSON.parse(readFileSync(c.trace, 'utf8')) as { events: unknown[] };
          expect(trace.events.length).toBeGreaterThan(0);
        }
        expect(g.changes.some((c) => c.trace !== null)).toBe(true);
      }
    });
  }

  it('a counterexample without a necessary guard diverges from the design on replay --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'foliocheck-guards-'));
    await runCli(['guards', 'bench:spec', '--max-local-states', '64', '--out', dir]);
    const file = join(dir, 'bench.spec-no-page.canFault.no-host-map-of-private.trace.json');
    expect((await runCli(['replay', file])).code).toBe(2);
    const forced = await runCli(['replay', file, '--force']);
    expect(forced.code).toBe(1);
    expect(forced.out).toMatch(/DIVERGED at event \d+/);
  });

  it('needs exactly one MODEL:VARIANT', async () => {
    for (const argv of [
      ['guards'],
      ['guards', 'bench'],
      ['guards', 'bench:spec', 'bench:spec'],
      ['guards', 'bench:nope'],
    ]) {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')).toHaveLength(2);
    }
  });
});
