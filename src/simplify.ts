// The second half of shrinking: simpler arguments and actors. A value is renamed
// everywhere it appears (page 2 → page 0 in every event that names it, converter1 →
// converter0 for every step of that thread), so multi-event races survive; then single
// events are replaced by a sibling (same actor and type) with simpler arguments.
import type { ArgValue, Args } from './model.js';
import type { Test } from './shrink.js';
import { eventIdentity, type CompiledSystem, type ResolvedEvent } from './system.js';

/** Simplicity order on argument values: numbers by magnitude, false < true, short strings first. */
export function compareValue(a: ArgValue, b: ArgValue): number {
  if (typeof a !== typeof b) return typeof a < typeof b ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a) - Math.abs(b) || a - b;
  if (typeof a === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa.length - sb.length || (sa < sb ? -1 : sa > sb ? 1 : 0);
}

/** Simplicity order on argument records: key by key in sorted key order. */
export function compareArgs(a: Args, b: Args): number {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const k of keys) {
    const va = a[k];
    const vb = b[k];
    if (va === undefined || vb === undefined) {
      if (va !== vb) return va === undefined ? -1 : 1;
      continue;
    }
    const d = compareValue(va, vb);
    if (d !== 0) return d;
  }
  return 0;
}

/** A renameable field of an event: its actor, or one named argument. */
type Field = { readonly actor: true } | { readonly arg: string };

const fieldValue = (ev: ResolvedEvent, f: Field): ArgValue | undefined =>
  'actor' in f ? ev.actor : ev.args[f.arg];

/** The event with field `f` set to `v`, if the model has it. */
function withField(sys: CompiledSystem, ev: ResolvedEvent, f: Field, v: ArgValue): number | undefined {
  const actor = 'actor' in f ? String(v) : ev.actor;
  const args = 'actor' in f ? ev.args : { ...ev.args, [f.arg]: v };
  return sys.eventIndex.get(eventIdentity(actor, ev.type, args));
}

/** Renames, then per-event replacements; returns the path and how many changes were kept. */
export function simplifyArgs(
  sys: CompiledSystem,
  path: number[],
  test: Test,
): { path: number[]; kept: number } {
  let kept = 0;
  for (const [field, value] of fieldValues(sys, path)) {
    for (const simpler of simplerValues(sys, field, value)) {
      const candidate = rename(sys, path, field, value, simpler);
      const ok = candidate && test(candidate);
      if (ok !== undefined) {
        path = ok;
        kept++;
        break;
      }
    }
  }
  for (let i = 0; i < path.length; i++) {
    const ev = sys.events[path[i] as number];
    if (ev === undefined) continue;
    const siblings = sys.events
      .filter((s) => s.actor === ev.actor && s.type === ev.type && compareArgs(s.args, ev.args) < 0)
      .sort((a, b) => compareArgs(a.args, b.args) || a.index - b.index);
    for (const s of siblings) {
      const ok = test([...path.slice(0, i), s.index, ...path.slice(i + 1)]);
      if (ok !== undefined) {
        path = ok;
        kept++;
        break;
      }
    }
  }
  return { path, kept };
}

/** Distinct (field, value) pairs along the path: actors first, then arguments, in order of appearance. */
function fieldValues(sys: CompiledSystem, path: readonly number[]): [Field, ArgValue][] {
  const seen = new Set<string>();
  const pairs: [Field, ArgValue][] = [];
  const add = (f: Field, v: ArgValue): void => {
    const id = JSON.stringify(['actor' in f ? null : f.arg, v]);
    if (!seen.has(id)) {
      seen.add(id);
      pairs.push([f, v]);
    }
  };
  const events = path.flatMap((e) => sys.events[e] ?? []);
  for (const ev of events) add({ actor: true }, ev.actor);
  for (const ev of events) for (const [k, v] of Object.entries(ev.args)) add({ arg: k }, v);
  return pairs;
}

/** Values of field `f` anywhere in the model that are simpler than `value`, simplest first. */
function simplerValues(sys: CompiledSystem, f: Field, value: ArgValue): ArgValue[] {
  const values = new Map<string, ArgValue>();
  for (const ev of sys.events) {
    const v = fieldValue(ev, f);
    if (v !== undefined && compareValue(v, value) < 0) values.set(JSON.stringify(v), v);
  }
  return [...values.values()].sort(compareValue);
}

/** `path` with field `f` renamed from `from` to `to` in every event; undefined if some event does not exist. */
function rename(
  sys: CompiledSystem,
  path: readonly number[],
  f: Field,
  from: ArgValue,
  to: ArgValue,
): number[] | undefined {
  const out: number[] = [];
  for (const e of path) {
    const ev = sys.events[e];
    if (ev === undefined) return undefined;
    if (fieldValue(ev, f) !== from) {
      out.push(e);
      continue;
    }
    const renamed = withField(sys, ev, f, to);
    if (renamed === undefined) return undefined;
    out.push(renamed);
  }
  return out;
}
