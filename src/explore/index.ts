// explore(): builds the requested state space and runs the requested strategy.
import type { CompiledSystem } from '../system.js';
import { bfs } from './bfs.js';
import { tryCompiledSpace } from './compiledSpace.js';
import { dfs } from './dfs.js';
import { GraphRecorder } from './graph.js';
import { InterpretedSpace } from './interpretedSpace.js';
import type { StateSpace } from './space.js';
import type { SearchLimits, SearchStats, Strategy } from './strategy.js';
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
}

export interface Exploration {
  readonly space: StateSpace;
  readonly tracker: PropertyTracker;
  readonly stats: SearchStats;
  /** The recorded state graph, when requested. */
  readonly graph: GraphRecorder | undefined;
  /** The engine that ran: 'compiled' falls back to 'interpret' when states do not pack into 53 bits. */
  readonly engine: EngineName;
}

export function makeSpace(
  sys: CompiledSystem,
  engine: EngineName,
  symmetry: boolean,
  indexSeen = false,
): { space: StateSpace; engine: EngineName } {
  if (engine === 'compiled') {
    const space = tryCompiledSpace(sys, { symmetry, indexSeen });
    if (space !== undefined) return { space, engine };
  }
  return { space: new InterpretedSpace(sys, symmetry), engine: 'interpret' };
}

export function explore(sys: CompiledSystem, opts: ExploreOptions): Exploration {
  const graphMode = opts.graph === true;
  const made = makeSpace(sys, opts.engine, opts.symmetry && !graphMode, graphMode);
  const graph = graphMode ? new GraphRecorder(made.space) : undefined;
  const space = graph ?? made.space;
  const tracker = new PropertyTracker(sys);
  const stats = strategies[opts.strategy](space, tracker, opts);
  return { space, tracker, stats, engine: made.engine, graph };
}
