// Progress under symmetry (src/progressRegion.ts): an `eventually` declared symmetric is
// judged from the representatives of a symmetry-reduced run. The declaration is the
// model's contract, so it is checked here on every shipped variant that makes it: the
// trigger is unchanged by every slot transposition on every reachable state (unreduced, at
// default parameters); the verdicts equal the unreduced run's, at default parameters and
// at a bound where the reduction matters; a violation's trace replays as a lasso that
// breaks the property.
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import { checkSystem, type RunResult } from '../src/check.js';
import { permute } from '../src/explore/concretize.js';
import { explore } from '../src/explore/index.js';
import { compileStateTest, localSource } from '../src/explore/stateTests.js';
import { runSync } from '../src/explore/strategy.js';
import type { AnyModel } from '../src/model.js';
import { judgedUnderSymmetry } from '../src/progressRegion.js';
import { progressReproduced, type ProgressStep } from '../src/replayProgress.js';
import type { ProgressProperty } from '../src/property.js';
import { compileSystem, type CompiledSystem, type ResolvedSymmetry } from '../src/system.js';
import { initialWorld, stepWorld, type World } from '../src/world.js';

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

const symmetricProgress = (sys: CompiledSystem): Extract<ProgressProperty, { kind: 'eventually' }>[] =>
  sys.properties.flatMap((p) => (p.kind === 'eventually' && p.symmetric ? [p] : []));

/** Every variant of the catalogue, at default parameters, with a symmetric progress property. */
const declared = models.flatMap((m) =>
  Object.keys(m.variants)
    .map((variant) => ({ m, variant, sys: compileSystem(m, defaults(m), variant) }))
    .filter(({ sys }) => sys.symmetry.length > 0 && symmetricProgress(sys).length > 0),
);

/** `x` with slots a and b of `g` swapped and the references to them relabelled. */
function transpose(
  sys: CompiledSystem,
  g: ResolvedSymmetry,
  a: number,
  b: number,
  x: Int32Array,
): Int32Array {
  return permute(
    sys,
    g,
    g.slots.map((_, s) => (s === a ? b : s === b ? a : s)),
    x,
  );
}

/**
 * Per symmetric progress property: over every reachable state (unreduced) and every slot
 * transposition, how often the trigger was compared, held, and changed under the move.
 */
function triggerInvariance(
  sys: CompiledSystem,
): { name: string; checked: number; held: number; mismatches: number }[] {
  const run = explore(sys, { engine: 'compiled', strategy: 'bfs', symmetry: false });
  if (!runSync(run.search).complete) throw new Error('the unreduced run did not finish');
  const read = localSource(sys, run.space);
  return symmetricProgress(sys).map((prop) => {
    const after = prop.after;
    if (after === undefined) throw new Error(`${prop.name} has no trigger`);
    const trigger = compileStateTest(sys, after);
    let checked = 0;
    let held = 0;
    let mismatches = 0;
    for (let s = 0; s < run.space.size; s++) {
      const locals = Int32Array.from(sys.instances, (_i, inst) => read(s, inst));
      const here = trigger.holds((inst) => locals[inst] as number);
      if (here) held++;
      for (const g of sys.symmetry) {
        for (let a = 0; a < g.slots.length; a++) {
          for (let b = a + 1; b < g.slots.length; b++) {
            const moved = transpose(sys, g, a, b, locals);
            if (trigger.holds((inst) => moved[inst] as number) !== here) mismatches++;
            checked++;
          }
        }
      }
    }
    return { name: prop.name, checked, held, mismatches };
  });
}

function check(sys: CompiledSystem, m: AnyModel, symmetry: boolean): RunResult {
  return checkSystem(m, sys, { engine: 'compiled', strategy: 'bfs', symmetry });
}

const verdicts = (r: RunResult): Record<string, string> =>
  Object.fromEntries(r.properties.map((p) => [p.name, p.verdict]));

/** Replays a progress trace: every event enabled in turn, and the lasso breaks the property. */
function replays(
  sys: CompiledSystem,
  prop: ProgressProperty,
  path: readonly number[],
  loop: number | null,
): string {
  const worlds: World[] = [initialWorld(sys)];
  const steps: ProgressStep[] = [];
  for (const e of path) {
    const step = stepWorld(sys, worlds[worlds.length - 1] as World, e);
    const ev = sys.events[e];
    if (step === undefined || ev === undefined) return `event ${e} not enabled`;
    worlds.push(step.world);
    steps.push({ event: e, view: { ...ev, outcome: step.outcome } });
  }
  const r = progressReproduced(sys, prop, worlds, steps, loop);
  return r.ok ? 'reproduced' : r.message;
}

describe('progress properties judged under symmetry', () => {
  it('the shipped catalogue declares some (else this file tests nothing)', () => {
    expect(declared.map(({ m, variant }) => `${m.id}:${variant}`)).toContain('guest-memfd-inplace:fixed');
  });

  it.each(declared.map((d) => [`${d.m.id}:${d.variant}`, d] as const))(
    '%s: the trigger is unchanged by every slot transposition on every reachable state',
    (_, { m, sys }) => {
      for (const r of triggerInvariance(sys)) {
        expect(r.mismatches).toBe(0);
        // A trigger that never holds proves nothing, unless the variant expects it vacuous.
        expect(r.held > 0 || m.variants[sys.variant]?.expect[r.name] === 'vacuous').toBe(true);
        expect(r.checked).toBeGreaterThan(0);
      }
    },
  );

  it('guest-memfd-inplace:fixed: the trigger is unchanged by every transposition at folios=2 pagesPerFolio=2 converters=2 (every group has two slots)', () => {
    const m = models.find((x) => x.id === 'guest-memfd-inplace') as AnyModel;
    const sys = compileSystem(m, { folios: 2, pagesPerFolio: 2, converters: 2 }, 'fixed');
    expect(sys.symmetry.every((g) => g.slots.length >= 2)).toBe(true);
    const [r] = triggerInvariance(sys);
    expect(r?.mismatches).toBe(0);
    expect(r?.held).toBeGreaterThan(1000);
  });

  it.each(declared.map((d) => [`${d.m.id}:${d.variant}`, d] as const))(
    '%s: verdicts with symmetry equal those without, at default parameters',
    (_, { m, sys }) => {
      const reduced = check(sys, m, true);
      expect(reduced.symmetry).toBe(true);
      expect(verdicts(reduced)).toEqual(verdicts(check(sys, m, false)));
    },
  );

  it.each([
    ['fixed', 'holds'],
    ['no-lru-drain', 'violated'],
    ['no-pin-check', 'holds'],
  ])(
    'guest-memfd-inplace:%s at folios=2 pagesPerFolio=2 converters=2: conversion-completes %s as unreduced, from far fewer states; violations replay',
    (variant, expected) => {
      const m = models.find((x) => x.id === 'guest-memfd-inplace') as AnyModel;
      const sys = compileSystem(m, { folios: 2, pagesPerFolio: 2, converters: 2 }, variant);
      expect(judgedUnderSymmetry(sys.properties)).toBe(true);
      const reduced = check(sys, m, true);
      const full = check(sys, m, false);
      expect(verdicts(reduced)['conversion-completes']).toBe(expected);
      expect(verdicts(reduced)).toEqual(verdicts(full));
      expect(full.states).toBeGreaterThan(20 * reduced.states);
      expect(reduced.regionStates).toBeGreaterThan(0);
      const violated = reduced.properties.flatMap((p) => {
        const prop = sys.properties.find((q) => q.name === p.name);
        return prop?.kind === 'eventually' && p.verdict === 'violated' ? [{ prop, p }] : [];
      });
      expect(violated.map(({ prop, p }) => replays(sys, prop, p.path ?? [], p.loop ?? null))).toEqual(
        violated.map(() => 'reproduced'),
      );
    },
  );
});
