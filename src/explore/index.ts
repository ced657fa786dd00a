// explore(): builds the requested state space and runs the requested strategy.
import type { CompiledSystem } from '../system.js';
import { bfs } from './bfs.js';
import { tryCompiledSpace } from './compiledSpace.js';
import { dfs } from './dfs.js';
import { InterpretedSpace } from './interpretedSpace.js';
import type { SpaceSnapshot, StateSpace } from './space.js';
import type { BfsPosition, SearchLimits, SearchStats, Strategy } from './strategy.js';
import { PropertyTracker, type Finding } from './tracker.js';

export type EngineName = 'compiled' | 'interpret';
export type StrategyName = 'bfs' | 'dfs';

export const strategies: Readonly<Record<StrategyName, Strategy>> = { bfs, dfs };

export interface ExploreOptions extends SearchLimits {
  readonly engine: EngineName;
  readonly strategy: StrategyName;
  readonly symmetry: boolean;
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
}

export interface Exploration {
  readonly space: StateSpace;
  readonly tracker: PropertyTracker;
  readonly stats: SearchStats;
  /** The engine that ran: 'compiled' falls back to 'interpret' when states do not pack into 53 bits. */
  readonly engine: EngineName;
}

export function makeSpace(
  sys: CompiledSystem,
  engine: EngineName,
  symmetry: boolean,
): { space: StateSpace; engine: EngineName } {
  if (engine === 'compiled') {
    const space = tryCompiledSpace(sys, { symmetry, indexSeen: false });
    if (space !== undefined) return { space, engine };
  }
  return { space: new InterpretedSpace(sys, symmetry), engine: 'interpret' };
}

export function explore(sys: CompiledSystem, opts: ExploreOptions): Exploration {
  const { space, engine } = makeSpace(sys, opts.engine, opts.symmetry);
  const tracker = new PropertyTracker(sys);
  const { resume, onCheckpoint } = opts;
  if ((resume !== undefined || onCheckpoint !== undefined) && opts.strategy !== 'bfs')
    throw new Error('engine: checkpoints are taken of BFS only');
  if (resume !== undefined) {
    space.restore(resume.space);
    tracker.restore(resume.found);
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
            }),
            stopping,
          );
  const stats = strategies[opts.strategy](space, tracker, {
    ...opts,
    resumeFrom: resume?.position,
    checkpoint,
  });
  return { space, tracker, stats, engine };
}
