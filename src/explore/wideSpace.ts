// The compiled space for states wider than 53 bits: two words per state, successors from
// generated code (wideCodegen.ts), deduplicated by 63-bit fingerprints (default, with a
// printed collision-probability estimate) or exactly (--exact).
import type { AnyMachineSnapshot } from 'xstate';
import { kindOf, type CompiledSystem } from '../system.js';
import type { World } from '../world.js';
import { LocalProperties } from './localProps.js';
import { ExactPairSet, FingerprintSet, type PairSet } from './pairSets.js';
import { SharedMap, SharedPairIndex } from './sharedMap.js';
import { badSnapshot, checkLinks, checkNotEmpty } from './snapshot.js';
import { forEachBlock, NO_PARENT, type Sink, type SpaceSnapshot, type StateSpace } from './space.js';
import { float64Column, uint16Column, uint32Column } from './store.js';
import { makeCanonicalizer, makeWideCanonicalizer, symmetryPlan, type Canonicalizer } from './symmetry.js';
import {
  buildWideExpand,
  decodeWide,
  encodeWide,
  packWide,
  type WideEmit,
  type WideExpand,
  type WideTables,
} from './wideCodegen.js';

export interface WideOptions {
  readonly symmetry: boolean;
  /** Store both words of every state instead of a 63-bit fingerprint. */
  readonly exact: boolean;
  /** Index every state exactly in a map on shared memory (parallel exploration). */
  readonly sharedIndex?: boolean;
}

export function tryWideSpace(sys: CompiledSystem, opts: WideOptions): WideSpace | undefined {
  const tables = packWide(sys);
  return tables === undefined ? undefined : new WideSpace(sys, tables, opts);
}

export class WideSpace implements StateSpace {
  private readonly expandFn: WideExpand;
  private readonly w0 = float64Column();
  private readonly w1 = float64Column();
  private readonly parents = uint32Column();
  private readonly events = uint16Column();
  private readonly visited: PairSet;
  private readonly canon: Canonicalizer | undefined;
  private readonly wideCanon: ((w0: number, w1: number, out: Float64Array) => void) | undefined;
  private readonly pair = new Float64Array(2);
  private readonly locals: Int32Array;
  private readonly probe: Int32Array;
  /** Successor's local states, decoded only while transition properties are open. */
  private readonly after: Int32Array;
  /** Open transition properties during the current expand. */
  private openTransitions = 0;
  private readonly props: LocalProperties;
  private current = 0;
  private sink: Sink = () => undefined;
  private readonly onSuccessor: WideEmit;

  constructor(
    readonly sys: CompiledSystem,
    readonly tables: WideTables,
    opts: WideOptions,
  ) {
    this.expandFn = buildWideExpand(tables);
    this.canon = opts.symmetry ? makeCanonicalizer(sys) : undefined;
    this.wideCanon = opts.symmetry
      ? makeWideCanonicalizer(symmetryPlan(sys), tables.word, tables.weight, tables.radix)
      : undefined;
    this.visited =
      opts.sharedIndex === true
        ? new SharedPairIndex(new SharedMap(true))
        : opts.exact
          ? new ExactPairSet()
          : new FingerprintSet();
    this.locals = new Int32Array(sys.instances.length);
    this.probe = new Int32Array(sys.instances.length);
    this.after = new Int32Array(sys.instances.length);
    this.props = new LocalProperties(sys);
    this.onSuccessor = (a, b, event, outcome) => {
      let s0 = a;
      let s1 = b;
      let fired = 0;
      if (this.openTransitions !== 0) {
        decodeWide(this.tables, a, b, this.after);
        fired = this.props.transitionFired(this.locals, this.after, event, outcome, this.openTransitions);
      }
      if (this.wideCanon !== undefined) {
        this.wideCanon(a, b, this.pair);
        s0 = this.pair[0] as number;
        s1 = this.pair[1] as number;
      }
      const known = this.visited.get(s0, s1);
      if (known >= 0) {
        this.sink(event, outcome, known, false, fired);
        return;
      }
      const child = this.store(s0, s1, this.current, event);
      this.visited.add(s0, s1, child);
      this.sink(event, outcome, child, true, fired);
    };
  }

  get size(): number {
    return this.w0.size;
  }

  get bytes(): number {
    return this.w0.bytes + this.w1.bytes + this.parents.bytes + this.events.bytes + this.visited.bytes;
  }

  /** Estimated probability that a fingerprint collision hid a state (0 in exact mode). */
  collisionProbability(): number {
    return this.visited.collisionProbability();
  }

  /** True when successors are reduced to canonical representatives. */
  get symmetric(): boolean {
    return this.wideCanon !== undefined;
  }

  /** The shared map indexing every state, when the space was built for parallel exploration. */
  sharedMap(): SharedMap | undefined {
    return this.visited instanceof SharedPairIndex ? this.visited.map : undefined;
  }

  /** Appends states discovered by worker threads (already in the shared map), in bulk. */
  appendDiscovered(w0: Float64Array, w1: Float64Array, parents: Uint32Array, events: Uint16Array): void {
    this.w0.pushAll(w0);
    this.w1.pushAll(w1);
    this.parents.pushAll(parents);
    this.events.pushAll(events);
  }

  /** Copies words [from, to) of the stored states into `d0` and `d1`. */
  copyStates(from: number, to: number, d0: Float64Array, d1: Float64Array): void {
    this.w0.copyOut(from, to, d0);
    this.w1.copyOut(from, to, d1);
  }

  private store(s0: number, s1: number, parent: number, event: number): number {
    this.w1.push(s1);
    this.parents.push(parent);
    this.events.push(event);
    return this.w0.push(s0);
  }

  addInitial(): void {
    const init = Int32Array.from(this.sys.instances.map((i) => i.initialLocal));
    if (this.canon !== undefined) this.canon(init);
    const [s0, s1] = encodeWide(this.tables, init);
    this.visited.add(s0, s1, this.store(s0, s1, -1, 0));
  }

  /**
   * Stores the state with local states `locals` (as given: not canonicalized) as a root,
   * with no parent, unless it is stored already; returns its index.
   */
  addRoot(locals: Int32Array): number {
    const [s0, s1] = encodeWide(this.tables, locals);
    const at = this.visited.get(s0, s1);
    if (at >= 0) return at;
    const i = this.store(s0, s1, -1, 0);
    this.visited.add(s0, s1, i);
    return i;
  }

  expand(i: number, open: number, sink: Sink): number {
    this.current = i;
    this.sink = sink;
    this.openTransitions = open & this.props.transitionMask;
    this.expandFn(this.w0.get(i), this.w1.get(i), this.locals, this.onSuccessor);
    return this.props.maskOf(this.locals, open);
  }

  hasNewSuccessor(i: number): boolean {
    let found = false;
    this.expandFn(this.w0.get(i), this.w1.get(i), this.locals, (a, b) => {
      if (found) return;
      decodeWide(this.tables, a, b, this.probe);
      this.canon?.(this.probe);
      const [s0, s1] = encodeWide(this.tables, this.probe);
      if (this.visited.get(s0, s1) < 0) found = true;
    });
    return found;
  }

  /** Local state of instance `inst` in stored state `i`, decoded alone. */
  localOf(i: number, inst: number): number {
    const t = this.tables;
    const w = t.word[inst] === 0 ? this.w0.get(i) : this.w1.get(i);
    return Math.floor(w / (t.weight[inst] as number)) % (t.radix[inst] as number);
  }

  fired(i: number, open: number): number {
    decodeWide(this.tables, this.w0.get(i), this.w1.get(i), this.probe);
    return this.props.maskOf(this.probe, open);
  }

  worldOf(i: number): World {
    const locals = new Int32Array(this.sys.instances.length);
    decodeWide(this.tables, this.w0.get(i), this.w1.get(i), locals);
    return Array.from(locals, (l, inst) => kindOf(this.sys, inst).states[l] as AnyMachineSnapshot);
  }

  /** Two entries per state in `states` (word 0, word 1). */
  snapshot(): SpaceSnapshot {
    return {
      size: this.size,
      stateWords: 2,
      read: (from, to, states, parents, events) => {
        for (let i = from; i < to; i++) {
          states[2 * (i - from)] = this.w0.get(i);
          states[2 * (i - from) + 1] = this.w1.get(i);
        }
        this.parents.copyOut(from, to, parents);
        this.events.copyOut(from, to, events);
        if (from === 0 && to > 0) parents[0] = 0;
      },
    };
  }

  restore(snap: SpaceSnapshot): void {
    if (this.size !== 0) throw new Error('engine: restore into a non-empty space');
    checkNotEmpty(snap.size);
    if (snap.stateWords !== 2) throw badSnapshot(`${snap.stateWords} words per state, not two`);
    forEachBlock(snap, (from, _to, states, parents, events) => {
      checkLinks(from, parents, events, this.sys.events.length);
      for (let k = 0; k < parents.length; k++) {
        const i = from + k;
        const s0 = states[2 * k] as number;
        const s1 = states[2 * k + 1] as number;
        if (![s0, s1].every((w) => Number.isInteger(w) && w >= 0))
          throw badSnapshot(`state ${i} is not a state of this system`);
        if (!this.visited.add(s0, s1, i)) throw badSnapshot(`state ${i} is stored twice`);
        this.store(s0, s1, i === 0 ? -1 : (parents[k] as number), events[k] as number);
      }
    });
  }

  parentOf(i: number): number {
    if (i === 0) return -1;
    const p = this.parents.get(i);
    return p === NO_PARENT ? -1 : p;
  }

  eventOf(i: number): number {
    return this.events.get(i);
  }
}
