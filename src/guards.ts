// Guard necessity: remove each named guard of a design in turn (the guard always passes)
// and check again. A guard is necessary when its removal violates a property that held;
// redundant when no verdict changes (the design has a spare check, or the properties are
// too weak to notice). Guards are the named ones in the machines' setup() implementations;
// inline guards and guards inside and()/or() combinators are covered through their
// named parent.
import type { AnyStateMachine } from 'xstate';
import { checkSystemAsync, type CheckOptions, type Judgement, type RunResult } from './check.js';
import { InputError } from './errors.js';
import type { AnyModel } from './model.js';
import { describeStop, endsCommand, turnEventLoop, type ShouldStop, type StopReason } from './stop.js';
import { compileSystem, type CompiledSystem } from './system.js';

export type GuardStatus = 'necessary' | 'redundant' | 'changes-verdicts' | 'unbounded' | 'unknown';

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
  /** The guards judged, in order: all of them unless a signal (or the heap) stopped the command. */
  readonly guards: readonly GuardFinding[];
  /** Named guards of the design, judged or not. */
  readonly total: number;
  /** Why the guards after the judged ones were not judged (the baseline's own stop included). */
  readonly stopReason: StopReason | undefined;
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
  /** The stop of each search, a fresh budget per call (default: none; src/stop.ts). */
  readonly searchStop?: (() => ShouldStop) | undefined;
}

/**
 * Judges every named guard, one search each after the design's own. A search that a
 * limit stopped (--max-seconds, --max-memory) leaves its guard 'unknown' and the next is
 * judged; a signal or a full heap ends the whole: the guards judged so far are returned.
 */
export async function guardNecessity(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  opts: GuardOptions,
): Promise<GuardReport> {
  const sys = compileSystem(model, params, variant);
  const baseline = await checkSystemAsync(model, sys, { ...opts, shouldStop: opts.searchStop?.() });
  const refs = namedGuards(sys);
  const guards: GuardFinding[] = [];
  let stopReason = baseline.stopReason;
  for (const ref of refs) {
    if (stopReason !== undefined) break;
    // A signal that arrived during the last search is seen before the next one starts.
    await turnEventLoop();
    const shouldStop = opts.searchStop?.();
    const now = shouldStop?.();
    if (now !== undefined && endsCommand(now)) {
      stopReason = now;
      break;
    }
    const g = await judgeGuard(model, params, variant, { ...opts, shouldStop }, baseline, ref);
    const why = g.run?.stopReason;
    if (why !== undefined && endsCommand(why)) stopReason = why;
    else guards.push(g);
  }
  return { baseline, guards, total: refs.length, stopReason };
}

async function judgeGuard(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  opts: GuardOptions,
  baseline: RunResult,
  ref: GuardRef,
): Promise<GuardFinding> {
  let run: RunResult;
  try {
    const hooks = { substitute: withoutGuard(ref), maxLocalStates: opts.maxLocalStates };
    run = await checkSystemAsync(model, compileSystem(model, params, variant, hooks), opts);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { ...ref, status: 'unbounded', changes: [], message: err.message, run: undefined };
  }
  if (run.stopReason !== undefined)
    return { ...ref, status: 'unknown', changes: [], message: describeStop(run.stopReason), run };
  const changes = run.properties.flatMap((p, i): VerdictChange[] => {
    const from = baseline.properties[i]?.verdict ?? 'unknown';
    if (p.verdict === from) return [];
    return [{ property: p.name, from, to: p.verdict, path: p.verdict === 'violated' ? p.path : undefined }];
  });
  const breaks = changes.some((c) => c.from === 'holds' && c.to === 'violated');
  const status: GuardStatus = breaks ? 'necessary' : changes.length === 0 ? 'redundant' : 'changes-verdicts';
  return { ...ref, status, changes, message: undefined, run };
}
