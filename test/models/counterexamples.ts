// Test helper: the shortest counterexample (or witness) of one property as event labels.
import { checkRun } from '../../src/check.js';
import type { AnyModel } from '../../src/model.js';
import { at, eventLabel } from '../../src/system.js';

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

/** Verdict and BFS path of `property` in `variant` at default parameters, as event labels. */
export function shortest(
  model: AnyModel,
  variant: string,
  property: string,
  params: Record<string, number> = defaults(model),
): { verdict: string; path: string[] } {
  const r = checkRun(model, params, variant, { engine: 'compiled', strategy: 'bfs', symmetry: false });
  const p = r.properties.find((q) => q.name === property);
  if (p === undefined) throw new Error(`no property ${property}`);
  return {
    verdict: p.verdict,
    path: (p.path ?? []).map((e) => eventLabel(at(r.system.events, e, 'event'))),
  };
}
