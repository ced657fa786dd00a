// Guard necessity: remove each named guard of a design in turn (the guard always passes)
// and check again. A guard is necessary when its removal violates a property that held;
// redundant when no verdict changes (the design has a spare check, or the properties are
// too weak to notice). Guards are the named ones in the machines' setup() implementations;
// inline guards and guards inside and()/or() combinators are covered through their
// named parent.
import type { AnyStateMachine } from 'xstate';
import { checkSystem, type CheckOptions, type Judgement, type RunResult } from './check.js';
import { InputError } from './errors.js';
import type { AnyModel } from './model.js';
import { compileSystem, type CompiledSystem } from './system.js';

export type GuardStatus = 'necessary' | 'redundant' | 'changes-verdicts' | 'unbounded';

export interface GuardRef {
  /** Machine kind id (the XState machine id). */
  readonly machine: string;
  readonly guard: string;
}

export interface VerdictChange {
  readonly property: string;
  readonly from: Judgement;
  readonly to: Judgement;
  /** Counterexample of a property the removal broke (holds → violated). */
  readonly path: readonly number[] | undefined;
}

export interface GuardFinding extends GuardRef {
  readonly status: GuardStatus;
  /** Every property whose verdict differs from the design's. */
  readonly changes: readonly VerdictChange[];
  /** 'unbounded': why the system without the guard cannot be compiled. */
  readonly message: string | undefined;
  /** The run without the guard (undefined when it could not be compiled). */
  readonly run: RunResult | undefined;
}

export interface GuardReport {
  readonly baseline: RunResult;
  readonly guards: readonly GuardFinding[];
}

/** Named guards of every machine kind of `sys`, in declaration order. */
export function namedGuards(sys: CompiledSystem): GuardRef[] {
  return sys.kinds.flatMap((k) =>
    Object.keys(k.machine.implementations.guards).map((guard) => ({ machine: k.name, guard })),
  );
}

/** The machine with `ref.guard` always passing (other machines unchanged). */
export function withoutGuard(ref: GuardRef): (m: AnyStateMachine) => AnyStateMachine {
  return (m) => (m.id === ref.machine ? m.provide({ guards: { [ref.guard]: () => true } }) : m);
}

export interface GuardOptions extends CheckOptions {
  /**
   * A machine without the guard that exceeds this many local states is reported
   * 'unbounded' (default: the engine's limit, MAX_LOCAL_STATES; lower is faster).
   */
  readonly maxLocalStates?: number | undefined;
}

export function guardNecessity(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  opts: GuardOptions,
): GuardReport {
  const sys = compileSystem(model, params, variant);
  const baseline = checkSystem(model, sys, opts);
  const guards = namedGuards(sys).map((ref) => judgeGuard(model, params, variant, opts, baseline, ref));
  return { baseline, guards };
}

function judgeGuard(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  opts: GuardOptions,
  baseline: RunResult,
  ref: GuardRef,
): GuardFinding {
  let run: RunResult;
  try {
    const hooks = { substitute: withoutGuard(ref), maxLocalStates: opts.maxLocalStates };
    run = checkSystem(model, compileSystem(model, params, variant, hooks), opts);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { ...ref, status: 'unbounded', changes: [], message: err.message, run: undefined };
  }
  const changes = run.properties.flatMap((p, i): VerdictChange[] => {
    const from = baseline.properties[i]?.verdict ?? 'unknown';
    if (p.verdict === from) return [];
    return [{ property: p.name, from, to: p.verdict, path: p.verdict === 'violated' ? p.path : undefined }];
  });
  const breaks = changes.some((c) => c.from === 'holds' && c.to === 'violated');
  const status: GuardStatus = breaks ? 'necessary' : changes.length === 0 ? 'redundant' : 'changes-verdicts';
  return { ...ref, status, changes, message: undefined, run };
}
