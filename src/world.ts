// The world by plain interpretation: one XState snapshot per instance. A step delivers a
// world event to its participants through XState's pure transition(); immer produces
// the next world so earlier worlds are never mutated.
import { produce } from 'immer';
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineEvent } from './model.js';
import { machineStep, snapshotKey } from './machines.js';
import { OK } from './outcome.js';
import type { Property, WorldView } from './property.js';
import { at, kindOf, type CompiledSystem, type Instance } from './system.js';

export type World = readonly AnyMachineSnapshot[];

export interface WorldStep {
  readonly world: World;
  readonly outcome: string;
  /** Instance indices the event touched, in participant order. */
  readonly touched: readonly number[];
}

export function initialWorld(sys: CompiledSystem): World {
  return sys.instances.map((i) => i.initial);
}

/**
 * Apply world event `eventIndex`: undefined when some participant has no enabled
 * transition. The outcome is the first refusal among the participants, else 'ok';
 * participants declared with `prior` receive the outcome so far as `event.prior`.
 */
export function stepWorld(sys: CompiledSystem, world: World, eventIndex: number): WorldStep | undefined {
  const event = sys.events[eventIndex];
  if (event === undefined) return undefined;
  let outcome = OK;
  const updates: [number, AnyMachineSnapshot][] = [];
  for (const p of event.participants) {
    const inst = sys.instances[p.inst] as Instance;
    const delivered: MachineEvent = p.prior ? { ...p.event, prior: outcome } : p.event;
    const step = machineStep(kindOf(sys, inst.index).machine, world[p.inst] as AnyMachineSnapshot, delivered);
    if (step === undefined) return undefined;
    if (outcome === OK) outcome = step.outcome;
    updates.push([p.inst, step.next]);
  }
  const next = produce(world as AnyMachineSnapshot[], (draft) => {
    for (const [i, snap] of updates) draft[i] = snap as never;
  });
  return { world: next, outcome, touched: updates.map(([i]) => i) };
}

const keyCache = new WeakMap<AnyMachineSnapshot, string>();

function cachedKey(s: AnyMachineSnapshot): string {
  let k = keyCache.get(s);
  if (k === undefined) {
    k = snapshotKey(s);
    keyCache.set(s, k);
  }
  return k;
}

/** Canonical key of a whole world: the instances' local keys in instance order. */
export function worldKey(world: World): string {
  return world.map(cachedKey).join('|');
}

export function worldView(sys: CompiledSystem, world: World): WorldView {
  return {
    get(id: string): AnyMachineSnapshot {
      const i = sys.instanceIndex.get(id);
      if (i === undefined) throw new Error(`property asked for unknown machine '${id}'`);
      return world[i] as AnyMachineSnapshot;
    },
    ids: (kind: string) => idsOfKind(sys, kind),
  };
}

const idsCache = new WeakMap<CompiledSystem, Map<string, readonly string[]>>();

/** Instance ids of one machine kind, in declaration order (cached per system). */
export function idsOfKind(sys: CompiledSystem, kind: string): readonly string[] {
  let byKind = idsCache.get(sys);
  if (byKind === undefined) {
    byKind = new Map();
    idsCache.set(sys, byKind);
  }
  let ids = byKind.get(kind);
  if (ids === undefined) {
    const k = sys.kindIndex.get(kind);
    ids = k === undefined ? [] : sys.instances.filter((i) => i.kind === k).map((i) => i.id);
    byKind.set(kind, ids);
  }
  return ids;
}

/** Plain evaluation of a state-level property ('state' or 'each' scope) on a world. */
export function stateTestHolds(sys: CompiledSystem, prop: Property, world: World): boolean {
  if (prop.over === 'state') return prop.test(worldView(sys, world));
  if (prop.over !== 'each') return true;
  const k = sys.kindIndex.get(prop.machine);
  const snaps = world.filter((_, j) => at(sys.instances, j, 'instance').kind === k);
  const test = prop.test;
  return prop.kind === 'always' ? snaps.every((s) => test(s)) : snaps.some((s) => test(s));
}

/** Indices of the world events enabled in `world`, in the model's declared (deterministic) order. */
export function enabledEvents(sys: CompiledSystem, world: World): number[] {
  const enabled: number[] = [];
  for (let e = 0; e < sys.events.length; e++) if (stepWorld(sys, world, e) !== undefined) enabled.push(e);
  return enabled;
}
