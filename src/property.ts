// Named sentences over worlds and steps: invariants (always) and reachability (sometimes).
import type { AnyMachineSnapshot } from 'xstate';
import type { Args } from './model.js';

/** Read-only view of a world state: machine snapshots by instance id. */
export interface WorldView {
  get(id: string): AnyMachineSnapshot;
  /** Instance ids of one machine kind (the XState machine id), in declaration order. */
  ids(kind: string): readonly string[];
}

/** One step of the event log as properties see it. */
export interface StepView {
  readonly actor: string;
  readonly type: string;
  readonly args: Args;
  readonly outcome: string;
}

export type StateTest = (w: WorldView) => boolean;
export type LocalTest = (m: AnyMachineSnapshot) => boolean;
export type StepTest = (s: StepView) => boolean;

/** What a property ranges over: whole states, each instance of one machine kind, or steps. */
export type Scope =
  | { readonly over: 'state'; readonly test: StateTest }
  | { readonly over: 'each'; readonly machine: string; readonly test: LocalTest }
  | { readonly over: 'step'; readonly test: StepTest };

export type PropertyKind = 'always' | 'sometimes';

/**
 * `always`: the test holds in every reachable state (or instance, or step); a failure is
 * a violation with a counterexample. `sometimes`: the test holds somewhere; never
 * reaching it means the model is vacuous or the design blocks the operation.
 */
export type Property = { readonly kind: PropertyKind; readonly name: string; readonly doc: string } & Scope;

export function always(name: string, doc: string, test: StateTest): Property {
  return { kind: 'always', name, doc, over: 'state', test };
}

/** Invariant of every instance of one machine kind (compiled to a per-local-state table). */
export function alwaysEach(name: string, doc: string, kind: string, test: LocalTest): Property {
  return { kind: 'always', name, doc, over: 'each', machine: kind, test };
}

/** Invariant over steps: no step of the log satisfies `bad`. */
export function never(name: string, doc: string, bad: StepTest): Property {
  return { kind: 'always', name, doc, over: 'step', test: (s) => !bad(s) };
}

export function sometimes(name: string, doc: string, test: StateTest): Property {
  return { kind: 'sometimes', name, doc, over: 'state', test };
}

export function sometimesEach(name: string, doc: string, kind: string, test: LocalTest): Property {
  return { kind: 'sometimes', name, doc, over: 'each', machine: kind, test };
}

/** Reachability of a step: some step of some run satisfies `test`. */
export function sometimesStep(name: string, doc: string, test: StepTest): Property {
  return { kind: 'sometimes', name, doc, over: 'step', test };
}
