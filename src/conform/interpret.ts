// Plain interpretation of one model system for scenario replay: instances with their
// initial XState snapshots and world events looked up by identity, without compiling
// machine kinds to tables (a scenario takes a few dozen steps; the closure over a large
// alphabet would cost far more than the steps). The semantics are the checker's own
// (src/world.ts runParticipants): `choices` expanded, `requires` checked, participants in
// list order, `prior` carrying the outcome so far, the outcome the first refusal.
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { initialSnapshot } from '../machines.js';
import type { AnyModel, WorldEventSpec } from '../model.js';
import { checkParticipant, expandChoices } from '../participants.js';
import { runParticipants } from '../world.js';

export interface Interpreted {
  readonly machines: readonly AnyStateMachine[];
  readonly ids: ReadonlyMap<string, number>;
  /** World events with `choices` expanded (one per choice, `args.choice` set), as the checker explores them. */
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
  const machines = sys.machines.map((m) => m.machine);
  const events = expandChoices(model.id, sys.events);
  for (const e of events)
    for (const p of e.sync) checkParticipant(model.id, e, p, ids, (i) => machines[i] as AnyStateMachine);
  return {
    machines,
    ids,
    events,
    initial: sys.machines.map((m) => initialSnapshot(m.machine, m.input)),
  };
}

/** One world event: the next world and outcome, or undefined when a participant cannot take it. */
export function interpretStep(
  sys: Interpreted,
  world: readonly AnyMachineSnapshot[],
  event: WorldEventSpec,
): { world: AnyMachineSnapshot[]; outcome: string } | undefined {
  const parts = event.sync.map((p) => ({
    inst: sys.ids.get(p.machine) as number,
    event: p.event,
    prior: p.prior === true,
    requires: p.requires,
  }));
  const step = runParticipants(
    parts,
    (i) => world[i] as AnyMachineSnapshot,
    (i) => sys.machines[i] as AnyStateMachine,
  );
  if (step === undefined) return undefined;
  const next = [...world];
  for (const [i, snap] of step.moved) next[i] = snap;
  return { world: next, outcome: step.outcome };
}
