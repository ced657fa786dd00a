// Counterexample minimisation by delta debugging over the event log: remove chunks of
// events, then single events, then replace arguments by simpler ones where the model has
// alternatives (a lower page index, false before true). A candidate is kept only if its
// fold is valid and the same property fires at its end; shrinking never grows a path.
import { PathFolder } from './fold.js';
import { isSafety, type StepView } from './property.js';
import { simplifyArgs } from './simplify.js';
import type { CompiledSystem } from './system.js';
import { initialWorld, stateTestHolds, stepWorld, transitionTestHolds } from './world.js';

export interface ShrinkResult {
  /** The minimised path (world event indices); its last step is where the property fires. */
  readonly path: readonly number[];
  /** Events removed (original length minus final length). */
  readonly removed: number;
  /** Argument substitutions kept. */
  readonly simplified: number;
  /** Candidates replayed. */
  readonly candidates: number;
}

/** Upper bound on replayed candidates, so shrinking a long trace always terminates quickly. */
export const MAX_CANDIDATES = 20_000;

/**
 * The reference judgement, by plain interpretation (slow; the shrinker uses PathFolder).
 * Length of the shortest prefix of `path` at whose end safety property `p` fires (an
 * `always` property fails, a `sometimes` property is witnessed), checking the initial
 * state, every state, step or transition, as its scope says. Undefined when the path does not fold (an event
 * is not enabled) before that, or the property never fires along it.
 */
export function firstFiring(sys: CompiledSystem, p: number, path: readonly number[]): number | undefined {
  const prop = sys.properties[p];
  if (prop === undefined || !isSafety(prop)) return undefined;
  const want = prop.kind !== 'always';
  let world = initialWorld(sys);
  const onStates = prop.over === 'state' || prop.over === 'each';
  if (onStates && stateTestHolds(sys, prop, world) === want) return 0;
  for (let i = 0; i < path.length; i++) {
    const e = path[i] as number;
    const step = stepWorld(sys, world, e);
    const ev = sys.events[e];
    if (step === undefined || ev === undefined) return undefined;
    if (prop.over === 'step') {
      const view: StepView = { actor: ev.actor, type: ev.type, args: ev.args, outcome: step.outcome };
      if (prop.test(view) === want) return i + 1;
    } else if (prop.over === 'transition') {
      const o = sys.outcomes.indexOf(step.outcome);
      if (transitionTestHolds(sys, prop, e, o, world, step.world) === want) return i + 1;
    } else if (stateTestHolds(sys, prop, step.world) === want) {
      return i + 1;
    }
    world = step.world;
  }
  return undefined;
}

/** Replays a candidate: the kept (possibly truncated) path, or undefined when rejected. */
export type Test = (candidate: readonly number[]) => number[] | undefined;

/**
 * Minimises `path`, a path along which property `p` fires (precondition; otherwise the
 * path is returned unchanged). Deterministic: the same input gives the same output.
 */
export function shrinkPath(
  sys: CompiledSystem,
  p: number,
  path: readonly number[],
  maxCandidates = MAX_CANDIDATES,
  folder: PathFolder = new PathFolder(sys),
): ShrinkResult {
  let candidates = 0;
  const test: Test = (candidate) => {
    if (candidates >= maxCandidates) return undefined;
    candidates++;
    const n = folder.firstFiring(p, candidate);
    return n === undefined ? undefined : candidate.slice(0, n);
  };
  const start = folder.firstFiring(p, path);
  if (start === undefined) return { path, removed: 0, simplified: 0, candidates };
  let current = path.slice(0, start);
  let simplified = 0;
  for (let round = 0; round < 16; round++) {
    const before = current.join(',');
    current = removeChunks(current, test);
    current = removeSingles(current, test);
    if (current.length <= MAX_QUADRATIC_LENGTH) {
      current = removeWindows(current, test);
      current = removePairs(current, test);
    }
    if (current.length <= MAX_CUBIC_LENGTH) current = removeTriples(current, test);
    const args = simplifyArgs(sys, current, test);
    current = args.path;
    simplified += args.kept;
    if (current.join(',') === before) break;
  }
  return { path: current, removed: path.length - current.length, simplified, candidates };
}

/** ddmin over complements: drop one of n chunks; on success coarsen, else refine. */
function removeChunks(path: number[], test: Test): number[] {
  let n = 2;
  while (path.length >= 2) {
    const size = Math.ceil(path.length / n);
    let reduced = false;
    for (let start = 0; start < path.length; start += size) {
      const kept = test([...path.slice(0, start), ...path.slice(start + size)]);
      if (kept !== undefined) {
        path = kept;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (size <= 1) break;
      n = Math.min(path.length, n * 2);
    }
  }
  return path;
}

/** Drops single events, last first, until no single removal keeps the property firing. */
function removeSingles(path: number[], test: Test): number[] {
  for (let i = path.length - 1; i >= 0; i--) {
    if (i >= path.length) continue;
    const kept = test([...path.slice(0, i), ...path.slice(i + 1)]);
    if (kept !== undefined) path = kept;
  }
  return path;
}

/** Longest path on which the quadratic passes (every window, every pair) run. */
const MAX_QUADRATIC_LENGTH = 64;

/**
 * Drops every contiguous window (largest first, at every offset): a sub-operation such
 * as a whole conversion round trip goes only as a unit, and ddmin's aligned chunks can
 * miss it.
 */
function removeWindows(path: number[], test: Test): number[] {
  for (let size = path.length - 1; size >= 2; size--) {
    for (let start = 0; start + size <= path.length; start++) {
      const kept = test([...path.slice(0, start), ...path.slice(start + size)]);
      if (kept !== undefined) {
        path = kept;
        start--;
      }
    }
  }
  return path;
}

/**
 * Drops two events at once (a pin and its unpin, a map and its unmap): a path can be
 * 1-minimal, no single event removable, and still hold such a pair that only goes together.
 */
function removePairs(path: number[], test: Test): number[] {
  for (let i = path.length - 1; i >= 1; i--) {
    for (let j = Math.min(i, path.length) - 1; j >= 0; j--) {
      if (i >= path.length) break;
      const kept = test(path.filter((_, k) => k !== i && k !== j));
      if (kept !== undefined) {
        path = kept;
        break;
      }
    }
  }
  return path;
}

/**
 * Paths up to this length also try dropping any three events: a step that only makes sense
 * with two others (a fault's check, then an unmap and a refault that close what it opened)
 * survives every single and pair removal.
 */
const MAX_CUBIC_LENGTH = 16;

function removeTriples(path: number[], test: Test): number[] {
  for (let i = path.length - 1; i >= 2; i--) {
    for (let j = i - 1; j >= 1; j--) {
      for (let k = j - 1; k >= 0; k--) {
        if (i >= path.length) return path;
        const kept = test(path.filter((_, x) => x !== i && x !== j && x !== k));
        if (kept !== undefined) return removeTriples(kept, test);
      }
    }
  }
  return path;
}
