// The interface strategies explore: states are dense indices in discovery order; the
// space owns storage, deduplication and the semantics (interpreted or compiled).
import type { World } from '../world.js';

/**
 * Called for every enabled event of an expanded state, in event order.
 * `child` is the successor's index (new or already stored), or -1 when the space keeps
 * no index for seen states (bitmap visited sets); `isNew` says whether it was added.
 * `fired` is the bitmask of transition properties, among those open when expand was
 * called, that fire on this transition (0 when none or the system has none); a wrapper
 * space passes it on unchanged.
 */
export type Sink = (event: number, outcome: number, child: number, isNew: boolean, fired: number) => void;

export interface StateSpace {
  /** Distinct states stored so far. */
  readonly size: number;
  /** Stores the initial state as index 0. */
  addInitial(): void;
  /**
   * Generates the successors of state `i` in event order, storing new ones, and returns
   * `fired(i, open)` for state `i` itself (one decoding serves both). Transition
   * properties among `open` are evaluated on each successor and reported to the sink.
   */
  expand(i: number, open: number, sink: Sink): number;
  /** True when state `i` has a successor not yet stored (used at a depth cut-off). */
  hasNewSuccessor(i: number): boolean;
  /**
   * State-level properties (scope 'state' or 'each') among `open` (a bitmask over
   * property indices) that fire at state `i`: violated for `always`, witnessed for
   * `sometimes`. Returns a bitmask.
   */
  fired(i: number, open: number): number;
  /** State `i` as XState snapshots (for reports, coverage and debugging; not for hot paths). */
  worldOf(i: number): World;
  /** Parent index of state `i` (-1 for the initial state) and the event that led to it. */
  parentOf(i: number): number;
  eventOf(i: number): number;
  /** Bytes allocated for stored states and the visited set. */
  readonly bytes: number;
  /** Every stored state with its parent and event, for checkpoints. */
  snapshot(): SpaceSnapshot;
  /**
   * Refills an empty space from a snapshot taken by the same kind of space over the same
   * system; throws InputError('bad_checkpoint') on any entry that cannot be such a snapshot.
   */
  restore(snap: SpaceSnapshot): void;
}

/**
 * Stored states in index order. `states` holds one packed state per index (compiled
 * space) or the local state of every instance, instance-major per index (interpreted
 * space); `parents[0]` is unused.
 */
export interface SpaceSnapshot {
  readonly states: Float64Array;
  readonly parents: Uint32Array;
  readonly events: Uint16Array;
}

/** Events from the initial state to state `i`, following parent links. */
export function pathTo(space: StateSpace, i: number): number[] {
  const events: number[] = [];
  for (let s = i; space.parentOf(s) >= 0; s = space.parentOf(s)) events.push(space.eventOf(s));
  return events.reverse();
}
