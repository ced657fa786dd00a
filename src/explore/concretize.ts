// Under symmetry reduction the stored states are canonical representatives, and the
// event leading to a stored state was taken from its parent's representative, not from
// the world a replay reaches. A counterexample must be a run of the model itself, so the
// path is re-found concretely: from the initial world, at each step, the first event
// (in declared order) whose successor has the next stored state as its representative.
// Symmetry guarantees one exists: the concrete world is a permutation of the stored one.
import { snapshotKey } from '../machines.js';
import { kindOf, type CompiledSystem } from '../system.js';
import { initialWorld, stepWorld, type World } from '../world.js';
import type { StateSpace } from './space.js';
import { makeCanonicalizer } from './symmetry.js';
import type { Finding } from './tracker.js';

/**
 * Events from the initial world to a world whose representative is `found.state`, then
 * (for a step finding) an event with the same outcome and representative successor for
 * which `fires(event, outcome)` holds, as the stored `found.event` does.
 */
export function concretePath(
  sys: CompiledSystem,
  space: StateSpace,
  found: Finding,
  fires: (event: number, outcome: string) => boolean,
): number[] {
  const canon = makeCanonicalizer(sys);
  const repr = (w: World): string => {
    const locals = Int32Array.from(w, (s, i) => kindOf(sys, i).stateIndex.get(snapshotKey(s)) ?? -1);
    canon?.(locals);
    return locals.join(',');
  };
  const chain: number[] = [];
  for (let s = found.state; s >= 0; s = space.parentOf(s)) chain.push(s);
  chain.reverse();
  const targets = chain.slice(1).map((s) => repr(space.worldOf(s)));
  const path: number[] = [];
  let world = initialWorld(sys);
  const advance = (ok: (next: World, outcome: string, e: number) => boolean): void => {
    for (let e = 0; e < sys.events.length; e++) {
      const step = stepWorld(sys, world, e);
      if (step !== undefined && ok(step.world, step.outcome, e)) {
        path.push(e);
        world = step.world;
        return;
      }
    }
    throw new Error(`engine: no concrete step after ${path.length} events matches the stored path`);
  };
  for (const target of targets) advance((next) => repr(next) === target);
  if (found.event !== undefined) {
    const stored = stepWorld(sys, space.worldOf(found.state), found.event);
    if (stored === undefined) throw new Error('engine: the stored finding step is not enabled');
    const target = repr(stored.world);
    advance((next, outcome, e) => outcome === stored.outcome && repr(next) === target && fires(e, outcome));
  }
  return path;
}
