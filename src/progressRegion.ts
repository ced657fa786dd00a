// Progress under symmetry: `eventually` properties judged from a symmetry-reduced run.
//
// Contract (EventuallyOptions.symmetric): a permutation of the model's declared slots maps
// trigger states to trigger states, goals to goals and fair events to fair events. Then a
// weakly fair run that never reaches the goal from a state s maps, permuted, to such a run
// from every state of s's orbit (weak fairness over every fair event is unchanged when the
// events are renamed among themselves), so whether an obligation can be broken is the same
// across an orbit, and it suffices to ask it at one representative per orbit: the
// reduced run's stored states where the trigger holds.
//
// The obligations are then judged concretely: from those representatives, the states
// reachable without a goal state or goal step (the region R of progressEventually.ts) are
// explored WITHOUT symmetry, their graph recorded, and leads-to under weak fairness judged
// on it as on a whole graph (the same components, fair loops and deadlocks). A loop of
// that graph is a loop of the system, not a loop between permuted states, which is what
// keeps symmetry out of whole-graph progress runs. The region is usually a small part of
// the state space: an obligation is discharged soon after it starts, and only states
// where one is pending are stored.
//
// A violation's trace: the reduced path to the representative is re-found concretely
// (src/explore/concretize.ts), which ends in some permutation of it, and the region is
// judged again from that concrete state for the loop; both parts replay.
import { concreteRun, localsOf } from './explore/concretize.js';
import { GraphRecorder } from './explore/graph.js';
import { makeSpace, type EngineName } from './explore/index.js';
import { compileStateTest, localSource, type CompiledTest } from './explore/stateTests.js';
import type { StateSpace } from './explore/space.js';
import { Marks, stepTable, stoppable, type JudgeOptions, type ProgressVerdict } from './progress.js';
import { eventually } from './progressEventually.js';
import { isSafety, type Property, type ProgressProperty } from './property.js';
import type { CompiledSystem } from './system.js';

type Eventually = Extract<ProgressProperty, { kind: 'eventually' }>;

/** Expansions between two polls of the stop condition while a region is explored. */
const POLL_EVERY = 4096;

/**
 * Triggers and goals are asked once per stored state, so they are evaluated through a
 * lazily built decision tree (no node built up front, stateTests.ts lazyTree): a whole
 * tree over every local state would cost more than it saves.
 */
const REGION_TREE_BUDGET = 0;

/**
 * True when every progress property of `properties` may be judged from a symmetry-reduced
 * run: an `eventually` with a trigger, declared symmetric. (Without a trigger the
 * obligation starts at the initial state and its region is the whole unreduced space.)
 */
export function judgedUnderSymmetry(properties: readonly Property[]): boolean {
  return properties.every(
    (p) => isSafety(p) || (p.kind === 'eventually' && p.symmetric && p.after !== undefined),
  );
}

/** The stop poll, and the engine the regions are explored with (default compiled). */
export interface RegionOptions extends JudgeOptions {
  readonly engine?: EngineName | undefined;
}

/**
 * Judges `prop` (judgedUnderSymmetry) from the states of `reduced`, a complete
 * symmetry-reduced run of `sys`: same verdict as on the unreduced graph, and a trace that
 * replays (not necessarily the shortest one).
 */
export function judgeFromRepresentatives(
  sys: CompiledSystem,
  reduced: StateSpace,
  prop: Eventually,
  opts: RegionOptions = {},
): ProgressVerdict {
  const after = prop.after;
  if (after === undefined) throw new Error('engine: a region needs a trigger');
  const read = localSource(sys, reduced);
  const trigger = compileStateTest(sys, after, REGION_TREE_BUDGET);
  const goal = 'state' in prop.goal ? compileStateTest(sys, prop.goal.state, REGION_TREE_BUDGET) : undefined;
  const width = sys.instances.length;
  const roots: Int32Array[] = [];
  const rootOf: number[] = [];
  let triggered = false;
  for (let s = 0; s < reduced.size; s++) {
    const at = (inst: number): number => read(s, inst);
    if (!trigger.holds(at)) continue;
    triggered = true;
    if (goal?.holds(at) === true) continue;
    const locals = new Int32Array(width);
    for (let i = 0; i < width; i++) locals[i] = at(i);
    roots.push(locals);
    rootOf.push(s);
  }
  if (!triggered) return { verdict: 'vacuous', regionStates: 0 };
  const region = regionVerdict(sys, roots, prop, goal, opts);
  if (region.verdict !== 'violated' || region.root === undefined) return region;
  // The trace: the representative, re-found concretely, then the region judged again from
  // the concrete state reached (a permutation of the representative).
  const rep = rootOf[region.rootIndex];
  if (rep === undefined) throw new Error('engine: a region root without its representative');
  const prefix = concreteRun(sys, reduced, { state: rep }, () => true);
  const again = regionVerdict(sys, [localsOf(sys, prefix.world)], prop, goal, opts);
  if (again.verdict !== 'violated' || again.path === undefined)
    throw new Error('engine: a permuted representative does not break its obligation again');
  const at = prefix.path.length;
  return {
    verdict: 'violated',
    path: [...prefix.path, ...again.path],
    loop: again.loop === null || again.loop === undefined ? null : at + again.loop,
    regionStates: region.regionStates,
  };
}

/**
 * The region from `roots` explored concretely and judged (`goal`: the goal's state part,
 * compiled); `rootIndex`: which root a violation breaks.
 */
function regionVerdict(
  sys: CompiledSystem,
  roots: readonly Int32Array[],
  prop: Eventually,
  goal: CompiledTest | undefined,
  opts: RegionOptions,
): ProgressVerdict & { readonly regionStates: number; readonly rootIndex: number } {
  const { space } = makeSpace(sys, opts.engine ?? 'compiled', { symmetry: false, indexSeen: true });
  const g = new GraphRecorder(space, sys.outcomes.length, sys.events.length);
  const outcomes = sys.outcomes.length;
  const goalStep = 'step' in prop.goal ? stepTable(sys, prop.goal.step) : undefined;
  const read = localSource(sys, g);
  const rootIds = roots.map((l) => g.addRoot(l));
  let queued = new Uint8Array(Math.max(1024, g.size * 2));
  const queue: number[] = [];
  const enqueue = (s: number): void => {
    if (s >= queued.length) {
      const grown = new Uint8Array(Math.max(s + 1, queued.length * 2));
      grown.set(queued);
      queued = grown;
    }
    if (queued[s] === 1) return;
    queued[s] = 1;
    queue.push(s);
  };
  for (const r of rootIds) enqueue(r);
  for (let h = 0; h < queue.length; h++) {
    const reason = (h & (POLL_EVERY - 1)) === 0 ? opts.shouldStop?.() : undefined;
    if (reason !== undefined)
      return { verdict: 'unknown', stopReason: reason, regionStates: queue.length, rootIndex: -1 };
    g.expand(queue[h] as number, 0, (event, outcome, child) => {
      if (goalStep?.[event * outcomes + outcome] === 1) return;
      if (child < queued.length && queued[child] === 1) return;
      if (goal?.holds((inst) => read(child, inst)) === true) return;
      enqueue(child);
    });
  }
  g.searchDone();
  const triggers = new Uint8Array(g.size);
  for (const r of rootIds) triggers[r] = 1;
  const marks = new Marks(sys, g, opts.shouldStop);
  const verdict = stoppable(() => eventually(marks, prop, triggers));
  return {
    ...verdict,
    regionStates: queue.length,
    rootIndex: verdict.root === undefined ? -1 : rootIds.indexOf(verdict.root),
  };
}

/** judgeFromRepresentatives for each progress property of a run (judgedUnderSymmetry). */
export function representativesJudge(
  sys: CompiledSystem,
  reduced: StateSpace,
  opts: RegionOptions = {},
): (prop: ProgressProperty) => ProgressVerdict {
  return (prop) => {
    if (prop.kind !== 'eventually') throw new Error('engine: only eventually is judged from representatives');
    return judgeFromRepresentatives(sys, reduced, prop, opts);
  };
}
