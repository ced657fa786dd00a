// Test helper for flaws found by mechanism: the counterexample of a flawed variant is made
// of world events that its fix has too (same actor, type and arguments), so the violation
// comes from the interleaving, not from an event only the flawed variant has.
import { expect } from 'vitest';
import type { AnyModel } from '../../src/model.js';
import { compileSystem, eventLabel } from '../../src/system.js';
import { shortest } from './counterexamples.js';

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

/**
 * Asserts that `variant` violates `property`, that every event of its shortest
 * counterexample exists in the variant named by `fixedBy`, and that the fix holds the
 * property (not vacuously); returns the counterexample as event labels.
 */
export function byMechanism(model: AnyModel, variant: string, property: string): string[] {
  const flawed = shortest(model, variant, property);
  expect(flawed.verdict).toBe('violated');
  const fix = model.variants[variant]?.fixedBy;
  expect(fix).toBeDefined();
  const fixEvents = new Set(
    compileSystem(model, defaults(model), fix ?? '').events.map((e) => eventLabel(e)),
  );
  expect(flawed.path.filter((label) => !fixEvents.has(label))).toEqual([]);
  expect(shortest(model, fix ?? '', property).verdict).toBe('holds');
  return flawed.path;
}
