// explore(): builds the requested state space and runs the requested strategy.
import type { CompiledSystem } from '../system.js';
import { bfs } from './bfs.js';
import { packTables } from './codegen.js';
import { CompiledSpace, MAX_DENSE_BITS, tryCompiledSpace } from './compiledSpace.js';
import { porAnalysis } from './por.js';
import { dfs } from './dfs.js';
import { GraphRecorder } from './graph.js';
import { InterpretedSpace } from './interpretedSpace.js';
import { tryWideSpace } from './wideSpace.js';
import type { SpaceSnapshot, StateSpace } from './space.js';
import type { BfsPosition, Search, SearchLimits, Strategy } from './strategy.js';
import { PropertyTracker, type Finding } from './tracker.js';

export type EngineName = 'compiled' | 'interpret';
export type StrategyName = 'bfs' | 'dfs';

export const strategies: Readonly<Record<StrategyName, Strategy>> = { bfs, dfs };

export interface ExploreOptions extends SearchLimits {
  readonly engine: EngineName;
  readonly strategy: StrategyName;
  readonly symmetry: boolean;
  /** Record the state graph (for progress properties); implies no symmetry reduction. */
  readonly graph?: boolean;
  /**
   * Partial-order reduction (src/explore/por.ts): applied when the space is a one-word
   * compiled space and the system admits it (porRefusal); Exploration.por says whether it was.
   */
  readonly por?: boolean | undefined;
  /** Memory budget in bytes: a dense bitmap visited set is used only if it takes under a quarter. */
  readonly maxMemory?: number | undefined;
  /**
   * Keep the visited states on shared memory for worker threads: a dense bitmap when the
   * plain bitmap search applies (no symmetry, no graph, no state-scope property, a small
   * packed space), else a shared map indexing every state (src/explore/sharedBfs.ts).
   */
  readonly shared?: boolean;
  /** 'wide' forces the two-word store even when states pack into 53 bits (testing, comparisons). */
  readonly storage?: 'auto' | 'wide' | undefined;
  /** Wide states: keep both words instead of 63-bit fingerprints. */
  readonly exact?: boolean | undefined;
  /** BFS only: continue this saved search instead of starting from the initial state. */
  readonly resume?: SearchSnapshot | undefined;
  /**
   * BFS only: offered a saved search at every poll (`take` builds it, O(states));
   * `stopping` when the search is about to stop early.
   */
  readonly onCheckpoint?: ((take: () => SearchSnapshot, stopping: boolean) => void) | undefined;
}

/** A BFS between two expansions: what a checkpoint file holds besides its header. */
export interface SearchSnapshot {
  readonly position: BfsPosition;
  readonly found: readonly (Finding | undefined)[];
  readonly space: SpaceSnapshot;
  /** World events taken so far (absent in checkpoints that did not record them). */
  readonly taken?: readonly number[];
}

export interface Exploration {
  readonly space: StateSpace;
  readonly tracker: PropertyTracker;
  /** The search, to be driven by runSync or runAsync. */
  readonly search: Search;
  /** The engine that runs: 'compiled' falls back to 'interpret' when states do not pack into 53 bits. */
  readonly engine: EngineName;
  /** The recorded state graph, when requested. */
  readonly graph: GraphRecorder | undefined;
  /** True when the search expands stubborn sets (partial-order reduction). */
  readonly por: boolean;
}

export interface SpaceChoice {
  readonly symmetry: boolean;
  readonly indexSeen?: boolean;
  readonly maxMemory?: number | undefined;
  readonly shared?: boolean;
  readonly storage?: 'auto' | 'wide' | undefined;
  readonly exact?: boolean | undefined;
  readonly por?: boolean | undefined;
}

/**
 * The compiled engine packs states into one float64 when they fit 53 bits, else into two
 * words with fingerprints (or exact pairs); it falls back to interpretation only when even
 * two words do not suffice.
 */
export function makeSpace(
  sys: CompiledSystem,
  engine: EngineName,
  choice: SpaceChoice,
): { space: StateSpace; engine: EngineName } {
  if (engine === 'compiled') {
    const shared = choice.shared === true;
    const maxMemory = choice.maxMemory;
    const maxDenseBits = maxMemory === undefined ? MAX_DENSE_BITS : Math.min(MAX_DENSE_BITS, maxMemory * 2);
    if (choice.storage !== 'wide') {
      const tables = packTables(sys);
      const bitmap =
        tables !== undefined &&
        tables.capacity <= maxDenseBits &&
        !(choice.symmetry && sys.symmetry.length > 0) &&
        choice.indexSeen !== true &&
        !sys.tracked.some((p) => p.over === 'state' || p.over === 'transition');
      const por = choice.por === true && choice.shared !== true ? porAnalysis(sys) : undefined;
      const packed = tryCompiledSpace(sys, {
        por,
        symmetry: choice.symmetry,
        indexSeen: choice.indexSeen === true,
        maxDenseBits,
        shared: shared && bitmap,
        sharedIndex: shared && !bitmap,
      });
      if (packed !== undefined) return { space: packed, engine };
    }
    const wide = tryWideSpace(sys, {
      symmetry: choice.symmetry,
      exact: choice.exact === true,
      sharedIndex: shared,
    });
    if (wide !== undefined) return { space: wide, engine };
  }
  return { space: new InterpretedSpace(sys, choice.symmetry), engine: 'interpret' };
}

/** Builds the space and the (not yet started) search for `sys`. */
export function explore(sys: CompiledSystem, opts: ExploreOptions): Exploration {
  const graphMode = opts.graph === true;
  const made = makeSpace(sys, opts.engine, {
    symmetry: opts.symmetry && !graphMode,
    indexSeen: graphMode,
    maxMemory: opts.maxMemory,
    shared: opts.shared === true,
    storage: opts.storage,
    exact: opts.exact,
    por: opts.por === true && !graphMode,
  });
  const graph = graphMode ? new GraphRecorder(made.space, sys.outcomes.length, sys.events.length) : undefined;
  const space = graph ?? made.space;
  const tracker = new PropertyTracker(sys);
  const { resume, onCheckpoint } = opts;
  if ((resume !== undefined || onCheckpoint !== undefined) && opts.strategy !== 'bfs')
    throw new Error('engine: checkpoints are taken of BFS only');
  if (resume !== undefined) {
    space.restore(resume.space);
    tracker.restore(resume.found, resume.taken);
  }
  const checkpoint =
    onCheckpoint === undefined
      ? undefined
      : (position: BfsPosition, stopping: boolean): void =>
          onCheckpoint(
            () => ({
              position: { ...position, levels: [...position.levels] },
              found: [...tracker.found],
              space: space.snapshot(),
              taken: tracker.takenEvents(),
            }),
            stopping,
          );
  const search = strategies[opts.strategy](space, tracker, {
    ...opts,
    resumeFrom: resume?.position,
    checkpoint,
  });
  const por = made.space instanceof CompiledSpace && made.space.reduced;
  return { space, tracker, search, engine: made.engine, graph, por };
}
