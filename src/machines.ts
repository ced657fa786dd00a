// Compiles each XState machine kind into finite local tables by closure: every local
// state reachable from the instances' initial snapshots under the kind's event alphabet,
// with next-state and outcome per (state, event). XState is the only semantics; the
// tables cache what its pure transition() answered.
import { createActor, createEmptyActor, initialTransition } from 'xstate';
import type { AnyActorScope, AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { InputError } from './errors.js';
import { canonicalJson } from './key.js';
import { outcomeOf } from './outcome.js';
import { runSync } from './slices.js';

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
 * `self` (it is never started and receives nothing). machineStep gives a step a fresh
 * system when an earlier one left an actor registered in it.
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
    // As XState's inert scope: the actor's eager initial snapshot may have registered
    // invoked children in its own system, so steps start from another.
    freshSystem(scope);
    s = { scope, actions };
    scopes.set(machine, s);
  }
  return s;
}

/** Gives the scope and its actor a new, empty actor system (children spawn into self's). */
function freshSystem(scope: AnyActorScope): void {
  const system = createEmptyActor().system;
  scope.system = system;
  (scope.self as { system: unknown }).system = system;
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
  // An actor registered under a systemId by an earlier step (a spawn or an invoke) would
  // make the same registration collide: the step gets a fresh system, as each call of
  // XState's transition() does.
  if (Object.keys(scope.system.getAll()).length > 0) freshSystem(scope);
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
 * Steps already computed for one machine kind. machineStep is pure in (machine, state,
 * event), and a system's compile recompiles every kind each time its alphabets grow (prior
 * participants get one event per outcome found so far), so a cache kept across those
 * passes computes each pair once. Rows are keyed by local state key, then event key: a
 * lookup hashes strings that already exist (and keep their hash). A step is stored as one
 * small integer, `NOT_ENABLED` or snapshot id * OUTCOME_SPAN + outcome id, so the cache
 * holds each distinct next snapshot once (a large kind has millions of steps and a few
 * thousand local states).
 */
export interface StepCache {
  readonly rows: Map<string, Map<string, number>>;
  readonly snapshots: AnyMachineSnapshot[];
  readonly snapshotIds: Map<string, number>;
  readonly outcomes: string[];
  readonly outcomeIds: Map<string, number>;
}

const NOT_ENABLED = -1;
const OUTCOME_SPAN = 1024;

export function stepCache(): StepCache {
  return { rows: new Map(), snapshots: [], snapshotIds: new Map(), outcomes: [], outcomeIds: new Map() };
}

/** The cached step of `snap` under `event` (computed by XState on a miss), as stored in the cache. */
function cachedStep(
  cache: StepCache,
  machine: AnyStateMachine,
  snap: AnyMachineSnapshot,
  row: Map<string, number>,
  key: string,
  event: EventObject,
): number {
  const known = row.get(key);
  if (known !== undefined) return known;
  const step = machineStep(machine, snap, event);
  let code = NOT_ENABLED;
  if (step !== undefined) {
    const nextKey = snapshotKey(step.next);
    let s = cache.snapshotIds.get(nextKey);
    if (s === undefined) {
      s = cache.snapshots.length;
      cache.snapshots.push(step.next);
      cache.snapshotIds.set(nextKey, s);
    }
    let o = cache.outcomeIds.get(step.outcome);
    if (o === undefined) {
      o = cache.outcomes.length;
      if (o >= OUTCOME_SPAN)
        throw new InputError('bad_model', `machine '${machine.id}' has more than ${OUTCOME_SPAN} outcomes`);
      cache.outcomes.push(step.outcome);
      cache.outcomeIds.set(step.outcome, o);
    }
    code = s * OUTCOME_SPAN + o;
  }
  row.set(key, code);
  return code;
}

/**
 * Closure of one kind. `initials` are the instances' initial snapshots; `intern` maps an
 * outcome string to its global code index (it may grow the global list); `cache` carries
 * the steps of this machine computed by an earlier pass.
 */
export function compileKind(...args: Parameters<typeof compileKindSteps>): Kind {
  return runSync(compileKindSteps(...args));
}

/**
 * compileKind as a generator that yields, after each local state's row, the number of
 * local states found so far: a driver can poll its stop and report progress between rows.
 */
export function* compileKindSteps(
  name: string,
  machine: AnyStateMachine,
  initials: readonly AnyMachineSnapshot[],
  alphabet: readonly EventObject[],
  intern: (outcome: string) => number,
  maxStates = MAX_LOCAL_STATES,
  cache: StepCache = stepCache(),
): Generator<number, Kind, undefined> {
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
  // Global outcome index per cache outcome id, filled as outcomes are first seen here.
  const global: number[] = [];
  for (let l = 0; l < states.length; l++) {
    const snap = states[l] as AnyMachineSnapshot;
    const stateKey = snapshotKey(snap);
    let row = cache.rows.get(stateKey);
    if (row === undefined) {
      row = new Map();
      cache.rows.set(stateKey, row);
    }
    for (let e = 0; e < width; e++) {
      const code = cachedStep(cache, machine, snap, row, eventKeys[e] as string, alphabet[e] as EventObject);
      if (code === NOT_ENABLED) {
        next[l * width + e] = -1;
        out[l * width + e] = 0;
        continue;
      }
      const o = code % OUTCOME_SPAN;
      next[l * width + e] = add(cache.snapshots[(code - o) / OUTCOME_SPAN] as AnyMachineSnapshot);
      out[l * width + e] = global[o] ??= intern(cache.outcomes[o] as string);
    }
    yield states.length;
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
