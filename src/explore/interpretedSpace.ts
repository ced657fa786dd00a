// The reference state space: worlds of XState snapshots stepped by plain interpretation
// (stepWorld), deduplicated by canonical string keys. Slow and obviously right; the
// compiled space is tested against it.
import type { AnyMachineSnapshot } from 'xstate';
import { snapshotKey } from '../machines.js';
import { kindOf, type CompiledSystem } from '../system.js';
import {
  initialWorld,
  stateTestHolds,
  stepWorld,
  transitionTestHolds,
  worldKey,
  type World,
} from '../world.js';
import { badSnapshot, checkLinks, checkNotEmpty } from './snapshot.js';
import { forEachBlock, type Sink, type SpaceSnapshot, type StateSpace } from './space.js';
import { makeCanonicalizer, type Canonicalizer } from './symmetry.js';

export class InterpretedSpace implements StateSpace {
  private readonly worlds: World[] = [];
  private readonly parents: number[] = [];
  private readonly events: number[] = [];
  private readonly seen = new Map<string, number>();
  private readonly canon: Canonicalizer | undefined;
  private keyBytes = 0;

  constructor(
    readonly sys: CompiledSystem,
    symmetry: boolean,
  ) {
    this.canon = symmetry ? makeCanonicalizer(sys) : undefined;
  }

  get size(): number {
    return this.worlds.length;
  }

  /** Approximate: key strings (2 bytes per char) plus three array slots per state. */
  get bytes(): number {
    return this.keyBytes + this.worlds.length * 24;
  }

  worldOf(i: number): World {
    return this.worldAt(i);
  }

  worldAt(i: number): World {
    return this.worlds[i] as World;
  }

  /** The canonical representative of `w` under the declared symmetry (identity without). */
  canonical(w: World): World {
    if (this.canon === undefined) return w;
    const locals = Int32Array.from(w, (snap, i) => {
      const kind = kindOf(this.sys, i);
      const l = kind.stateIndex.get(snapshotKey(snap));
      if (l === undefined) throw new Error('engine: world has a local state outside the compiled closure');
      return l;
    });
    this.canon(locals);
    return Array.from(locals, (l, i) => {
      const kind = kindOf(this.sys, i);
      const current = w[i] as AnyMachineSnapshot;
      const target = kind.states[l] as AnyMachineSnapshot;
      return snapshotKey(current) === snapshotKey(target) ? current : target;
    });
  }

  private store(w: World, parent: number, event: number): number {
    const key = worldKey(w);
    this.seen.set(key, this.worlds.length);
    this.keyBytes += key.length * 2;
    this.worlds.push(w);
    this.parents.push(parent);
    this.events.push(event);
    return this.worlds.length - 1;
  }

  /** Stores the world with local states `locals` (as given) as a root unless stored; its index. */
  addRoot(locals: Int32Array): number {
    const w: World = Array.from(locals, (l, i) => kindOf(this.sys, i).states[l] as AnyMachineSnapshot);
    return this.seen.get(worldKey(w)) ?? this.store(w, -1, 0);
  }

  addInitial(): void {
    this.store(this.canonical(initialWorld(this.sys)), -1, 0);
  }

  expand(i: number, open: number, sink: Sink): number {
    const w = this.worlds[i] as World;
    const mask = this.fired(i, open);
    for (let e = 0; e < this.sys.events.length; e++) {
      const step = stepWorld(this.sys, w, e);
      if (step === undefined) continue;
      const outcome = this.sys.outcomes.indexOf(step.outcome);
      const fired = this.transitionsFired(open, e, outcome, w, step.world);
      const next = this.canonical(step.world);
      const known = this.seen.get(worldKey(next));
      if (known !== undefined) sink(e, outcome, known, false, fired);
      else sink(e, outcome, this.store(next, i, e), true, fired);
    }
    return mask;
  }

  /** Transition properties among `open` that fire on the concrete step `before` → `after`. */
  private transitionsFired(open: number, e: number, outcome: number, before: World, after: World): number {
    let mask = 0;
    this.sys.tracked.forEach((prop, p) => {
      if ((open & (1 << p)) === 0 || prop.over !== 'transition') return;
      if (transitionTestHolds(this.sys, prop, e, outcome, before, after) !== (prop.kind === 'always'))
        mask |= 1 << p;
    });
    return mask;
  }

  hasNewSuccessor(i: number): boolean {
    const w = this.worlds[i] as World;
    for (let e = 0; e < this.sys.events.length; e++) {
      const step = stepWorld(this.sys, w, e);
      if (step !== undefined && !this.seen.has(worldKey(this.canonical(step.world)))) return true;
    }
    return false;
  }

  fired(i: number, open: number): number {
    const w = this.worlds[i] as World;
    let mask = 0;
    this.sys.tracked.forEach((prop, p) => {
      if ((open & (1 << p)) === 0 || (prop.over !== 'state' && prop.over !== 'each')) return;
      if (stateTestHolds(this.sys, prop, w) !== (prop.kind === 'always')) mask |= 1 << p;
    });
    return mask;
  }

  /** Worlds as local state indices (every reachable snapshot is in its kind's closure). */
  snapshot(): SpaceSnapshot {
    const m = this.sys.instances.length;
    return {
      size: this.size,
      stateWords: m,
      read: (from, to, states, parents, events) => {
        for (let i = from; i < to; i++) {
          (this.worlds[i] as World).forEach((snap, inst) => {
            states[(i - from) * m + inst] = kindOf(this.sys, inst).stateIndex.get(snapshotKey(snap)) ?? -1;
          });
          parents[i - from] = Math.max(this.parents[i] as number, 0);
          events[i - from] = this.events[i] as number;
        }
      },
    };
  }

  restore(snap: SpaceSnapshot): void {
    if (this.size !== 0) throw new Error('engine: restore into a non-empty space');
    const m = this.sys.instances.length;
    checkNotEmpty(snap.size);
    if (snap.stateWords !== m) throw badSnapshot(`${snap.stateWords} words per state, not ${m}`);
    forEachBlock(snap, (from, _to, states, parents, events) => {
      checkLinks(from, parents, events, this.sys.events.length);
      for (let k = 0; k < parents.length; k++) {
        const i = from + k;
        const world = this.sys.instances.map((inst) => {
          const l = states[k * m + inst.index] as number;
          const s = kindOf(this.sys, inst.index).states[l];
          if (s === undefined || !Number.isInteger(l))
            throw badSnapshot(`state ${i} has an unknown local state`);
          return s;
        });
        if (this.seen.has(worldKey(world)) || worldKey(this.canonical(world)) !== worldKey(world))
          throw badSnapshot(`state ${i} is stored twice or not canonical`);
        this.store(world, i === 0 ? -1 : (parents[k] as number), events[k] as number);
      }
    });
  }

  parentOf(i: number): number {
    return this.parents[i] ?? -1;
  }

  eventOf(i: number): number {
    return this.events[i] ?? 0;
  }
}
