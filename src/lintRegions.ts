// The parallel-region lint. XState's semantics stay: a parallel machine accepts an event
// when any region has an enabled transition for it, regions without one stay put, and
// the parallel node's own transitions are taken only when no region takes the event.
// Two traps follow, both found over every local state of every compiled parallel kind:
//
// parallel-precondition: a precondition written in one region. Region `cache` accepts
// `finishPunch` only in `absent` (a transition that does nothing: no target, no actions),
// meaning "finish punch requires cache.absent"; but region `punch` takes `finishPunch`
// too, so in `cache.present` the event is still accepted. Flagged when an accepted step
// (outcome ok) leaves a region put whose handling of the event, where it has any, is
// such a do-nothing acceptance, and the region is not already where the event would
// take it. A region that *moves* on the event in some states and stays in others (a
// folio_put() callback that acts only on a pending conversion) is XState's ordinary
// reading and not flagged.
//
// parallel-shadowed: a transition on the parallel node itself (often a refusal, an
// outcome('EAGAIN') meant "for the whole machine") whose guard holds while some region
// takes the event, so it is never taken there.
//
// Not flagged, because the design says what it means: a taking transition that tests the
// staying region with stateIn(...); a participant `requires` that excludes the state (its
// own, or a requires-only participant of the same instance just before it);
// events listed in `meta: { foliocheck: { independentEvents: [...] } }` of the machine or
// of the parallel node.
import type { AnyMachineSnapshot, AnyStateMachine, AnyStateNode, EventObject, StateValue } from 'xstate';
import type { Finding, Where } from './lint.js';
import {
  childNodes,
  guardTree,
  isWithin,
  nodePath,
  stateInNodes,
  stateNodes,
  targetText,
  transitionOutcome,
  transitionsFor,
  type TransitionDef,
} from './machineDefinition.js';
import { formatValue } from './format.js';
import type { Kind } from './machines.js';
import { OK } from './outcome.js';
import type { CompiledSystem } from './system.js';

/** The machine-level marker for events whose regions react independently. */
export interface FoliocheckMeta {
  readonly independentEvents?: readonly string[];
}

/** `meta.foliocheck.independentEvents` of a state node (the root's is the machine's). */
export function independentEvents(node: AnyStateNode): readonly string[] {
  const meta = node.meta as { foliocheck?: FoliocheckMeta } | undefined;
  return meta?.foliocheck?.independentEvents ?? [];
}

type At = (extra?: Omit<Where, 'model' | 'variants'>) => Where;

/** One trap, gathered over the local states where it shows. */
interface Trap {
  readonly code: 'parallel-precondition' | 'parallel-shadowed';
  readonly region: AnyStateNode;
  readonly type: string;
  /** Where it shows: the staying region's states (precondition) or the taking regions' (shadowed). */
  readonly states: Set<string>;
  /** Regions that took the event. */
  readonly takers: Set<string>;
  /** Shadowed: the parallel node's transition that is never taken there. */
  readonly shadowed?: TransitionDef;
}

/**
 * Whether some world event may deliver alphabet entry `a` of kind `k` in local state `l`:
 * false when every participation delivering it requires (`requires`, its own or that of a
 * requires-only participant of the same instance just before it) a state `l` does not meet.
 */
export type Admits = (k: number, a: number, l: number) => boolean;

/** The Admits of a compiled system, from its participants' requirement tables. */
export function requirements(sys: CompiledSystem): Admits {
  // For each kind and alphabet entry: the requirement tables of the participations that
  // deliver it (undefined: one delivers it unconditionally).
  const byEntry = new Map<string, (readonly Uint8Array[])[]>();
  const free = new Set<string>();
  for (const e of sys.events) {
    const pending = new Map<number, Uint8Array[]>();
    for (const p of e.participants) {
      if (p.event === undefined) {
        if (p.requiresTable !== undefined)
          pending.set(p.inst, [...(pending.get(p.inst) ?? []), p.requiresTable]);
        continue;
      }
      const tables = [
        ...(pending.get(p.inst) ?? []),
        ...(p.requiresTable === undefined ? [] : [p.requiresTable]),
      ];
      pending.delete(p.inst);
      const k = sys.instances[p.inst]?.kind ?? -1;
      for (const a of p.priorAlpha ?? [p.alpha]) {
        const key = `${k}:${a}`;
        if (tables.length === 0) free.add(key);
        else byEntry.set(key, [...(byEntry.get(key) ?? []), tables]);
      }
    }
  }
  return (k, a, l) => {
    const key = `${k}:${a}`;
    if (free.has(key)) return true;
    return (byEntry.get(key) ?? []).some((tables) => tables.every((t) => t[l] === 1));
  };
}

export function regionFindings(sys: CompiledSystem, at: At, admits: Admits = requirements(sys)): Finding[] {
  const out: Finding[] = [];
  sys.kinds.forEach((kind, k) => {
    const parallels = stateNodes(kind.machine).filter((n) => n.type === 'parallel');
    if (parallels.length === 0) return;
    const instances = sys.instances.filter((i) => i.kind === k).map((i) => i.id);
    const traps = new Map<string, Trap>();
    const note = (trap: Omit<Trap, 'states' | 'takers'>, state: string, takers: readonly string[]): void => {
      const key = `${trap.code}\u0000${trap.region.id}\u0000${trap.type}`;
      let t = traps.get(key);
      if (t === undefined) {
        t = { ...trap, states: new Set(), takers: new Set() };
        traps.set(key, t);
      }
      t.states.add(state);
      for (const r of takers) t.takers.add(r);
    };
    for (const parallel of parallels) {
      const regions = childNodes(parallel);
      kind.alphabet.forEach((ev, a) => {
        if (independentEvents(parallel).includes(ev.type)) return;
        if (independentEvents(kind.machine.root).includes(ev.type)) return;
        const own = transitionsFor(parallel, ev.type);
        const mentioning = regions.filter((r) => handlersIn(r, ev.type).length > 0);
        if (own.length === 0 && mentioning.length === 0) return;
        kind.states.forEach((s, l) => {
          if (!enabledOk(sys, kind, l, a) || !active(s, parallel) || !admits(k, a, l)) return;
          const taken: readonly TransitionDef[] = kind.machine.getTransitionData(s, ev);
          if (taken.some((t) => isWithin(parallel, t.source))) return;
          const inside = taken.filter((t) => regions.some((r) => isWithin(t.source, r)));
          if (inside.length === 0) return;
          const takers = inside.flatMap((t) =>
            regions.filter((r) => isWithin(t.source, r)).map((r) => r.key),
          );
          const shadowed = own.length === 0 ? undefined : ownTransition(parallel, s, ev);
          if (shadowed !== undefined) {
            note(
              { code: 'parallel-shadowed', region: parallel, type: ev.type, shadowed },
              formatValue(s.value),
              takers,
            );
          }
          for (const region of mentioning) {
            if (inside.some((t) => isWithin(t.source, region))) continue;
            if (!precondition(kind.machine, s, region, ev.type, inside)) continue;
            note({ code: 'parallel-precondition', region, type: ev.type }, regionValue(s, region), takers);
          }
        });
      });
    }
    for (const trap of traps.values()) out.push(finding(kind.machine, instances, trap, at));
  });
  return out;
}

/** The event is enabled in local state `l` and its outcome is ok (a refusal is meant to leave regions put). */
function enabledOk(sys: CompiledSystem, kind: Kind, l: number, a: number): boolean {
  const i = l * kind.alphabet.length + a;
  return (kind.next[i] ?? -1) >= 0 && sys.outcomes[kind.out[i] ?? 0] === OK;
}

/** The transition the parallel node itself would select in `s` (XState's StateNode.next), if any. */
function ownTransition(
  parallel: AnyStateNode,
  s: AnyMachineSnapshot,
  ev: EventObject,
): TransitionDef | undefined {
  const next = (
    parallel as unknown as { next?: (s: AnyMachineSnapshot, e: EventObject) => TransitionDef[] | undefined }
  ).next;
  if (typeof next !== 'function') return undefined;
  return next.call(parallel, s, ev)?.[0];
}

/**
 * True when `region` staying put in `s` while others take `type` ignores a precondition
 * the region states: its handling of the event (in its current state when it has some
 * there, guarded off; else anywhere) includes a do-nothing acceptance, the region is not
 * already where its handling would take it, and no taking transition tests the region.
 */
function precondition(
  machine: AnyStateMachine,
  s: AnyMachineSnapshot,
  region: AnyStateNode,
  type: string,
  taken: readonly TransitionDef[],
): boolean {
  const handlers = handlersIn(region, type);
  const here = handlers.filter((t) => active(s, t.source));
  const relevant = here.length > 0 ? here : handlers;
  if (!relevant.some(acceptsOnly)) return false;
  if (here.length === 0) {
    const targets = handlers.flatMap((t) =>
      t.target === undefined || t.target.length === 0 ? [] : t.target,
    );
    if (targets.some((n) => isWithin(n, region) && active(s, n))) return false;
  }
  const tested = taken.flatMap((t) =>
    t.guard === undefined ? [] : stateInNodes(machine, guardTree(machine, t.guard)),
  );
  return !tested.some((n) => isWithin(n, region));
}

/** A transition that does nothing but accept: no target other than its source, no actions. */
function acceptsOnly(t: TransitionDef): boolean {
  const targets = t.target ?? [];
  const stays = targets.length === 0 || (targets.length === 1 && targets[0] === t.source);
  return stays && t.actions.length === 0;
}

/** Transitions for `type` on `region` and every node below it. */
function handlersIn(region: AnyStateNode, type: string): TransitionDef[] {
  const out: TransitionDef[] = [];
  const walk = (n: AnyStateNode): void => {
    out.push(...transitionsFor(n, type));
    childNodes(n).forEach(walk);
  };
  walk(region);
  return out;
}

/** The state value naming `node` (`['a', 'b']` → `{ a: 'b' }`), for `matches`. */
function valueOf(node: AnyStateNode): StateValue | undefined {
  const path = node.path;
  if (path.length === 0) return undefined;
  let v: StateValue = path[path.length - 1] as string;
  for (let i = path.length - 2; i >= 0; i--) v = { [path[i] as string]: v };
  return v;
}

function active(s: AnyMachineSnapshot, node: AnyStateNode): boolean {
  const v = valueOf(node);
  return v === undefined || s.matches(v);
}

/** The region's part of a state value, dotted from the region (e.g. 'cache.present'). */
function regionValue(s: AnyMachineSnapshot, region: AnyStateNode): string {
  let v: unknown = s.value;
  for (const key of region.path) v = (v as Record<string, unknown> | undefined)?.[key];
  const flat = (x: unknown, prefix: string): string[] =>
    typeof x === 'string'
      ? [`${prefix}.${x}`]
      : typeof x === 'object' && x !== null
        ? Object.entries(x as Record<string, unknown>).flatMap(([k, sub]) => flat(sub, `${prefix}.${k}`))
        : [prefix];
  return flat(v, region.key).join(' ');
}

function list(names: Iterable<string>): string {
  return [...names]
    .sort()
    .map((n) => `'${n}'`)
    .join(', ');
}

function finding(machine: AnyStateMachine, instances: readonly string[], trap: Trap, at: At): Finding {
  const { region, type } = trap;
  const all = [...trap.states].sort();
  const states = `${all.slice(0, 3).join('; ')}${all.length > 3 ? ` (and ${all.length - 3} more)` : ''}`;
  const subject = `machine '${machine.id}' (${instances.join(', ')}), event '${type}'`;
  const mark = `if that is intended, list '${type}' in the machine's meta: { foliocheck: { independentEvents: ['${type}'] } }`;
  if (trap.code === 'parallel-shadowed') {
    const t = trap.shadowed as TransitionDef;
    const outcome = transitionOutcome(t);
    const what = `the transition of ${region.path.length === 0 ? 'the parallel machine itself' : `parallel state '${nodePath(region)}'`} (${outcome === OK ? `to ${targetText(t)}` : `outcome ${outcome}`})`;
    return {
      code: trap.code,
      severity: 'error',
      message: `${subject}: ${what} is never taken in ${states}, because region(s) ${list(trap.takers)} take the event there and XState takes a parallel state's own transitions only when no region does; move it into the region that takes the event (as that region's first branch for '${type}'), or guard the region's transition so the two do not overlap`,
      where: at({ machine: machine.id }),
    };
  }
  const handling = [...new Set(handlersIn(region, type).map((t) => nodePath(t.source)))];
  const first = handlersIn(region, type).find(acceptsOnly)?.source ?? region;
  const requires = nodePath(first);
  return {
    code: trap.code,
    severity: 'error',
    message:
      `${subject}: region '${region.key}' accepts it only in ${handling.join(', ')}, yet ${list(trap.takers)} take${trap.takers.size > 1 ? '' : 's'} it in ${states}, where '${region.key}' stays put: the event is accepted there anyway (a parallel machine accepts an event when any region takes it). ` +
      `If '${type}' requires ${requires}, state it once: requires: '${requires}' on the participant, or guard stateIn('#${first.id}') on the taking transition; ${mark}`,
    where: at({ machine: machine.id }),
  };
}
