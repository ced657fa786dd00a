// Leads-to under weak fairness on the recorded graph. H is the graph without goal states
// and goal steps; R is every state reachable in H from a trigger (BFS, so each has a
// shortest prefix). A violation is a state of R with no successor at all, or a non-trivial
// strongly connected component of H inside R that holds a weakly fair cycle; the one
// reported is the earliest (lowest BFS rank in R) of those. The SCCs of H come from an
// iterative Tarjan over the whole graph, once per goal (R is closed under H, so a
// component meeting R lies in it); all arrays are typed, none is an object per state.
import { pathTo } from './explore/space.js';
import type { Marks, ProgressVerdict } from './progress.js';
import { isFair, type ProgressProperty } from './property.js';

type Eventually = Extract<ProgressProperty, { kind: 'eventually' }>;

/** The obligation region: states in BFS order from the triggers, with parent links. */
interface Region {
  readonly size: number;
  /** order[r]: the state with rank r. */
  readonly order: Int32Array;
  /** rank[s]: the rank of state s in R, or -1. */
  readonly rank: Int32Array;
  /** parentEdge[r]: the edge that first reached rank r (-1 for a trigger). */
  readonly parentEdge: Int32Array;
  /** parentRank[r]: the rank that edge leaves from. */
  readonly parentRank: Int32Array;
}

/** Non-trivial SCCs of H: component id per state (-1 for goal states) and members. */
export interface Components {
  readonly comp: Int32Array;
  /** Members of the non-trivial components (with an internal edge), contiguous. */
  readonly members: Int32Array;
  readonly list: readonly { readonly id: number; readonly start: number; readonly size: number }[];
}

export function eventually(m: Marks, prop: Eventually): ProgressVerdict {
  const { offsets } = m.csr;
  const trigger = prop.after === undefined ? undefined : m.state(prop.after);
  if (trigger !== undefined && trigger.indexOf(1) < 0) return { verdict: 'vacuous' };
  const region = obligations(m, trigger, m.goalStates(prop.goal), m.goalSteps(prop.goal));
  const prefixTo = (r: number): number[] => {
    const tail: number[] = [];
    let c = r;
    while ((region.parentEdge[c] as number) >= 0) {
      tail.push(m.event(m.csr.labels[region.parentEdge[c] as number] as number));
      c = region.parentRank[c] as number;
    }
    return [...pathTo(m.g, region.order[c] as number), ...tail.reverse()];
  };
  let bestAt = region.size;
  let best: ProgressVerdict = { verdict: 'holds' };
  for (let r = 0; r < region.size; r++) {
    const s = region.order[r] as number;
    if (offsets[s + 1] === offsets[s]) {
      bestAt = r;
      best = { verdict: 'violated', path: prefixTo(r), loop: null };
      break;
    }
  }
  const sccs = m.componentsWithout(prop.goal);
  const candidates: { start: number; size: number; id: number; entry: number }[] = [];
  for (const c of sccs.list) {
    if ((region.rank[sccs.members[c.start] as number] as number) < 0) continue;
    let entry = region.size;
    for (let k = c.start; k < c.start + c.size; k++) {
      const r = region.rank[sccs.members[k] as number] as number;
      if (r < entry) entry = r;
    }
    if (entry < bestAt) candidates.push({ ...c, entry });
  }
  const loops = m.fairLoops(prop.goal, prop.fair, () => {
    const fair = Uint8Array.from(m.sys.events, (e) => (isFair(prop.fair, e) ? 1 : 0));
    return new FairLoops(m, sccs.comp, m.goalSteps(prop.goal), fair);
  });
  for (const c of candidates.sort((a, b) => a.entry - b.entry)) {
    const members = sccs.members.subarray(c.start, c.start + c.size);
    const loop = loops.find(members, c.id, region.order[c.entry] as number);
    if (loop === undefined) continue;
    const prefix = prefixTo(c.entry);
    return { verdict: 'violated', path: [...prefix, ...loop], loop: prefix.length };
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
  const order = new Int32Array(n);
  const parentEdge = new Int32Array(n);
  const parentRank = new Int32Array(n);
  let size = 0;
  for (let s = 0; s < n; s++) {
    const triggered = trigger === undefined ? s === 0 : trigger[s] === 1;
    if (triggered && (goalS === undefined || goalS[s] === 0)) {
      rank[s] = size;
      order[size] = s;
      parentEdge[size] = -1;
      size++;
    }
  }
  for (let h = 0; h < size; h++) {
    const s = order[h] as number;
    const end = offsets[s + 1] as number;
    for (let e = offsets[s] as number; e < end; e++) {
      const to = targets[e] as number;
      if (rank[to] !== -1 || goalT[labels[e] as number] === 1) continue;
      if (goalS !== undefined && goalS[to] === 1) continue;
      rank[to] = size;
      order[size] = to;
      parentEdge[size] = e;
      parentRank[size] = h;
      size++;
    }
    m.tick();
  }
  return { size, order, rank, parentEdge, parentRank };
}

/**
 * Strongly connected components of H (goal states left out; edges that are goal steps or
 * enter goal states left out) by Tarjan's algorithm with an explicit call stack. A state
 * assigned to a component gets index n, so "on the stack" is "visited and index below n"
 * and one random access per edge suffices. `goalS` undefined: the goal has no state part.
 */
export function components(m: Marks, goalS: Uint8Array | undefined, goalT: Uint8Array): Components {
  const { n, offsets, targets, labels } = m.csr;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const stack = new Int32Array(n);
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const members = new Int32Array(n);
  const list: { id: number; start: number; size: number }[] = [];
  let counter = 0;
  let sp = 0;
  let written = 0;
  let ids = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1 || (goalS !== undefined && goalS[root] === 1)) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = offsets[root] as number;
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    while (depth >= 0) {
      const v = callNode[depth] as number;
      const e = callEdge[depth] as number;
      if (e < (offsets[v + 1] as number)) {
        callEdge[depth] = e + 1;
        const w = targets[e] as number;
        if (goalT[labels[e] as number] === 1 || (goalS !== undefined && goalS[w] === 1)) continue;
        const iw = index[w] as number;
        if (iw === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          depth++;
          callNode[depth] = w;
          callEdge[depth] = offsets[w] as number;
        } else if (iw < (low[v] as number)) {
          low[v] = iw;
        }
        continue;
      }
      m.tick();
      depth--;
      if (depth >= 0) {
        const p = callNode[depth] as number;
        if ((low[v] as number) < (low[p] as number)) low[p] = low[v] as number;
      }
      if (low[v] !== index[v]) continue;
      const id = ids++;
      const start = written;
      let x: number;
      do {
        x = stack[--sp] as number;
        index[x] = n;
        comp[x] = id;
        members[written++] = x;
      } while (x !== v);
      // Two or more states are strongly connected by H edges; one needs an H self-loop.
      if (written - start > 1 || selfLoop(m, v, goalT)) list.push({ id, start, size: written - start });
      else written = start;
    }
  }
  return { comp, members, list };
}

function selfLoop(m: Marks, s: number, goalT: Uint8Array): boolean {
  const { offsets, targets, labels } = m.csr;
  for (let e = offsets[s] as number; e < (offsets[s + 1] as number); e++)
    if (targets[e] === s && goalT[labels[e] as number] === 0) return true;
  return false;
}

/** A step of the fair loop: an accepted edge to take (byEdge), or an accepted state to reach. */
interface LoopGoal {
  readonly byEdge: boolean;
  readonly accept: (s: number, e: number) => boolean;
}

/**
 * Weakly fair closed walks inside one SCC: every fair event enabled in all its states is
 * taken, and every other fair event is seen disabled somewhere. Scratch arrays are
 * allocated once, the walk's per-state arrays only when a loop is built.
 */
export class FairLoops {
  private readonly enabledIn: Int32Array;
  private readonly lastSeen: Int32Array;
  private readonly taken: Uint8Array;
  private walkState:
    { mark: Int32Array; prev: Int32Array; prevEdge: Int32Array; queue: Int32Array } | undefined;
  private generation = 0;
  /** Per component: its fair-loop steps, or null when it has no fair cycle. */
  private readonly plans = new Map<number, readonly (readonly [boolean, number])[] | null>();

  constructor(
    private readonly m: Marks,
    private readonly comp: Int32Array,
    private readonly goalT: Uint8Array,
    private readonly fair: Uint8Array,
  ) {
    this.enabledIn = new Int32Array(fair.length);
    this.lastSeen = new Int32Array(fair.length);
    this.taken = new Uint8Array(fair.length);
  }

  /** Events of a loop from `home` back to it, or undefined when the SCC has no fair cycle. */
  find(members: Int32Array, id: number, home: number): number[] | undefined {
    const { offsets, targets, labels } = this.m.csr;
    const { comp, goalT, m } = this;
    const eventOf = m.eventOf;
    const internal = (e: number): boolean =>
      comp[targets[e] as number] === id && goalT[labels[e] as number] === 0;
    const plan = this.plan(members, id, internal);
    if (plan === undefined) return undefined;
    const disabledAt = (s: number, ev: number): boolean => {
      for (let e = offsets[s] as number; e < (offsets[s + 1] as number); e++)
        if (eventOf[labels[e] as number] === ev) return false;
      return true;
    };
    const goals = plan.map(([byEdge, ev]): LoopGoal =>
      byEdge
        ? { byEdge, accept: (_s, e) => internal(e) && eventOf[labels[e] as number] === ev }
        : { byEdge, accept: (s) => disabledAt(s, ev) },
    );
    const loop: number[] = [];
    let cur = home;
    for (const goal of goals) cur = this.walk(cur, goal, internal, loop);
    if (loop.length === 0)
      cur = this.walk(cur, { byEdge: true, accept: (_s, e) => internal(e) }, internal, loop);
    this.walk(cur, { byEdge: false, accept: (s) => s === home }, internal, loop);
    return loop;
  }

  /**
   * Whether component `id` holds a fair cycle, and the steps of one: per fair event, take it
   * (true: it is enabled in every member) or reach a member where it is disabled (false).
   * Cached per component: properties with the same goal and fairness share this object.
   */
  private plan(
    members: Int32Array,
    id: number,
    internal: (e: number) => boolean,
  ): readonly (readonly [boolean, number])[] | undefined {
    const known = this.plans.get(id);
    if (known !== undefined) return known ?? undefined;
    const { offsets, labels } = this.m.csr;
    const eventOf = this.m.eventOf;
    this.enabledIn.fill(0);
    this.lastSeen.fill(-1);
    this.taken.fill(0);
    for (let j = 0; j < members.length; j++) {
      const s = members[j] as number;
      const end = offsets[s + 1] as number;
      for (let e = offsets[s] as number; e < end; e++) {
        const ev = eventOf[labels[e] as number] as number;
        if (this.lastSeen[ev] !== j) {
          this.lastSeen[ev] = j;
          this.enabledIn[ev] = (this.enabledIn[ev] as number) + 1;
        }
        if (internal(e)) this.taken[ev] = 1;
      }
      this.m.tick();
    }
    const steps: [boolean, number][] = [];
    for (let ev = 0; ev < this.fair.length; ev++) {
      if (this.fair[ev] === 0) continue;
      const everywhere = this.enabledIn[ev] === members.length;
      if (everywhere && this.taken[ev] === 0) {
        this.plans.set(id, null);
        return undefined;
      }
      steps.push([everywhere, ev]);
    }
    this.plans.set(id, steps);
    return steps;
  }

  /**
   * BFS inside the SCC from `from` to a state the goal accepts (state goal), or to the
   * source of an accepted edge, which is then taken (edge goal); appends the walk's events
   * to `loop` and returns the state where it ends.
   */
  private walk(from: number, goal: LoopGoal, internal: (e: number) => boolean, loop: number[]): number {
    const { n, offsets, targets, labels } = this.m.csr;
    this.walkState ??= {
      mark: new Int32Array(n),
      prev: new Int32Array(n),
      prevEdge: new Int32Array(n),
      queue: new Int32Array(n),
    };
    const { mark, prev, prevEdge, queue } = this.walkState;
    const gen = ++this.generation;
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
          if (!internal(e)) continue;
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
