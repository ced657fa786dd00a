// Judges progress properties on an exhaustively explored state graph: deadlock freedom,
// AG EF reachability ("possibly") and leads-to under weak fairness ("eventually"). A
// violation comes with a trace: a path, and for "forever" a loop that closes on itself.
import type { StateGraph } from './explore/graph.js';
import { pathTo, type StateSpace } from './explore/space.js';
import {
  isFair,
  type Fairness,
  type Goal,
  type ProgressProperty,
  type StateTest,
  type StepTest,
} from './property.js';
import type { CompiledSystem } from './system.js';
import { worldView } from './world.js';

export interface ProgressVerdict {
  readonly verdict: 'holds' | 'violated';
  /** Event indices from the initial state (prefix, then the loop when `loop` is set). */
  readonly path?: readonly number[];
  /** Index in `path` where the repeating loop starts; null for a path that ends (deadlock). */
  readonly loop?: number | null;
}

type Space = StateSpace & StateGraph;

/** Cached evaluation of state and step tests on the graph. */
class Tests {
  private readonly stateCache = new Map<StateTest, Map<number, boolean>>();
  private readonly stepCache = new Map<StepTest, Map<number, boolean>>();
  constructor(
    private readonly sys: CompiledSystem,
    private readonly g: Space,
  ) {}
  state(test: StateTest, s: number): boolean {
    let cache = this.stateCache.get(test);
    if (cache === undefined) this.stateCache.set(test, (cache = new Map()));
    let v = cache.get(s);
    if (v === undefined) cache.set(s, (v = test(worldView(this.sys, this.g.worldOf(s)))));
    return v;
  }
  step(test: StepTest, edge: number): boolean {
    let cache = this.stepCache.get(test);
    if (cache === undefined) this.stepCache.set(test, (cache = new Map()));
    const key = this.g.event(edge) * 256 + this.g.outcome(edge);
    let v = cache.get(key);
    if (v === undefined) {
      const e = this.sys.events[this.g.event(edge)];
      const outcome = this.sys.outcomes[this.g.outcome(edge)] ?? 'ok';
      v = e !== undefined && test({ actor: e.actor, type: e.type, args: e.args, outcome });
      cache.set(key, v);
    }
    return v;
  }
  goalState(goal: Goal, s: number): boolean {
    return 'state' in goal && this.state(goal.state, s);
  }
  goalEdge(goal: Goal, edge: number): boolean {
    return (
      ('step' in goal && this.step(goal.step, edge)) ||
      ('state' in goal && this.state(goal.state, this.g.target(edge)))
    );
  }
}

export function judgeProgress(sys: CompiledSystem, g: Space, prop: ProgressProperty): ProgressVerdict {
  const t = new Tests(sys, g);
  if (prop.kind === 'deadlock-free') return deadlock(g, t, prop.terminal);
  if (prop.kind === 'possibly') return possibly(g, t, prop.goal, prop.excluding);
  return eventually(sys, g, t, prop);
}

function deadlock(g: Space, t: Tests, terminal: StateTest | undefined): ProgressVerdict {
  for (let s = 0; s < g.size; s++) {
    let moves = false;
    for (let e = g.edgeStart(s); e < g.edgeEnd(s) && !moves; e++) moves = g.target(e) !== s;
    if (!moves && !(terminal !== undefined && t.state(terminal, s))) {
      return { verdict: 'violated', path: pathTo(g, s), loop: null };
    }
  }
  return { verdict: 'holds' };
}

function possibly(g: Space, t: Tests, goal: Goal, excluding: StepTest | undefined): ProgressVerdict {
  const n = g.size;
  const allowed = (e: number): boolean => excluding === undefined || !t.step(excluding, e);
  const reverse: number[][] = Array.from({ length: n }, () => []);
  const good = new Uint8Array(n);
  const queue: number[] = [];
  for (let s = 0; s < n; s++) {
    if (t.goalState(goal, s)) good[s] = 1;
    for (let e = g.edgeStart(s); e < g.edgeEnd(s); e++) {
      if (!allowed(e)) continue;
      if ('step' in goal && t.step(goal.step, e)) good[s] = 1;
      (reverse[g.target(e)] as number[]).push(s);
    }
    if (good[s] === 1) queue.push(s);
  }
  for (let h = 0; h < queue.length; h++) {
    for (const p of reverse[queue[h] as number] as number[]) {
      if (good[p] === 0) {
        good[p] = 1;
        queue.push(p);
      }
    }
  }
  const stuck = good.indexOf(0);
  if (stuck < 0) return { verdict: 'holds' };
  // From a stuck state every allowed successor is stuck too: follow the first allowed
  // edge until a state repeats (the loop) or none is left (a deadlock).
  const prefix = pathTo(g, stuck);
  const walk: number[] = [];
  const seenAt = new Map<number, number>();
  let s = stuck;
  for (;;) {
    seenAt.set(s, walk.length);
    let next = -1;
    for (let e = g.edgeStart(s); e < g.edgeEnd(s); e++) {
      if (allowed(e)) {
        next = e;
        break;
      }
    }
    if (next < 0) return { verdict: 'violated', path: [...prefix, ...walk], loop: null };
    walk.push(g.event(next));
    s = g.target(next);
    const at = seenAt.get(s);
    if (at !== undefined)
      return { verdict: 'violated', path: [...prefix, ...walk], loop: prefix.length + at };
  }
}

function eventually(
  sys: CompiledSystem,
  g: Space,
  t: Tests,
  prop: Extract<ProgressProperty, { kind: 'eventually' }>,
): ProgressVerdict {
  const n = g.size;
  const { goal, after } = prop;
  const inH = (s: number, e: number): boolean => !t.goalState(goal, s) && !t.goalEdge(goal, e);
  // R: states reachable from a trigger through non-goal edges, in BFS order from the triggers.
  const parentEdge = new Int32Array(n).fill(-2);
  const order: number[] = [];
  for (let s = 0; s < n; s++) {
    const trigger = after === undefined ? s === 0 : t.state(after, s);
    if (trigger && !t.goalState(goal, s)) {
      parentEdge[s] = -1;
      order.push(s);
    }
  }
  const source = new Int32Array(n).fill(-1);
  for (let h = 0; h < order.length; h++) {
    const s = order[h] as number;
    for (let e = g.edgeStart(s); e < g.edgeEnd(s); e++) {
      const to = g.target(e);
      if (inH(s, e) && parentEdge[to] === -2) {
        parentEdge[to] = e;
        source[to] = s;
        order.push(to);
      }
    }
  }
  const prefixTo = (s: number): number[] => {
    const tail: number[] = [];
    let c = s;
    while ((parentEdge[c] as number) >= 0) {
      tail.push(g.event(parentEdge[c] as number));
      c = source[c] as number;
    }
    return [...pathTo(g, c), ...tail.reverse()];
  };
  const rank = new Int32Array(n).fill(-1);
  order.forEach((s, i) => (rank[s] = i));
  const fair = fairEvents(sys, prop.fair);
  let best: { at: number; verdict: ProgressVerdict } | undefined;
  for (const s of order) {
    if (g.edgeEnd(s) === g.edgeStart(s)) {
      best = { at: rank[s] as number, verdict: { verdict: 'violated', path: prefixTo(s), loop: null } };
      break;
    }
  }
  for (const scc of sccs(g, order, rank, inH)) {
    const entry = scc.reduce((a, b) => ((rank[a] as number) <= (rank[b] as number) ? a : b));
    if (best !== undefined && best.at <= (rank[entry] as number)) continue;
    const loop = fairLoop(g, scc, entry, fair, inH);
    if (loop === undefined) continue;
    const prefix = prefixTo(entry);
    best = {
      at: rank[entry] as number,
      verdict: { verdict: 'violated', path: [...prefix, ...loop], loop: prefix.length },
    };
  }
  return best?.verdict ?? { verdict: 'holds' };
}

function fairEvents(sys: CompiledSystem, fair: Fairness): Set<number> {
  return new Set(sys.events.filter((e) => isFair(fair, e)).map((e) => e.index));
}

/** Non-trivial SCCs (with at least one internal edge) of the subgraph on `nodes` with edges `inH`. */
function sccs(
  g: Space,
  nodes: readonly number[],
  rank: Int32Array,
  inH: (s: number, e: number) => boolean,
): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: [number, number][] = [[root, g.edgeStart(root)]];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as [number, number];
      const [s, e] = frame;
      if (e < g.edgeEnd(s)) {
        frame[1] = e + 1;
        const to = g.target(e);
        if (!inH(s, e) || (rank[to] as number) < 0) continue;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push([to, g.edgeStart(to)]);
        } else if (onStack.has(to)) {
          low.set(s, Math.min(low.get(s) as number, index.get(to) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined)
        low.set(parent[0], Math.min(low.get(parent[0]) as number, low.get(s) as number));
      if (low.get(s) === index.get(s)) {
        const comp: number[] = [];
        let v: number;
        do {
          v = stack.pop() as number;
          onStack.delete(v);
          comp.push(v);
        } while (v !== s);
        const members = new Set(comp);
        const internal = comp.some((c) => {
          for (let x = g.edgeStart(c); x < g.edgeEnd(c); x++)
            if (inH(c, x) && members.has(g.target(x))) return true;
          return false;
        });
        if (internal) out.push(comp);
      }
    }
  }
  return out;
}

/**
 * A closed walk from `entry` inside the SCC that is weakly fair: every fair event enabled
 * in all SCC states is taken, and every other fair event is seen disabled somewhere.
 * Undefined when no fair cycle exists in this SCC.
 */
function fairLoop(
  g: Space,
  scc: readonly number[],
  entry: number,
  fair: ReadonlySet<number>,
  inH: (s: number, e: number) => boolean,
): number[] | undefined {
  const members = new Set(scc);
  const enabledAt = (s: number): Set<number> => {
    const set = new Set<number>();
    for (let e = g.edgeStart(s); e < g.edgeEnd(s); e++) set.add(g.event(e));
    return set;
  };
  const enabled = new Map(scc.map((s) => [s, enabledAt(s)] as const));
  const internal = (s: number, e: number): boolean => inH(s, e) && members.has(g.target(e));
  const goals: LoopGoal[] = [];
  const sorted = [...fair].sort((a, b) => a - b);
  for (const ev of sorted) {
    const everywhere = scc.every((s) => enabled.get(s)?.has(ev) === true);
    if (everywhere) {
      let taken = false;
      for (const s of scc) {
        for (let e = g.edgeStart(s); e < g.edgeEnd(s); e++)
          if (internal(s, e) && g.event(e) === ev) taken = true;
      }
      if (!taken) return undefined;
      goals.push({ byEdge: true, accept: (s, e) => internal(s, e) && g.event(e) === ev });
    } else {
      goals.push({ byEdge: false, accept: (s) => enabled.get(s)?.has(ev) !== true });
    }
  }
  const loop: number[] = [];
  let cur = entry;
  // BFS inside the SCC from cur to a state the goal accepts (state goal), or to the source
  // of an accepted edge, which is then taken (edge goal); the walk is appended to the loop.
  const walkTo = (goal: LoopGoal): void => {
    const prev = new Map<number, readonly [number, number]>([[cur, [-1, -1]]]);
    const queue = [cur];
    for (let h = 0; h < queue.length; h++) {
      const s = queue[h] as number;
      let hit = -1;
      if (goal.byEdge) {
        for (let e = g.edgeStart(s); e < g.edgeEnd(s) && hit < 0; e++) if (goal.accept(s, e)) hit = e;
      } else if (goal.accept(s, -1)) {
        hit = -2;
      }
      if (hit === -1) {
        for (let e = g.edgeStart(s); e < g.edgeEnd(s); e++) {
          const to = g.target(e);
          if (internal(s, e) && !prev.has(to)) {
            prev.set(to, [s, e]);
            queue.push(to);
          }
        }
        continue;
      }
      const edges: number[] = [];
      for (let c = s; ;) {
        const [p, e] = prev.get(c) as readonly [number, number];
        if (p < 0) break;
        edges.push(e);
        c = p;
      }
      for (const e of edges.reverse()) loop.push(g.event(e));
      cur = s;
      if (hit >= 0) {
        loop.push(g.event(hit));
        cur = g.target(hit);
      }
      return;
    }
    throw new Error('engine: SCC walk could not reach a member');
  };
  for (const goal of goals) walkTo(goal);
  if (loop.length === 0) walkTo({ byEdge: true, accept: internal });
  walkTo({ byEdge: false, accept: (s) => s === entry });
  return loop;
}

interface LoopGoal {
  readonly byEdge: boolean;
  readonly accept: (s: number, e: number) => boolean;
}
