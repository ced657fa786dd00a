// The compiled state space: states packed into one float64 each, successors from the
// generated straight-line code over XState-derived tables, deduplicated in a dense
// bitmap (small products) or an exact hash over packed states.
import type { AnyMachineSnapshot } from 'xstate';
import { kindOf, type CompiledSystem } from '../system.js';
import type { World } from '../world.js';
import {
  buildExpand,
  decode,
  encode,
  packTables,
  type Emit,
  type Expand,
  type PackedTables,
} from './codegen.js';
import { LocalProperties } from './localProps.js';
import { badSnapshot, checkLinks, checkNotEmpty } from './snapshot.js';
import type { EdgeLog } from './graph.js';
import { PorSelector, type PorAnalysis } from './por.js';
import { forEachBlock, NO_PARENT, type Sink, type SpaceSnapshot, type StateSpace } from './space.js';
import { float64Column, uint16Column, uint32Column } from './store.js';
import { makeCanonicalizer, makePackedCanonicalizer, symmetryPlan, type Canonicalizer } from './symmetry.js';
import { SharedMap, SharedPackedIndex } from './sharedMap.js';
import { DenseBitSet, PackedHashMap, PackedHashSet, type PackedIndex, type PackedSet } from './visited.js';

/** A window of expansions; a reduction that prunes less than PROBE_GAIN of the enabled events in one stops. */
const PROBE = 4096;
const PROBE_GAIN = 0.1;
/**
 * A window also ends once the selector has followed this many closure edges (see
 * PorSelector.work): on a model whose events nearly all depend on each other a selection
 * walks most of the event graph (over 10,000 edges on guest-memfd-inplace at 2x2x2), and
 * 4096 of them cost a second before the reduction could find it gains nothing.
 */
const PROBE_WORK = 2 ** 22;

/** Largest packed space for which a dense bitmap is used (2^34 bits = 2 GiB). */
export const MAX_DENSE_BITS = 2 ** 34;

export interface CompiledOptions {
  readonly symmetry: boolean;
  /** Keep an index for every seen state (needed to record the state graph). */
  readonly indexSeen: boolean;
  /** Upper bound on the dense bitmap size in bits (defaults to MAX_DENSE_BITS). */
  readonly maxDenseBits?: number;
  /** Put the dense bitmap on shared memory (for parallel exploration). */
  readonly shared?: boolean;
  /** Index every state in a map on shared memory (parallel exploration of any compiled space). */
  readonly sharedIndex?: boolean;
  /** Partial-order reduction (src/explore/por.ts), when the run uses it. */
  readonly por?: PorAnalysis | undefined;
}

/** What worker threads need to expand states of a compiled space (structured-clone safe). */
export interface ParallelPlan {
  readonly source: string;
  readonly next: readonly Int32Array[];
  readonly out: readonly Uint8Array[];
  readonly priorAlpha: readonly Int32Array[];
  readonly bits: Int32Array;
  readonly instances: number;
  /** [instance, table] pairs: bitmask of `each` properties that fire per local state. */
  readonly fireTables: readonly (readonly [number, Int32Array])[];
  /** Per step property: [property index, holds table by event * outcomes + outcome, always?]. */
  readonly stepTables: readonly (readonly [number, Uint8Array, boolean])[];
  readonly outcomes: number;
}

/** Undefined when the system does not pack into 53 bits. */
export function tryCompiledSpace(sys: CompiledSystem, opts: CompiledOptions): CompiledSpace | undefined {
  const tables = packTables(sys);
  return tables === undefined ? undefined : new CompiledSpace(sys, tables, opts);
}

export class CompiledSpace implements StateSpace {
  private readonly expandFn: Expand;
  private readonly states = float64Column();
  private readonly parents = uint32Column();
  private readonly events = uint16Column();
  private readonly visited: PackedSet;
  private readonly index: PackedIndex | undefined;
  private readonly canon: Canonicalizer | undefined;
  private readonly packedCanon: ((s: number) => number) | undefined;
  private readonly locals: Int32Array;
  private readonly probe: Int32Array;
  /** Successor's local states, decoded only while transition properties are open. */
  private readonly after: Int32Array;
  /** Open transition properties during the current expand (0: none, the plain path). */
  private openTransitions = 0;
  private current = 0;
  private sink: Sink = () => undefined;
  private readonly onSuccessor: Emit;
  private readonly props: LocalProperties;
  /** Successors of the state being expanded (expandIndexed): packed, event, outcome, key. */
  private readonly succ: Float64Array;
  private readonly succEvent: Int32Array;
  private readonly succOutcome: Int32Array;
  private readonly keys: Float64Array;
  private count = 0;
  private readonly collect: Emit;
  /** Keeps the batch's probe loads alive (their values are not needed). */
  probeSink = 0;
  /** Where edges are recorded, when the graph is (see recordEdges). */
  private edges: EdgeLog | undefined;
  /** Partial-order reduction, when on: the selector and its per-event scratch. */
  private readonly por: PorSelector | undefined;
  private readonly enabled: Int32Array;
  private readonly enabledList: Int32Array;
  private readonly chosen: Int32Array;
  private generation = 0;
  /** The reduction's effect over its first PROBE expansions (see reduce). */
  private readonly probeCounts = { expansions: 0, enabled: 0, kept: 0 };
  private porOff = false;
  private prunedExpansions = 0;
  readonly visitedKind: 'bitmap' | 'hash';

  constructor(
    readonly sys: CompiledSystem,
    readonly tables: PackedTables,
    opts: CompiledOptions,
  ) {
    this.expandFn = buildExpand(tables);
    this.canon = opts.symmetry ? makeCanonicalizer(sys) : undefined;
    this.packedCanon = opts.symmetry
      ? makePackedCanonicalizer(symmetryPlan(sys), tables.weight, tables.radix)
      : undefined;
    const maxDense = opts.maxDenseBits ?? MAX_DENSE_BITS;
    if (opts.sharedIndex === true) {
      const map = new SharedPackedIndex(new SharedMap(false));
      this.visited = map;
      this.index = map;
      this.visitedKind = 'hash';
    } else if (opts.indexSeen) {
      const map = new PackedHashMap();
      this.visited = map;
      this.index = map;
      this.visitedKind = 'hash';
    } else if (tables.capacity > maxDense) {
      this.visited = new PackedHashSet();
      this.index = undefined;
      this.visitedKind = 'hash';
    } else {
      this.visited = new DenseBitSet(tables.capacity, opts.shared === true);
      this.index = undefined;
      this.visitedKind = 'bitmap';
    }
    this.locals = new Int32Array(sys.instances.length);
    this.probe = new Int32Array(sys.instances.length);
    this.after = new Int32Array(sys.instances.length);
    this.props = new LocalProperties(sys);
    this.onSuccessor = this.makeOnSuccessor();
    // A world event has at most one successor per state.
    const most = sys.events.length;
    this.succ = new Float64Array(most);
    this.succEvent = new Int32Array(most);
    this.succOutcome = new Int32Array(most);
    this.keys = new Float64Array(most);
    this.por = opts.por === undefined ? undefined : new PorSelector(opts.por);
    this.enabled = new Int32Array(most);
    this.enabledList = new Int32Array(most);
    this.chosen = new Int32Array(most);
    this.collect = (s, event, outcome) => {
      const k = this.count++;
      this.succ[k] = s;
      this.succEvent[k] = event;
      this.succOutcome[k] = outcome;
    };
  }

  get size(): number {
    return this.states.size;
  }

  get bytes(): number {
    return this.states.bytes + this.parents.bytes + this.events.bytes + this.visited.bytes;
  }

  worldOf(i: number): World {
    const locals = new Int32Array(this.sys.instances.length);
    decode(this.tables, this.states.get(i), locals);
    return Array.from(locals, (l, inst) => kindOf(this.sys, inst).states[l] as AnyMachineSnapshot);
  }

  /**
   * The data worker threads need, when this space can be explored in parallel: a shared
   * dense bitmap, no symmetry, no graph index and no property evaluated through world
   * views (state and transition scopes run closures that cannot cross threads).
   * Undefined otherwise.
   */
  parallelPlan(): ParallelPlan | undefined {
    if (!(this.visited instanceof DenseBitSet) || !(this.visited.words.buffer instanceof SharedArrayBuffer))
      return undefined;
    if (this.canon !== undefined || this.index !== undefined) return undefined;
    if (this.props.globalProps.length > 0 || this.props.transitionMask !== 0) return undefined;
    const stepTables = this.sys.tracked.flatMap((p, i) => {
      const t = this.sys.stepTables[i];
      return t === undefined ? [] : [[i, t, p.kind === 'always'] as const];
    });
    return {
      source: this.tables.source,
      next: this.tables.next,
      out: this.tables.out,
      priorAlpha: this.tables.priorAlpha,
      bits: this.visited.words,
      instances: this.sys.instances.length,
      fireTables: this.props.fireTables,
      stepTables,
      outcomes: this.sys.outcomes.length,
    };
  }

  /** True when states expand stubborn sets (partial-order reduction). */
  get reduced(): boolean {
    return this.por !== undefined;
  }

  /**
   * Frees the index of seen states after a complete search whose graph was recorded: the
   * progress judge reads states, parents and edges only, and the index is the largest
   * structure left. The space must not expand or look up states afterwards.
   */
  releaseIndex(): void {
    if (this.index instanceof PackedHashMap) this.index.release();
  }

  /** True when some expansion was reduced (the search differs from an unreduced one). */
  get pruned(): boolean {
    return this.prunedExpansions > 0;
  }

  /** True when successors are reduced to canonical representatives. */
  get symmetric(): boolean {
    return this.packedCanon !== undefined;
  }

  /** The shared map indexing every state, when the space was built for parallel exploration. */
  sharedMap(): SharedMap | undefined {
    return this.index instanceof SharedPackedIndex ? this.index.map : undefined;
  }

  /** Appends states discovered by a worker (already marked in the shared bitmap), in bulk. */
  appendDiscovered(states: Float64Array, parents: Uint32Array, events: Uint16Array): void {
    this.states.pushAll(states);
    this.parents.pushAll(parents);
    this.events.pushAll(events);
  }

  /** Copies the packed states [from, to) into `dst`. */
  copyStates(from: number, to: number, dst: Float64Array): void {
    this.states.copyOut(from, to, dst);
  }

  /** Local state of instance `inst` in stored state `i`, decoded alone. */
  localOf(i: number, inst: number): number {
    const t = this.tables;
    return Math.floor(this.states.get(i) / (t.weight[inst] as number)) % (t.radix[inst] as number);
  }

  /** Packed state stored at index `i`. */
  stateAt(i: number): number {
    return this.states.get(i);
  }

  /** Canonical packed form of `s` (identity without symmetry). */
  canonical(s: number): number {
    return this.packedCanon === undefined ? s : this.packedCanon(s);
  }

  private store(s: number, parent: number, event: number): number {
    const i = this.states.push(s);
    this.parents.push(parent);
    this.events.push(event);
    return i;
  }

  addInitial(): void {
    const init = Int32Array.from(this.sys.instances.map((i) => i.initialLocal));
    if (this.canon !== undefined) this.canon(init);
    const s = encode(this.tables, init);
    if (this.index === undefined) this.visited.add(s);
    else this.index.add(s, 0);
    this.store(s, -1, 0);
  }

  /**
   * Stores the state with local states `locals` (as given: not canonicalized) as a root,
   * with no parent, unless it is stored already; returns its index. Needs the index of
   * seen states (SpaceChoice.indexSeen).
   */
  addRoot(locals: Int32Array): number {
    if (this.index === undefined) throw new Error('engine: addRoot needs a space that indexes seen states');
    const s = encode(this.tables, locals);
    const at = this.index.get(s);
    if (at >= 0) return at;
    const i = this.store(s, -1, 0);
    this.index.add(s, i);
    return i;
  }

  expand(i: number, open: number, sink: Sink): number {
    this.current = i;
    this.sink = sink;
    this.openTransitions = open & this.props.transitionMask;
    if (this.index !== undefined || (this.por !== undefined && !this.porOff))
      return this.expandBatched(i, open, sink);
    this.expandFn(this.states.get(i), this.locals, this.onSuccessor);
    return this.props.maskOf(this.locals, open);
  }

  /** Writes the edges of every state expanded from now on into `log` (graph recording). */
  recordEdges(log: EdgeLog): void {
    if (this.index === undefined)
      throw new Error('engine: graph recording needs a space that indexes seen states');
    this.edges = log;
  }

  /**
   * Expansion over an index (graph recording, symmetry, shared maps) or with partial-order
   * reduction: the successors are collected first; with reduction, only those through the
   * stubborn set are kept (all of them when one of those is stored already: the cycle
   * proviso); the first slot each remaining one probes is loaded for all of them (their
   * cache misses overlap); then they are looked up and stored in event order.
   */
  private expandBatched(i: number, open: number, sink: Sink): number {
    this.count = 0;
    this.expandFn(this.states.get(i), this.locals, this.collect);
    const { succ, succEvent, succOutcome, keys, edges, index, visited } = this;
    const canon = this.packedCanon;
    for (let k = 0; k < this.count; k++)
      keys[k] = canon === undefined ? (succ[k] as number) : canon(succ[k] as number);
    if (this.por !== undefined && this.count > 1) this.reduce(i, this.por);
    const n = this.count;
    const transitions = this.openTransitions;
    const outcomes = this.sys.outcomes.length;
    if (index !== undefined) {
      let touched = 0;
      for (let k = 0; k < n; k++) touched += index.touch(keys[k] as number);
      this.probeSink = touched;
    }
    if (edges !== undefined) edges.start.put(i, edges.targets.size);
    for (let k = 0; k < n; k++) {
      const event = succEvent[k] as number;
      const outcome = succOutcome[k] as number;
      let fired = 0;
      if (transitions !== 0) {
        decode(this.tables, succ[k] as number, this.after);
        fired = this.props.transitionFired(this.locals, this.after, event, outcome, transitions);
      }
      const s = keys[k] as number;
      if (index === undefined) {
        if (visited.add(s)) sink(event, outcome, this.store(s, i, event), true, fired);
        else sink(event, outcome, -1, false, fired);
        continue;
      }
      const known = index.getOrAdd(s, this.states.size);
      const child = known >= 0 ? known : this.store(s, i, event);
      if (edges !== undefined) {
        edges.targets.push(child);
        edges.labels.push(event * outcomes + outcome);
      }
      sink(event, outcome, child, known < 0, fired);
    }
    if (edges !== undefined) edges.end.put(i, edges.targets.size);
    return this.props.maskOf(this.locals, open);
  }

  /**
   * Keeps only the collected successors of state `i` through a stubborn set of the enabled
   * events, in event order; keeps all when the selector finds no proper one or when one of
   * the kept successors was stored before `i` or is `i` (C3: along any cycle the store
   * index cannot increase at every edge, so every cycle of the reduced graph has a fully
   * expanded state). A space without an index (a dense bitmap) cannot tell when a stored
   * successor was stored and expands fully when any kept successor is stored (stronger,
   * and sound for the same reason: an edge to a state not yet stored is a parent link).
   *
   * The reduction watches its own effect: when, over a window of PROBE expansions (or of
   * PROBE_WORK closure edges followed, whichever ends first), it
   * pruned less than PROBE_GAIN of the enabled events, it stops for the rest of the search
   * (a fully expanded state always meets the conditions, so this stays sound), and a
   * search that it cannot shrink pays for little more than a window.
   */
  private reduce(i: number, por: PorSelector): void {
    const { succ, succEvent, succOutcome, keys, enabled, enabledList, chosen } = this;
    const n = this.count;
    const probe = this.probeCounts;
    if (++probe.expansions === PROBE || por.work >= PROBE_WORK) {
      // Each window of reduced expansions must prune PROBE_GAIN of the enabled events.
      if (probe.kept > (1 - PROBE_GAIN) * probe.enabled) this.porOff = true;
      probe.expansions = probe.enabled = probe.kept = 0;
      por.work = 0;
    }
    probe.enabled += n;
    probe.kept += n;
    if (this.porOff) return;
    const gen = ++this.generation;
    for (let k = 0; k < n; k++) {
      const e = succEvent[k] as number;
      enabled[e] = gen;
      enabledList[k] = e;
    }
    const m = por.select(this.locals, enabled, gen, enabledList, n, chosen);
    if (m < 0) return;
    // The chosen events are marked with -gen (their enabled mark otherwise being gen).
    for (let j = 0; j < m; j++) enabled[chosen[j] as number] = -gen;
    const index = this.index;
    for (let k = 0; k < n; k++) {
      if (enabled[succEvent[k] as number] !== -gen) continue;
      if (index === undefined) {
        if (this.visited.has(keys[k] as number)) return;
        continue;
      }
      const t = index.get(keys[k] as number);
      if (t >= 0 && t <= i) return;
    }
    let w = 0;
    for (let k = 0; k < n; k++) {
      if (enabled[succEvent[k] as number] !== -gen) continue;
      succ[w] = succ[k] as number;
      succEvent[w] = succEvent[k] as number;
      succOutcome[w] = succOutcome[k] as number;
      keys[w] = keys[k] as number;
      w++;
    }
    probe.kept -= n - w;
    this.prunedExpansions++;
    this.count = w;
  }

  /**
   * Successor handler of spaces without an index (see expandIndexed), chosen once: the plain
   * bitmap path has no symmetry and no transition property. Transition properties are judged on the concrete successor (before
   * canonicalisation), from the parent's local states the generated code decoded.
   */
  private makeOnSuccessor(): Emit {
    const canon = this.packedCanon;
    const visited = this.visited;
    if (canon === undefined && this.props.transitionMask === 0) {
      return (s, event, outcome) => {
        if (visited.add(s)) this.sink(event, outcome, this.store(s, this.current, event), true, 0);
        else this.sink(event, outcome, -1, false, 0);
      };
    }
    return (succ, event, outcome) => {
      let fired = 0;
      if (this.openTransitions !== 0) {
        decode(this.tables, succ, this.after);
        fired = this.props.transitionFired(this.locals, this.after, event, outcome, this.openTransitions);
      }
      const s = canon === undefined ? succ : canon(succ);
      if (visited.add(s)) this.sink(event, outcome, this.store(s, this.current, event), true, fired);
      else this.sink(event, outcome, -1, false, fired);
    };
  }

  hasNewSuccessor(i: number): boolean {
    let found = false;
    this.expandFn(this.states.get(i), this.locals, (succ) => {
      if (!found && !this.visited.has(this.canonical(succ))) found = true;
    });
    return found;
  }

  fired(i: number, open: number): number {
    decode(this.tables, this.states.get(i), this.probe);
    return this.props.maskOf(this.probe, open);
  }

  parentOf(i: number): number {
    if (i === 0) return -1;
    const p = this.parents.get(i);
    return p === NO_PARENT ? -1 : p;
  }

  snapshot(): SpaceSnapshot {
    return {
      size: this.size,
      stateWords: 1,
      read: (from, to, states, parents, events) => {
        this.states.copyOut(from, to, states);
        this.parents.copyOut(from, to, parents);
        this.events.copyOut(from, to, events);
        if (from === 0 && to > 0) parents[0] = 0;
      },
    };
  }

  /** The visited set holds exactly the stored states, so it is rebuilt from them. */
  restore(snap: SpaceSnapshot): void {
    if (this.size !== 0) throw new Error('engine: restore into a non-empty space');
    checkNotEmpty(snap.size);
    if (snap.stateWords !== 1) throw badSnapshot(`${snap.stateWords} words per state, not one packed word`);
    forEachBlock(snap, (from, _to, states, parents, events) => {
      checkLinks(from, parents, events, this.sys.events.length);
      for (let k = 0; k < parents.length; k++) {
        const i = from + k;
        const s = states[k] as number;
        if (!Number.isInteger(s) || s < 0 || s >= this.tables.capacity || this.canonical(s) !== s)
          throw badSnapshot(`state ${i} is not a packed state of this system`);
        const added = this.index === undefined ? this.visited.add(s) : this.index.add(s, i);
        if (!added) throw badSnapshot(`state ${i} is stored twice`);
        this.store(s, i === 0 ? -1 : (parents[k] as number), events[k] as number);
      }
    });
  }

  eventOf(i: number): number {
    return this.events.get(i);
  }
}
