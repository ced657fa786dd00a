// ITF, the Informal Trace Format of Apalache and Quint (ADR-015,
// https://apalache-mc.org/docs/adr/015adr-trace.html), so their trace viewers can show a
// foliocheck trace: one ITF state per step (state 0 is the initial world), holding every
// machine's XState value and context, plus the action that led to it.
import type { AnyMachineSnapshot } from 'xstate';
import type { ReplayReport } from './replay.js';
import type { Trace } from './trace.js';
import { initialWorld, type World } from './world.js';

export type ItfValue = boolean | number | string | readonly ItfValue[] | { readonly [key: string]: ItfValue };

export interface ItfTrace {
  readonly '#meta': Readonly<Record<string, ItfValue>>;
  readonly vars: readonly string[];
  readonly states: readonly Readonly<Record<string, ItfValue>>[];
  readonly loop?: number;
}

/** The ITF variable holding the action that led to a state. */
export const ACTION_VAR = 'mbt::actionTaken';
/** The ITF variable holding the action's actor, arguments and outcome. */
export const STEP_VAR = 'step';

/**
 * Converts a JSON-like value to ITF: safe integers stay numbers, larger integers become
 * `#bigint`, lists stay lists, objects become records; anything ITF cannot express
 * (fractions, null) becomes `#unserializable`. Undefined fields are dropped.
 */
export function toItf(v: unknown): ItfValue {
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    return Number.isInteger(v) ? { '#bigint': BigInt(v).toString() } : { '#unserializable': String(v) };
  }
  if (typeof v === 'bigint') return { '#bigint': v.toString() };
  if (Array.isArray(v)) return v.map(toItf);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, ItfValue> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toItf(x);
    return out;
  }
  return { '#unserializable': String(v) };
}

function machineStates(ids: readonly string[], world: World): Record<string, ItfValue> {
  const out: Record<string, ItfValue> = {};
  ids.forEach((id, i) => {
    const snap = world[i] as AnyMachineSnapshot;
    out[id] = toItf({ value: snap.value, context: snap.context });
  });
  return out;
}

/** The ITF form of a replayed trace (every event must have folded: no divergence). */
export function traceToItf(trace: Trace, report: ReplayReport, source: string): ItfTrace {
  const ids = report.sys.instances.map((i) => i.id);
  const init = {
    '#meta': { index: 0 },
    ...machineStates(ids, initialWorld(report.sys)),
    [ACTION_VAR]: 'init',
    [STEP_VAR]: toItf({ actor: '', type: 'init', args: {}, outcome: 'ok' }),
  };
  const steps = report.steps.map((s) => ({
    '#meta': { index: s.index + 1 },
    ...machineStates(ids, s.world),
    [ACTION_VAR]: `${s.entry.actor}:${s.entry.type}`,
    [STEP_VAR]: toItf({ actor: s.entry.actor, type: s.entry.type, args: s.entry.args, outcome: s.outcome }),
  }));
  const meta: Record<string, ItfValue> = {
    format: 'ITF',
    'format-description': 'https://apalache-mc.org/docs/adr/015adr-trace.html',
    source,
    description: `${trace.model}:${trace.variant}: ${trace.property.kind} '${trace.property.name}' ${trace.property.verdict}`,
    tool: trace.tool,
    model: trace.model,
    variant: trace.variant,
    params: toItf(trace.params),
    fingerprint: trace.fingerprint,
    property: toItf(trace.property),
  };
  return {
    '#meta': meta,
    vars: [...ids, ACTION_VAR, STEP_VAR],
    states: [init, ...steps],
    ...(trace.loop === null ? {} : { loop: trace.loop }),
  };
}
