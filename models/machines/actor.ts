// A thread that works on one page at a time through a fixed sequence of named phases:
// idle → phase 1 → … → idle, remembering the page it works on. Each step event names the
// page and the phase it completes; a step that receives `prior` (the outcome of the
// machines it acted on) goes back to idle when that outcome is a refusal. Used for VMM,
// vCPU, migrator and other actors whose multi-step operations race with each other.
import { assign, setup, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { Participant } from '../../src/index.js';

/** True when an actor is in the middle of an operation (its `page` refers to a page). */
export const busy = (s: AnyMachineSnapshot): boolean => !s.matches('idle');

export type ActorEvent = { type: 'step'; phase: string; page: number; prior?: string };

/**
 * An actor machine whose operation takes one step per phase, in order. `phases` name what
 * each step completes, in words from the kernel path it stands for (`['isolated',
 * 'checked', 'migrated']`): after a step the actor is in the state of that name, and the
 * last step returns it to `idle`, so traces show `migrator: checked {page=1}`. Names are
 * distinct, not 'idle', and contain no '.'.
 */
export function sequentialActor(id: string, phases: readonly string[]): AnyStateMachine {
  if (phases.length === 0) throw new Error(`actor '${id}': give at least one phase`);
  for (const [k, phase] of phases.entries()) {
    if (phase === 'idle' || phase.includes('.') || phases.indexOf(phase) !== k)
      throw new Error(`actor '${id}': phase '${phase}' is 'idle', contains '.' or is listed twice`);
  }
  return phaseMachine(
    id,
    phases.map((phase, k) => ({
      from: k === 0 ? 'idle' : (phases[k - 1] as string),
      phase,
      target: k === phases.length - 1 ? 'idle' : phase,
    })),
  );
}

/** One step of a phase actor: from state `from`, completing `phase`, to state `target`. */
export interface PhaseEdge {
  readonly from: string;
  readonly phase: string;
  readonly target: string;
}

/**
 * The actor machine of a list of steps (sequentialActor's, or routedActor's routes): a step
 * from idle fixes the page, later steps must name the same page; a step with a refusal as
 * `prior` goes back to idle; a step into idle forgets the page.
 */
export function phaseMachine(id: string, edges: readonly PhaseEdge[]): AnyStateMachine {
  const states: Record<string, { on: { step: object[] } }> = { idle: { on: { step: [] } } };
  for (const e of edges) {
    const params = { phase: e.phase, fresh: e.from === 'idle' };
    const state = (states[e.from] ??= { on: { step: [] } });
    state.on.step.push(
      {
        guard: { type: 'accepts', params },
        target: e.target,
        actions: e.target === 'idle' ? 'clearPage' : 'setPage',
      },
      { guard: { type: 'refused', params }, target: 'idle', actions: 'clearPage' },
    );
  }
  return setup({
    types: { context: {} as { page: number }, events: {} as ActorEvent },
    guards: {
      accepts: ({ context, event }, p: { phase: string; fresh: boolean }) =>
        event.phase === p.phase &&
        (p.fresh || context.page === event.page) &&
        (event.prior === undefined || event.prior === 'ok'),
      refused: ({ context, event }, p: { phase: string; fresh: boolean }) =>
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

export interface ActorStepOptions {
  /** The step sees the outcome of the participants before it, and goes back to idle on a refusal. */
  readonly prior?: boolean;
}

/**
 * The participant of actor instance `machine` taking the step that completes `phase` on
 * `page`: put it after the machines it reacts to when `prior` is set.
 */
export function actorStep(
  machine: string,
  phase: string,
  page: number,
  opts: ActorStepOptions = {},
): Participant {
  const event = { type: 'step', phase, page };
  return opts.prior === true ? { machine, event, prior: true } : { machine, event };
}
