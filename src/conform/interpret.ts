// Plain interpretation of one model system for scenario replay: instances with their
// initial XState snapshots and world events looked up by identity, without compiling
// machine kinds to tables (a scenario takes a few dozen steps; the closure over a large
// alphabet would cost far more than the steps). Semantics as src/world.ts stepWorld: the
// participants move at once, `prior` carries the outcome so far, and the outcome is the
// first refusal.
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { InputError } from '../errors.js';
import { initialSnapshot, machineStep } from '../machines.js';
import type { AnyModel, MachineEvent, WorldEventSpec } from '../model.js';
import { OK } from '../outcome.js';

export interface Interpreted {
  readonly machines: readonly AnyStateMachine[];
  readonly ids: ReadonlyMap<string, number>;
  readonly events: readonly WorldEventSpec[];
  readonly initial: readonly AnyMachineSnapshot[];
}

export function interpretSystem(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
): Interpreted {
  const sys = model.build(params, variant);
  const ids = new Map(sys.machines.map((m, i) => [m.id, i] as const));
  for (const e of sys.events)
    for (const p of e.sync)
      if (!ids.has(p.machine))
        throw new InputError(
          'bad_model',
          `${model.id}: event ${e.type} names unknown machine '${p.machine}'`,
        );
  return {
    machines: sys.machines.map((m) => m.machine),
    ids,
    events: sys.events,
    initial: sys.machines.map((m) => initialSnapshot(m.machine, m.input)),
  };
}

/** One world event: the next world and outcome, or undefined when a participant cannot take it. */
export function interpretStep(
  sys: Interpreted,
  world: readonly AnyMachineSnapshot[],
  event: WorldEventSpec,
): { world: AnyMachineSnapshot[]; outcome: string } | undefined {
  const next = [...world];
  let outcome = OK;
  for (const p of event.sync) {
    const i = sys.ids.get(p.machine) as number;
    const delivered: MachineEvent = p.prior === true ? { ...p.event, prior: outcome } : p.event;
    const step = machineStep(sys.machines[i] as AnyStateMachine, next[i] as AnyMachineSnapshot, delivered);
    if (step === undefined) return undefined;
    if (outcome === OK) outcome = step.outcome;
    next[i] = step.next;
  }
  return { world: next, outcome };
}
