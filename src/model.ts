// The one contract every model implements: machines, world events, properties, variants.
// A model is data plus pure functions; it never imports the engine beyond these types.
import type { AnyMachineSnapshot, AnyStateMachine, StateValue } from 'xstate';
import type { Property } from './property.js';

export type ArgValue = number | string | boolean;
export type Args = Readonly<Record<string, ArgValue>>;

/** A numeric model parameter (pages, folios, actors ...), bounded so exploration stays finite. */
export interface ParamSpec {
  readonly default: number;
  readonly min: number;
  /** The largest value a `check` of the model finishes (larger ones need --beyond-max). */
  readonly max: number;
  /**
   * The largest value a replay of one path (a conformance scenario) may use, when the
   * machines support more than an exhaustive check finishes; default `max`.
   */
  readonly replayMax?: number;
  readonly doc: string;
}

/**
 * Verdicts a property can get. `always` → holds | vacuous | violated; `sometimes` → reached |
 * unreached. `vacuous` is a hold whose premise (the situation the property is about) is never
 * met in the explored space: printed `holds (vacuous)`, and never taken for `holds`.
 */
export type Verdict = 'holds' | 'vacuous' | 'violated' | 'reached' | 'unreached';

/** How a verdict reads in text, tables and reports. */
export function verdictText(v: Verdict | 'unknown'): string {
  return v === 'vacuous' ? 'holds (vacuous)' : v;
}

export interface VariantSpec {
  readonly doc: string;
  /** Flaw ids from docs/designs-and-flaws.md that this variant is meant to exhibit (empty for a fix). */
  readonly flaws: readonly string[];
  /**
   * For a flawed variant: the variant of the same model that applies the fix the catalogue
   * names. The flaw's properties are those violated here and not in the fix.
   */
  readonly fixedBy?: string;
  /**
   * Expected verdict per property name; every property of the model and of this variant
   * must be listed. A deliberately vacuous hold is expected as 'vacuous'.
   */
  readonly expect: Readonly<Record<string, Verdict>>;
  /**
   * Properties judged in this variant only, after the model's own (names must differ from
   * the model's). For an invariant that is about what this variant adds.
   */
  readonly properties?: readonly Property[];
  /**
   * World events this variant never enables by design, each with the reason: a world event
   * type (`'migRetry'`), `'actor: type'`, or a full label (`'vmm: fault(page=1)'`) → why.
   * An exhaustive run does not list them as never enabled (so `check --strict` passes);
   * one that fires after all is reported, and a key that names no world event is a lint error.
   */
  readonly neverEnabled?: Readonly<Record<string, string>>;
}

/** One machine instance in the world: a page, a folio, an actor (VMM, converter ...). */
export interface MachineInstance {
  readonly id: string;
  readonly machine: AnyStateMachine;
  readonly input?: unknown;
}

/** An event delivered to one machine: a type plus plain arguments. */
export interface MachineEvent {
  readonly type: string;
  readonly [arg: string]: ArgValue;
}

/**
 * A precondition on a participant's state: an XState state value as `matches()` takes it
 * (`'cache.absent'`, `{ cache: 'absent' }`; every state named must exist in the machine),
 * or a predicate on the snapshot.
 */
export type Requirement = string | StateValue | ((s: AnyMachineSnapshot) => boolean);

/**
 * One participant of a world event: the machine event delivered to one instance.
 * - `prior: true`: the event also carries `prior`, the outcome produced by the participants
 *   before it ('ok' when none refused), so an actor can react to what a page answered
 *   (check-then-act as real steps).
 * - `requires`: the world event is enabled only when this machine, as this participation
 *   finds it, satisfies the requirement (checked before its event). This is the one place
 *   to state a precondition that spans regions of a parallel machine: a parallel machine
 *   accepts an event when any region takes it, whatever the other regions are in.
 * - `event` may be left out when `requires` is given: the participant constrains the world
 *   event without moving (and adds nothing to its machine's alphabet).
 * - `choice: true`: in a world event with `choices`, the event also carries `choice`, the
 *   outcome chosen for this exploration of the world event.
 *
 * One machine may take part several times in one world event: participations run in list
 * order, and each sees the state its earlier participation left.
 */
export interface Participant {
  readonly machine: string;
  readonly event?: MachineEvent;
  readonly requires?: Requirement;
  readonly prior?: true;
  readonly choice?: true;
}

/**
 * A world event: one atomic step of one actor. It is enabled when every participant
 * meets its `requires` and has an enabled transition for its event; it then moves all
 * participants at once.
 */
export interface WorldEventSpec {
  readonly actor: string;
  readonly type: string;
  readonly args: Args;
  readonly sync: readonly Participant[];
  /**
   * The kernel function, lock or ioctl this step stands for (for example
   * `'kvm_gmem_fault_user_mapping() under filemap_invalidate_lock (shared)'`); shown by
   * replay and the reports next to the event.
   */
  readonly kernel?: string;
  /**
   * A nondeterministic outcome: the world event is explored once per choice (distinct,
   * non-empty strings), as the event with `args.choice` set to it (so traces, replay and
   * shrink name the choice); participants with `choice: true` receive it as
   * `event.choice`. `args` must not have its own `choice`.
   */
  readonly choices?: readonly string[];
}

/**
 * Interchangeable units for symmetry reduction. Each slot is a tuple of instance ids of
 * the same shape (a page; or a folio with its pages). `refs` name context fields of
 * other machine kinds that hold a slot index of this group (a converter's `page`), so
 * permuting slots relabels them consistently.
 */
export interface SymmetryGroup {
  readonly name: string;
  readonly slots: readonly (readonly string[])[];
  readonly refs?: readonly SymmetryRef[];
}

/**
 * A context field of machine `kind` that refers to a slot while `when` holds (default:
 * always). The field holds `offset + slot * per + kept` with `0 <= kept < per` (defaults:
 * offset 0, per 1, so the field is the slot index): `per` lets it index something slots
 * hold several of (a page index with `per` pages per folio slot), `offset` lets a group of
 * a few slots refer to part of a range (the pages of one folio, `offset` its first). Moving
 * the slot to t rewrites the field to `offset + t * per + kept`; a value outside the
 * group's slots is no reference.
 */
export interface SymmetryRef {
  readonly kind: string;
  readonly field: string;
  readonly when?: (s: AnyMachineSnapshot) => boolean;
  readonly per?: number;
  readonly offset?: number;
}

/** The concrete system for one parameter assignment and variant. */
export interface System {
  readonly machines: readonly MachineInstance[];
  readonly events: readonly WorldEventSpec[];
  readonly symmetry?: readonly SymmetryGroup[];
}

export interface ModelDef<P extends string = string, V extends string = string> {
  readonly id: string;
  readonly title: string;
  /** One paragraph: the design, what the variants change, and the bound used. */
  readonly summary: string;
  /** Seed threads, kernel functions, commits the rules come from. */
  readonly sources: readonly string[];
  /** Rules the docs mark UNCONFIRMED that this model relies on. */
  readonly unconfirmed?: readonly string[];
  readonly params: Readonly<Record<P, ParamSpec>>;
  readonly variants: Readonly<Record<V, VariantSpec>>;
  readonly properties: readonly Property[];
  /** Default depth bound (undefined: explore exhaustively). */
  readonly maxDepth?: number;
  build(params: Readonly<Record<P, number>>, variant: V): System;
}

export type AnyModel = ModelDef;

/** Identity function that type-checks a model definition. */
export function defineModel<P extends string, V extends string>(model: ModelDef<P, V>): ModelDef<P, V> {
  return model;
}

/** A participant; with `prior` the machine event also receives the outcome so far. */
export function participant(machine: string, delivered: MachineEvent, prior?: 'prior'): Participant {
  return prior === undefined ? { machine, event: delivered } : { machine, event: delivered, prior: true };
}

/** Optional parts of a world event beyond actor, type, args and participants. */
export interface EventOptions {
  readonly kernel?: string;
  readonly choices?: readonly string[];
}

/**
 * A world event: `worldEvent('vmm', 'pin', { page: 0 }, [...participants], { kernel })`.
 * Optional fields are left out when not given, so the spec reads as written by hand.
 */
export function worldEvent(
  actor: string,
  type: string,
  args: Args,
  sync: readonly Participant[],
  opts: EventOptions = {},
): WorldEventSpec {
  return {
    actor,
    type,
    args,
    sync,
    ...(opts.kernel === undefined ? {} : { kernel: opts.kernel }),
    ...(opts.choices === undefined ? {} : { choices: opts.choices }),
  };
}

/** `[0, 1, ..., n-1]`: models build instance lists from parameters. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
