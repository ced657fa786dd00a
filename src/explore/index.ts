// explore(): builds the requested state space and runs the requested strategy.
import type { CompiledSystem } from '../system.js';
import { bfs } from './bfs.js';
import { MAX_DENSE_BITS, tryCompiledSpace } from './compiledSpace.js';
import { dfs } from './dfs.js';
import { GraphRecorder } from './graph.js';
import { InterpretedSpace } from './interpretedSpace.js';
import type { StateSpace } from './space.js';
import type { Search, SearchLimits, Strategy } from './strategy.js';
import { PropertyTracker } from './tracker.js';

export type EngineName = 'compiled' | 'interpret';
export type StrategyName = 'bfs' | 'dfs';

export const strategies: Readonly<Record<StrategyName, Strategy>> = { bfs, dfs };

export interface ExploreOptions extends SearchLimits {
  readonly engine: EngineName;
  readonly strategy: StrategyName;
  readonly symmetry: boolean;
  /** Record the state graph (for progress properties); implies no symmetry reduction. */
  readonly graph?: boolean;
  /** Memory budget in bytes: a dense bitmap visited set is used only if it takes under a quarter. */
  readonly maxMemory?: number | undefined;
  /** Allocate the visited bitmap on shared memory (parallel exploration). */
  readonly shared?: boolean;
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
}

export function makeSpace(
  sys: CompiledSystem,
  engine: EngineName,
  symmetry: boolean,
  indexSeen = false,
  maxMemory?: number,
  shared = false,
): { space: StateSpace; engine: EngineName } {
  if (engine === 'compiled') {
    const maxDenseBits = maxMemory === undefined ? MAX_DENSE_BITS : Math.min(MAX_DENSE_BITS, maxMemory * 2);
    const space = tryCompiledSpace(sys, { symmetry, indexSeen, maxDenseBits, shared });
    if (space !== undefined) return { space, engine };
  }
  return { space: new InterpretedSpace(sys, symmetry), engine: 'interpret' };
}

/** Builds the space and the (not yet started) search for `sys`. */
export function explore(sys: CompiledSystem, opts: ExploreOptions): Exploration {
  const graphMode = opts.graph === true;
  const made = makeSpace(
    sys,
    opts.engine,
    opts.symmetry && !graphMode,
    graphMode,
    opts.maxMemory,
    opts.shared === true,
  );
  const graph = graphMode ? new GraphRecorder(made.space) : undefined;
  const space = graph ?? made.space;
  const tracker = new PropertyTracker(sys);
  const search = strategies[opts.strategy](space, tracker, opts);
  return { space, tracker, search, engine: made.engine, graph };
}
