// The properties a search tracks and their tables: the system's properties (the model's,
// then the variant's) followed by one hidden reachability property per distinct premise,
// so that "did the premise ever hold" is answered by the same machinery as `sometimes`.
// `each` properties become tables over local states, `step` properties tables over
// (event, outcome); state and transition properties run their closures.
import { InputError } from './errors.js';
import type { Kind } from './machines.js';
import type { Property, SafetyProperty, StepView } from './property.js';

/** Tracked properties live in 31-bit masks (bit i: tracked property i). */
export const MAX_TRACKED = 31;

export interface PropertyTables {
  /** The properties, then one hidden `sometimes` per distinct premise (tracked indices). */
  readonly tracked: readonly Property[];
  /** Per property: tracked index of its premise's hidden property, or undefined. */
  readonly premiseOf: readonly (number | undefined)[];
  /** Per tracked `each` property: holds[l] per local state of its kind (else undefined). */
  readonly localTables: readonly (Uint8Array | undefined)[];
  /** Per tracked `step` property: holds[e * outcomes + o] (else undefined). */
  readonly stepTables: readonly (Uint8Array | undefined)[];
}

interface TableContext {
  readonly modelId: string;
  readonly kinds: readonly Kind[];
  readonly kindIndex: ReadonlyMap<string, number>;
  readonly events: readonly {
    readonly index: number;
    readonly actor: string;
    readonly type: string;
    readonly args: StepView['args'];
  }[];
  readonly outcomes: readonly string[];
}

/** Name of the hidden property that tracks the premise of `p`. */
export function premiseName(p: Property): string {
  return `premise of ${p.name}`;
}

export function propertyTables(cx: TableContext, properties: readonly Property[]): PropertyTables {
  const names = new Set<string>();
  for (const p of properties) {
    if (names.has(p.name))
      throw new InputError(
        'bad_model',
        `${cx.modelId}: property '${p.name}' is declared twice (model and variant properties share one namespace)`,
      );
    names.add(p.name);
  }
  const tracked: Property[] = [...properties];
  const premiseOf = properties.map((p): number | undefined => {
    const hidden = hiddenPremise(p);
    if (hidden === undefined) return undefined;
    if (p.kind !== 'always')
      throw new InputError(
        'bad_model',
        `${cx.modelId}: property '${p.name}' is a sometimes with a premise; premises belong to invariants`,
      );
    // Properties that share a premise (the same function over the same scope) share its tracking.
    const shared = tracked.findIndex(
      (q, i) =>
        i >= properties.length &&
        q.over === hidden.over &&
        q.test === hidden.test &&
        (q.over !== 'each' || hidden.over !== 'each' || q.machine === hidden.machine),
    );
    if (shared >= 0) return shared;
    tracked.push(hidden);
    return tracked.length - 1;
  });
  if (tracked.length > MAX_TRACKED) {
    throw new InputError(
      'bad_model',
      `${cx.modelId}: ${properties.length} properties and ${tracked.length - properties.length} distinct premises exceed the ${MAX_TRACKED} a search tracks; share premise functions between properties or split the model`,
    );
  }
  return {
    tracked,
    premiseOf,
    localTables: tracked.map((p) => localTable(cx, p)),
    stepTables: tracked.map((p) => stepTable(cx, p)),
  };
}

/** The hidden reachability property of a property's premise (same scope), if it has one. */
function hiddenPremise(p: Property): SafetyProperty | undefined {
  if (p.over === 'graph' || p.premise === undefined) return undefined;
  const named = { kind: 'sometimes', name: premiseName(p), doc: `the premise of '${p.name}' holds` } as const;
  if (p.over === 'state') return { ...named, over: 'state', test: p.premise };
  if (p.over === 'each') return { ...named, over: 'each', machine: p.machine, test: p.premise };
  if (p.over === 'step') return { ...named, over: 'step', test: p.premise };
  return { ...named, over: 'transition', test: p.premise };
}

function localTable(cx: TableContext, p: Property): Uint8Array | undefined {
  if (p.over !== 'each') return undefined;
  const k = cx.kindIndex.get(p.machine);
  if (k === undefined) {
    throw new InputError(
      'bad_model',
      `${cx.modelId}: property '${p.name}' ranges over unknown machine kind '${p.machine}'`,
    );
  }
  const kind = cx.kinds[k] as Kind;
  return Uint8Array.from(kind.states, (s) => (p.test(s) ? 1 : 0));
}

function stepTable(cx: TableContext, p: Property): Uint8Array | undefined {
  if (p.over !== 'step') return undefined;
  const n = cx.outcomes.length;
  const table = new Uint8Array(cx.events.length * n);
  for (const e of cx.events) {
    cx.outcomes.forEach((outcome, o) => {
      const view: StepView = { actor: e.actor, type: e.type, args: e.args, outcome };
      table[e.index * n + o] = p.test(view) ? 1 : 0;
    });
  }
  return table;
}
