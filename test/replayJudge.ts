// Test helper: a safety property's test replayed along a counterexample or witness path.
import type { Property } from '../src/property.js';
import type { CompiledSystem } from '../src/system.js';
import { initialWorld, stateTestHolds, stepWorld, transitionTestHolds } from '../src/world.js';

/**
 * Replays `path` from the initial world (every event must be enabled in turn, else it
 * throws naming `name`) and returns the property's test where the path ends: on the last
 * step or transition for step- and transition-scoped properties, else on the final world.
 */
export function testAtPathEnd(
  sys: CompiledSystem,
  prop: Property,
  path: readonly number[],
  name: string,
): boolean {
  let world = initialWorld(sys);
  let last = true;
  for (const e of path) {
    const step = stepWorld(sys, world, e);
    const ev = sys.events[e];
    if (step === undefined || ev === undefined) throw new Error(`${name}: event ${e} not enabled`);
    if (prop.over === 'step') last = prop.test({ ...ev, outcome: step.outcome });
    // A transition property sees the step with the worlds before and after it.
    if (prop.over === 'transition')
      last = transitionTestHolds(sys, prop, e, sys.outcomes.indexOf(step.outcome), world, step.world);
    world = step.world;
  }
  return prop.over === 'step' || prop.over === 'transition' ? last : stateTestHolds(sys, prop, world);
}
