// What every search strategy takes and returns.
import type { ShouldStop } from '../stop.js';
import type { StateSpace } from './space.js';
import type { PropertyTracker } from './tracker.js';

export interface SearchLimits {
  /** Do not expand states at this depth (bounded model checking). */
  readonly maxDepth?: number | undefined;
  /**
   * Stop once this many distinct states are stored: checked after every expansion, so the
   * count ends at most one state's successors past it.
   */
  readonly maxStates?: number | undefined;
  /** Polled about every 10 ms of work (src/stop.ts); a reason stops the search. */
  readonly shouldStop?: ShouldStop | undefined;
  /** Called at every poll with the running figures. */
  readonly onProgress?: (p: SearchProgress) => void;
  /** Stop as soon as every property is decided (counts are then partial). */
  readonly stopWhenDecided?: boolean;
  /** BFS only: continue a checkpointed search (the space and tracker are already restored). */
  readonly resumeFrom?: BfsPosition | undefined;
  /**
   * BFS only: called at every poll with the search position, between two expansions;
   * `stopping` is true when the search is about to stop early.
   */
  readonly checkpoint?: ((pos: BfsPosition, stopping: boolean) => void) | undefined;
}

/** Where a BFS stands between two expansions: everything below `next` is expanded. */
export interface BfsPosition {
  readonly next: number;
  /** First index of the level after the one being expanded. */
  readonly levelEnd: number;
  readonly levels: readonly number[];
  readonly transitions: number;
}

export interface SearchProgress {
  readonly states: number;
  /** Random and swarm search: walks done so far. */
  readonly walks?: number;
  /** Random and swarm search: indices of the properties decided so far (a violation or witness seen). */
  readonly decided?: readonly number[];
  readonly transitions: number;
  readonly depth: number;
  readonly queue: number;
}

export interface SearchStats {
  readonly states: number;
  readonly transitions: number;
  /** Deepest depth reached (BFS: shortest-path depth; DFS: depth along the search tree). */
  readonly depth: number;
  /** True when every reachable state (within maxDepth, if set) was expanded. */
  readonly complete: boolean;
  /** True when maxDepth cut off states that still had unexplored successors. */
  readonly depthBounded: boolean;
  /** Why the search stopped early ('max-states', a shouldStop reason), if it did. */
  readonly stopReason: string | undefined;
  /** BFS only: distinct states first reached at each depth. */
  readonly levels: readonly number[];
}

/**
 * A search: a generator that yields at every poll point (about every 10 ms of work, see
 * Poller in src/stop.ts), so a driver can let signal handlers and timers run between
 * slices, and returns the final figures.
 */
export type Search = Generator<undefined, SearchStats, undefined>;

export type Strategy = (space: StateSpace, tracker: PropertyTracker, limits: SearchLimits) => Search;

/** The drivers of a search (and of any generator sliced the same way). */
export { runAsync, runSync } from '../slices.js';
