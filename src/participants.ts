// World events from the model's specs to what both engines run: `choices` expanded into
// one world event per choice, participants checked (known machine, an event or a
// requirement, requirements naming states the machine has) and resolved to instance
// indices, alphabet entries and requirement tables over the kind's local states.
import type { AnyMachineSnapshot, AnyStateMachine, EventObject, StateValue } from 'xstate';
import { InputError, nearest } from './errors.js';
import { eventKey, type Kind } from './machines.js';
import type { Args, MachineEvent, Participant, Requirement, WorldEventSpec } from './model.js';
import type { CompiledSystem, Instance, ResolvedEvent } from './system.js';

/** The arg a choice is recorded under, in the event's args and in the machine event. */
export const CHOICE = 'choice';

export interface ResolvedParticipant {
  readonly inst: number;
  /** The machine event delivered, or undefined for a participant that only `requires`. */
  readonly event: MachineEvent | undefined;
  readonly prior: boolean;
  /** Alphabet index of `event` (for prior participants: of the event with prior 'ok'); -1 without event. */
  readonly alpha: number;
  /** Prior participants: alphabet index per outcome code. */
  readonly priorAlpha: Int32Array | undefined;
  readonly requires: Requirement | undefined;
  /** requiresTable[l] = 1 when local state l of the kind meets `requires`. */
  readonly requiresTable: Uint8Array | undefined;
}

export function eventLabel(e: { actor: string; type: string; args: Args }): string {
  const args = Object.entries(e.args)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  return `${e.actor}: ${e.type}(${args})`;
}

function badEvent(modelId: string, e: WorldEventSpec, why: string): InputError {
  return new InputError('bad_model', `${modelId}: world event ${eventLabel(e)} ${why}`);
}

/**
 * One spec per explored world event: a spec with `choices` becomes one spec per choice,
 * with `args.choice` set and `event.choice` given to the participants marked `choice`.
 * The result has no `choices` and no `choice` flags.
 */
export function expandChoices(modelId: string, specs: readonly WorldEventSpec[]): WorldEventSpec[] {
  return specs.flatMap((e): WorldEventSpec[] => {
    const marked = e.sync.filter((p) => p.choice === true);
    if (e.choices === undefined) {
      if (marked.length > 0)
        throw badEvent(modelId, e, `marks participant '${marked[0]?.machine}' choice but has no choices`);
      return [e];
    }
    if (e.choices.length === 0)
      throw badEvent(modelId, e, 'has an empty choices list; list at least one outcome');
    const dup = e.choices.find((c, i) => e.choices?.indexOf(c) !== i);
    if (dup !== undefined) throw badEvent(modelId, e, `lists choice '${dup}' twice`);
    if (CHOICE in e.args)
      throw badEvent(
        modelId,
        e,
        `has choices and its own arg '${CHOICE}', which the choice would overwrite; rename that arg`,
      );
    for (const p of marked) {
      if (p.event === undefined)
        throw badEvent(
          modelId,
          e,
          `marks participant '${p.machine}' choice but that participant has no event`,
        );
      if (CHOICE in p.event)
        throw badEvent(
          modelId,
          e,
          `marks participant '${p.machine}' choice but its event has its own '${CHOICE}'; rename that field`,
        );
    }
    const { choices, ...rest } = e;
    return choices.map((choice) => ({
      ...rest,
      args: { ...e.args, [CHOICE]: choice },
      sync: e.sync.map(({ choice: marks, ...p }): Participant =>
        marks === true && p.event !== undefined ? { ...p, event: { ...p.event, [CHOICE]: choice } } : p,
      ),
    }));
  });
}

/** Checks a participant's shape and requirement; returns its instance index. */
export function checkParticipant(
  modelId: string,
  e: WorldEventSpec,
  p: Participant,
  instanceIndex: ReadonlyMap<string, number>,
  machineOf: (inst: number) => AnyStateMachine,
): number {
  const inst = instanceIndex.get(p.machine);
  if (inst === undefined) throw badEvent(modelId, e, `names unknown machine '${p.machine}'`);
  if (p.event === undefined && p.requires === undefined)
    throw badEvent(modelId, e, `has participant '${p.machine}' with neither an event nor requires`);
  if (p.event === undefined && p.prior === true)
    throw badEvent(modelId, e, `has participant '${p.machine}' with prior but no event to carry it`);
  if (p.requires !== undefined && typeof p.requires !== 'function') {
    const machine = machineOf(inst);
    for (const path of statePaths(p.requires)) {
      if (hasStatePath(machine, path)) continue;
      const valid = allStatePaths(machine);
      const near = nearest(path.join('.'), valid);
      throw badEvent(
        modelId,
        e,
        `has participant '${p.machine}' requiring state '${path.join('.')}', which machine '${machine.id}' does not have (${near === undefined ? `valid: ${valid.join(', ')}` : `did you mean '${near}'?`})`,
      );
    }
  }
  return inst;
}

/** True when `s` meets the requirement (XState `matches`, or the predicate). */
export function meets(req: Requirement, s: AnyMachineSnapshot): boolean {
  return typeof req === 'function' ? req(s) : s.matches(req);
}

/** The state paths a state value names: `'a.b'` → [[a, b]]; `{ a: 'b', c: { d: 'e' } }` → [[a, b], [c, d, e]]. */
function statePaths(v: StateValue): string[][] {
  if (typeof v === 'string') return [v.split('.')];
  return Object.entries(v).flatMap(([k, sub]) =>
    sub === undefined ? [[k]] : statePaths(sub).map((rest) => [k, ...rest]),
  );
}

interface StateNodeLike {
  readonly states: Readonly<Record<string, StateNodeLike>>;
}

function hasStatePath(machine: AnyStateMachine, path: readonly string[]): boolean {
  let node: StateNodeLike | undefined = machine.root as StateNodeLike;
  for (const key of path) {
    node = Object.hasOwn(node.states, key) ? node.states[key] : undefined;
    if (node === undefined) return false;
  }
  return true;
}

/** Every state path of the machine, dot-joined, parents before children. */
function allStatePaths(machine: AnyStateMachine): string[] {
  const out: string[] = [];
  const walk = (node: StateNodeLike, prefix: string): void => {
    for (const [key, child] of Object.entries(node.states)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      out.push(path);
      walk(child, path);
    }
  };
  walk(machine.root as StateNodeLike, '');
  return out;
}

/** The machine events a participant can deliver: one per outcome code when it takes `prior`. */
export function deliveries(p: Participant, outcomes: readonly string[]): EventObject[] {
  if (p.event === undefined) return [];
  const ev = p.event;
  return p.prior === true ? outcomes.map((prior) => ({ ...ev, prior })) : [ev];
}

/** A participant resolved against its compiled kind (alphabet indices, requirement table). */
export function resolveParticipant(
  p: Participant,
  inst: number,
  kind: Kind,
  outcomes: readonly string[],
): ResolvedParticipant {
  const alphaOf = (ev: EventObject): number => kind.alphabetIndex.get(eventKey(ev)) ?? -1;
  const requires = p.requires;
  const requiresTable =
    requires === undefined ? undefined : Uint8Array.from(kind.states, (s) => (meets(requires, s) ? 1 : 0));
  const common = { inst, event: p.event, requires, requiresTable };
  if (p.event !== undefined && p.prior === true) {
    const priorAlpha = Int32Array.from(deliveries(p, outcomes), alphaOf);
    return { ...common, prior: true, alpha: priorAlpha[0] ?? -1, priorAlpha };
  }
  const alpha = p.event === undefined ? -1 : alphaOf(p.event);
  return { ...common, prior: false, alpha, priorAlpha: undefined };
}

/**
 * World event `e` over the kinds' tables from `locals` (left unchanged), with the same
 * semantics as the generated code and stepWorld: `visit(kind, cell)` sees each local
 * transition taken (cell = local state * alphabet width + alphabet index). Returns the
 * outcome code, or -1 when the event is not enabled (then `visit` may have seen a prefix).
 */
export function tableStep(
  sys: CompiledSystem,
  e: ResolvedEvent,
  locals: Int32Array,
  visit: (kind: number, cell: number) => void = () => undefined,
): number {
  const cur = new Map<number, number>();
  let outcome = 0;
  for (const p of e.participants) {
    const l = cur.get(p.inst) ?? locals[p.inst] ?? -1;
    if (p.requiresTable !== undefined && p.requiresTable[l] !== 1) return -1;
    if (p.event === undefined) continue;
    const k = (sys.instances[p.inst] as Instance).kind;
    const kind = sys.kinds[k] as Kind;
    const a = p.priorAlpha === undefined ? p.alpha : (p.priorAlpha[outcome] ?? -1);
    if (a < 0) return -1;
    const cell = l * kind.alphabet.length + a;
    const next = kind.next[cell] ?? -1;
    if (next < 0) return -1;
    visit(k, cell);
    if (outcome === 0) outcome = kind.out[cell] ?? 0;
    cur.set(p.inst, next);
  }
  return outcome;
}
