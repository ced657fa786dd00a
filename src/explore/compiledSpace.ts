// The compiled state space: states packed into one float64 each, successors from the
// generated straight-line code over XState-derived tables, deduplicated in a dense
// bitmap (small products) or an exact hash over packed states.
import type { AnyMachineSnapshot } from 'xstate';
import type { WorldView } from '../property.js';
import { at, kindOf, type CompiledSystem } from '../system.js';
import { idsOfKind, type World } from '../world.js';
import {
  buildExpand,
  decode,
  encode,
  packTables,
  type Emit,
  type Expand,
  type PackedTables,
} from './codegen.js';
import { badSnapshot, checkLinks } from './snapshot.js';
import type { Sink, SpaceSnapshot, StateSpace } from './space.js';
import { float64Column, uint16Column, uint32Column } from './store.js';
import { makeCanonicalizer, type Canonicalizer } from './symmetry.js';
import { DenseBitSet, PackedHashMap, type PackedSet } from './visited.js';

/** Largest packed space for which a dense bitmap is used (2^34 bits = 2 GiB). */
export const MAX_DENSE_BITS = 2 ** 34;

export interface CompiledOptions {
  readonly symmetry: boolean;
  /** Keep an index for every seen state (needed to record the state graph). */
  readonly indexSeen: boolean;
  /** Upper bound on the dense bitmap size in bits (defaults to MAX_DENSE_BITS). */
  readonly maxDenseBits?: number;
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
  private readonly index: PackedHashMap | undefined;
  private readonly canon: Canonicalizer | undefined;
  private readonly locals: Int32Array;
  private readonly probe: Int32Array;
  private readonly view: WorldView;
  /** Locals the world view reads (the expanded state's or a probed one's). */
  private viewLocals: Int32Array;
  private current = 0;
  private sink: Sink = () => undefined;
  private readonly onSuccessor: Emit;
  /** Per instance with `each` properties: bitmask of those that fire, by local state. */
  private readonly fireTables: readonly (readonly [number, Int32Array])[];
  /** Indices of properties with scope 'state' (evaluated through the world view). */
  private readonly globalProps: readonly number[];
  readonly visitedKind: 'bitmap' | 'hash';

  constructor(
    readonly sys: CompiledSystem,
    readonly tables: PackedTables,
    opts: CompiledOptions,
  ) {
    this.expandFn = buildExpand(tables);
    this.canon = opts.symmetry ? makeCanonicalizer(sys) : undefined;
    const maxDense = opts.maxDenseBits ?? MAX_DENSE_BITS;
    if (opts.indexSeen || tables.capacity > maxDense) {
      const map = new PackedHashMap(opts.indexSeen);
      this.visited = map;
      this.index = opts.indexSeen ? map : undefined;
      this.visitedKind = 'hash';
    } else {
      this.visited = new DenseBitSet(tables.capacity);
      this.index = undefined;
      this.visitedKind = 'bitmap';
    }
    this.locals = new Int32Array(sys.instances.length);
    this.probe = new Int32Array(sys.instances.length);
    this.viewLocals = this.probe;
    this.view = {
      get: (id: string): AnyMachineSnapshot => {
        const i = sys.instanceIndex.get(id);
        if (i === undefined) throw new Error(`property asked for unknown machine '${id}'`);
        return kindOf(sys, i).states[this.viewLocals[i] as number] as AnyMachineSnapshot;
      },
      ids: (kind: string) => idsOfKind(sys, kind),
    };
    this.fireTables = fireTables(sys);
    this.onSuccessor = this.makeOnSuccessor();
    this.globalProps = sys.properties.flatMap((p, i) => (p.over === 'state' ? [i] : []));
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

  /** Packed state stored at index `i`. */
  stateAt(i: number): number {
    return this.states.get(i);
  }

  /** Canonical packed form of `s` (identity without symmetry). */
  canonical(s: number): number {
    if (this.canon === undefined) return s;
    decode(this.tables, s, this.probe);
    this.canon(this.probe);
    return encode(this.tables, this.probe);
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
    this.visited.add(s);
    this.index?.add(s, 0);
    this.store(s, -1, 0);
  }

  expand(i: number, open: number, sink: Sink): number {
    this.current = i;
    this.sink = sink;
    this.expandFn(this.states.get(i), this.locals, this.onSuccessor);
    return this.maskOf(this.locals, open);
  }

  /** Successor handler, chosen once: the plain bitmap path has no symmetry and no index. */
  private makeOnSuccessor(): Emit {
    const index = this.index;
    const canon = this.canon;
    const visited = this.visited;
    if (index === undefined && canon === undefined) {
      return (s, event, outcome) => {
        if (visited.add(s)) this.sink(event, outcome, this.store(s, this.current, event), true);
        else this.sink(event, outcome, -1, false);
      };
    }
    return (succ, event, outcome) => {
      const s = canon === undefined ? succ : this.canonical(succ);
      if (index === undefined) {
        if (visited.add(s)) this.sink(event, outcome, this.store(s, this.current, event), true);
        else this.sink(event, outcome, -1, false);
        return;
      }
      const known = index.get(s);
      if (known >= 0) {
        this.sink(event, outcome, known, false);
        return;
      }
      const child = this.store(s, this.current, event);
      index.add(s, child);
      this.sink(event, outcome, child, true);
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
    return this.maskOf(this.probe, open);
  }

  private maskOf(locals: Int32Array, open: number): number {
    if (open === 0) return 0;
    let mask = 0;
    for (const [inst, table] of this.fireTables) mask |= table[locals[inst] as number] as number;
    if (this.globalProps.length > 0) {
      this.viewLocals = locals;
      for (const p of this.globalProps) {
        const prop = at(this.sys.properties, p, 'property');
        if (
          (open & (1 << p)) !== 0 &&
          prop.over === 'state' &&
          prop.test(this.view) !== (prop.kind === 'always')
        ) {
          mask |= 1 << p;
        }
      }
    }
    return mask & open;
  }

  parentOf(i: number): number {
    return i === 0 ? -1 : this.parents.get(i);
  }

  snapshot(): SpaceSnapshot {
    const n = this.size;
    const snap = { states: new Float64Array(n), parents: new Uint32Array(n), events: new Uint16Array(n) };
    for (let i = 0; i < n; i++) {
      snap.states[i] = this.states.get(i);
      snap.parents[i] = i === 0 ? 0 : this.parents.get(i);
      snap.events[i] = this.events.get(i);
    }
    return snap;
  }

  /** The visited set holds exactly the stored states, so it is rebuilt from them. */
  restore(snap: SpaceSnapshot): void {
    if (this.size !== 0) throw new Error('engine: restore into a non-empty space');
    const n = snap.states.length;
    checkLinks(snap, n, this.sys.events.length);
    for (let i = 0; i < n; i++) {
      const s = snap.states[i] as number;
      if (!Number.isInteger(s) || s < 0 || s >= this.tables.capacity || this.canonical(s) !== s)
        throw badSnapshot(`state ${i} is not a packed state of this system`);
      if (!this.visited.add(s)) throw badSnapshot(`state ${i} is stored twice`);
      this.index?.add(s, i);
      this.store(s, i === 0 ? -1 : (snap.parents[i] as number), snap.events[i] as number);
    }
  }

  eventOf(i: number): number {
    return this.events.get(i);
  }
}

/**
 * For every instance whose kind has `each` properties: a table from local state to the
 * bitmask of those properties that fire there (fail for always, hold for sometimes).
 * The state's mask is the OR over instances: an always-each property fails when some
 * instance fails, a sometimes-each one is witnessed when some instance satisfies it.
 */
function fireTables(sys: CompiledSystem): [number, Int32Array][] {
  const byKind = sys.kinds.map((k) => new Int32Array(k.states.length));
  const used = new Set<number>();
  sys.properties.forEach((p, i) => {
    if (p.over !== 'each') return;
    const k = sys.kindIndex.get(p.machine) as number;
    used.add(k);
    const holds = sys.localTables[i] as Uint8Array;
    const table = byKind[k] as Int32Array;
    for (let l = 0; l < table.length; l++)
      if ((holds[l] === 1) !== (p.kind === 'always')) table[l] = (table[l] as number) | (1 << i);
  });
  return sys.instances.filter((i) => used.has(i.kind)).map((i) => [i.index, byKind[i.kind] as Int32Array]);
}
