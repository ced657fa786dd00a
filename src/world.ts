// The world by plain interpretation: one XState snapshot per instance. A step delivers a
// world event to its participants through XState's pure transition(); immer produces
// the next world so earlier worlds are never mutated.
import { produce } from 'immer';
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { MachineEvent, Requirement } from './model.js';
import { machineStep, snapshotKey } from './machines.js';
import { OK } from './outcome.js';
import type { Property, TransitionView, WorldView } from './property.js';
import { meets } from './participants.js';
import { at, kindOf, type CompiledSystem } from './system.js';

export type World = readonly AnyMachineSnapshot[];

export interface WorldStep {
  readonly world: World;
  readonly outcome: string;
  /** Instance indices the event moved (participants with an event), once each, in participant order. */
  readonly touched: readonly number[];
}

export function initialWorld(sys: CompiledSystem): World {
  return sys.instances.map((i) => i.initial);
}

/**
 * Apply world event `eventIndex`: undefined when some participant misses its `requires`
 * or has no enabled transition. Participants run in list order on a working copy, so a
 * machine taking part twice sees the state its first participation left. The outcome is
 * the first refusal among the participants, else 'ok'; participants declared with
 * `prior` receive the outcome so far as `event.prior`.
 */
export function stepWorld(sys: CompiledSystem, world: World, eventIndex: number): WorldStep | undefined {
  const event = sys.events[eventIndex];
  if (event === undefined) return undefined;
  const step = runParticipants(
    event.participants,
    (i) => world[i] as AnyMachineSnapshot,
    (i) => kindOf(sys, i).machine,
  );
  if (step === undefined) return undefined;
  const next = produce(world as AnyMachineSnapshot[], (draft) => {
    for (const [i, snap] of step.moved) draft[i] = snap as never;
  });
  return { world: next, outcome: step.outcome, touched: [...step.moved.keys()] };
}

/** A participation as plain interpretation needs it. */
export interface Participation {
  readonly inst: number;
  readonly event: MachineEvent | undefined;
  readonly prior: boolean;
  readonly requires: Requirement | undefined;
}

/**
 * The participations of one world event, in list order, by XState: undefined when one
 * misses its requirement or its event is not enabled; else the outcome (first refusal,
 * else 'ok') and the next snapshot of every machine that took an event, in the order
 * they first moved. Each participation sees what the earlier ones left.
 */
export function runParticipants(
  parts: readonly Participation[],
  snapshotOf: (inst: number) => AnyMachineSnapshot,
  machineOf: (inst: number) => AnyStateMachine,
): { readonly moved: ReadonlyMap<number, AnyMachineSnapshot>; readonly outcome: string } | undefined {
  let outcome = OK;
  const moved = new Map<number, AnyMachineSnapshot>();
  for (const p of parts) {
    const snap = moved.get(p.inst) ?? snapshotOf(p.inst);
    if (p.requires !== undefined && !meets(p.requires, snap)) return undefined;
    if (p.event === undefined) continue;
    const delivered: MachineEvent = p.prior ? { ...p.event, prior: outcome } : p.event;
    const step = machineStep(machineOf(p.inst), snap, delivered);
    if (step === undefined) return undefined;
    if (outcome === OK) outcome = step.outcome;
    moved.set(p.inst, step.next);
  }
  return { moved, outcome };
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

/** What a transition property sees of world event `event` with outcome code `outcome` between two views. */
export function transitionView(
  sys: CompiledSystem,
  event: number,
  outcome: number,
  before: WorldView,
  after: WorldView,
): TransitionView {
  const e = at(sys.events, event, 'event');
  return {
    actor: e.actor,
    type: e.type,
    args: e.args,
    outcome: at(sys.outcomes, outcome, 'outcome'),
    before,
    after,
  };
}

/**
 * Plain evaluation of a transition property's test on world event `event` with outcome
 * code `outcome` from world `before` to world `after` (true for other scopes).
 */
export function transitionTestHolds(
  sys: CompiledSystem,
  prop: Property,
  event: number,
  outcome: number,
  before: World,
  after: World,
): boolean {
  if (prop.over !== 'transition') return true;
  return prop.test(transitionView(sys, event, outcome, worldView(sys, before), worldView(sys, after)));
}

/** Indices of the world events enabled in `world`, in the model's declared (deterministic) order. */
export function enabledEvents(sys: CompiledSystem, world: World): number[] {
  const enabled: number[] = [];
  for (let e = 0; e < sys.events.length; e++) if (stepWorld(sys, world, e) !== undefined) enabled.push(e);
  return enabled;
}
