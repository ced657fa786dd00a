// Breadth-first search: the default. The first violation found is at minimal depth, so
// every counterexample is a shortest one. The frontier is implicit: states are stored in
// discovery order, so the queue is the index range [i, size). Properties are evaluated
// when a state is expanded (discovery order), and on unexpanded states at the end.
// A checkpointed search resumes at its saved position: indices, parents and findings
// are those of an uninterrupted run, so are its counts and counterexamples.
import type { StateSpace } from './space.js';
import type { SearchLimits, Strategy } from './strategy.js';
import { POLL_EVERY } from './strategy.js';
import type { PropertyTracker } from './tracker.js';

export const bfs: Strategy = function* bfs(space, tracker, limits) {
  const start = limits.resumeFrom;
  if (start === undefined) space.addInitial();
  let transitions = start?.transitions ?? 0;
  let i = start?.next ?? 0;
  let levelEnd = start?.levelEnd ?? 1;
  const levels = start === undefined ? [1] : [...start.levels];
  let stopReason: string | undefined;
  let depthBounded = false;
  const sink = (event: number, outcome: number, _child: number, _isNew: boolean, fired: number): void => {
    transitions++;
    tracker.checkStep(i, event, outcome, fired);
  };
  while (i < space.size) {
    if (i === levelEnd) {
      levels.push(space.size - levelEnd);
      levelEnd = space.size;
    }
    if (limits.maxDepth !== undefined && levels.length - 1 >= limits.maxDepth) {
      depthBounded = checkFrontier(space, tracker, i, space.size);
      i = space.size;
      break;
    }
    tracker.record(i, space.expand(i, tracker.openState, sink));
    i++;
    if (i % POLL_EVERY === 0) {
      stopReason = poll(limits, tracker, space.size, transitions, levels.length - 1, space.size - i);
      limits.checkpoint?.({ next: i, levelEnd, levels, transitions }, stopReason !== undefined);
      if (stopReason !== undefined) break;
      yield;
    }
  }
  for (let j = i; j < space.size; j++) tracker.checkState(space, j);
  return {
    states: space.size,
    transitions,
    depth: levels.length - 1,
    complete: stopReason === undefined && !depthBounded,
    depthBounded,
    stopReason,
    levels,
  };
};

/**
 * Evaluates the unexpanded states [from, to) at a depth cut-off and tells whether any of
 * them has a successor not stored yet (the bound really cut the search).
 */
export function checkFrontier(
  space: StateSpace,
  tracker: PropertyTracker,
  from: number,
  to: number,
): boolean {
  let cut = false;
  for (let j = from; j < to; j++) {
    tracker.checkState(space, j);
    if (!cut && space.hasNewSuccessor(j)) cut = true;
  }
  return cut;
}

/** Shared limit and progress poll: returns a stop reason or undefined. */
export function poll(
  limits: SearchLimits,
  tracker: PropertyTracker,
  states: number,
  transitions: number,
  depth: number,
  queue: number,
): string | undefined {
  limits.onProgress?.({ states, transitions, depth, queue });
  if (limits.maxStates !== undefined && states >= limits.maxStates) return 'max-states';
  if (limits.stopWhenDecided === true && tracker.allDecided) return 'decided';
  return limits.shouldStop?.();
}
