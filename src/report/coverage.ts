// Coverage by re-exploration: the reachable states of one model variant are explored again
// without symmetry (so every instance is seen in every local state it can reach), through
// a StateSpace wrapper that records, per expanded state, which world events fired with
// which outcome and which local (state, event) transitions of each machine kind they took.
// For small spaces it also keeps the state graph for the Graphviz export.
import type { AnyMachineSnapshot } from 'xstate';
import { bfs } from '../explore/bfs.js';
import { tryCompiledSpace } from '../explore/compiledSpace.js';
import { InterpretedSpace } from '../explore/interpretedSpace.js';
import type { Sink, StateSpace } from '../explore/space.js';
import { runAsync, runSync, type SearchStats } from '../explore/strategy.js';
import { PropertyTracker } from '../explore/tracker.js';
import { formatValue } from '../format.js';
import type { ShouldStop, StopReason } from '../stop.js';
import { snapshotKey, type Kind } from '../machines.js';
import { at, eventLabel, kindOf, type CompiledSystem } from '../system.js';
import { tableStep } from '../participants.js';
import type { World } from '../world.js';

/** Largest state space whose graph is kept (and written as a .dot file). */
export const GRAPH_MAX_STATES = 2000;
/** Coverage exploration stops here; coverage is then marked partial. */
export const COVERAGE_MAX_STATES = 500_000;

export interface EventCoverage {
  readonly label: string;
  readonly fired: number;
  /** Outcome → number of firings, sorted by outcome. */
  readonly outcomes: readonly (readonly [string, number])[];
}

export interface StateValueCoverage {
  /** The XState state value, formatted ("attr=shared hostMap=mapped ..."). */
  readonly value: string;
  /** Local states (value + context) with this value: in the closure / visited. */
  readonly local: number;
  readonly visited: number;
}

export interface TransitionCoverage {
  readonly from: string;
  readonly event: string;
  /** Local transitions (by full local state) of this (value, event) pair: possible / fired. */
  readonly possible: number;
  readonly fired: number;
}

export interface KindCoverage {
  readonly kind: string;
  readonly instances: readonly string[];
  readonly localStates: number;
  readonly visitedLocalStates: number;
  readonly values: readonly StateValueCoverage[];
  readonly transitions: readonly TransitionCoverage[];
  /** Statechart node paths ("attr.shared") occupied by some visited state. */
  readonly visitedNodes: readonly string[];
}

export interface StateGraph {
  /** Edges [from, to, event index, outcome index] in exploration order. */
  readonly edges: readonly (readonly [number, number, number, number])[];
  /** Per state: names of the state properties it violates (always) or witnesses (sometimes). */
  readonly marks: readonly (readonly string[])[];
  readonly worlds: readonly World[];
}

export interface Coverage {
  readonly complete: boolean;
  readonly states: number;
  readonly transitions: number;
  readonly events: readonly EventCoverage[];
  readonly kinds: readonly KindCoverage[];
  readonly graph: StateGraph | undefined;
}

/** Local state index of each instance in a world (snapshots are the kinds' own objects when compiled). */
function localsOf(
  sys: CompiledSystem,
  ids: readonly Map<AnyMachineSnapshot, number>[],
  w: World,
): Int32Array {
  return Int32Array.from(w, (snap, inst) => {
    const k = at(sys.instances, inst, 'instance').kind;
    const l = ids[k]?.get(snap) ?? kindOf(sys, inst).stateIndex.get(snapshotKey(snap));
    if (l === undefined) throw new Error('engine: explored state outside the compiled closure');
    return l;
  });
}

/** Records what each expansion of the wrapped space fires. */
class Recorder {
  readonly eventFired: Int32Array;
  readonly eventOutcomes: Int32Array;
  /** Per kind: fired[l * width + a] = 1 when local transition (l, a) fired. */
  readonly fired: Uint8Array[];
  readonly visited: Uint8Array[];
  readonly edges: [number, number, number, number][] = [];
  private readonly ids: Map<AnyMachineSnapshot, number>[];

  constructor(
    private readonly sys: CompiledSystem,
    private readonly keepEdges: boolean,
  ) {
    const nOut = sys.outcomes.length;
    this.eventFired = new Int32Array(sys.events.length);
    this.eventOutcomes = new Int32Array(sys.events.length * nOut);
    this.fired = sys.kinds.map((k) => new Uint8Array(k.states.length * k.alphabet.length));
    this.visited = sys.kinds.map((k) => new Uint8Array(k.states.length));
    this.ids = sys.kinds.map((k) => new Map(k.states.map((s, l) => [s, l] as const)));
  }

  wrap(space: StateSpace): StateSpace {
    const expand = (i: number, open: number, sink: Sink): number => {
      const locals = localsOf(this.sys, this.ids, space.worldOf(i));
      locals.forEach((l, inst) => {
        const v = this.visited[at(this.sys.instances, inst, 'instance').kind];
        if (v !== undefined) v[l] = 1;
      });
      return space.expand(i, open, (event, outcome, child, isNew, fired) => {
        this.fire(locals, event, outcome);
        if (this.keepEdges) this.edges.push([i, child, event, outcome]);
        sink(event, outcome, child, isNew, fired);
      });
    };
    return {
      get size() {
        return space.size;
      },
      get bytes() {
        return space.bytes;
      },
      addInitial: () => space.addInitial(),
      snapshot: () => space.snapshot(),
      restore: (snap) => space.restore(snap),
      expand,
      hasNewSuccessor: (i) => space.hasNewSuccessor(i),
      fired: (i, open) => space.fired(i, open),
      worldOf: (i) => space.worldOf(i),
      parentOf: (i) => space.parentOf(i),
      eventOf: (i) => space.eventOf(i),
    };
  }

  /** Replays the participants of `event` over the kinds' tables to find the local transitions taken. */
  private fire(locals: Int32Array, event: number, outcome: number): void {
    this.eventFired[event] = (this.eventFired[event] ?? 0) + 1;
    const o = event * this.sys.outcomes.length + outcome;
    this.eventOutcomes[o] = (this.eventOutcomes[o] ?? 0) + 1;
    tableStep(this.sys, at(this.sys.events, event, 'event'), locals, (k, cell) => {
      const table = this.fired[k];
      if (table !== undefined) table[cell] = 1;
    });
  }
}

/**
 * Explores `sys` breadth-first without symmetry, up to `maxDepth`, and returns what fired:
 * on the compiled tables when states pack into 53 bits, else by plain interpretation.
 * The graph is kept when `wantGraph` and the space has at most GRAPH_MAX_STATES states.
 */
export function measureCoverage(
  sys: CompiledSystem,
  maxDepth: number | undefined,
  wantGraph: boolean,
): Coverage {
  const measured = runSync(coverageSearch(sys, maxDepth, wantGraph, undefined));
  if ('stopped' in measured) throw new Error(`engine: coverage stopped (${measured.stopped}) with no stop`);
  return measured;
}

/** A coverage exploration that a limit or signal stopped: no coverage, and why. */
export interface CoverageStopped {
  readonly stopped: StopReason;
}

/**
 * As measureCoverage, but polls `shouldStop` (src/stop.ts) and lets the event loop run
 * between slices (signals), so a report's coverage run stops like any search.
 */
export function measureCoverageAsync(
  sys: CompiledSystem,
  maxDepth: number | undefined,
  wantGraph: boolean,
  shouldStop: ShouldStop,
): Promise<Coverage | CoverageStopped> {
  return runAsync(coverageSearch(sys, maxDepth, wantGraph, shouldStop));
}

function* coverageSearch(
  sys: CompiledSystem,
  maxDepth: number | undefined,
  wantGraph: boolean,
  shouldStop: ShouldStop | undefined,
): Generator<undefined, Coverage | CoverageStopped, undefined> {
  const inner: StateSpace =
    tryCompiledSpace(sys, { symmetry: false, indexSeen: wantGraph }) ?? new InterpretedSpace(sys, false);
  const recorder = new Recorder(sys, wantGraph);
  const space = recorder.wrap(inner);
  const maxStates = wantGraph ? GRAPH_MAX_STATES + 1 : COVERAGE_MAX_STATES;
  const stats = yield* bfs(space, new PropertyTracker(sys), { maxDepth, maxStates, shouldStop });
  // 'max-states' is this exploration's own cap (coverage is then partial); any other
  // reason comes from shouldStop and stops the report.
  if (stats.stopReason !== undefined && stats.stopReason !== 'max-states')
    return { stopped: stats.stopReason };
  if (wantGraph && stats.stopReason !== undefined)
    return yield* coverageSearch(sys, maxDepth, false, shouldStop);
  return {
    complete: stats.stopReason === undefined,
    states: stats.states,
    transitions: stats.transitions,
    events: eventCoverage(sys, recorder),
    kinds: sys.kinds.map((kind, k) => kindCoverage(sys, kind, k, recorder)),
    graph: wantGraph && recorder.edges.every((e) => e[1] >= 0) ? graphOf(sys, inner, stats) : undefined,
  };

  function graphOf(s: CompiledSystem, sp: StateSpace, st: SearchStats): StateGraph {
    const worlds = Array.from({ length: st.states }, (_, i) => sp.worldOf(i));
    const marks = worlds.map((_w, i) => {
      const mask = sp.fired(i, (1 << s.properties.length) - 1);
      return s.properties.filter((_, p) => (mask & (1 << p)) !== 0).map((p) => p.name);
    });
    return { edges: recorder.edges, marks, worlds };
  }
}

function eventCoverage(sys: CompiledSystem, r: Recorder): EventCoverage[] {
  const nOut = sys.outcomes.length;
  return sys.events.map((e) => ({
    label: eventLabel(e),
    fired: r.eventFired[e.index] ?? 0,
    outcomes: sys.outcomes
      .map((o, i) => [o, r.eventOutcomes[e.index * nOut + i] ?? 0] as const)
      .filter(([, n]) => n > 0)
      .sort((a, b) => a[0].localeCompare(b[0])),
  }));
}

/** Statechart node paths occupied by a state value: 'a', or 'r', 'r.x' per region. */
export function nodePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix + value];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [
    prefix + k,
    ...nodePaths(v, `${prefix}${k}.`),
  ]);
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function kindCoverage(sys: CompiledSystem, kind: Kind, k: number, r: Recorder): KindCoverage {
  const visited = r.visited[k] ?? new Uint8Array();
  const fired = r.fired[k] ?? new Uint8Array();
  const values = new Map<string, { local: number; visited: number }>();
  const transitions = new Map<string, TransitionCoverage>();
  const nodes = new Set<string>();
  const width = kind.alphabet.length;
  kind.states.forEach((s, l) => {
    const value = formatValue(s.value);
    const v = values.get(value) ?? { local: 0, visited: 0 };
    v.local++;
    if (visited[l] === 1) {
      v.visited++;
      for (const p of nodePaths(s.value)) nodes.add(p);
    }
    values.set(value, v);
    for (let a = 0; a < width; a++) {
      if ((kind.next[l * width + a] ?? -1) < 0) continue;
      const event = eventText(kind.alphabet[a]);
      const key = `${value}\u0000${event}`;
      const t = transitions.get(key) ?? { from: value, event, possible: 0, fired: 0 };
      transitions.set(key, {
        ...t,
        possible: t.possible + 1,
        fired: t.fired + (fired[l * width + a] === 1 ? 1 : 0),
      });
    }
  });
  return {
    kind: kind.name,
    instances: sys.instances.filter((i) => i.kind === k).map((i) => i.id),
    localStates: kind.states.length,
    visitedLocalStates: visited.reduce((n, x) => n + x, 0),
    values: [...values.entries()]
      .map(([value, v]) => ({ value, ...v }))
      .sort((a, b) => byText(a.value, b.value)),
    transitions: [...transitions.values()].sort((a, b) => byText(a.from, b.from) || byText(a.event, b.event)),
    visitedNodes: [...nodes].sort(byText),
  };
}

/** "pin(longterm=true)" for a machine event. */
export function eventText(e: { readonly type: string } | undefined): string {
  if (e === undefined) return '?';
  const args = Object.entries(e)
    .filter(([k]) => k !== 'type')
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `${e.type}(${args})`;
}
