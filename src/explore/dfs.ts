// Depth-first search: memory for the frontier grows with depth, not breadth, and deep
// bugs are reached sooner; counterexamples are not necessarily shortest. With maxDepth,
// a state first seen deep is not re-expanded when met again shallower, so a bounded DFS
// may miss states within the bound: prefer BFS for bounded checks.
import { Poller } from '../stop.js';
import { checkFrontier, checkUnexpanded, poll } from './bfs.js';
import type { Strategy } from './strategy.js';

export const dfs: Strategy = function* dfs(space, tracker, limits) {
  space.addInitial();
  const stack: number[] = [0];
  const depths: number[] = [0];
  const children: number[] = [];
  const poller = new Poller();
  const maxStates = limits.maxStates ?? Infinity;
  let transitions = 0;
  let maxDepth = 0;
  let current = 0;
  let stopReason: string | undefined;
  let depthBounded = false;
  const sink = (event: number, outcome: number, child: number, isNew: boolean, fired: number): void => {
    transitions++;
    tracker.checkStep(current, event, outcome, fired);
    if (isNew) children.push(child);
  };
  while (stack.length > 0) {
    current = stack.pop() as number;
    const d = depths.pop() as number;
    if (d > maxDepth) maxDepth = d;
    if (limits.maxDepth !== undefined && d >= limits.maxDepth) {
      if (checkFrontier(space, tracker, current, current + 1)) depthBounded = true;
      continue;
    }
    children.length = 0;
    tracker.record(current, space.expand(current, tracker.openState, sink));
    for (let c = children.length - 1; c >= 0; c--) {
      stack.push(children[c] as number);
      depths.push(d + 1);
    }
    const full = space.size >= maxStates && stack.length > 0;
    if (full || poller.due()) {
      stopReason = full
        ? 'max-states'
        : poll(limits, tracker, space.size, transitions, maxDepth, stack.length);
      if (stopReason !== undefined) break;
      yield;
    }
  }
  if (stopReason === undefined) for (const j of stack) tracker.checkState(space, j);
  else checkUnexpanded(space, tracker, 0, stack.length, (k) => stack[stack.length - 1 - k] as number);
  return {
    states: space.size,
    transitions,
    depth: maxDepth,
    complete: stopReason === undefined && !depthBounded,
    depthBounded,
    stopReason,
    levels: [],
  };
};
