// Machine states as words for people: one `key=value` word per region of the XState value
// and per context field ("attr=shared", "pins=1", "dma=none"), never JSON, never a bare -1.
// Reports, the text report and replay all render states through here, so a state reads the
// same everywhere; diffs between two states are taken word by word.
import type { AnyMachineSnapshot, AnyStateMachine, StateValue } from 'xstate';

/** One word of a state: `key` is '' for the state of a flat machine ("idle"). */
export interface StateWord {
  readonly key: string;
  readonly value: string;
}

/**
 * A context value as a word: -1 (the models' "no slot / no index") reads `none`, booleans
 * read `yes`/`no`, lists read `a,b`, strings as they are.
 */
export function valueWord(v: unknown): string {
  if (v === -1) return 'none';
  if (v === true) return 'yes';
  if (v === false) return 'no';
  if (v === null || v === undefined) return 'none';
  if (Array.isArray(v)) return v.map(valueWord).join(',');
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}:${valueWord(x)}`)
      .join(',');
  }
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint' ? String(v) : typeof v;
}

/** The words of an XState state value: "idle", or "region=leaf" / "region=child.leaf" per region. */
export function valueWords(value: StateValue): StateWord[] {
  if (typeof value === 'string') return [{ key: '', value }];
  return Object.entries(value).map(([region, sub]) => ({
    key: region,
    value: typeof sub === 'string' ? sub : nested(sub as StateValue),
  }));
}

function nested(value: StateValue): string {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([k, sub]) => (typeof sub === 'string' ? `${k}.${sub}` : `${k}.${nested(sub as StateValue)}`))
    .join('+');
}

/** Value words, then one word per context field in declaration order. */
export function stateWords(s: AnyMachineSnapshot): StateWord[] {
  const ctx =
    s.context !== null && typeof s.context === 'object'
      ? Object.entries(s.context as Record<string, unknown>).map(([key, v]) => ({ key, value: valueWord(v) }))
      : [];
  return [...valueWords(s.value), ...ctx];
}

export function wordText(w: StateWord): string {
  return w.key === '' ? w.value : `${w.key}=${w.value}`;
}

/** "idle page=0", "attr=shared hostMap=mapped pins=1". */
export function stateText(s: AnyMachineSnapshot): string {
  return stateWords(s).map(wordText).join(' ');
}

/** A change of one word between two states: [key, before, after]. */
export type WordChange = readonly [key: string, before: string, after: string];

/** Words whose value differs between `before` and `after`, in `after`'s order. */
export function stateChanges(before: AnyMachineSnapshot, after: AnyMachineSnapshot): WordChange[] {
  const old = new Map(stateWords(before).map((w) => [w.key, w.value] as const));
  return stateWords(after).flatMap((w): WordChange[] => {
    const was = old.get(w.key) ?? '-';
    return was === w.value ? [] : [[w.key, was, w.value]];
  });
}

/** "attr: shared -> private", "idle -> faulting" (arrow given by the caller's charset). */
export function changeText(c: WordChange, arrow = '->'): string {
  const [key, before, after] = c;
  return key === '' ? `${before} ${arrow} ${after}` : `${key}: ${before} ${arrow} ${after}`;
}

interface DescribedNode {
  readonly key: string;
  readonly description?: string | undefined;
  readonly states: Readonly<Record<string, DescribedNode>>;
}

/**
 * What the active state nodes of `value` stand for, from XState's `description` field of
 * each state node ("faulting: kvm_gmem_fault_user_mapping() between check and map").
 */
export function phaseDescriptions(machine: AnyStateMachine, value: StateValue): string[] {
  const walk = (node: DescribedNode, v: StateValue, prefix: string): string[] => {
    const entries: [string, StateValue | undefined][] =
      typeof v === 'string' ? [[v, undefined]] : Object.entries(v).map(([k, sub]) => [k, sub as StateValue]);
    return entries.flatMap(([k, sub]) => {
      const child = node.states[k];
      if (child === undefined) return [];
      const name = prefix === '' ? k : `${prefix}.${k}`;
      const own = child.description === undefined ? [] : [`${name}: ${child.description}`];
      return [...own, ...(sub === undefined ? [] : walk(child, sub, name))];
    });
  };
  const root: DescribedNode = machine.root;
  return walk(root, value, '');
}
