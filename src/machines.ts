// Compiles each XState machine kind into finite local tables by closure: every local
// state reachable from the instances' initial snapshots under the kind's event alphabet,
// with next-state and outcome per (state, event). XState is the only semantics; the
// tables cache what its pure transition() answered.
import { createActor, initialTransition } from 'xstate';
import type { AnyActorScope, AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { InputError } from './errors.js';
import { canonicalJson } from './key.js';
import { outcomeOf } from './outcome.js';

/** Most local states one machine kind may have; a larger closure means unbounded context. */
export const MAX_LOCAL_STATES = 4096;

/** Result of one machine taking one event through XState, or undefined when not enabled. */
export interface LocalStep {
  readonly next: AnyMachineSnapshot;
  readonly outcome: string;
}

/** An actor scope that collects the actions of one transition instead of executing them. */
interface InertScope {
  readonly scope: AnyActorScope;
  readonly actions: { type: string; params?: unknown }[];
}

/**
 * One inert scope per machine, reused by every step of it. XState's own transition() builds
 * the same kind of scope for each call, and building it creates an actor, which computes
 * the machine's initial snapshot (running its context factory): on models with rich
 * contexts that was most of compiling a kind. The scope's actor is only a placeholder
 * `self` (it is never started and receives nothing); the machines compiled here spawn no
 * actors, so nothing registers in its system between steps.
 */
const scopes = new WeakMap<AnyStateMachine, InertScope>();

function inertScope(machine: AnyStateMachine): InertScope {
  let s = scopes.get(machine);
  if (s === undefined) {
    const self = createActor(machine);
    const actions: { type: string; params?: unknown }[] = [];
    const scope = {
      self,
      defer: () => undefined,
      id: '',
      logger: () => undefined,
      sessionId: '',
      stopChild: () => undefined,
      system: self.system,
      emit: () => undefined,
      actionExecutor: (a: { type: string; params?: unknown }) => {
        actions.push(a);
      },
    } as unknown as AnyActorScope;
    s = { scope, actions };
    scopes.set(machine, s);
  }
  return s;
}

/**
 * The pure step of one machine: enabled iff XState selects at least one transition
 * (guards evaluated); then XState's transition gives the next snapshot, and the outcome is
 * read from the actions it hands to the scope (never executed).
 */
export function machineStep(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
  event: EventObject,
): LocalStep | undefined {
  if (machine.getTransitionData(snapshot, event).length === 0) return undefined;
  const { scope, actions } = inertScope(machine);
  actions.length = 0;
  const next = machine.transition(snapshot, event, scope) as AnyMachineSnapshot;
  return { next, outcome: outcomeOf(actions) };
}

export function initialSnapshot(machine: AnyStateMachine, input: unknown): AnyMachineSnapshot {
  const [snapshot] = input === undefined ? initialTransition(machine) : initialTransition(machine, input);
  return snapshot;
}

/**
 * Keys already computed, by snapshot object. A snapshot is never mutated (XState returns
 * new ones), and compiling a system asks for the key of the same cached step results on
 * every pass over a kind, so each is serialized once.
 */
const snapshotKeys = new WeakMap<AnyMachineSnapshot, string>();

/** Canonical identity of a local state: status, state value and context. */
export function snapshotKey(s: AnyMachineSnapshot): string {
  let key = snapshotKeys.get(s);
  if (key === undefined) {
    key = canonicalJson({ s: s.status, v: s.value, c: s.context });
    snapshotKeys.set(s, key);
  }
  return key;
}

export function eventKey(e: EventObject): string {
  return canonicalJson(e);
}

/** One machine kind compiled to tables. Local state ids and event ids are dense indices. */
export interface Kind {
  readonly name: string;
  readonly machine: AnyStateMachine;
  readonly alphabet: readonly EventObject[];
  readonly alphabetIndex: ReadonlyMap<string, number>;
  readonly states: readonly AnyMachineSnapshot[];
  readonly stateIndex: ReadonlyMap<string, number>;
  /** next[l * alphabet.length + e]: next local state, or -1 when e is not enabled in l. */
  readonly next: Int32Array;
  /** out[l * alphabet.length + e]: outcome code index (into the system's outcome list). */
  readonly out: Uint8Array;
}

/**
 * Steps already computed for one machine kind, by local state and event key (null: not
 * enabled). machineStep is pure in (machine, state, event), and a system's compile
 * recompiles every kind each time its alphabets grow (prior participants get one event per
 * outcome found so far), so a cache kept across those passes computes each pair once.
 */
export type StepCache = Map<string, LocalStep | null>;

/**
 * Closure of one kind. `initials` are the instances' initial snapshots; `intern` maps an
 * outcome string to its global code index (it may grow the global list); `cache` carries
 * the steps of this machine computed by an earlier pass.
 */
export function compileKind(
  name: string,
  machine: AnyStateMachine,
  initials: readonly AnyMachineSnapshot[],
  alphabet: readonly EventObject[],
  intern: (outcome: string) => number,
  maxStates = MAX_LOCAL_STATES,
  cache: StepCache = new Map(),
): Kind {
  const states: AnyMachineSnapshot[] = [];
  const stateIndex = new Map<string, number>();
  const add = (s: AnyMachineSnapshot): number => {
    const key = snapshotKey(s);
    const found = stateIndex.get(key);
    if (found !== undefined) return found;
    if (states.length >= maxStates) {
      throw new InputError(
        'bad_model',
        `machine '${name}' has more than ${maxStates} local states; bound its context counters (guards on increments)`,
      );
    }
    stateIndex.set(key, states.length);
    states.push(s);
    return states.length - 1;
  };
  for (const s of initials) add(s);
  const width = alphabet.length;
  const next: number[] = [];
  const out: number[] = [];
  const eventKeys = alphabet.map(eventKey);
  for (let l = 0; l < states.length; l++) {
    const snap = states[l] as AnyMachineSnapshot;
    const prefix = `${snapshotKey(snap)}\u0000`;
    for (let e = 0; e < width; e++) {
      const key = prefix + (eventKeys[e] as string);
      let step = cache.get(key);
      if (step === undefined) {
        step = machineStep(machine, snap, alphabet[e] as EventObject) ?? null;
        cache.set(key, step);
      }
      next[l * width + e] = step === null ? -1 : add(step.next);
      out[l * width + e] = step === null ? 0 : intern(step.outcome);
    }
  }
  const alphabetIndex = new Map(eventKeys.map((k, i) => [k, i] as const));
  return {
    name,
    machine,
    alphabet,
    alphabetIndex,
    states,
    stateIndex,
    next: Int32Array.from(next),
    out: Uint8Array.from(out),
  };
}
