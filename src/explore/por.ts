// Partial-order reduction: at each state, expand a stubborn set of the enabled world events
// instead of all of them. World events are a synchronised product, so independence is read
// off the compiled tables: two events are dependent when they share a machine that one of
// them can move (a participant that only `requires`, or whose transitions never change the
// machine, reads it). The set is closed at the state (C1): an enabled event brings every
// event dependent on it; a disabled one a necessary enabling set, the events that can move
// the machine blocking it. It is non-empty (C0), holds no enabled visible event unless it
// is all of them (C2), and the caller expands a state fully when a successor through the
// set was expanded before it or is itself (C3, the BFS cycle proviso). What is visible
// depends on the properties: see porAnalysis and docs/performance.md.
import type { CompiledSystem, ResolvedEvent } from '../system.js';
import { kindOf } from '../system.js';
import { isFair, type Property } from '../property.js';
import { compileStateTest } from './stateTests.js';

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

/** Why a system is explored without reduction (undefined: reduced). */
export function porRefusal(sys: CompiledSystem): string | undefined {
  if (sys.tracked.some((p) => p.over === 'transition'))
    return 'a transition property reads whole worlds before and after every step';
  if (sys.properties.some((p) => p.kind === 'possibly'))
    return "'possibly' (AG EF) is not preserved by partial-order reduction";
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
    visible: visibility(sys, moves, writersOf),
  };
}

/**
 * Events a reduced expansion must not contain, per property:
 * - `each` and `step` invariants and reachability: none. A state or step that breaks one is
 *   reached in the reduced graph too: an event postponed past a path is independent of it,
 *   so it cannot undo what the path did to the instance or step concerned.
 * - `state` tests: the events that move an instance the test can read (its decision tree's
 *   read set; every event when the test does not compile to a tree).
 * - `deadlock-free`: none (stubborn sets keep every deadlock; a state whose reduced
 *   successors are all itself is expanded fully by the cycle proviso).
 * - `eventually`: its fair events, every event that can change whether a fair event is
 *   enabled, the events that move an instance its trigger or goal state reads, and the
 *   events that can be a goal step (leads-to under weak fairness is then preserved with the
 *   cycle proviso; the judge reads enabledness of reduced states from the tables).
 */
function visibility(
  sys: CompiledSystem,
  moves: [number, number, number][][],
  writersOf: number[][],
): Uint8Array {
  const visible = new Uint8Array(sys.events.length);
  const all = (): void => {
    visible.fill(1);
  };
  const readsOf = (test: Parameters<typeof compileStateTest>[1]): void => {
    const reads = compileStateTest(sys, test).reads;
    if (reads === undefined) return all();
    for (const inst of reads) for (const e of writersOf[inst] ?? []) visible[e] = 1;
  };
  const visit = (p: Property): void => {
    if (p.over === 'state') readsOf(p.test);
    if (p.over !== 'graph' || p.kind !== 'eventually') return;
    if (p.after !== undefined) readsOf(p.after);
    if ('state' in p.goal) readsOf(p.goal.state);
    if ('step' in p.goal) {
      const step = p.goal.step;
      for (const e of sys.events)
        if (sys.outcomes.some((outcome) => step({ actor: e.actor, type: e.type, args: e.args, outcome })))
          visible[e.index] = 1;
    }
    for (const f of sys.events) {
      if (!isFair(p.fair, f)) continue;
      visible[f.index] = 1;
      for (const g of sys.events) if (changesEnabledness(sys, moves[g.index] ?? [], f)) visible[g.index] = 1;
    }
  };
  for (const p of sys.tracked) visit(p);
  return visible;
}

/**
 * True when some move of g (an instance from one local state to another) can change
 * whether f is enabled or, through a prior outcome, how f's later participants are served.
 */
function changesEnabledness(
  sys: CompiledSystem,
  moves: readonly [number, number, number][],
  f: ResolvedEvent,
): boolean {
  const anyPrior = f.participants.some((p) => p.prior);
  const counts = new Map<number, number>();
  for (const p of f.participants) counts.set(p.inst, (counts.get(p.inst) ?? 0) + 1);
  for (const [inst, from, to] of moves) {
    const mine = f.participants.filter((p) => p.inst === inst);
    if (mine.length === 0) continue;
    if ((counts.get(inst) ?? 0) > 1) return true;
    const kind = kindOf(sys, inst);
    const width = kind.alphabet.length;
    for (const p of mine) {
      if (p.requiresTable !== undefined && p.requiresTable[from] !== p.requiresTable[to]) return true;
      for (const a of lettersOf(p)) {
        const before = kind.next[from * width + a] as number;
        const after = kind.next[to * width + a] as number;
        if (before >= 0 !== after >= 0) return true;
        if (anyPrior && before >= 0 && kind.out[from * width + a] !== kind.out[to * width + a]) return true;
      }
    }
  }
  return false;
}

/**
 * Per-state selection over a PorAnalysis: given the local states and which events are
 * enabled, a set of enabled events to expand (C0-C2; the caller applies C3).
 */
export class PorSelector {
  private readonly mark: Int32Array;
  private stamp = 0;
  private readonly work: Int32Array;
  private readonly best: Int32Array;
  private bestSize = 0;

  constructor(readonly a: PorAnalysis) {
    this.mark = new Int32Array(a.events);
    this.work = new Int32Array(a.events);
    this.best = new Int32Array(a.events);
  }

  /**
   * Chooses the smallest stubborn set over the enabled events (enabled[e] === gen marks
   * them) from each invisible seed; writes its enabled events to `out` and returns how
   * many, or -1 when only the full expansion qualifies.
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
    this.bestSize = count;
    for (let k = 0; k < count; k++) {
      const seed = enabledList[k] as number;
      if (this.a.visible[seed] === 1) continue;
      const size = this.closure(seed, locals, enabled, gen);
      if (size > 0 && size < this.bestSize) {
        this.bestSize = size;
        let m = 0;
        for (let j = 0; j < count; j++) {
          const e = enabledList[j] as number;
          if (this.mark[e] === this.stamp) this.best[m++] = e;
        }
        if (size === 1) break;
      }
    }
    if (this.bestSize >= count) return -1;
    out.set(this.best.subarray(0, this.bestSize));
    return this.bestSize;
  }

  /** Enabled events in the closure of `seed`, or 0 when it takes in an enabled visible event. */
  private closure(seed: number, locals: Int32Array, enabled: Int32Array, gen: number): number {
    const stamp = ++this.stamp;
    const { mark, work, a } = this;
    let top = 0;
    let size = 0;
    mark[seed] = stamp;
    work[top++] = seed;
    while (top > 0) {
      const x = work[--top] as number;
      let next: Int32Array;
      if (enabled[x] === gen) {
        if (a.visible[x] === 1) return 0;
        size++;
        next = a.dependents[x] as Int32Array;
      } else {
        const q = this.blocker(x, locals);
        next = q < 0 ? this.unionWriters(x) : (a.writersOf[q] as Int32Array);
      }
      for (let k = 0; k < next.length; k++) {
        const f = next[k] as number;
        if (mark[f] !== stamp) {
          mark[f] = stamp;
          work[top++] = f;
        }
      }
    }
    return size;
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
