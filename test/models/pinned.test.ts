// Pinned state counts and verdicts of every shipped model variant. A change in any of
// these numbers is a review event: say why in the commit that changes them.
import { describe, expect, it } from 'vitest';
import { models } from '../../models/index.js';
import { checkRun } from '../../src/check.js';
import type { AnyModel } from '../../src/model.js';

interface Pin {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  /** States with symmetry reduction (undefined: the model declares no useful symmetry). */
  readonly reduced?: number;
}

const pins: Readonly<Record<string, Pin>> = {
  'guest-memfd-inplace:fixed': { states: 58, transitions: 188, depth: 8, reduced: 58 },
  'guest-memfd-inplace:no-pin-check': { states: 68, transitions: 217, depth: 8, reduced: 68 },
  'guest-memfd-inplace:check-before-unmap': { states: 106, transitions: 417, depth: 9, reduced: 106 },
  'gunyah-longterm-pin:longterm-pin': { states: 7, transitions: 13, depth: 4, reduced: 7 },
  'gunyah-longterm-pin:longterm-pin-migrate-first': { states: 10, transitions: 19, depth: 5, reduced: 10 },
  'gunyah-longterm-pin:fault-time-share': { states: 13, transitions: 22, depth: 6, reduced: 13 },
  'bench:spec': { states: 435, transitions: 2526, depth: 10, reduced: 225 },
};

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

describe('every shipped variant has pinned figures', () => {
  const keys = models.flatMap((m) => Object.keys(m.variants).map((v) => `${m.id}:${v}`));
  it('lists exactly the shipped variants', () => {
    expect(Object.keys(pins).sort()).toEqual(keys.sort());
  });
  for (const m of models) {
    for (const variant of Object.keys(m.variants)) {
      const pin = pins[`${m.id}:${variant}`];
      it(`${m.id}:${variant} at default parameters`, () => {
        const r = checkRun(m, defaults(m), variant, { engine: 'compiled', strategy: 'bfs', symmetry: false });
        expect({ states: r.states, transitions: r.transitions, depth: r.depth }).toEqual({
          states: pin?.states,
          transitions: pin?.transitions,
          depth: pin?.depth,
        });
        expect(r.complete).toBe(true);
        const spec = m.variants[variant];
        for (const p of r.properties)
          expect({ [p.name]: p.verdict }).toEqual({ [p.name]: spec?.expect[p.name] });
        const reduced = checkRun(m, defaults(m), variant, {
          engine: 'compiled',
          strategy: 'bfs',
          symmetry: true,
        });
        expect(reduced.states).toBe(pin?.reduced);
        expect(reduced.properties.map((p) => p.verdict)).toEqual(r.properties.map((p) => p.verdict));
      });
    }
  }
});

describe('larger configurations (pinned)', () => {
  const gm = models.find((m) => m.id === 'guest-memfd-inplace') as AnyModel;
  const cases: readonly [Record<string, number>, string, number, number, string][] = [
    [
      { folios: 2, pagesPerFolio: 1, converters: 1 },
      'fixed',
      2464,
      1246,
      'holds,holds,holds,reached,reached,reached',
    ],
    [
      { folios: 2, pagesPerFolio: 1, converters: 1 },
      'no-pin-check',
      3399,
      1716,
      'holds,violated,violated,reached,reached,unreached',
    ],
    [
      { folios: 2, pagesPerFolio: 1, converters: 1 },
      'check-before-unmap',
      9048,
      4563,
      'violated,violated,violated,reached,reached,reached',
    ],
    [
      { folios: 1, pagesPerFolio: 2, converters: 1 },
      'fixed',
      1302,
      1302,
      'holds,holds,holds,reached,reached,reached',
    ],
    [
      { folios: 1, pagesPerFolio: 1, converters: 2 },
      'check-before-unmap',
      238,
      172,
      'violated,violated,violated,reached,reached,reached',
    ],
  ];
  for (const [params, variant, states, reduced, verdicts] of cases) {
    it(`guest-memfd-inplace:${variant} ${JSON.stringify(params)}`, () => {
      const full = checkRun(gm, params, variant, { engine: 'compiled', strategy: 'bfs', symmetry: false });
      const sym = checkRun(gm, params, variant, { engine: 'compiled', strategy: 'bfs', symmetry: true });
      expect([full.states, sym.states]).toEqual([states, reduced]);
      expect(full.properties.map((p) => p.verdict).join(',')).toBe(verdicts);
      expect(sym.properties.map((p) => p.verdict).join(',')).toBe(verdicts);
    });
  }
});
