// Partial-order reduction against the unreduced search: on every shipped variant (default
// parameters, the pinned larger configurations, and configurations where the reduction
// prunes), with and without reduction, with symmetry and with DFS, the verdicts are equal,
// BFS counterexamples have the unreduced length (they are found again unreduced), and every
// counterexample replays. A model with progress or transition properties is never reduced,
// so it is checked a second time with its safety properties alone (the runs a user without
// those properties gets), where the reduction does apply. A toy model of independent machines shows the reduction prunes
// and that each kind of property it must see (state tests by their read set, step tests,
// `each` invariants) keeps its verdict. Runs it must not reduce say so (RunResult.por).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { models } from '../models/index.js';
import { checkSystem, porApplies, type CheckOptions, type RunResult } from '../src/check.js';
import { defineModel, participant, range, type AnyModel, type WorldEventSpec } from '../src/model.js';
import {
  always,
  alwaysEach,
  isSafety,
  never,
  sometimesEach,
  sometimesStep,
  type Property,
} from '../src/property.js';
import { compileSystem, type CompiledSystem } from '../src/system.js';
import { runCli } from './helpers.js';
import { testAtPathEnd } from './replayJudge.js';

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

/** Configurations beyond the pins where the reduction prunes on a shipped model. */
const pruning: Readonly<Record<string, readonly Record<string, number>[]>> = {
  'guest-memfd-mainline': [{ files: 2 }],
  bench: [{ pages: 3, converters: 1 }],
};

function configs(m: AnyModel): { params: Record<string, number>; variant: string }[] {
  const pins = JSON.parse(
    readFileSync(join(import.meta.dirname, 'models', 'pins', `${m.id}.json`), 'utf8'),
  ) as { configs: { params: Record<string, number>; variant: string }[] };
  const variants = Object.keys(m.variants);
  return [
    ...variants.map((variant) => ({ params: defaults(m), variant })),
    ...pins.configs.map((c) => ({ params: { ...defaults(m), ...c.params }, variant: c.variant })),
    ...(pruning[m.id] ?? []).flatMap((p) =>
      variants.map((variant) => ({ params: { ...defaults(m), ...p }, variant })),
    ),
  ];
}

const base: CheckOptions = { engine: 'compiled', strategy: 'bfs', symmetry: false };
const verdicts = (r: RunResult): string[] => r.properties.map((p) => `${p.name}=${p.verdict}`);
const lengths = (r: RunResult): (number | undefined)[] => r.properties.map((p) => p.path?.length);

/** Each safety counterexample and witness is a run of the model ending where its property fires. */
function expectReplays(r: RunResult): void {
  const sys = r.system;
  r.properties.forEach((p, i) => {
    const prop = sys.properties[i];
    if (p.path === undefined || prop === undefined || !isSafety(prop)) return;
    const holds = testAtPathEnd(sys, prop, p.path, p.name);
    expect([p.name, holds]).toEqual([p.name, prop.kind !== 'always']);
  });
}

let pruned = 0;

/** The properties partial-order reduction admits: safety, over states, instances or steps. */
const reducible = (p: Property): boolean => isSafety(p) && p.over !== 'transition';

/**
 * `m` with its reducible properties alone (in the model and in each variant, expectations
 * filtered alike), or undefined when it has no other kind.
 */
function safetyOnly(m: AnyModel): AnyModel | undefined {
  const variants = Object.values(m.variants);
  if (m.properties.every(reducible) && variants.every((v) => (v.properties ?? []).every(reducible)))
    return undefined;
  const names = new Set(
    [...m.properties, ...variants.flatMap((v) => v.properties ?? [])].filter(reducible).map((p) => p.name),
  );
  return {
    ...m,
    id: `${m.id}-safety`,
    properties: m.properties.filter(reducible),
    variants: Object.fromEntries(
      Object.entries(m.variants).map(([name, v]) => [
        name,
        {
          ...v,
          ...(v.properties === undefined ? {} : { properties: v.properties.filter(reducible) }),
          expect: Object.fromEntries(Object.entries(v.expect).filter(([p]) => names.has(p))),
        },
      ]),
    ),
  };
}

/**
 * Reduced runs against the unreduced one on `m` (a shipped model or its safety part) at `c`;
 * returns the verdicts of the unreduced and the reduced BFS for the caller to compare.
 */
function compareReduced(
  m: AnyModel,
  c: { params: Record<string, number>; variant: string },
): { full: string[]; reduced: string[] } {
  const sys = compileSystem(m, c.params, c.variant);
  const full = checkSystem(m, sys, base);
  const runs = [
    checkSystem(m, sys, { ...base, por: true }),
    checkSystem(m, sys, { ...base, por: true, symmetry: true }),
    checkSystem(m, sys, { ...base, por: true, strategy: 'dfs' }),
  ];
  const [reduced, both] = runs as [RunResult, RunResult, RunResult];
  for (const r of runs) {
    expect(verdicts(r)).toEqual(verdicts(full));
    expect(r.states).toBeLessThanOrEqual(full.states);
    expectReplays(r);
  }
  expect(lengths(reduced)).toEqual(lengths(full));
  expect(lengths(both)).toEqual(lengths(full));
  // BFS finds each property again unreduced, so the counterexample is the unreduced one.
  expect(reduced.properties.map((p) => p.path)).toEqual(full.properties.map((p) => p.path));
  if (reduced.por === true) pruned++;
  // A run the reduction never pruned is the unreduced search.
  expect(reduced.por === true || reduced.states === full.states).toBe(true);
  return { full: verdicts(full), reduced: verdicts(reduced) };
}

for (const m of models) {
  describe(`${m.id}: partial-order reduction keeps every verdict`, () => {
    for (const c of configs(m)) {
      it(`${c.variant} ${JSON.stringify(c.params)}`, () => {
        const { full, reduced } = compareReduced(m, c);
        expect(reduced).toEqual(full);
      });
    }
  });
  const safe = safetyOnly(m);
  if (safe === undefined) continue;
  describe(`${m.id}, safety properties alone: partial-order reduction keeps every verdict`, () => {
    it('is a model the reduction applies to', () => {
      const sys = compileSystem(safe, defaults(safe), Object.keys(safe.variants)[0] as string);
      expect(porApplies(sys, { ...base, por: true }, undefined)).toBe(true);
    });
    for (const c of configs(m)) {
      it(`${c.variant} ${JSON.stringify(c.params)}`, () => {
        const { full, reduced } = compareReduced(safe, c);
        expect(reduced).toEqual(full);
      });
    }
  });
}

describe('the shipped configurations exercise the reduction', () => {
  it('prunes on some of them (the comparisons above are not all of unreduced runs)', () => {
    expect(pruned).toBeGreaterThan(0);
  });
});

/** A cell: a counter 0..3 that counts up (cell1 may also be reset); `peek` reads cells 2 and 3. */
const cell = setup({
  types: { events: {} as { type: 'up' } | { type: 'reset' } },
}).createMachine({
  id: 'cell',
  initial: 'c0',
  states: {
    c0: { on: { up: 'c1' } },
    c1: { on: { up: 'c2', reset: 'c0' } },
    c2: { on: { up: 'c3', reset: 'c0' } },
    c3: { on: { reset: 'c0' } },
  },
});

const cells = 4;
const at = (w: { get(id: string): { matches(v: string): boolean } }, i: number, v: string): boolean =>
  w.get(`cell${i}`).matches(v);

const independent = defineModel<never, 'plain'>({
  id: 'por-cells',
  title: 'independent cells',
  summary: 'cells that count up on their own; one event reads two cells',
  sources: ['test'],
  params: {},
  variants: {
    plain: {
      doc: 'the only variant',
      flaws: [],
      expect: {
        'cell0-below-3': 'violated',
        'cells-0-1-not-both-2': 'violated',
        'no-cell-at-3': 'violated',
        'peek-both-high': 'reached',
        'cell1-never-reset': 'violated',
      },
    },
  },
  properties: [
    always('cell0-below-3', 'cell0 stays below 3 (reads one cell)', (w) => !at(w, 0, 'c3')),
    always('cells-0-1-not-both-2', 'cells 0 and 1 are not both at 2 (reads two cells)', (w) =>
      range(2).some((i) => !at(w, i, 'c2')),
    ),
    alwaysEach('no-cell-at-3', 'no cell at 3 (each: nothing visible)', 'cell', (s) => !s.matches('c3')),
    sometimesStep(
      'peek-both-high',
      'cells 2 and 3 are peeked at while both are at 2',
      (s) => s.type === 'peek',
    ),
    never('cell1-never-reset', 'cell1 is never reset', (s) => s.actor === 'cell1' && s.type === 'reset'),
  ],
  build: () => ({
    machines: range(cells).map((i) => ({ id: `cell${i}`, machine: cell })),
    events: [
      ...range(cells).map((i): WorldEventSpec => ({
        actor: `cell${i}`,
        type: 'up',
        args: {},
        sync: [participant(`cell${i}`, { type: 'up' })],
      })),
      { actor: 'cell1', type: 'reset', args: {}, sync: [participant('cell1', { type: 'reset' })] },
      {
        actor: 'observer',
        type: 'peek',
        args: {},
        sync: [
          { machine: 'cell2', requires: 'c2' },
          { machine: 'cell3', requires: 'c2' },
        ],
      },
    ],
  }),
});

describe('partial-order reduction on independent machines', () => {
  const sys = compileSystem(independent, {}, 'plain');

  it('prunes, and keeps every verdict and (found again unreduced) every counterexample', () => {
    const full = checkSystem(independent, sys, base);
    for (const strategy of ['bfs', 'dfs'] as const) {
      const r = checkSystem(independent, sys, { ...base, strategy, por: true });
      expect(r.por).toBe(true);
      expect(r.states).toBeLessThan(full.states);
      expect(verdicts(r)).toEqual(verdicts(full));
      expectReplays(r);
    }
    const bfs = checkSystem(independent, sys, { ...base, por: true });
    expect(bfs.properties.map((p) => p.path)).toEqual(full.properties.map((p) => p.path));
    expect(verdicts(full)).toEqual(
      Object.entries(independent.variants.plain.expect).map(([k, v]) => `${k}=${v}`),
    );
  });

  it('prunes states when only `each` properties look at the cells', () => {
    const quiet = defineModel({
      ...independent,
      id: 'por-cells-quiet',
      properties: [
        alwaysEach('no-cell-at-3', 'no cell at 3', 'cell', (s) => !s.matches('c3')),
        sometimesEach('a-cell-at-2', 'a cell at 2', 'cell', (s) => s.matches('c2')),
      ],
      variants: {
        plain: { doc: 'x', flaws: [], expect: { 'no-cell-at-3': 'violated', 'a-cell-at-2': 'reached' } },
      },
    });
    const q = compileSystem(quiet, {}, 'plain');
    const full = checkSystem(quiet, q, base);
    const r = checkSystem(quiet, q, { ...base, por: true });
    expect(verdicts(r)).toEqual(verdicts(full));
    expect(r.properties.map((p) => p.path)).toEqual(full.properties.map((p) => p.path));
    expect(full.states).toBe(4 ** cells);
    expect(r.states).toBeLessThan(full.states / 2);
  });
});

const runOf = (text: string): { por: boolean; states: number } =>
  (JSON.parse(text) as { runs: { por: boolean; states: number }[] }).runs[0] as {
    por: boolean;
    states: number;
  };

describe('where partial-order reduction does not apply', () => {
  const m = models.find((x) => x.id === 'guest-memfd-inplace') as AnyModel;
  const gmem = compileSystem(m, defaults(m), 'fixed');
  // A shipped variant with safety properties only, where the reduction prunes states.
  const inaccessible = models.find((x) => x.id === 'guest-memfd-inaccessible') as AnyModel;
  const plain: CompiledSystem = compileSystem(inaccessible, defaults(inaccessible), 'inaccessible-mask');

  it('is refused for progress properties, depth bounds, worker threads and checkpoints', () => {
    expect(porApplies(plain, { ...base, por: true }, undefined)).toBe(true);
    expect(porApplies(plain, { ...base }, undefined)).toBe(false);
    expect(porApplies(gmem, { ...base, por: true }, undefined)).toBe(false);
    expect(porApplies(plain, { ...base, por: true }, 5)).toBe(false);
    expect(porApplies(plain, { ...base, por: true, workers: 2 }, undefined)).toBe(false);
    expect(porApplies(plain, { ...base, por: true, onCheckpoint: () => undefined }, undefined)).toBe(false);
    const r = checkSystem(m, gmem, { ...base, por: true });
    expect(r.por).toBe(false);
  });

  it('check reduces by default and --no-por turns it off', async () => {
    const on = await runCli(['check', 'guest-memfd-inaccessible:inaccessible-mask', '--json']);
    const off = await runCli(['check', 'guest-memfd-inaccessible:inaccessible-mask', '--no-por', '--json']);
    expect([on.code, off.code]).toEqual([0, 0]);
    expect(runOf(on.out).por).toBe(true);
    expect(runOf(off.out).por).toBe(false);
    expect(runOf(on.out).states).toBeLessThan(runOf(off.out).states);
  });
});
