// Reading an XState machine's definition rather than running it: its state nodes, the
// event descriptors each handles, and every transition with its source, target, outcome
// and guard tree. The lint and `foliocheck guards` both work from this one reading.
import { and, not, or, stateIn } from 'xstate';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { OK, outcomeOf } from './outcome.js';

/** A transition as XState built it from the machine config. */
export type TransitionDef =
  ReturnType<AnyStateNode['transitions']['get']> extends readonly (infer T)[] | undefined ? T : never;

/** Every state node of the machine, parents before children (history nodes left out). */
export function stateNodes(machine: AnyStateMachine): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  const walk = (node: AnyStateNode): void => {
    out.push(node);
    for (const child of childNodes(node)) walk(child);
  };
  walk(machine.root);
  return out;
}

/** The child state nodes of `node` (for a parallel node: its regions). */
export function childNodes(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states as Record<string, AnyStateNode>).filter((c) => c.type !== 'history');
}

/** Dotted path of a node from the machine root ('' for the root itself). */
export function nodePath(node: AnyStateNode): string {
  return node.path.join('.');
}

/** True when `node` is `ancestor` or lies below it. */
export function isWithin(node: AnyStateNode, ancestor: AnyStateNode): boolean {
  for (let n: AnyStateNode | undefined = node; n !== undefined; n = n.parent) if (n === ancestor) return true;
  return false;
}

/** True for descriptors XState generates itself (delays, done and error events), not model events. */
function internalDescriptor(d: string): boolean {
  return d.startsWith('xstate.');
}

/** The event descriptors (`on` keys, wildcards included) some state node of the machine handles. */
export function handledDescriptors(machine: AnyStateMachine): string[] {
  const set = new Set<string>();
  for (const node of stateNodes(machine))
    for (const d of node.transitions.keys()) if (!internalDescriptor(d)) set.add(d);
  return [...set].sort();
}

/**
 * XState's descriptor matching: an exact type, `*` (every event), or a prefix `a.*`
 * (matches `a` and `a.b...`).
 */
export function matchesDescriptor(type: string, descriptor: string): boolean {
  if (descriptor === type || descriptor === '*') return true;
  if (!descriptor.endsWith('.*')) return false;
  const prefix = descriptor.slice(0, -2).split('.');
  const tokens = type.split('.');
  return prefix.every((t, i) => tokens[i] === t);
}

/** Transitions of `node` itself (not its children) that an event of `type` selects among, in XState's order. */
export function transitionsFor(node: AnyStateNode, type: string): TransitionDef[] {
  const out: TransitionDef[] = [];
  const exact = node.transitions.get(type);
  if (exact !== undefined) out.push(...exact);
  const wild = [...node.transitions.keys()]
    .filter((d) => d !== type && !internalDescriptor(d) && matchesDescriptor(type, d))
    .sort((a, b) => b.length - a.length);
  for (const d of wild) out.push(...(node.transitions.get(d) ?? []));
  return out;
}

/** The outcome code a transition reports (OK unless it carries an `outcome('E…')` action). */
export function transitionOutcome(t: TransitionDef): string {
  const actions = t.actions.filter(
    (a): a is { type: string; params?: unknown } => typeof a === 'object' && a !== null && 'type' in a,
  );
  return outcomeOf(actions);
}

/** True for a refusal branch: the transition carries an outcome other than OK. */
export function isRefusal(t: TransitionDef): boolean {
  return transitionOutcome(t) !== OK;
}

/** Where a transition goes, for people: target paths, or '(stays)' for a targetless one. */
export function targetText(t: TransitionDef): string {
  const targets = t.target ?? [];
  return targets.length === 0 ? '(stays)' : targets.map((n) => nodePath(n) || n.id).join(', ');
}

// Guard trees ------------------------------------------------------------------------

type GuardFn = ((...args: never[]) => unknown) & { check?: unknown; guards?: unknown; stateValue?: unknown };

/** The `check` functions of XState's built-in guards identify them (names can be minified). */
const AND_CHECK = (and([]) as GuardFn).check;
const OR_CHECK = (or([]) as GuardFn).check;
const NOT_CHECK = (not(() => true) as GuardFn).check;
const STATE_IN_CHECK = (stateIn('x') as GuardFn).check;

/**
 * One node of a guard as a tree:
 * - `named`: a guard referenced by name (string or `{ type, params }`) from `setup({ guards })`;
 *   `children` holds its implementation when that is a combinator or an alias.
 * - `and` / `or` / `not`: XState's combinators.
 * - `stateIn`: XState's state guard.
 * - `inline`: any other function written in place.
 */
export interface GuardNode {
  readonly kind: 'named' | 'and' | 'or' | 'not' | 'stateIn' | 'inline';
  readonly label: string;
  readonly raw: unknown;
  readonly children: readonly GuardNode[];
}

/** The tree of a transition's guard, with named guards expanded through the machine's implementations. */
export function guardTree(machine: AnyStateMachine, guard: unknown, depth = 0): GuardNode {
  if (depth > 32) throw new Error('engine: guard nesting deeper than 32 (a guard that names itself?)');
  const impls = machine.implementations.guards as Record<string, unknown>;
  if (typeof guard === 'string' || (typeof guard === 'object' && guard !== null && 'type' in guard)) {
    const name = typeof guard === 'string' ? guard : String(guard.type);
    const impl = impls[name];
    const combinator = impl !== undefined && classify(impl) !== 'inline';
    return {
      kind: 'named',
      label: name,
      raw: guard,
      children: combinator ? [guardTree(machine, impl, depth + 1)] : [],
    };
  }
  const kind = classify(guard);
  const fn = guard as GuardFn;
  if (kind === 'stateIn')
    return { kind, label: `stateIn(${stateInText(fn.stateValue)})`, raw: guard, children: [] };
  if (kind === 'inline') return { kind, label: inlineLabel(guard), raw: guard, children: [] };
  const subs = (fn.guards as readonly unknown[]).map((g) => guardTree(machine, g, depth + 1));
  return { kind, label: `${kind}(…)`, raw: guard, children: subs };
}

function classify(g: unknown): GuardNode['kind'] {
  if (typeof g === 'string' || (typeof g === 'object' && g !== null)) return 'named';
  const check = (g as GuardFn).check;
  if (check === undefined) return 'inline';
  if (check === AND_CHECK) return 'and';
  if (check === OR_CHECK) return 'or';
  if (check === NOT_CHECK) return 'not';
  if (check === STATE_IN_CHECK) return 'stateIn';
  return 'inline';
}

function stateInText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A short, one-line excerpt of an inline guard's source, so people can tell which it is. */
function inlineLabel(g: unknown): string {
  const text = String(g).replace(/\s+/g, ' ').trim();
  return `inline ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/**
 * The state nodes a guard tree tests with `stateIn`, resolved on the machine
 * (`'#id.a.b'` by id, a state value from the root otherwise).
 */
export function stateInNodes(machine: AnyStateMachine, tree: GuardNode): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  const visit = (n: GuardNode): void => {
    if (n.kind === 'stateIn') out.push(...resolveStateIn(machine, (n.raw as GuardFn).stateValue));
    n.children.forEach(visit);
  };
  visit(tree);
  return out;
}

function resolveStateIn(machine: AnyStateMachine, value: unknown): AnyStateNode[] {
  try {
    if (typeof value === 'string' && value.startsWith('#')) return [machine.getStateNodeById(value.slice(1))];
    const paths = typeof value === 'string' ? [value.split('.')] : valuePaths(value);
    return paths.flatMap((p) => {
      let node: AnyStateNode | undefined = machine.root;
      for (const key of p) node = (node?.states as Record<string, AnyStateNode> | undefined)?.[key];
      return node === undefined ? [] : [node];
    });
  } catch {
    return [];
  }
}

function valuePaths(v: unknown): string[][] {
  if (typeof v === 'string') return [[v]];
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, sub]) =>
    sub === undefined || (typeof sub === 'object' && sub !== null && Object.keys(sub).length === 0)
      ? [[k]]
      : valuePaths(sub).map((rest) => [k, ...rest]),
  );
}
