// Resolves a model, parameters and variant into a compiled system: instances, machine
// kinds with their local tables, world events with participant indices, property tables
// and the model fingerprint. Both engines (interpretation and compiled) start from here.
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { InputError } from './errors.js';
import { canonicalJson, hash64 } from './key.js';
import {
  compileKindSteps,
  eventKey,
  initialSnapshot,
  snapshotKey,
  stepCache,
  type Kind,
} from './machines.js';
import type { AnyModel, Args, SymmetryGroup } from './model.js';
import { OK } from './outcome.js';
import {
  checkParticipant,
  deliveries,
  eventLabel,
  expandChoices,
  resolveParticipant,
  type ResolvedParticipant,
} from './participants.js';
import type { Property } from './property.js';
import { propertyTables } from './propertyTables.js';
import { runAsync, runSync } from './slices.js';
import { Poller, type ShouldStop, type StopReason } from './stop.js';

export type { ResolvedParticipant } from './participants.js';
export { eventLabel } from './participants.js';

export interface Instance {
  readonly id: string;
  readonly index: number;
  readonly kind: number;
  readonly initial: AnyMachineSnapshot;
  readonly initialLocal: number;
}

export interface ResolvedEvent {
  readonly index: number;
  readonly actor: string;
  readonly type: string;
  readonly args: Args;
  /** Identity used to match a log entry to this event: actor, type and canonical args. */
  readonly key: string;
  readonly participants: readonly ResolvedParticipant[];
  /** What the event stands for in the kernel (WorldEventSpec.kernel), if the model says. */
  readonly kernel: string | undefined;
}

/** A symmetry group resolved to instance indices, with relabelling tables for refs. */
export interface ResolvedSymmetry {
  readonly name: string;
  /** slots[s][p]: instance index of position p of slot s. */
  readonly slots: readonly (readonly number[])[];
  /** Reference fields holding a slot index of this group. */
  readonly refs: readonly ResolvedRef[];
}

export interface ResolvedRef {
  readonly kind: number;
  /** ref[l]: slot index referenced by local state l of the kind, or -1. */
  readonly ref: Int32Array;
  /** relabel[l * slotCount + s]: local state l with its reference changed to slot s. */
  readonly relabel: Int32Array;
}

export interface CompiledSystem {
  readonly modelId: string;
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  readonly instances: readonly Instance[];
  readonly instanceIndex: ReadonlyMap<string, number>;
  readonly kinds: readonly Kind[];
  readonly kindIndex: ReadonlyMap<string, number>;
  readonly events: readonly ResolvedEvent[];
  readonly eventIndex: ReadonlyMap<string, number>;
  readonly outcomes: readonly string[];
  /** The model's properties, then the variant's own (VariantSpec.properties). */
  readonly properties: readonly Property[];
  /**
   * What a search tracks: `properties` (same indices), then one hidden `sometimes` per
   * distinct premise. Masks, findings and the tables below are indexed by this list.
   */
  readonly tracked: readonly Property[];
  /** Per property: tracked index of its premise's hidden property, or undefined. */
  readonly premiseOf: readonly (number | undefined)[];
  /** For tracked `each` properties: holds[l] per local state of the property's kind (else undefined). */
  readonly localTables: readonly (Uint8Array | undefined)[];
  /** For tracked `step` properties: holds[e * outcomes.length + o] (else undefined). */
  readonly stepTables: readonly (Uint8Array | undefined)[];
  readonly symmetry: readonly ResolvedSymmetry[];
  readonly fingerprint: string;
}

export function eventIdentity(actor: string, type: string, args: Args): string {
  return canonicalJson({ actor, type, args });
}

/** Experiments on a model's machines (`foliocheck guards` removes one guard at a time). */
export interface CompileHooks {
  /** Replaces each machine kind of the built system. */
  readonly substitute?: (machine: AnyStateMachine) => AnyStateMachine;
  /** Local states per kind beyond which the model is refused (default MAX_LOCAL_STATES). */
  readonly maxLocalStates?: number | undefined;
}

/** How far a compile has got, at a poll (CompileControl.onProgress). */
export interface CompileProgress {
  /** The machine kind being closed. */
  readonly kind: string;
  /** Its local states found so far, and its alphabet in this pass. */
  readonly localStates: number;
  readonly events: number;
  /** Pass over the kinds (the alphabets grow while new outcomes appear), from 1. */
  readonly pass: number;
}

/** The stop and progress of a compile driven by compileSystemAsync. */
export interface CompileControl {
  /** Polled about every 10 ms of work; a reason stops the compile. */
  readonly shouldStop?: ShouldStop | undefined;
  readonly onProgress?: ((p: CompileProgress) => void) | undefined;
}

/** A compile a limit or signal stopped: why, and how far it got. */
export interface CompileStopped {
  readonly stopped: StopReason;
  readonly progress: CompileProgress | undefined;
}

/**
 * Build and compile the system of `model` for `params` and `variant` (already validated),
 * with every machine kind passed through `hooks.substitute` when given.
 */
export function compileSystem(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  hooks: CompileHooks = {},
): CompiledSystem {
  const sys = runSync(compileSteps(model, params, variant, hooks, {}));
  if ('stopped' in sys) throw new Error('engine: a compile without a stop stopped');
  return sys;
}

/**
 * As compileSystem, but lets the event loop run between slices of work (signals, timers),
 * polls `control.shouldStop` and reports progress: a kind of thousands of local states
 * under hundreds of events takes seconds, and a limit or signal must stop it as it stops
 * a search.
 */
export function compileSystemAsync(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  control: CompileControl,
  hooks: CompileHooks = {},
): Promise<CompiledSystem | CompileStopped> {
  return runAsync(compileSteps(model, params, variant, hooks, control));
}

/** The compile, yielding at every poll of `control` (about every 10 ms of work). */
function* compileSteps(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  hooks: CompileHooks,
  control: CompileControl,
): Generator<undefined, CompiledSystem | CompileStopped, undefined> {
  const { substitute } = hooks;
  const sys = model.build(params, variant);
  const instanceIndex = new Map<string, number>();
  const kindIndex = new Map<string, number>();
  const kindMachines: AnyStateMachine[] = [];
  const declared: AnyStateMachine[] = [];
  const rawInstances = sys.machines.map((m, index) => {
    if (instanceIndex.has(m.id))
      throw new InputError('bad_model', `${model.id}: instance id '${m.id}' is used twice`);
    instanceIndex.set(m.id, index);
    const name = m.machine.id;
    let kind = kindIndex.get(name);
    if (kind === undefined) {
      kind = kindMachines.length;
      kindIndex.set(name, kind);
      declared.push(m.machine);
      kindMachines.push(substitute === undefined ? m.machine : substitute(m.machine));
    } else if (declared[kind] !== m.machine) {
      throw new InputError(
        'bad_model',
        `${model.id}: two different machines share the id '${name}'; give each its own id`,
      );
    }
    return {
      id: m.id,
      index,
      kind,
      initial: initialSnapshot(kindMachines[kind] as AnyStateMachine, m.input),
    };
  });

  const outcomes: string[] = [OK];
  const outcomeIndex = new Map([[OK, 0]]);
  const intern = (code: string): number => {
    let i = outcomeIndex.get(code);
    if (i === undefined) {
      i = outcomes.length;
      if (i > 250) throw new InputError('bad_model', `${model.id}: more than 250 distinct outcomes`);
      outcomes.push(code);
      outcomeIndex.set(code, i);
    }
    return i;
  };

  const specs = expandChoices(model.id, sys.events);
  const machineOf = (inst: number): AnyStateMachine =>
    kindMachines[(rawInstances[inst] as (typeof rawInstances)[number]).kind] as AnyStateMachine;
  const instOf = specs.map((e) =>
    e.sync.map((p) => checkParticipant(model.id, e, p, instanceIndex, machineOf)),
  );

  // Alphabets grow as outcomes are discovered (prior participants need one event per
  // outcome); iterate until no new outcome appears.
  let kinds: Kind[] = [];
  const stepCaches = kindMachines.map(() => stepCache());
  const poller = new Poller();
  let progress: CompileProgress | undefined;
  for (let pass = 1; ; pass++) {
    const before = outcomes.length;
    const alphabets = kindMachines.map(() => new Map<string, EventObject>());
    specs.forEach((e, ei) =>
      e.sync.forEach((p, pi) => {
        const inst = rawInstances[instOf[ei]?.[pi] as number] as (typeof rawInstances)[number];
        const alphabet = alphabets[inst.kind] as Map<string, EventObject>;
        for (const ev of deliveries(p, outcomes)) alphabet.set(eventKey(ev), ev);
      }),
    );
    kinds = [];
    for (const [k, machine] of kindMachines.entries()) {
      const alphabet = [...(alphabets[k] as Map<string, EventObject>).values()];
      const rows = compileKindSteps(
        machine.id,
        machine,
        rawInstances.filter((i) => i.kind === k).map((i) => i.initial),
        alphabet,
        intern,
        hooks.maxLocalStates,
        stepCaches[k],
      );
      for (;;) {
        const r = rows.next();
        if (r.done === true) {
          kinds.push(r.value);
          break;
        }
        if (!poller.due()) continue;
        progress = { kind: machine.id, localStates: r.value, events: alphabet.length, pass };
        const why = control.shouldStop?.();
        if (why !== undefined) return { stopped: why, progress };
        control.onProgress?.(progress);
        yield;
      }
    }
    if (outcomes.length === before) break;
  }

  const instances: Instance[] = rawInstances.map((i) => ({
    ...i,
    initialLocal: (kinds[i.kind] as Kind).stateIndex.get(snapshotKey(i.initial)) as number,
  }));

  const eventIndex = new Map<string, number>();
  const events: ResolvedEvent[] = specs.map((e, index) => {
    const key = eventIdentity(e.actor, e.type, e.args);
    if (eventIndex.has(key))
      throw new InputError('bad_model', `${model.id}: event ${eventLabel(e)} is declared twice`);
    eventIndex.set(key, index);
    const participants = e.sync.map((p, pi): ResolvedParticipant => {
      const inst = instOf[index]?.[pi] as number;
      return resolveParticipant(p, inst, kinds[(instances[inst] as Instance).kind] as Kind, outcomes);
    });
    if (participants.length === 0)
      throw new InputError('bad_model', `${model.id}: event ${eventLabel(e)} has no participants`);
    return { index, actor: e.actor, type: e.type, args: e.args, key, participants, kernel: e.kernel };
  });

  const properties = [...model.properties, ...(model.variants[variant]?.properties ?? [])];
  const { tracked, premiseOf, localTables, stepTables } = propertyTables(
    { modelId: model.id, kinds, kindIndex, events, outcomes },
    properties,
  );

  const symmetry = (sys.symmetry ?? []).map((g) =>
    resolveSymmetry(model.id, g, instanceIndex, instances, kinds, kindIndex),
  );
  const fingerprint = hash64(
    canonicalJson({
      model: model.id,
      variant,
      params,
      instances: instances.map((i) => [i.id, i.kind, i.initialLocal]),
      kinds: kinds.map((k) => ({
        name: k.name,
        states: k.states.map(snapshotKey),
        alphabet: k.alphabet.map(eventKey),
        next: Array.from(k.next),
        out: Array.from(k.out),
      })),
      outcomes,
      events: events.map((e) => [
        e.key,
        e.participants.map((p) => [
          p.inst,
          p.event === undefined ? null : eventKey(p.event),
          p.prior,
          p.requiresTable === undefined ? null : Array.from(p.requiresTable),
        ]),
      ]),
      properties: tracked.map((p, i) => [
        p.name,
        p.kind,
        p.over,
        Array.from(localTables[i] ?? []),
        Array.from(stepTables[i] ?? []),
      ]),
      premises: premiseOf.map((h) => h ?? null),
      symmetry: symmetry.map((g) => [
        g.slots,
        g.refs.map((r) => [r.kind, Array.from(r.ref), Array.from(r.relabel)]),
      ]),
    }),
  );
  return {
    modelId: model.id,
    variant,
    params,
    instances,
    instanceIndex,
    kinds,
    kindIndex,
    events,
    eventIndex,
    outcomes,
    properties,
    tracked,
    premiseOf,
    localTables,
    stepTables,
    symmetry,
    fingerprint,
  };
}

function resolveSymmetry(
  modelId: string,
  g: SymmetryGroup,
  instanceIndex: ReadonlyMap<string, number>,
  instances: readonly Instance[],
  kinds: readonly Kind[],
  kindIndex: ReadonlyMap<string, number>,
): ResolvedSymmetry {
  const bad = (why: string): InputError =>
    new InputError('bad_model', `${modelId}: symmetry group '${g.name}': ${why}`);
  const slots = g.slots.map((slot) =>
    slot.map((id) => {
      const i = instanceIndex.get(id);
      if (i === undefined) throw bad(`unknown instance '${id}'`);
      return i;
    }),
  );
  const shape = (s: readonly number[]): string => s.map((i) => (instances[i] as Instance).kind).join(',');
  if (slots.some((s) => shape(s) !== shape(slots[0] ?? []))) throw bad('slots differ in shape');
  const refs = (g.refs ?? []).map((r): ResolvedRef => {
    const k = kindIndex.get(r.kind);
    if (k === undefined) throw bad(`unknown machine kind '${r.kind}'`);
    const kind = kinds[k] as Kind;
    const per = r.per ?? 1;
    const offset = r.offset ?? 0;
    if (!Number.isInteger(per) || per < 1 || !Number.isInteger(offset)) {
      throw bad(`ref '${r.field}' of ${r.kind}: per must be a positive integer and offset an integer`);
    }
    const ref = new Int32Array(kind.states.length).fill(-1);
    const relabel = new Int32Array(kind.states.length * slots.length).fill(-1);
    kind.states.forEach((s, l) => {
      const context = s.context as Record<string, unknown>;
      const value = context[r.field];
      const active = r.when === undefined || r.when(s);
      if (!active || typeof value !== 'number') {
        for (let t = 0; t < slots.length; t++) relabel[l * slots.length + t] = l;
        return;
      }
      const rel = value - offset;
      const slot = Math.floor(rel / per);
      if (slot < 0 || slot >= slots.length) {
        for (let t = 0; t < slots.length; t++) relabel[l * slots.length + t] = l;
        return;
      }
      ref[l] = slot;
      const kept = rel - slot * per;
      for (let t = 0; t < slots.length; t++) {
        const moved = offset + t * per + kept;
        const key = canonicalJson({ s: s.status, v: s.value, c: { ...context, [r.field]: moved } });
        const target = kind.stateIndex.get(key);
        if (target === undefined) {
          throw bad(
            `relabelling '${r.field}' of a ${kind.name} state to ${moved} gives a state the machine never reaches`,
          );
        }
        relabel[l * slots.length + t] = target;
      }
    });
    return { kind: k, ref, relabel };
  });
  return { name: g.name, slots, refs };
}

/** Element `i` of a list the engine built itself; a miss is an engine bug. */
export function at<T>(list: readonly T[], i: number, what: string): T {
  const v = list[i];
  if (v === undefined) throw new Error(`engine: no ${what} at index ${i}`);
  return v;
}

/** The compiled kind of instance `i`. */
export function kindOf(sys: CompiledSystem, i: number): Kind {
  return at(sys.kinds, at(sys.instances, i, 'instance').kind, 'kind');
}
