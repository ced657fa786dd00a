// Leads-to under weak fairness on the recorded graph. H is the graph without goal states
// and goal steps; R is every state reachable in H from a trigger (BFS, so each has a
// shortest prefix). A violation is a state of R with no successor at all, or a non-trivial
// strongly connected component of H inside R that holds a weakly fair cycle; the one
// reported is the earliest (lowest BFS rank in R) of those.
//
// R is closed under H edges, so the components of H that meet R lie in it, and Tarjan's
// algorithm run from the states of R (in rank order) finds exactly them. It runs lazily:
// the component of the state at rank r is complete once the search from it returns, so
// the ranks are visited in order and the first component with a fair cycle ends the
// judgement. The search's state is kept per goal (properties with the same goal share
// it; a search from a further root never changes a finished component), so a property
// costs the part of H it obliges that no earlier property with its goal explored.
// All arrays are typed, none is an object per state.
import { pathTo } from './explore/space.js';
import type { Marks, ProgressVerdict } from './progress.js';
import { isFair, type Fairness, type Goal, type ProgressProperty } from './property.js';

type Eventually = Extract<ProgressProperty, { kind: 'eventually' }>;

/** The obligation region: states in BFS order from the triggers, with parent links. */
interface Region {
  readonly size: number;
  /** order[r]: the state with rank r. */
  readonly order: Int32Array;
  /** rank[s]: the rank of state s in R, or -1 (also for every goal state). */
  readonly rank: Int32Array;
  /** parentEdge[r]: the edge that first reached rank r (-1 for a trigger). */
  readonly parentEdge: Int32Array;
  /** parentRank[r]: the rank that edge leaves from. */
  readonly parentRank: Int32Array;
}

/**
 * `triggers`, when given, replaces the trigger's evaluation: the states the obligation
 * starts in (a region graph's roots, src/progressRegion.ts).
 */
export function eventually(m: Marks, prop: Eventually, triggers?: Uint8Array): ProgressVerdict {
  const { offsets } = m.csr;
  const trigger = triggers ?? (prop.after === undefined ? undefined : m.state(prop.after));
  if (trigger !== undefined && trigger.indexOf(1) < 0) return { verdict: 'vacuous' };
  const sccs = m.memo(prop.goal, () => new GoalComponents(m, prop.goal));
  const region = obligations(m, trigger, sccs.goalS, sccs.goalT);
  // The trigger state a reported path passes first (its obligation's root).
  let root = 0;
  const prefixTo = (r: number): number[] => {
    const tail: number[] = [];
    let c = r;
    while ((region.parentEdge[c] as number) >= 0) {
      tail.push(m.event(m.csr.labels[region.parentEdge[c] as number] as number));
      c = region.parentRank[c] as number;
    }
    root = region.order[c] as number;
    return [...pathTo(m.g, root), ...tail.reverse()];
  };
  let bestAt = region.size;
  let best: ProgressVerdict = { verdict: 'holds' };
  for (let r = 0; r < region.size; r++) {
    const s = region.order[r] as number;
    if (offsets[s + 1] === offsets[s]) {
      bestAt = r;
      best = { verdict: 'violated', path: prefixTo(r), loop: null, root };
      break;
    }
  }
  // Components in order of their lowest rank (the first member met in rank order).
  const byFairness = m.memo(sccs, () => new Map<Fairness, FairLoops>());
  let loops = byFairness.get(prop.fair);
  if (loops === undefined) {
    const fair = Uint8Array.from(m.sys.events, (e) => (isFair(prop.fair, e) ? 1 : 0));
    byFairness.set(prop.fair, (loops = new FairLoops(m, sccs, fair)));
  }
  const tried = new Set<number>();
  for (let r = 0; r < bestAt; r++) {
    const s = region.order[r] as number;
    sccs.searchFrom(s);
    const id = sccs.componentOf(s);
    if (id < 0 || tried.has(id)) continue;
    tried.add(id);
    const loop = loops.find(id, s);
    if (loop === undefined) continue;
    const prefix = prefixTo(r);
    return { verdict: 'violated', path: [...prefix, ...loop], loop: prefix.length, root };
  }
  return best;
}

/** R: breadth-first from the non-goal triggers (in state order) through H edges. */
function obligations(
  m: Marks,
  trigger: Uint8Array | undefined,
  goalS: Uint8Array | undefined,
  goalT: Uint8Array,
): Region {
  const { n, offsets, targets, labels } = m.csr;
  const rank = new Int32Array(n).fill(-1);
  let triggers = 0;
  const triggered = (s: number): boolean =>
    (trigger === undefined ? s === 0 : trigger[s] === 1) && (goalS === undefined || goalS[s] === 0);
  for (let s = 0; s < n; s++) if (triggered(s)) triggers++;
  // Rank-indexed arrays grow with R: a property may oblige a small part of the graph.
  const order = new GrowableInt32(triggers);
  const parentEdge = new GrowableInt32(triggers);
  const parentRank = new GrowableInt32(triggers);
  let size = 0;
  const push = (s: number, edge: number, from: number): void => {
    rank[s] = size++;
    order.push(s);
    parentEdge.push(edge);
    parentRank.push(from);
  };
  for (let s = 0; s < n; s++) if (triggered(s)) push(s, -1, 0);
  for (let h = 0; h < size; h++) {
    const s = order.a[h] as number;
    const end = offsets[s + 1] as number;
    for (let e = offsets[s] as number; e < end; e++) {
      const to = targets[e] as number;
      if (rank[to] !== -1 || goalT[labels[e] as number] === 1) continue;
      if (goalS !== undefined && goalS[to] === 1) continue;
      push(to, e, h);
    }
    m.tick();
  }
  return { size, order: order.a, rank, parentEdge: parentEdge.a, parentRank: parentRank.a };
}

/** An Int32Array that doubles when full; `a` is the current backing array. */
class GrowableInt32 {
  a: Int32Array<ArrayBuffer>;
  length = 0;
  constructor(initial: number) {
    this.a = new Int32Array(Math.max(16, initial));
  }
  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
  pop(): number {
    return this.a[--this.length] as number;
  }
}

/** index[] value of a state whose component is trivial (one state, no H self-loop). */
const TRIVIAL = 0x7fffffff;

/**
 * Tarjan's algorithm over H with an explicit call stack, run from roots on demand. index[s]
 * is -1 before s is visited, its DFS number while on the stack, and once its component is
 * complete n + the component's id (non-trivial components) or TRIVIAL; so "on the stack"
 * is "visited and index below n" and one random access per edge suffices. Goal states are
 * never visited (H leaves them out); `low` is the only other per-state array.
 */
export class GoalComponents {
  readonly goalS: Uint8Array | undefined;
  readonly goalT: Uint8Array;
  private readonly index: Int32Array;
  private readonly low: Int32Array;
  private readonly stack = new GrowableInt32(1024);
  private readonly callNode = new GrowableInt32(1024);
  private readonly callEdge = new GrowableInt32(1024);
  private counter = 0;
  private ids = 0;

  constructor(
    private readonly m: Marks,
    goal: Goal,
  ) {
    this.goalS = m.goalStates(goal);
    this.goalT = m.goalSteps(goal);
    this.index = new Int32Array(m.csr.n).fill(-1);
    this.low = new Int32Array(m.csr.n);
  }

  /** Non-trivial component id of state s, or -1 (trivial, a goal state, or not searched yet). */
  componentOf(s: number): number {
    const i = this.index[s] as number;
    return i >= this.m.csr.n && i !== TRIVIAL ? i - this.m.csr.n : -1;
  }

  /** Completes the component of `root` (and of everything H reaches from it). */
  searchFrom(root: number): void {
    const { index, low, stack, callNode, callEdge, goalT, goalS } = this;
    if (index[root] !== -1 || (goalS !== undefined && goalS[root] === 1)) return;
    const { n, offsets, targets, labels } = this.m.csr;
    index[root] = low[root] = this.counter++;
    stack.push(root);
    callNode.push(root);
    callEdge.push(offsets[root] as number);
    while (callNode.length > 0) {
      const top = callNode.length - 1;
      const v = callNode.a[top] as number;
      const e = callEdge.a[top] as number;
      if (e < (offsets[v + 1] as number)) {
        callEdge.a[top] = e + 1;
        if (goalT[labels[e] as number] === 1) continue;
        const w = targets[e] as number;
        const iw = index[w] as number;
        if (iw === -1) {
          if (goalS !== undefined && goalS[w] === 1) continue;
          index[w] = low[w] = this.counter++;
          stack.push(w);
          callNode.push(w);
          callEdge.push(offsets[w] as number);
        } else if (iw < (low[v] as number)) {
          low[v] = iw;
        }
        continue;
      }
      this.m.tick();
      callNode.length--;
      callEdge.length--;
      if (callNode.length > 0) {
        const p = callNode.a[callNode.length - 1] as number;
        if ((low[v] as number) < (low[p] as number)) low[p] = low[v] as number;
      }
      if (low[v] !== index[v]) continue;
      // v roots a component: the states above it on the stack. Two or more states are
      // strongly connected by H edges; one needs an H self-loop.
      const trivial = stack.a[stack.length - 1] === v && !this.selfLoop(v);
      const mark = trivial ? TRIVIAL : n + this.ids++;
      let x: number;
      do {
        x = stack.pop();
        index[x] = mark;
      } while (x !== v);
    }
  }

  private selfLoop(s: number): boolean {
    const { offsets, targets, labels } = this.m.csr;
    for (let e = offsets[s] as number; e < (offsets[s + 1] as number); e++)
      if (targets[e] === s && this.goalT[labels[e] as number] === 0) return true;
    return false;
  }
}

/** A step of the fair loop: an accepted edge to take (byEdge), or an accepted state to reach. */
interface LoopGoal {
  readonly byEdge: boolean;
  readonly accept: (s: number, e: number) => boolean;
}

/**
 * Weakly fair closed walks inside one SCC: every fair event enabled in all its states is
 * taken, and every other fair event is seen disabled somewhere. A component's members are
 * visited by a search over its internal edges (it is strongly connected), per-event scratch
 * is reset by stamps, and the per-state arrays are allocated once per judge. Plans are
 * cached per component: properties with the same goal and fairness share this object.
 */
class FairLoops {
  private readonly enabledIn: Int32Array;
  private readonly lastSeen: Int32Array;
  private readonly takenAt: Int32Array;
  private readonly touchedAt: Int32Array;
  private stamp = 0;
  private readonly fairEvents: Int32Array;
  /** Per component: its fair-loop steps, or null when it has no fair cycle. */
  private readonly plans = new Map<number, readonly (readonly [boolean, number])[] | null>();

  constructor(
    private readonly m: Marks,
    private readonly sccs: GoalComponents,
    fair: Uint8Array,
  ) {
    this.enabledIn = new Int32Array(fair.length);
    this.lastSeen = new Int32Array(fair.length);
    this.takenAt = new Int32Array(fair.length);
    this.touchedAt = new Int32Array(fair.length);
    this.fairEvents = Int32Array.from(Array.from(fair).flatMap((f, ev) => (f === 1 ? [ev] : [])));
  }

  /** True when edge e stays inside component `id` without a goal step. */
  private internal(e: number, id: number): boolean {
    const { targets, labels } = this.m.csr;
    return this.sccs.goalT[labels[e] as number] === 0 && this.sccs.componentOf(targets[e] as number) === id;
  }

  /** Events of a loop from `home` back to it, or undefined when the SCC has no fair cycle. */
  find(id: number, home: number): number[] | undefined {
    const { offsets, labels } = this.m.csr;
    const eventOf = this.m.eventOf;
    const plan = this.plan(id, home);
    if (plan === undefined) return undefined;
    const disabledAt = (s: number, ev: number): boolean => {
      for (let e = offsets[s] as number; e < (offsets[s + 1] as number); e++)
        if (eventOf[labels[e] as number] === ev) return false;
      return true;
    };
    const goals = plan.map(([byEdge, ev]): LoopGoal =>
      byEdge
        ? { byEdge, accept: (_s, e) => this.internal(e, id) && eventOf[labels[e] as number] === ev }
        : { byEdge, accept: (s) => disabledAt(s, ev) },
    );
    const loop: number[] = [];
    let cur = home;
    for (const goal of goals) cur = this.walk(cur, id, goal, loop);
    if (loop.length === 0)
      cur = this.walk(cur, id, { byEdge: true, accept: (_s, e) => this.internal(e, id) }, loop);
    this.walk(cur, id, { byEdge: false, accept: (s) => s === home }, loop);
    return loop;
  }

  /**
   * Whether component `id` holds a fair cycle, and the steps of one: per fair event, take it
   * (true: it is enabled in every member) or reach a member where it is disabled (false).
   */
  private plan(id: number, home: number): readonly (readonly [boolean, number])[] | undefined {
    const known = this.plans.get(id);
    if (known !== undefined) return known ?? undefined;
    const steps = this.computePlan(id, home);
    this.plans.set(id, steps ?? null);
    return steps;
  }

  private computePlan(id: number, home: number): readonly (readonly [boolean, number])[] | undefined {
    const { offsets, labels, targets } = this.m.csr;
    const eventOf = this.m.eventOf;
    const { enabledIn, lastSeen, takenAt, touchedAt } = this;
    const stamp = ++this.stamp;
    const { mark, queue } = this.m.scratch();
    const gen = this.m.nextGeneration();
    mark[home] = gen;
    queue[0] = home;
    let size = 1;
    for (let j = 0; j < size; j++) {
      const s = queue[j] as number;
      const end = offsets[s + 1] as number;
      for (let e = offsets[s] as number; e < end; e++) {
        const ev = eventOf[labels[e] as number] as number;
        if (touchedAt[ev] !== stamp) {
          touchedAt[ev] = stamp;
          enabledIn[ev] = 0;
          lastSeen[ev] = -1;
        }
        if (lastSeen[ev] !== j) {
          lastSeen[ev] = j;
          enabledIn[ev] = (enabledIn[ev] as number) + 1;
        }
        if (!this.internal(e, id)) continue;
        takenAt[ev] = stamp;
        const w = targets[e] as number;
        if (mark[w] !== gen) {
          mark[w] = gen;
          queue[size++] = w;
        }
      }
      this.m.tick();
    }
    const steps: [boolean, number][] = [];
    for (const ev of this.fairEvents) {
      const everywhere = touchedAt[ev] === stamp && enabledIn[ev] === size;
      if (everywhere && takenAt[ev] !== stamp) return undefined;
      steps.push([everywhere, ev]);
    }
    return steps;
  }

  /**
   * BFS inside the SCC from `from` to a state the goal accepts (state goal), or to the
   * source of an accepted edge, which is then taken (edge goal); appends the walk's events
   * to `loop` and returns the state where it ends.
   */
  private walk(from: number, id: number, goal: LoopGoal, loop: number[]): number {
    const { offsets, targets, labels } = this.m.csr;
    const { mark, prev, prevEdge, queue } = this.m.scratch();
    const gen = this.m.nextGeneration();
    mark[from] = gen;
    prev[from] = -1;
    queue[0] = from;
    let tail = 1;
    for (let h = 0; h < tail; h++) {
      const s = queue[h] as number;
      const end = offsets[s + 1] as number;
      let hit = -1;
      if (goal.byEdge) {
        for (let e = offsets[s] as number; e < end && hit < 0; e++) if (goal.accept(s, e)) hit = e;
      } else if (goal.accept(s, -1)) {
        hit = -2;
      }
      if (hit === -1) {
        for (let e = offsets[s] as number; e < end; e++) {
          if (!this.internal(e, id)) continue;
          const w = targets[e] as number;
          if (mark[w] !== gen) {
            mark[w] = gen;
            prev[w] = s;
            prevEdge[w] = e;
            queue[tail++] = w;
          }
        }
        this.m.tick();
        continue;
      }
      const edges: number[] = [];
      for (let c = s; prev[c] !== -1; c = prev[c] as number) edges.push(prevEdge[c] as number);
      for (let k = edges.length - 1; k >= 0; k--)
        loop.push(this.m.event(labels[edges[k] as number] as number));
      if (hit < 0) return s;
      loop.push(this.m.event(labels[hit] as number));
      return targets[hit] as number;
    }
    throw new Error('engine: SCC walk could not reach a member');
  }
}
