// Breadth-first search: the default. The first violation found is at minimal depth, so
// every counterexample is a shortest one. The frontier is implicit: states are stored in
// discovery order, so the queue is the index range [i, size). Properties are evaluated
// when a state is expanded (discovery order), and on unexpanded states at the end.
// A checkpointed search resumes at its saved position: indices, parents and findings
// are those of an uninterrupted run, so are its counts and counterexamples.
import { performance } from 'node:perf_hooks';
import { Poller, type StopReason } from '../stop.js';
import type { StateSpace } from './space.js';
import type { SearchLimits, Strategy } from './strategy.js';
import type { PropertyTracker } from './tracker.js';

export const bfs: Strategy = function* bfs(space, tracker, limits) {
  const start = limits.resumeFrom;
  if (start === undefined) space.addInitial();
  let transitions = start?.transitions ?? 0;
  let i = start?.next ?? 0;
  let levelEnd = start?.levelEnd ?? 1;
  const levels = start === undefined ? [1] : [...start.levels];
  const poller = new Poller();
  const maxStates = limits.maxStates ?? Infinity;
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
      const cut = checkFrontierPolled(space, tracker, i, space.size, limits);
      stopReason = cut.stopReason;
      depthBounded = cut.cut;
      i = space.size;
      break;
    }
    tracker.record(i, space.expand(i, tracker.openState, sink));
    i++;
    const full = space.size >= maxStates && i < space.size;
    if (full || poller.due()) {
      stopReason = full
        ? 'max-states'
        : poll(limits, tracker, space.size, transitions, levels.length - 1, space.size - i);
      limits.checkpoint?.({ next: i, levelEnd, levels, transitions }, stopReason !== undefined);
      if (stopReason !== undefined) break;
      yield;
    }
  }
  if (stopReason === undefined) for (let j = i; j < space.size; j++) tracker.checkState(space, j);
  else checkUnexpanded(space, tracker, i, space.size);
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

/** Milliseconds a stopped search spends judging the states it stored but did not expand. */
const STOPPED_FRONTIER_MS = 100;

/**
 * After a stop: evaluates the stored, unexpanded states `at(k)` for k in [from, to) for as
 * long as the stop allows (a violation found there is definite; the rest stays undecided).
 */
export function checkUnexpanded(
  space: StateSpace,
  tracker: PropertyTracker,
  from: number,
  to: number,
  at: (k: number) => number = (k) => k,
): void {
  const until = performance.now() + STOPPED_FRONTIER_MS;
  for (let k = from; k < to; k++) {
    tracker.checkState(space, at(k));
    if ((k & 1023) === 0 && performance.now() > until) return;
  }
}

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
  return checkFrontierPolled(space, tracker, from, to, {}).cut;
}

/** As checkFrontier, polling the stop condition: a stop leaves the rest unevaluated and is returned. */
export function checkFrontierPolled(
  space: StateSpace,
  tracker: PropertyTracker,
  from: number,
  to: number,
  limits: SearchLimits,
): { cut: boolean; stopReason: StopReason | undefined } {
  const poller = new Poller();
  let cut = false;
  for (let j = from; j < to; j++) {
    tracker.checkState(space, j);
    if (!cut && space.hasNewSuccessor(j)) cut = true;
    if (poller.due()) {
      const stopReason = limits.shouldStop?.();
      if (stopReason !== undefined) return { cut, stopReason };
    }
  }
  return { cut, stopReason: undefined };
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
