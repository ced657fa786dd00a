// Partial-order reduction: at each state, expand a stubborn set of the enabled world events
// instead of all of them. World events are a synchronised product, so independence is read
// off the compiled tables: two events are dependent when they share a machine that one of
// them can move (a participant that only `requires`, or whose transitions never change the
// machine, reads it). The set is closed at the state (C1): an enabled event brings every
// event dependent on it; a disabled one a necessary enabling set, the events that can move
// the machine blocking it. It is non-empty (C0), holds no enabled visible event unless it
// is all of them (C2), and the caller expands a state fully when a successor through the
// set is already stored (C3: every cycle of the reduced graph then has a fully expanded
// state, since a cycle cannot consist of edges to states first discovered through them).
// What is visible depends on the properties: see `visibility` and docs/performance.md.
import type { CompiledSystem, ResolvedEvent } from '../system.js';
import { kindOf } from '../system.js';
import { isSafety } from '../property.js';
import { compileStateTest } from './stateTests.js';

const EMPTY = new Int32Array(0);

/** One participation of an instance in an event, with the letters it may be delivered. */
interface Participation {
  readonly inst: number;
  readonly next: Int32Array;
  readonly width: number;
  /** Alphabet indices it may receive (one, or one per prior outcome); empty for requires only. */
  readonly letters: Int32Array;
  readonly requires: Uint8Array | undefined;
  /** True when the instance already took part earlier in the same event. */
  readonly repeated: boolean;
}

/** The static part of the reduction for one system, or why there is none. */
export interface PorAnalysis {
  readonly events: number;
  /** dependents[e]: events dependent on e (sharing a machine one of them moves), without e. */
  readonly dependents: readonly Int32Array[];
  /** writersOf[inst]: events that can move instance inst. */
  readonly writersOf: readonly Int32Array[];
  /** Events whose instances' union is used when no single participant blocks them. */
  readonly instancesOf: readonly Int32Array[];
  readonly participations: readonly (readonly Participation[])[];
  /** visible[e] = 1: never in a reduced expansion. */
  readonly visible: Uint8Array;
}

/**
 * Why a system is explored without reduction (undefined: it may be reduced). Progress
 * properties are judged on the unreduced graph: under weak fairness every event that can
 * change whether a fair event is enabled would have to be visible, which on the shipped
 * models is nearly every event, so the run that records their graph is not reduced.
 */
export function porRefusal(sys: CompiledSystem): string | undefined {
  if (sys.tracked.some((p) => p.over === 'transition'))
    return 'a transition property reads whole worlds before and after every step';
  if (sys.properties.some((p) => !isSafety(p)))
    return 'progress properties are judged on the unreduced graph';
  return undefined;
}

function lettersOf(p: ResolvedEvent['participants'][number]): Int32Array {
  if (p.event === undefined) return new Int32Array(0);
  if (p.priorAlpha !== undefined)
    return Int32Array.from(new Set(Array.from(p.priorAlpha).filter((a) => a >= 0)));
  return Int32Array.of(p.alpha);
}

/** Instance moves an event can make: [instance, from, to] with from ≠ to. */
function movesOf(sys: CompiledSystem, e: ResolvedEvent): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (const p of e.participants) {
    const kind = kindOf(sys, p.inst);
    const width = kind.alphabet.length;
    for (const a of lettersOf(p)) {
      for (let l = 0; l < kind.states.length; l++) {
        const n = kind.next[l * width + a] as number;
        if (n >= 0 && n !== l) out.push([p.inst, l, n]);
      }
    }
  }
  return out;
}

/** The static analysis, or undefined when reduction does not apply (see porRefusal). */
export function porAnalysis(sys: CompiledSystem): PorAnalysis | undefined {
  if (porRefusal(sys) !== undefined) return undefined;
  const n = sys.events.length;
  const moves = sys.events.map((e) => movesOf(sys, e));
  const writes = moves.map((m) => new Set(m.map(([inst]) => inst)));
  const reads = sys.events.map((e) => new Set(e.participants.map((p) => p.inst)));
  const writersOf: number[][] = sys.instances.map(() => []);
  writes.forEach((w, e) => {
    for (const inst of w) writersOf[inst]?.push(e);
  });
  const readersOf: number[][] = sys.instances.map(() => []);
  reads.forEach((r, e) => {
    for (const inst of r) readersOf[inst]?.push(e);
  });
  const dependents = sys.events.map((_, e) => {
    const dep = new Set<number>();
    // e moves inst: everything touching inst; e reads inst: everything moving it.
    for (const inst of writes[e] ?? []) for (const f of readersOf[inst] ?? []) dep.add(f);
    for (const inst of reads[e] ?? []) for (const f of writersOf[inst] ?? []) dep.add(f);
    dep.delete(e);
    return Int32Array.from([...dep].sort((a, b) => a - b));
  });
  const participations = sys.events.map((e) => {
    const seen = new Set<number>();
    return e.participants.map((p): Participation => {
      const kind = kindOf(sys, p.inst);
      const repeated = seen.has(p.inst);
      seen.add(p.inst);
      return {
        inst: p.inst,
        next: kind.next,
        width: kind.alphabet.length,
        letters: lettersOf(p),
        requires: p.requiresTable,
        repeated,
      };
    });
  });
  return {
    events: n,
    dependents,
    writersOf: writersOf.map((w) => Int32Array.from(w)),
    instancesOf: reads.map((r) => Int32Array.from([...r].sort((a, b) => a - b))),
    participations,
    visible: visibility(sys, writersOf),
  };
}

/**
 * Events a reduced expansion must not contain (unless it is the full expansion), per
 * tracked property (premises included):
 * - `each` invariants and reachability: none. A path to a state where some instance is in
 *   a bad local state has its last move of that instance in an event the reduction cannot
 *   postpone past it (the stubborn set would contain it or a dependent of it), and an event
 *   postponed instead is independent of every event of the path, so it cannot undo it; with
 *   the cycle proviso the postponing ends, and the state (up to independent moves that
 *   leave the instance alone) is reached.
 * - `state` tests: every event that can move an instance the test can read (its decision
 *   tree's read set; every event when the test does not compile to a tree).
 * - `step` tests: every event at which the test fires for some outcome (a bad step of an
 *   invariant, a witnessed step of a reachability property).
 */
function visibility(sys: CompiledSystem, writersOf: number[][]): Uint8Array {
  const visible = new Uint8Array(sys.events.length);
  const outcomes = sys.outcomes.length;
  sys.tracked.forEach((p, i) => {
    if (p.over === 'state') {
      const reads = compileStateTest(sys, p.test).reads;
      if (reads === undefined) visible.fill(1);
      else for (const inst of reads) for (const e of writersOf[inst] ?? []) visible[e] = 1;
    } else if (p.over === 'step') {
      const table = sys.stepTables[i] as Uint8Array;
      const fires = p.kind === 'always' ? 0 : 1;
      for (let e = 0; e < sys.events.length; e++)
        for (let o = 0; o < outcomes; o++) if (table[e * outcomes + o] === fires) visible[e] = 1;
    } else if (p.over === 'transition') {
      visible.fill(1);
    }
  });
  return visible;
}

/**
 * Per-state selection over a PorAnalysis. At a state, the closure rules form a graph over
 * events: an enabled event points to the events dependent on it, a disabled one to its
 * necessary enabling set (the writers of an instance that blocks it). The closure of a seed
 * is what it reaches. Tarjan's algorithm, run from the enabled events, completes the
 * strongly connected components of that graph in reverse topological order, so the first
 * completed component that holds an enabled event, and reaches no enabled visible event,
 * reaches no other enabled event: its enabled events form a stubborn set (C0, C1, C2), found
 * in one pass over the part of the graph searched so far (the search stops there).
 */
export class PorSelector {
  /** Per event: DFS number while on the stack, DONE + component once complete, else < stamp base. */
  private readonly index: Int32Array;
  private readonly low: Int32Array;
  private readonly stack: Int32Array;
  private readonly callNode: Int32Array;
  private readonly callPos: Int32Array;
  private readonly lists: Int32Array[];
  /** Per component id (this state's): 1 when it reaches an enabled visible event. */
  private readonly poisoned: Uint8Array;
  private readonly compOf: Int32Array;
  /** Per event: equal to the state's generation when it points to a poisoned component. */
  private readonly reachesPoison: Int32Array;
  /** DFS numbers of this state start at `base` (earlier states' marks are below it). */
  private base = 0;
  /** Closure edges followed since the caller last reset it (a deterministic measure of cost). */
  work = 0;

  constructor(readonly a: PorAnalysis) {
    const n = a.events;
    this.index = new Int32Array(n).fill(-1);
    this.low = new Int32Array(n);
    this.stack = new Int32Array(n);
    this.callNode = new Int32Array(n);
    this.callPos = new Int32Array(n);
    this.lists = Array.from({ length: n }, () => EMPTY);
    this.poisoned = new Uint8Array(n);
    this.compOf = new Int32Array(n);
    this.reachesPoison = new Int32Array(n);
  }

  /**
   * Writes to `out` the enabled events of a stubborn set at the state with local states
   * `locals` (enabled[e] === gen marks the enabled events, `enabledList` lists them) and
   * returns how many, or -1 when only the full expansion qualifies.
   */
  select(
    locals: Int32Array,
    enabled: Int32Array,
    gen: number,
    enabledList: Int32Array,
    count: number,
    out: Int32Array,
  ): number {
    if (count <= 1) return -1;
    const n = this.a.events;
    // Marks of this state are base .. base + 2n; restart the numbering before it overflows.
    if (this.base > 0x3fffffff) {
      this.index.fill(-1);
      this.base = 0;
    }
    const base = this.base;
    const done = base + n;
    this.base += 2 * n + 1;
    const { index, low, stack, callNode, callPos, lists, poisoned, compOf, reachesPoison } = this;
    const visible = this.a.visible;
    let counter = base;
    let sp = 0;
    let comps = 0;
    for (let r = 0; r < count; r++) {
      const root = enabledList[r] as number;
      if ((index[root] as number) >= base) continue;
      let depth = 0;
      callNode[0] = root;
      callPos[0] = 0;
      lists[root] = this.edgesOf(root, locals, enabled, gen);
      index[root] = low[root] = counter++;
      stack[sp++] = root;
      while (depth >= 0) {
        const v = callNode[depth] as number;
        const list = lists[v] as Int32Array;
        const pos = callPos[depth] as number;
        if (pos < list.length) {
          callPos[depth] = pos + 1;
          this.work++;
          const w = list[pos] as number;
          const iw = index[w] as number;
          if (iw < base) {
            lists[w] = this.edgesOf(w, locals, enabled, gen);
            index[w] = low[w] = counter++;
            stack[sp++] = w;
            depth++;
            callNode[depth] = w;
            callPos[depth] = 0;
          } else if (iw < done) {
            if (iw < (low[v] as number)) low[v] = iw;
          } else if (poisoned[compOf[w] as number] === 1) {
            reachesPoison[v] = gen;
          }
          continue;
        }
        depth--;
        if (depth >= 0) {
          const p = callNode[depth] as number;
          if ((low[v] as number) < (low[p] as number)) low[p] = low[v] as number;
        }
        if (low[v] !== index[v]) continue;
        // v roots a component: the events above it on the stack.
        const id = comps++;
        let poison = false;
        let enabledHere = 0;
        for (let k = sp - 1; ; k--) {
          const x = stack[k] as number;
          if (reachesPoison[x] === gen) poison = true;
          if (enabled[x] === gen) {
            enabledHere++;
            if (visible[x] === 1) poison = true;
          }
          if (x === v) break;
        }
        let m = 0;
        let x: number;
        do {
          x = stack[--sp] as number;
          index[x] = done;
          compOf[x] = id;
          if (enabled[x] === gen) out[m++] = x;
        } while (x !== v);
        poisoned[id] = poison ? 1 : 0;
        if (enabledHere > 0 && !poison) return m < count ? m : -1;
      }
    }
    return -1;
  }

  /** The closure rule's successors of event x at this state (see the class comment). */
  private edgesOf(x: number, locals: Int32Array, enabled: Int32Array, gen: number): Int32Array {
    if (enabled[x] === gen) return this.a.dependents[x] as Int32Array;
    const q = this.blocker(x, locals);
    return q < 0 ? this.unionWriters(x) : (this.a.writersOf[q] as Int32Array);
  }

  /** An instance whose current local state alone keeps `x` disabled, or -1. */
  private blocker(x: number, locals: Int32Array): number {
    for (const p of this.a.participations[x] as readonly Participation[]) {
      if (p.repeated) continue;
      const l = locals[p.inst] as number;
      if (p.requires !== undefined && p.requires[l] !== 1) return p.inst;
      if (p.letters.length === 0) continue;
      let any = false;
      for (let k = 0; k < p.letters.length && !any; k++)
        any = (p.next[l * p.width + (p.letters[k] as number)] as number) >= 0;
      if (!any) return p.inst;
    }
    return -1;
  }

  private readonly unions = new Map<number, Int32Array>();

  /** Every event that can move an instance of `x` (x's necessary enabling set without a single blocker). */
  private unionWriters(x: number): Int32Array {
    let u = this.unions.get(x);
    if (u === undefined) {
      const set = new Set<number>();
      for (const inst of this.a.instancesOf[x] as Int32Array)
        for (const e of this.a.writersOf[inst] as Int32Array) set.add(e);
      u = Int32Array.from(set);
      this.unions.set(x, u);
    }
    return u;
  }
}
