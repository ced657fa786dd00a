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

/** A root's parent (-1) as a uint32 parent column holds it. */
export const NO_PARENT = 0xffffffff;

/** A space that can store arbitrary states as roots (compiled and wide spaces). */
export interface RootedSpace {
  /** Stores the state with these local states (one per instance) unless stored; its index. */
  addRoot(locals: Int32Array): number;
}

/**
 * Stored states in index order, read in blocks so that neither a save nor a restore holds
 * a second copy of the store: `read(from, to, ...)` fills `states` with `stateWords` words
 * per state (one packed state for the compiled space, two words for the wide one, a
 * local-state index per instance for the interpreted one), `parents` (read as 0 for the
 * initial state) and `events`, for states [from, to). A snapshot of a space is valid
 * until the space changes; one read from a file must be read in order (forEachBlock).
 */
export interface SpaceSnapshot {
  readonly size: number;
  readonly stateWords: number;
  /** States per block this snapshot must be read in (a file's), if it has one. */
  readonly block?: number;
  read(from: number, to: number, states: Float64Array, parents: Uint32Array, events: Uint16Array): void;
}

/** States per block of a streamed snapshot (14 MB of buffers for a packed space). */
export const SNAPSHOT_BLOCK = 1 << 20;

/** Reads `snap` block by block, in order, into reused buffers. */
export function forEachBlock(
  snap: SpaceSnapshot,
  each: (from: number, to: number, states: Float64Array, parents: Uint32Array, events: Uint16Array) => void,
  block = snap.block ?? SNAPSHOT_BLOCK,
): void {
  const n = Math.min(block, snap.size);
  const states = new Float64Array(n * snap.stateWords);
  const parents = new Uint32Array(n);
  const events = new Uint16Array(n);
  for (let from = 0; from < snap.size; from += block) {
    const to = Math.min(snap.size, from + block);
    const k = to - from;
    const [st, pa, ev] = [
      states.subarray(0, k * snap.stateWords),
      parents.subarray(0, k),
      events.subarray(0, k),
    ];
    snap.read(from, to, st, pa, ev);
    each(from, to, st, pa, ev);
  }
}

/** A snapshot over whole arrays (tests, small spaces). */
export function arraySnapshot(
  states: Float64Array,
  parents: Uint32Array,
  events: Uint16Array,
  stateWords: number,
): SpaceSnapshot {
  return {
    size: parents.length,
    stateWords,
    read(from, to, st, pa, ev) {
      st.set(states.subarray(from * stateWords, to * stateWords));
      pa.set(parents.subarray(from, to));
      ev.set(events.subarray(from, to));
    },
  };
}

/** Events from the initial state to state `i`, following parent links. */
export function pathTo(space: StateSpace, i: number): number[] {
  const events: number[] = [];
  for (let s = i; space.parentOf(s) >= 0; s = space.parentOf(s)) events.push(space.eventOf(s));
  return events.reverse();
}
