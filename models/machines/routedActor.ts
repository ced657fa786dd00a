// A thread whose operation takes one of several routes of named phases: QEMU's
// kvm_convert_memory() goes one way to private and another way to shared, and may skip
// phases (ram_block_attributes_state_change() returns early when the range already has the
// wanted state). Like sequentialActor (./actor.ts), it remembers the page it works on,
// names each state after the phase its last step completed, returns to idle after a
// route's last phase, and goes back to idle when a step with `prior` sees a refusal; its
// steps are taken with actorStep() from ./actor.ts.
import type { AnyStateMachine } from 'xstate';
import { phaseMachine, type PhaseEdge } from './actor.js';

/**
 * A step of its own phase name that jumps from state `from` to where completing phase `to`
 * (later on the same route) would leave the actor, skipping the phases between.
 */
export interface Shortcut {
  readonly from: string;
  readonly phase: string;
  readonly to: string;
}

/** The state an actor is in after completing phase k of a route: its name, or idle after the last. */
const stateAfter = (phases: readonly string[], k: number): string =>
  k === phases.length - 1 ? 'idle' : (phases[k] as string);

/** The edges of the routes plus the shortcuts; throws on a malformed route or shortcut. */
function edges(
  id: string,
  routes: Readonly<Record<string, readonly string[]>>,
  shortcuts: readonly Shortcut[],
): PhaseEdge[] {
  const all = [...Object.values(routes).flat(), ...shortcuts.map((s) => s.phase)];
  for (const [k, phase] of all.entries()) {
    if (phase === 'idle' || phase.includes('.') || all.indexOf(phase) !== k)
      throw new Error(`actor '${id}': phase '${phase}' is 'idle', contains '.' or is listed twice`);
  }
  const list: PhaseEdge[] = [];
  for (const phases of Object.values(routes)) {
    if (phases.length === 0) throw new Error(`actor '${id}': a route needs at least one phase`);
    phases.forEach((phase, k) => {
      list.push({ from: k === 0 ? 'idle' : (phases[k - 1] as string), phase, target: stateAfter(phases, k) });
    });
  }
  for (const { from, phase, to } of shortcuts) {
    const phases = Object.values(routes).find((r) => r.includes(from) && r.includes(to));
    if (phases === undefined || phases.indexOf(to) <= phases.indexOf(from) + 1)
      throw new Error(`actor '${id}': shortcut ${from} → ${to} does not skip a phase of one route`);
    list.push({ from, phase, target: stateAfter(phases, phases.indexOf(to)) });
  }
  return list;
}

/**
 * An actor machine with `routes` (route name → phases in order) and optional shortcuts.
 * The first step of a route starts from idle and fixes the page; later steps must name the
 * same page. Phase names (shortcuts' included) are distinct, not 'idle', and contain no '.'.
 */
export function routedActor(
  id: string,
  routes: Readonly<Record<string, readonly string[]>>,
  shortcuts: readonly Shortcut[] = [],
): AnyStateMachine {
  return phaseMachine(id, edges(id, routes, shortcuts));
}
