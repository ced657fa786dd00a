// Random search: seeded random walks from the initial state, each step taken uniformly
// among the enabled events. Choose it when exhaustive search is out of reach: it finds
// violations deep in large spaces quickly, but it is never complete, so a property it
// does not see fail is undecided, never "holds". The same seed gives the same walks.
import { isSafety } from '../property.js';
import { makeRng } from '../rng.js';
import { Poller, type ShouldStop, type StopReason } from '../stop.js';
import type { CompiledSystem } from '../system.js';
import { packTables } from './codegen.js';
import { CompiledSpace } from './compiledSpace.js';
import type { EngineName } from './index.js';
import { InterpretedSpace } from './interpretedSpace.js';
import { pathTo, type StateSpace } from './space.js';
import { runSync, type SearchProgress } from './strategy.js';
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
  /** Stored states after which walks continue in a fresh space (default RESET_STATES). */
  readonly resetStates?: number;
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
  /** Walks run (fewer than asked when every property was decided or a limit stopped them). */
  readonly walks: number;
  readonly engine: EngineName;
  readonly fingerprint: string;
  /** Why the walks stopped before `walks` were run (a limit or signal), or null. */
  readonly stopReason: StopReason | null;
}

/** The stop condition and progress callback of a walk search (none: run to the end). */
export interface WalkControl {
  readonly shouldStop?: ShouldStop | undefined;
  readonly onProgress?: ((p: SearchProgress) => void) | undefined;
}

/**
 * Makes state spaces that keep an index for every seen state, so a walk can step to a
 * state it has seen before, and no symmetry reduction, so every stored parent path folds
 * on the concrete world. Packed tables are built once and shared by every space.
 */
function spaceMaker(
  sys: CompiledSystem,
  engine: EngineName,
): () => { space: StateSpace; engine: EngineName } {
  const tables = engine === 'compiled' ? packTables(sys) : undefined;
  if (tables === undefined) return () => ({ space: new InterpretedSpace(sys, false), engine: 'interpret' });
  return () => ({ space: new CompiledSpace(sys, tables, { symmetry: false, indexSeen: true }), engine });
}

/**
 * Stored states after which walks continue in a fresh space: memory stays bounded however
 * many walks run (states are stored only so that counterexample paths can be read back).
 */
export const RESET_STATES = 1 << 20;

/** Runs `opts.walks` seeded random walks to the end; deterministic in (system, options). */
export function randomWalks(sys: CompiledSystem, opts: WalkOptions, control: WalkControl = {}): WalkResult {
  return runSync(walkSearch(sys, opts, control));
}

/**
 * The walks as a search sliced like BFS: it yields at every poll (about every 10 ms), so
 * runAsync can let signals in; a stop (limit, signal, --max-states) ends it mid-walk.
 * What the walks saw up to then is kept. Deterministic in (system, options) when no stop.
 */
export function* walkSearch(
  sys: CompiledSystem,
  opts: WalkOptions,
  control: WalkControl = {},
): Generator<undefined, WalkResult, undefined> {
  const makeSpace = spaceMaker(sys, opts.engine);
  let { space, engine } = makeSpace();
  let tracker = new PropertyTracker(sys);
  space.addInitial();
  const rng = makeRng(opts.seed);
  const avoid = new Set(opts.avoid ?? []);
  const takeable = sys.events.map((e) => !avoid.has(e.type));
  const found: (number[] | null)[] = sys.properties.map(() => null);
  const undecided = (): boolean => sys.properties.some((p, i) => isSafety(p) && found[i] === null);
  const poller = new Poller();
  const maxStates = opts.maxStates ?? Infinity;
  let [transitions, depth, walks, retired] = [0, 0, 0, 0];
  let stopReason: StopReason | undefined;
  const next: number[] = [];
  let cur = 0;
  const sink = (event: number, outcome: number, child: number, _isNew: boolean, fired: number): void => {
    transitions++;
    tracker.checkStep(cur, event, outcome, fired);
    if (takeable[event] === true) next.push(child);
  };
  const collect = (): void =>
    tracker.found.forEach((f, i) => {
      if (f !== undefined && found[i] === null)
        found[i] = [...pathTo(space, f.state), ...(f.event === undefined ? [] : [f.event])];
    });
  while (walks < opts.walks && undecided() && stopReason === undefined) {
    if (space.size >= (opts.resetStates ?? RESET_STATES)) {
      retired += space.size;
      ({ space, engine } = makeSpace());
      tracker = new PropertyTracker(sys);
      space.addInitial();
    }
    walks++;
    cur = 0;
    let d = 0;
    for (; d < opts.maxDepth; d++) {
      next.length = 0;
      tracker.record(cur, space.expand(cur, tracker.openState, sink));
      if (next.length === 0) break;
      cur = next[rng.below(next.length)] as number;
      if (retired + space.size >= maxStates) {
        stopReason = 'max-states';
        break;
      }
      if (poller.due()) {
        const decided = found.flatMap((f, i) => (f === null ? [] : [i]));
        control.onProgress?.({ states: retired + space.size, transitions, depth, queue: 0, walks, decided });
        stopReason = control.shouldStop?.();
        if (stopReason !== undefined) break;
        yield;
      }
    }
    if (d === opts.maxDepth || stopReason !== undefined) tracker.checkState(space, cur);
    depth = Math.max(depth, d);
    collect();
  }
  const states = retired + space.size;
  return {
    found,
    states,
    transitions,
    depth,
    walks,
    engine,
    fingerprint: sys.fingerprint,
    stopReason: stopReason ?? null,
  };
}
