// Named sentences over worlds, steps and transitions: invariants (always), reachability
// (sometimes) and progress (eventually, possibly, deadlock-free).
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

/** One transition as properties see it: the step, and the whole world before and after it. */
export interface TransitionView extends StepView {
  readonly before: WorldView;
  readonly after: WorldView;
}

export type StateTest = (w: WorldView) => boolean;
export type LocalTest = (m: AnyMachineSnapshot) => boolean;
export type StepTest = (s: StepView) => boolean;
export type TransitionTest = (t: TransitionView) => boolean;

/**
 * What a property ranges over: whole states, each instance of one machine kind, steps
 * (actor, type, args, outcome: compiled to a table), or transitions (a step with the
 * worlds before and after it: evaluated per transition, and never in parallel BFS).
 *
 * `premise` (invariants only) is a test of the same scope naming the situation the
 * invariant is about ("a page is private"). It does not change what the test checks; it
 * is tracked as a hidden reachability property, and an invariant that holds while its
 * premise held nowhere in the explored space gets the verdict 'vacuous'.
 */
export type Scope =
  | { readonly over: 'state'; readonly test: StateTest; readonly premise?: StateTest }
  | {
      readonly over: 'each';
      readonly machine: string;
      readonly test: LocalTest;
      readonly premise?: LocalTest;
    }
  | { readonly over: 'step'; readonly test: StepTest; readonly premise?: StepTest }
  | { readonly over: 'transition'; readonly test: TransitionTest; readonly premise?: TransitionTest };

export type PropertyKind = 'always' | 'sometimes' | 'eventually' | 'possibly' | 'deadlock-free';

/** A goal of a progress property: a state that satisfies `state`, or a step that satisfies `step` (either, when both are given). */
export type Goal =
  | { readonly state: StateTest }
  | { readonly step: StepTest }
  | { readonly state: StateTest; readonly step: StepTest };

interface Named {
  readonly name: string;
  readonly doc: string;
}

/**
 * `always`: the test holds in every reachable state (or instance, step, transition); a
 * failure is a violation with a counterexample. `sometimes`: the test holds somewhere;
 * never reaching it means the model is vacuous or the design blocks the operation.
 */
export type SafetyProperty = Named & { readonly kind: 'always' | 'sometimes' } & Scope;

/**
 * Progress properties are judged on the explored state graph (exhaustive runs only):
 * - `eventually` (leads-to under weak fairness): every fair run that passes a state
 *   satisfying `after` (default: the initial state) later reaches `goal`. A violation is
 *   a lasso: a prefix and a loop that repeats forever without the goal, in which every
 *   weakly fair event that stays enabled is taken. `after` is the premise: when no
 *   reachable state satisfies it, the verdict is 'vacuous' (judged in src/progress.ts).
 *   `fair` as a predicate is asked once per world event (src/progress.ts).
 * - `possibly` (AG EF): from every reachable state the goal can still be reached without
 *   the `excluding` steps. A violation is a path to a state from which it cannot.
 * - `deadlock-free`: every reachable state other than `terminal` ones has a successor
 *   other than itself.
 */
export type ProgressProperty = Named & { readonly over: 'graph' } & (
    | {
        readonly kind: 'eventually';
        readonly after: StateTest | undefined;
        readonly goal: Goal;
        readonly fair: Fairness;
        /** Declared unchanged by the model's symmetries (EventuallyOptions.symmetric). */
        readonly symmetric: boolean;
      }
    | { readonly kind: 'possibly'; readonly goal: Goal; readonly excluding: StepTest | undefined }
    | { readonly kind: 'deadlock-free'; readonly terminal: StateTest | undefined }
  );

export type Property = SafetyProperty | ProgressProperty;

/** A world event as fairness sees it. */
export interface FairView {
  readonly actor: string;
  readonly type: string;
  readonly args: Args;
}

/**
 * The world events under weak fairness for `eventually`: 'all', a list of event types, or
 * a predicate on each world event (actor, type, args), asked once per world event of the
 * system (a variant's own events included); a world event is fair when it says true.
 */
export type Fairness = 'all' | readonly string[] | ((e: FairView) => boolean);

/** True when world event `e` is under weak fairness per `fair`. */
export function isFair(fair: Fairness, e: FairView): boolean {
  if (fair === 'all') return true;
  return typeof fair === 'function' ? fair(e) : fair.includes(e.type);
}

/** True for properties judged state by state or step by step during the search. */
export function isSafety(p: Property): p is SafetyProperty {
  return p.kind === 'always' || p.kind === 'sometimes';
}

/** Options of an invariant: its premise, a test of the same scope (see Scope). */
export interface InvariantOptions<T> {
  readonly premise?: T;
}

/** Invariant over whole states. */
export function always(
  name: string,
  doc: string,
  test: StateTest,
  opts: InvariantOptions<StateTest> = {},
): Property {
  return { kind: 'always', name, doc, over: 'state', test, ...premiseOf(opts) };
}

/** Invariant of every instance of one machine kind (compiled to a per-local-state table). */
export function alwaysEach(
  name: string,
  doc: string,
  kind: string,
  test: LocalTest,
  opts: InvariantOptions<LocalTest> = {},
): Property {
  return { kind: 'always', name, doc, over: 'each', machine: kind, test, ...premiseOf(opts) };
}

/** Invariant over steps: no step of the log satisfies `bad` (compiled to a table). */
export function never(
  name: string,
  doc: string,
  bad: StepTest,
  opts: InvariantOptions<StepTest> = {},
): Property {
  return { kind: 'always', name, doc, over: 'step', test: (s) => !bad(s), ...premiseOf(opts) };
}

/**
 * Invariant over transitions: no transition satisfies `bad`, which sees the step and the
 * worlds before and after it (for "a step that unmaps must leave no stale mapping").
 */
export function neverTransition(
  name: string,
  doc: string,
  bad: TransitionTest,
  opts: InvariantOptions<TransitionTest> = {},
): Property {
  return { kind: 'always', name, doc, over: 'transition', test: (t) => !bad(t), ...premiseOf(opts) };
}

function premiseOf<T>(opts: InvariantOptions<T>): { premise?: T } {
  return opts.premise === undefined ? {} : { premise: opts.premise };
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

/** Reachability of a transition: some transition (step with its worlds before and after) satisfies `test`. */
export function sometimesTransition(name: string, doc: string, test: TransitionTest): Property {
  return { kind: 'sometimes', name, doc, over: 'transition', test };
}

export interface EventuallyOptions {
  /**
   * Trigger, and the property's premise: the obligation starts in states satisfying this
   * (default: the initial state). When no reachable state satisfies it, the property holds
   * vacuously and its verdict is 'vacuous'.
   */
  readonly after?: StateTest;
  /** The world events under weak fairness (default 'all'; see Fairness). */
  readonly fair?: Fairness;
  /**
   * The property's contract that its trigger, goal and fairness are unchanged by the
   * model's declared symmetries (a permutation of the slots maps a trigger state to a
   * trigger state, a goal to a goal, a fair event to a fair event). A run may then explore
   * symmetry-reduced and judge the property from the representatives' trigger states
   * (docs/performance.md, "Progress under symmetry"). Default false.
   */
  readonly symmetric?: boolean;
}

/** Leads-to under weak fairness (see ProgressProperty). */
export function eventually(name: string, doc: string, goal: Goal, opts: EventuallyOptions = {}): Property {
  return {
    kind: 'eventually',
    name,
    doc,
    over: 'graph',
    goal,
    after: opts.after,
    fair: opts.fair ?? 'all',
    symmetric: opts.symmetric === true,
  };
}

/** AG EF goal: the goal stays reachable from every reachable state, without `excluding` steps. */
export function possibly(name: string, doc: string, goal: Goal, excluding?: StepTest): Property {
  return { kind: 'possibly', name, doc, over: 'graph', goal, excluding };
}

/** No reachable state is stuck (no successor other than itself) unless `terminal` holds there. */
export function deadlockFree(name: string, doc: string, terminal?: StateTest): Property {
  return { kind: 'deadlock-free', name, doc, over: 'graph', terminal };
}
