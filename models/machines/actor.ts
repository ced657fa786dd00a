// A thread that works on one page at a time through a fixed sequence of steps:
// idle → step1 → … → idle, remembering the page it works on. Each step event names the
// page; a step that receives `prior` (the outcome of the machines it acted on) goes back
// to idle when that outcome is a refusal. Used for VMM, vCPU, migrator and other actors
// whose multi-step operations race with each other.
import { assign, setup, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';

/** True when an actor is in the middle of an operation (its `page` refers to a page). */
export const busy = (s: AnyMachineSnapshot): boolean => !s.matches('idle');

export type ActorEvent = { type: 'step'; phase: number; page: number; prior?: string };

/**
 * An actor machine with `phases` steps: phase 0 leaves idle, phase `phases - 1` returns to
 * idle. States are `idle` and `p1` … `p{phases-1}`.
 */
export function sequentialActor(id: string, phases: number): AnyStateMachine {
  const states: Record<string, object> = {};
  const name = (phase: number): string => (phase === 0 || phase === phases ? 'idle' : `p${phase}`);
  for (let phase = 0; phase < phases; phase++) {
    const next = name(phase + 1);
    const from = name(phase);
    const fresh = phase === 0;
    states[from] = {
      on: {
        step: [
          {
            guard: { type: 'accepts', params: { phase, fresh } },
            target: next,
            actions: next === 'idle' ? 'clearPage' : 'setPage',
          },
          { guard: { type: 'refused', params: { phase, fresh } }, target: 'idle', actions: 'clearPage' },
        ],
      },
    };
  }
  return setup({
    types: { context: {} as { page: number }, events: {} as ActorEvent },
    guards: {
      accepts: ({ context, event }, p: { phase: number; fresh: boolean }) =>
        event.phase === p.phase &&
        (p.fresh || context.page === event.page) &&
        (event.prior === undefined || event.prior === 'ok'),
      refused: ({ context, event }, p: { phase: number; fresh: boolean }) =>
        event.phase === p.phase &&
        (p.fresh || context.page === event.page) &&
        event.prior !== undefined &&
        event.prior !== 'ok',
    },
    actions: {
      setPage: assign({ page: ({ event }) => event.page }),
      clearPage: assign({ page: 0 }),
    },
  }).createMachine({ id, initial: 'idle', context: { page: 0 }, states });
}
