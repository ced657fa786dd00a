// Random search: seeded random walks from the initial state, each step taken uniformly
// among the enabled events. Choose it when exhaustive search is out of reach: it finds
// violations deep in large spaces quickly, but it is never complete, so a property it
// does not see fail is undecided, never "holds". The same seed gives the same walks.
import { makeRng } from '../rng.js';
import type { CompiledSystem } from '../system.js';
import { tryCompiledSpace } from './compiledSpace.js';
import type { EngineName } from './index.js';
import { InterpretedSpace } from './interpretedSpace.js';
import { pathTo, type StateSpace } from './space.js';
import { PropertyTracker } from './tracker.js';

export interface WalkOptions {
  readonly seed: number;
  readonly walks: number;
  /** Steps per walk at most; a walk also ends in a state with no (allowed) successor. */
  readonly maxDepth: number;
  readonly engine: EngineName;
  /** Event types walks never take (swarm configurations); their steps are still checked. */
  readonly avoid?: readonly string[];
  /** Stop once this many distinct states are stored. */
  readonly maxStates?: number | undefined;
}

export interface WalkResult {
  /** Per property: the path (event indices) to where it fired first, in walk order. */
  readonly found: readonly (readonly number[] | null)[];
  /** Distinct states stored (visited states and their successors). */
  readonly states: number;
  /** Successors generated, as in exhaustive search. */
  readonly transitions: number;
  /** Longest walk, in steps. */
  readonly depth: number;
  /** Walks run (fewer than asked when every property was decided or maxStates was hit). */
  readonly walks: number;
  readonly engine: EngineName;
  readonly fingerprint: string;
}

/**
 * A state space that keeps an index for every seen state, so a walk can step to a state
 * it has seen before, and no symmetry reduction, so every stored parent path folds on
 * the concrete world.
 */
function walkSpace(sys: CompiledSystem, engine: EngineName): { space: StateSpace; engine: EngineName } {
  if (engine === 'compiled') {
    const space = tryCompiledSpace(sys, { symmetry: false, indexSeen: true });
    if (space !== undefined) return { space, engine };
  }
  return { space: new InterpretedSpace(sys, false), engine: 'interpret' };
}

/** Runs `opts.walks` seeded random walks; deterministic in (system, options). */
export function randomWalks(sys: CompiledSystem, opts: WalkOptions): WalkResult {
  const { space, engine } = walkSpace(sys, opts.engine);
  const tracker = new PropertyTracker(sys);
  const rng = makeRng(opts.seed);
  const avoid = new Set(opts.avoid ?? []);
  const takeable = sys.events.map((e) => !avoid.has(e.type));
  space.addInitial();
  let transitions = 0;
  let depth = 0;
  let walks = 0;
  const next: number[] = [];
  let cur = 0;
  const sink = (event: number, outcome: number, child: number): void => {
    transitions++;
    tracker.checkStep(cur, event, outcome);
    if (takeable[event] === true) next.push(child);
  };
  while (walks < opts.walks && !tracker.allDecided) {
    if (opts.maxStates !== undefined && space.size >= opts.maxStates) break;
    walks++;
    cur = 0;
    let d = 0;
    for (; d < opts.maxDepth; d++) {
      next.length = 0;
      tracker.record(cur, space.expand(cur, tracker.openState, sink));
      if (next.length === 0) break;
      cur = next[rng.below(next.length)] as number;
    }
    if (d === opts.maxDepth) tracker.checkState(space, cur);
    depth = Math.max(depth, d);
  }
  const found = tracker.found.map((f) =>
    f === undefined ? null : [...pathTo(space, f.state), ...(f.event === undefined ? [] : [f.event])],
  );
  return { found, states: space.size, transitions, depth, walks, engine, fingerprint: sys.fingerprint };
}
