// Pinned state counts and verdicts of every shipped model variant, one JSON file per model
// in test/models/pins/. A change in any of these numbers is a review event: say why in the
// commit that changes them. Verdicts are pinned by each variant's `expect` declaration.
// The same runs show that the catalogue passes `check --strict` at these parameters: every
// world event fires in the exhaustive run unless the variant declares it never enabled (with
// its reason), and no declared one fires (the lint part of --strict: test/lint.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { models } from '../../models/index.js';
import { checkRun, type RunResult } from '../../src/check.js';
import { enabledAfterAllFinding, neverEnabledFinding } from '../../src/lint.js';
import type { AnyModel } from '../../src/model.js';

interface VariantPin {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  /** Distinct states with symmetry reduction on (equal to `states` without declared symmetry). */
  readonly reduced: number;
}

interface ConfigPin {
  readonly params: Record<string, number>;
  readonly variant: string;
  readonly states: number;
  readonly reduced: number;
  /** Verdicts in property order, comma-separated. */
  readonly verdicts: string;
}

interface ModelPins {
  readonly variants: Readonly<Record<string, VariantPin>>;
  readonly configs: readonly ConfigPin[];
}

const dir = join(import.meta.dirname, 'pins');
const pins = new Map<string, ModelPins>(
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, f), 'utf8')) as ModelPins]),
);

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

/**
 * What `check --strict` refuses in an exhaustive run (src/commands/results.ts): world events
 * that never fired and the variant does not declare, and declared ones that fired.
 */
function strictFindings(m: AnyModel, run: RunResult): string[] {
  if (run.neverEnabled === undefined)
    return [`${run.variant}: not exhaustive, so never-enabled events are unknown`];
  const declared = m.variants[run.variant]?.neverEnabled;
  return [
    neverEnabledFinding(run, 'error', declared),
    enabledAfterAllFinding(run, 'error', declared),
  ].flatMap((f) => (f === undefined ? [] : [`${f.code} ${run.variant}: ${f.message}`]));
}

it('every shipped model variant has pinned figures, and every pin names a shipped variant', () => {
  const shipped = models.flatMap((m) => Object.keys(m.variants).map((v) => `${m.id}:${v}`));
  const pinned = [...pins.entries()].flatMap(([id, p]) => Object.keys(p.variants).map((v) => `${id}:${v}`));
  expect(pinned.sort((a, b) => a.localeCompare(b))).toEqual(shipped.sort((a, b) => a.localeCompare(b)));
});

for (const m of models) {
  describe(`model ${m.id}`, () => {
    const modelPins = pins.get(m.id);
    for (const variant of Object.keys(m.variants)) {
      it(`${variant} at default parameters`, () => {
        const pin = modelPins?.variants[variant];
        const r = checkRun(m, defaults(m), variant, { engine: 'compiled', strategy: 'bfs', symmetry: false });
        const reduced = checkRun(m, defaults(m), variant, {
          engine: 'compiled',
          strategy: 'bfs',
          symmetry: true,
        });
        expect({
          states: r.states,
          transitions: r.transitions,
          depth: r.depth,
          reduced: reduced.states,
        }).toEqual(pin);
        const spec = m.variants[variant];
        for (const res of [r, reduced]) {
          for (const p of res.properties)
            expect({ [p.name]: p.verdict }).toEqual({ [p.name]: spec?.expect[p.name] });
          expect(strictFindings(m, res)).toEqual([]);
        }
      });
    }
    for (const c of modelPins?.configs ?? []) {
      it(`${c.variant} ${JSON.stringify(c.params)}`, () => {
        const full = checkRun(m, c.params, c.variant, {
          engine: 'compiled',
          strategy: 'bfs',
          symmetry: false,
        });
        const sym = checkRun(m, c.params, c.variant, { engine: 'compiled', strategy: 'bfs', symmetry: true });
        expect([full.states, sym.states]).toEqual([c.states, c.reduced]);
        expect(full.properties.map((p) => p.verdict).join(',')).toBe(c.verdicts);
        expect(sym.properties.map((p) => p.verdict).join(',')).toBe(c.verdicts);
        expect([...strictFindings(m, full), ...strictFindings(m, sym)]).toEqual([]);
      });
    }
  });
}
