// Judges progress properties on an exhaustively explored state graph: deadlock freedom,
// AG EF reachability ("possibly") and leads-to under weak fairness ("eventually", in
// progressEventually.ts). A violation comes with a trace: a path, and for "forever" a loop
// that closes on itself. Everything runs on typed arrays over the recorded CSR graph: a
// byte per state for each state test (compiled to a decision tree, src/explore/stateTests.ts),
// a byte per (event, outcome) for each step test, and index arrays for the searches.
import type { Csr } from './explore/graph.js';
import { pathTo, type StateSpace } from './explore/space.js';
import { compileStateTest, localSource, stateFlags, type CompiledTest } from './explore/stateTests.js';
import { eventually } from './progressEventually.js';
import type { Goal, ProgressProperty, StateTest, StepTest } from './property.js';
import type { CompiledSystem } from './system.js';

export interface ProgressVerdict {
  readonly verdict: 'holds' | 'vacuous' | 'violated' | 'unknown';
  /** Event indices from the initial state (prefix, then the loop when `loop` is set). */
  readonly path?: readonly number[];
  /** Index in `path` where the repeating loop starts; null for a path that ends (deadlock). */
  readonly loop?: number | null;
  /** Why judging stopped early (verdict 'unknown'). */
  readonly stopReason?: string;
  /** `eventually`, violated: the stored trigger state whose obligation the path breaks. */
  readonly root?: number;
  /** States explored concretely to judge it from representatives (src/progressRegion.ts). */
  readonly regionStates?: number;
}

/** Per-state arrays a search inside the graph uses (see Marks.scratch). */
export interface Scratch {
  readonly mark: Int32Array;
  readonly prev: Int32Array;
  readonly prevEdge: Int32Array;
  readonly queue: Int32Array;
}

/** A stored state space with its recorded graph. */
export type Space = StateSpace & { csr(): Csr };

export interface JudgeOptions {
  /** Polled every few ten thousand steps of work; a reason stops judging (verdict unknown). */
  readonly shouldStop?: (() => string | undefined) | undefined;
}

/** Thrown by a poll when the stop condition fires; caught by judgeProgress. */
class Stopped {
  constructor(readonly reason: string) {}
}

/** Steps of work between two polls of the stop condition. */
const POLL_MASK = 0xffff;

/**
 * What the judges share: the graph, the stop poll and cached evaluations of the
 * properties' tests (per state for state tests, per event and outcome for step tests).
 */
export class Marks {
  private work = 0;
  private readonly compiled = new Map<StateTest, CompiledTest>();
  private readonly flags = new Map<StateTest, Uint8Array>();
  private readonly steps = new Map<StepTest, Uint8Array>();
  private readonly source;
  private readonly memos = new Map<object, unknown>();
  private walkState: Scratch | undefined;
  private generation = 0;
  readonly csr: Csr;
  /** Event of each edge label. */
  readonly eventOf: Int32Array;

  constructor(
    readonly sys: CompiledSystem,
    readonly g: Space,
    private readonly shouldStop: (() => string | undefined) | undefined,
  ) {
    this.source = localSource(sys, g);
    this.csr = g.csr();
    const outcomes = sys.outcomes.length;
    this.eventOf = Int32Array.from({ length: sys.events.length * outcomes }, (_, l) =>
      Math.floor(l / outcomes),
    );
  }

  /** A value computed once per judge for `key` (e.g. the components of H for one goal). */
  memo<T>(key: object, make: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, make());
    return this.memos.get(key) as T;
  }

  /** Per-state scratch arrays for searches inside the graph, allocated on first use. */
  scratch(): Scratch {
    const n = this.csr.n;
    return (this.walkState ??= {
      mark: new Int32Array(n),
      prev: new Int32Array(n),
      prevEdge: new Int32Array(n),
      queue: new Int32Array(n),
    });
  }

  /** A fresh generation for `scratch().mark` (a state is marked when mark[s] equals it). */
  nextGeneration(): number {
    return ++this.generation;
  }

  /** Event of an edge label. */
  event(label: number): number {
    return this.eventOf[label] as number;
  }

  /** Counts one step of work; every POLL_MASK + 1 steps asks the stop condition. */
  tick(): void {
    if ((++this.work & POLL_MASK) === 0) this.poll();
  }

  poll(): void {
    const reason = this.shouldStop?.();
    if (reason !== undefined) throw new Stopped(reason);
  }

  private compile(test: StateTest): CompiledTest {
    let c = this.compiled.get(test);
    if (c === undefined) this.compiled.set(test, (c = compileStateTest(this.sys, test)));
    return c;
  }

  /** The test at every state (1: holds). */
  state(test: StateTest): Uint8Array {
    let f = this.flags.get(test);
    if (f === undefined) {
      f = stateFlags(this.compile(test), this.source, this.g.size, () => this.poll());
      this.flags.set(test, f);
    }
    return f;
  }

  /** The test at one state. */
  at(test: StateTest, s: number): boolean {
    return this.compile(test).holds((inst) => this.source(s, inst));
  }

  /** The test per edge label (event * outcomes + outcome; 1: holds). */
  step(test: StepTest): Uint8Array {
    let t = this.steps.get(test);
    if (t === undefined) this.steps.set(test, (t = stepTable(this.sys, test)));
    return t;
  }

  /** Goal states (undefined when the goal has no state part). */
  goalStates(goal: Goal): Uint8Array | undefined {
    return 'state' in goal ? this.state(goal.state) : undefined;
  }

  /** Goal steps by label (all zero when the goal has no step part). */
  goalSteps(goal: Goal): Uint8Array {
    return 'step' in goal
      ? this.step(goal.step)
      : new Uint8Array(this.sys.events.length * this.sys.outcomes.length);
  }
}

/** A step test per edge label (event * outcomes + outcome; 1: holds). */
export function stepTable(sys: CompiledSystem, test: StepTest): Uint8Array {
  const { events, outcomes } = sys;
  const table = new Uint8Array(events.length * outcomes.length);
  for (const e of events) {
    outcomes.forEach((outcome, o) => {
      if (test({ actor: e.actor, type: e.type, args: e.args, outcome }))
        table[e.index * outcomes.length + o] = 1;
    });
  }
  return table;
}

/** Judges one progress property on a complete graph; 'unknown' when the stop condition fires. */
export function judgeProgress(
  sys: CompiledSystem,
  g: Space,
  prop: ProgressProperty,
  opts: JudgeOptions = {},
): ProgressVerdict {
  return judgeWith(new Marks(sys, g, opts.shouldStop), prop);
}

/**
 * Judges the progress properties of one run on its complete graph, sharing the cached
 * evaluations of their tests (properties often share a goal or a trigger).
 */
export function progressJudge(
  sys: CompiledSystem,
  g: Space,
  opts: JudgeOptions = {},
): (prop: ProgressProperty) => ProgressVerdict {
  let m: Marks | undefined;
  return (prop) => judgeWith((m ??= new Marks(sys, g, opts.shouldStop)), prop);
}

function judgeWith(m: Marks, prop: ProgressProperty): ProgressVerdict {
  return stoppable(() => {
    m.poll();
    if (prop.kind === 'deadlock-free') return deadlock(m, prop.terminal);
    if (prop.kind === 'possibly') return possibly(m, prop.goal, prop.excluding);
    return eventually(m, prop);
  });
}

/** Runs a judgement whose polls (Marks.poll) may stop it: then the verdict is 'unknown'. */
export function stoppable(judgeIt: () => ProgressVerdict): ProgressVerdict {
  try {
    return judgeIt();
  } catch (e) {
    if (e instanceof Stopped) return { verdict: 'unknown', stopReason: e.reason };
    throw e;
  }
}

/** The first state (in discovery order) with no successor but itself that is not terminal. */
function deadlock(m: Marks, terminal: StateTest | undefined): ProgressVerdict {
  const { n, offsets, targets } = m.csr;
  for (let s = 0; s < n; s++) {
    let moves = false;
    const end = offsets[s + 1] as number;
    for (let e = offsets[s] as number; e < end && !moves; e++) moves = targets[e] !== s;
    m.tick();
    if (!moves && !(terminal !== undefined && m.at(terminal, s))) {
      return { verdict: 'violated', path: pathTo(m.g, s), loop: null };
    }
  }
  return { verdict: 'holds' };
}

/**
 * AG EF goal: every state can reach the goal through allowed edges. Backward search from
 * goal states over a reverse CSR of the allowed edges; the first state left out is the
 * witness, extended by first allowed edges until a state repeats or none is left.
 */
function possibly(m: Marks, goal: Goal, excluding: StepTest | undefined): ProgressVerdict {
  const { n, offsets, targets, labels } = m.csr;
  const excluded =
    excluding === undefined ? new Uint8Array(m.sys.events.length * m.sys.outcomes.length) : m.step(excluding);
  const goalS = m.goalStates(goal) ?? new Uint8Array(n);
  const goalT = m.goalSteps(goal);
  const good = new Uint8Array(n);
  const inStart = new Uint32Array(n + 1);
  for (let s = 0; s < n; s++) {
    if (goalS[s] === 1) good[s] = 1;
    const end = offsets[s + 1] as number;
    for (let e = offsets[s] as number; e < end; e++) {
      const label = labels[e] as number;
      if (excluded[label] === 1) continue;
      if (goalT[label] === 1) good[s] = 1;
      const t = (targets[e] as number) + 1;
      inStart[t] = (inStart[t] as number) + 1;
    }
    m.tick();
  }
  for (let s = 0; s < n; s++) inStart[s + 1] = (inStart[s + 1] as number) + (inStart[s] as number);
  const sources = new Uint32Array(inStart[n] as number);
  const fill = inStart.slice(0, n);
  for (let s = 0; s < n; s++) {
    const end = offsets[s + 1] as number;
    for (let e = offsets[s] as number; e < end; e++) {
      if (excluded[labels[e] as number] === 1) continue;
      const t = targets[e] as number;
      sources[fill[t] as number] = s;
      fill[t] = (fill[t] as number) + 1;
    }
    m.tick();
  }
  const queue = new Uint32Array(n);
  let tail = 0;
  for (let s = 0; s < n; s++) if (good[s] === 1) queue[tail++] = s;
  for (let h = 0; h < tail; h++) {
    const t = queue[h] as number;
    const end = inStart[t + 1] as number;
    for (let k = inStart[t] as number; k < end; k++) {
      const p = sources[k] as number;
      if (good[p] === 0) {
        good[p] = 1;
        queue[tail++] = p;
      }
    }
    m.tick();
  }
  const stuck = good.indexOf(0);
  if (stuck < 0) return { verdict: 'holds' };
  // From a stuck state every allowed successor is stuck too: follow the first allowed
  // edge until a state repeats (the loop) or none is left (a deadlock).
  const prefix = pathTo(m.g, stuck);
  const walk: number[] = [];
  const seenAt = new Map<number, number>();
  let s = stuck;
  for (;;) {
    seenAt.set(s, walk.length);
    let next = -1;
    for (let e = offsets[s] as number; e < (offsets[s + 1] as number); e++) {
      if (excluded[labels[e] as number] === 0) {
        next = e;
        break;
      }
    }
    if (next < 0) return { verdict: 'violated', path: [...prefix, ...walk], loop: null };
    walk.push(m.event(labels[next] as number));
    s = targets[next] as number;
    const at = seenAt.get(s);
    if (at !== undefined)
      return { verdict: 'violated', path: [...prefix, ...walk], loop: prefix.length + at };
  }
}
