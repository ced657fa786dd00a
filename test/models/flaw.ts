// Test helper for flaw models: a flawed variant violates a property within the bound of
// docs/designs-and-flaws.md §3, and the variant named as its fix keeps that property.
import { expect } from 'vitest';
import { checkRun, type RunResult } from '../../src/check.js';
import type { AnyModel } from '../../src/model.js';
import { initialWorld, stepWorld, worldKey, type World } from '../../src/world.js';

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

export function run(m: AnyModel, variant: string, params: Record<string, number> = {}): RunResult {
  return checkRun(m, { ...defaults(m), ...params }, variant, {
    engine: 'compiled',
    strategy: 'bfs',
    symmetry: false,
  });
}

/** The counterexample of `property` as `type:outcome` per step, recomputed by the world fold. */
export function stepsOf(r: RunResult, property: string): string[] {
  const path = r.properties.find((p) => p.name === property)?.path ?? [];
  let world: World = initialWorld(r.system);
  return path.map((e) => {
    const step = stepWorld(r.system, world, e);
    if (step === undefined) throw new Error(`event ${e} not enabled while replaying ${property}`);
    world = step.world;
    return `${r.system.events[e]?.type ?? '?'}:${step.outcome}`;
  });
}

/**
 * Asserts that `variant` violates `property` with a shortest counterexample of at most
 * `bound` steps and that its `fixedBy` variant holds it; returns the counterexample steps.
 */
export function expectFlaw(m: AnyModel, variant: string, property: string, bound: number): string[] {
  const flawed = run(m, variant);
  expect(flawed.properties.find((p) => p.name === property)?.verdict).toBe('violated');
  const steps = stepsOf(flawed, property);
  expect(steps.length).toBeLessThanOrEqual(bound);
  const fix = m.variants[variant]?.fixedBy;
  expect(fix).toBeDefined();
  const fixed = run(m, fix ?? '');
  expect(fixed.properties.find((p) => p.name === property)?.verdict).toBe('holds');
  return steps;
}

/**
 * Fires the first enabled world event of each type in turn from the initial state and
 * returns the outcomes and the world key after each step (undefined outcome: not enabled).
 * `type[choice]` fires the event of that type whose nondeterministic choice is `choice`.
 */
export function walk(
  r: RunResult,
  types: readonly string[],
): { outcomes: (string | undefined)[]; keys: string[] } {
  let world: World = initialWorld(r.system);
  const keys = [worldKey(world)];
  const outcomes = types.map((spec) => {
    const [type, choice] = spec.endsWith(']') ? spec.slice(0, -1).split('[') : [spec, undefined];
    for (const e of r.system.events) {
      if (e.type !== type || (choice !== undefined && e.args['choice'] !== choice)) continue;
      const step = stepWorld(r.system, world, e.index);
      if (step === undefined) continue;
      world = step.world;
      keys.push(worldKey(world));
      return step.outcome;
    }
    return undefined;
  });
  return { outcomes, keys };
}
