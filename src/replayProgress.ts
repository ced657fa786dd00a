// Replay of progress counterexamples: checks that a lasso's loop closes on itself, never
// reaches the goal and is weakly fair; that a deadlock is one; and that from the end of a
// "possibly" trace the goal is unreachable (by a bounded re-exploration).
import { isFair, type ProgressProperty, type StepView } from './property.js';
import type { CompiledSystem } from './system.js';
import { enabledEvents, stepWorld, worldKey, worldView, type World } from './world.js';

export interface ProgressStep {
  readonly view: StepView;
  readonly event: number;
}

/** States explored from the end of a "possibly" trace before giving up confirming it. */
const CONFIRM_LIMIT = 200_000;

export function progressReproduced(
  sys: CompiledSystem,
  prop: ProgressProperty,
  worlds: readonly World[],
  steps: readonly ProgressStep[],
  loop: number | null,
): { ok: boolean; message: string } {
  const last = worlds[worlds.length - 1] as World;
  const view = (w: World): ReturnType<typeof worldView> => worldView(sys, w);
  if (loop !== null && worldKey(worlds[loop] as World) !== worldKey(last)) {
    return { ok: false, message: `the loop starting at event ${loop} does not return to its first state` };
  }
  if (prop.kind === 'deadlock-free') {
    const moves = enabledEvents(sys, last).some(
      (e) => worldKey(stepWorld(sys, last, e)?.world ?? last) !== worldKey(last),
    );
    if (moves) return { ok: false, message: 'the final state is not stuck: some event still moves it' };
    if (prop.terminal?.(view(last)) === true)
      return { ok: false, message: 'the final state is a terminal state' };
    return { ok: true, message: 'the final state has no successor other than itself' };
  }
  const goal = prop.goal;
  const goalState = (w: World): boolean => 'state' in goal && goal.state(view(w));
  const goalStep = (s: ProgressStep): boolean => 'step' in goal && goal.step(s.view);
  if (prop.kind === 'possibly') {
    const excluded = (s: StepView): boolean => prop.excluding?.(s) === true;
    const reachable = goalReachable(sys, last, goalState, (s) => 'step' in goal && goal.step(s), excluded);
    if (reachable === undefined)
      return { ok: false, message: `could not confirm within ${CONFIRM_LIMIT} states` };
    return reachable
      ? { ok: false, message: 'the goal is still reachable from the final state' }
      : { ok: true, message: 'the goal cannot be reached from the final state any more' };
  }
  // eventually: from some trigger point on, no goal; a loop must be weakly fair.
  let from = -1;
  for (let k = worlds.length - 1; k >= 0; k--) {
    if (goalState(worlds[k] as World) || (k < steps.length && goalStep(steps[k] as ProgressStep))) break;
    const trigger = prop.after === undefined ? k === 0 : prop.after(view(worlds[k] as World));
    if (trigger) from = k;
  }
  if (from < 0) return { ok: false, message: 'the goal is reached after every trigger state of the trace' };
  if (loop === null) {
    if (enabledEvents(sys, last).length > 0)
      return { ok: false, message: 'the trace ends in a state that can still move' };
    return { ok: true, message: 'the run stops without reaching the goal' };
  }
  if (loop < from) return { ok: false, message: 'the loop starts before the obligation' };
  const loopWorlds = worlds.slice(loop, worlds.length - 1);
  const taken = new Set(steps.slice(loop).map((s) => s.event));
  const fair = sys.events.filter((e) => isFair(prop.fair, e));
  for (const e of fair) {
    const always = loopWorlds.every((w) => stepWorld(sys, w, e.index) !== undefined);
    if (always && !taken.has(e.index)) {
      return {
        ok: false,
        message: `the loop is not fair: ${e.actor} ${e.type} stays enabled but never happens`,
      };
    }
  }
  return { ok: true, message: 'the loop repeats forever, is weakly fair, and never reaches the goal' };
}

/** Breadth-first search from `start` over allowed steps; undefined when the limit is hit. */
function goalReachable(
  sys: CompiledSystem,
  start: World,
  goalState: (w: World) => boolean,
  goalStep: (s: StepView) => boolean,
  excluded: (s: StepView) => boolean,
): boolean | undefined {
  const seen = new Set([worldKey(start)]);
  const queue = [start];
  for (let h = 0; h < queue.length; h++) {
    const w = queue[h] as World;
    if (goalState(w)) return true;
    for (const e of enabledEvents(sys, w)) {
      const step = stepWorld(sys, w, e);
      const ev = sys.events[e];
      if (step === undefined || ev === undefined) continue;
      const view: StepView = { actor: ev.actor, type: ev.type, args: ev.args, outcome: step.outcome };
      if (excluded(view)) continue;
      if (goalStep(view)) return true;
      const key = worldKey(step.world);
      if (!seen.has(key)) {
        if (seen.size >= CONFIRM_LIMIT) return undefined;
        seen.add(key);
        queue.push(step.world);
      }
    }
  }
  return false;
}
