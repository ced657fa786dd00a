// Guard necessity: skip each guard check of the design in turn and check again. A guard
// check is found by walking every machine kind's definition: the guard of every guarded
// transition (named in setup({ guards }), written inline, or a stateIn), and every check
// inside it (the children of and()/or()/not(), named guards expanded into what they are
// made of). Each sits on one branch: a refusal (the transition reports an outcome such
// as EAGAIN) or an acceptance.
//
// Skipping a check means the code that performs it is gone: the acceptance branch it
// protects is taken as if the check passed; the refusal branch it triggers is never taken
// because of it. Inside a combinator only that sub-check is skipped, so the replacement
// value depends on the branch and on the nots above the check: it is the value that makes
// the branch's guard more permissive (acceptance) or less (refusal). The machine without
// the check is the machine config with that one transition's guard rebuilt, passed to
// XState's createMachine with the same implementations, so XState interprets it as usual.
//
// A check is necessary when skipping it violates a property that held; redundant when the
// machine then behaves differently but no verdict changes; inert when the machine's
// compiled tables do not change at all (the check never decides anything the model can
// reach); unbounded when a counter it bounded no longer stays bounded; unknown when a
// limit (--max-seconds, --max-memory) stopped the search without the check.
import { and, createMachine, not, or } from 'xstate';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { checkSystemAsync, type CheckOptions, type Judgement, type RunResult } from './check.js';
import { InputError } from './errors.js';
import {
  guardTree,
  nodePath,
  stateNodes,
  targetText,
  transitionOutcome,
  type GuardNode,
  type TransitionDef,
} from './machineDefinition.js';
import { compileKind, eventKey, initialSnapshot, snapshotKey, type Kind } from './machines.js';
import type { AnyModel } from './model.js';
import { OK } from './outcome.js';
import { describeStop, endsCommand, turnEventLoop, type ShouldStop, type StopReason } from './stop.js';
import { compileSystem, type CompiledSystem } from './system.js';

export type GuardStatus = 'necessary' | 'redundant' | 'inert' | 'changes-verdicts' | 'unbounded' | 'unknown';

/** One guard check on one transition branch of one machine kind. */
export interface GuardSite {
  /** Machine kind id (the XState machine id). */
  readonly machine: string;
  /**
   * Unique within the kind, readable and file-name safe:
   * `<source state>.<event>[@branch][.<child indices>].<check>`, e.g. `pin.unpinned.pin.canPin`
   * (the whole guard) or `pin.unpinned.pin.0-0.in-page.hostMap.mapped` (a check inside it).
   */
  readonly id: string;
  /** Dotted path of the state node the transition leaves ('' for the machine itself). */
  readonly source: string;
  /** The event descriptor of the transition ('always' for an eventless one). */
  readonly event: string;
  /** Index of the transition among the node's transitions for the event (0: the first tried). */
  readonly branch: number;
  readonly target: string;
  /** The outcome the branch reports (OK for an acceptance). */
  readonly outcome: string;
  readonly refusal: boolean;
  /** The check, as a path through the guard: 'canPin', 'canPin › stateIn(#page.hostMap.mapped)'. */
  readonly check: string;
  /** Child indices from the transition's guard down to the check. */
  readonly path: readonly number[];
  /** The value the check takes when skipped (see the file header). */
  readonly skippedAs: boolean;
}

export interface VerdictChange {
  readonly property: string;
  readonly from: Judgement;
  readonly to: Judgement;
  /** Counterexample of a property the removal broke (holds → violated). */
  readonly path: readonly number[] | undefined;
}

export interface GuardFinding extends GuardSite {
  readonly status: GuardStatus;
  /** Every property whose verdict differs from the design's. */
  readonly changes: readonly VerdictChange[];
  /** 'unbounded': why the system without the check cannot be compiled. */
  readonly message: string | undefined;
  /** The run without the check (undefined when inert or unbounded). */
  readonly run: RunResult | undefined;
}

export interface GuardReport {
  readonly baseline: RunResult;
  /** The guards judged, in order: all of them unless a signal (or the heap) stopped the command. */
  readonly guards: readonly GuardFinding[];
  /** Guard checks of the design, judged or not. */
  readonly total: number;
  /** Why the guards after the judged ones were not judged (the baseline's own stop included). */
  readonly stopReason: StopReason | undefined;
}

/** Every guard check of every machine kind of `sys`, kinds in order, then by state node and event. */
export function guardSites(sys: CompiledSystem): GuardSite[] {
  return sys.kinds.flatMap((k) => machineGuardSites(k.machine));
}

/** Every guard check of one machine, found by walking its definition. */
export function machineGuardSites(machine: AnyStateMachine): GuardSite[] {
  const out: GuardSite[] = [];
  for (const node of stateNodes(machine)) {
    for (const [event, list] of transitionLists(node)) {
      list.forEach((t, branch) => {
        if (t.guard === undefined) return;
        const outcome = transitionOutcome(t);
        const refusal = outcome !== OK;
        const base = {
          machine: machine.id,
          source: nodePath(node),
          event,
          branch,
          target: targetText(t),
          outcome,
          refusal,
        };
        const transition = `${nodePath(node) || 'machine'}.${event}${branch > 0 ? `@${branch}` : ''}`;
        for (const c of checksOf(guardTree(machine, t.guard))) {
          const at = c.path.length === 0 ? [] : [c.path.join('-')];
          out.push({
            ...base,
            id: [transition, ...at, c.name].join('.').replace(/[^\w.@-]/g, '_'),
            check: c.labels.join(' › '),
            path: c.path,
            // Skipped: the value that lets the acceptance through / never triggers the refusal.
            skippedAs: c.positive !== refusal,
          });
        }
      });
    }
  }
  return out;
}

/** The transition lists of a node by event descriptor, model events only, then its eventless ones. */
function transitionLists(node: AnyStateNode): [string, readonly TransitionDef[]][] {
  const lists: [string, readonly TransitionDef[]][] = [...node.transitions.entries()].filter(
    ([d]) => !d.startsWith('xstate.'),
  );
  if (node.always !== undefined && node.always.length > 0) lists.push(['always', node.always]);
  return lists;
}

interface Check {
  readonly path: number[];
  readonly labels: string[];
  /** True when the guard passes more often as this check passes more often (an even number of nots above it). */
  readonly positive: boolean;
  /** For the site id: the check's own name ('canPin', 'inline', 'in-page.hostMap.mapped'). */
  readonly name: string;
}

/** A file-name friendly name of one guard node. */
function shortName(n: GuardNode): string {
  if (n.kind === 'named') return n.label;
  if (n.kind === 'stateIn') return `in-${n.label.slice('stateIn('.length, -1).replace(/^#/, '')}`;
  return n.kind;
}

/**
 * The checks of a guard tree: the whole guard, then every node below it except the
 * anonymous combinators (their children are listed instead) and a named guard's own
 * implementation when that is a single check (it decides what the name decides); a named
 * guard made of and()/or()/not() is expanded into its checks.
 */
function checksOf(root: GuardNode): Check[] {
  const out: Check[] = [];
  const visit = (n: GuardNode, c: Check, parent: GuardNode | undefined): void => {
    const check = n.kind === 'named' || n.kind === 'inline' || n.kind === 'stateIn';
    const alias = parent?.kind === 'named';
    if (c.path.length === 0 || (check && !alias)) out.push(c);
    n.children.forEach((child, i) => {
      const combinator = child.kind === 'and' || child.kind === 'or' || child.kind === 'not';
      visit(
        child,
        {
          path: [...c.path, i],
          labels: combinator ? c.labels : [...c.labels, child.label],
          positive: n.kind === 'not' ? !c.positive : c.positive,
          name: shortName(child),
        },
        n,
      );
    });
  };
  visit(root, { path: [], labels: [root.label], positive: true, name: shortName(root) }, undefined);
  return out;
}

/** The guard with the check at `path` replaced by the constant `value` (named guards on the way inlined). */
function replaceCheck(node: GuardNode, path: readonly number[], value: boolean): unknown {
  const [i, ...rest] = path;
  if (i === undefined) return value ? () => true : () => false;
  const children = node.children.map((c, j) => (j === i ? replaceCheck(c, rest, value) : c.raw));
  switch (node.kind) {
    case 'named':
      return children[0];
    case 'and':
      return and(children as Parameters<typeof and>[0]);
    case 'or':
      return or(children as Parameters<typeof or>[0]);
    case 'not':
      return not(children[0] as Parameters<typeof not>[0]);
    default:
      throw new Error(`engine: a ${node.kind} guard has no sub-checks`);
  }
}

type Config = Record<string, unknown>;

/** The machine with `site`'s check skipped: its config with that one transition's guard rebuilt. */
export function withoutCheck(machine: AnyStateMachine, site: GuardSite): AnyStateMachine {
  const node = stateNodes(machine).find((n) => nodePath(n) === site.source);
  const t =
    node === undefined ? undefined : transitionLists(node).find(([d]) => d === site.event)?.[1][site.branch];
  if (node === undefined || t === undefined)
    throw new Error(`engine: no transition for guard site ${site.id}`);
  const guard = replaceCheck(guardTree(machine, t.guard), site.path, site.skippedAs);
  const config = rewriteNode(machine.config as Config, node.path, (n) => {
    if (site.event === 'always') return { ...n, always: rewriteList(n['always'], site.branch, guard) };
    const on = n['on'] as Config;
    return { ...n, on: { ...on, [site.event]: rewriteList(on[site.event], site.branch, guard) } };
  });
  return createMachine(config as Parameters<typeof createMachine>[0], machine.implementations as never);
}

/** `config` with the node at `path` replaced by `edit(node)`; everything else shared. */
function rewriteNode(config: Config, path: readonly string[], edit: (n: Config) => Config): Config {
  const [key, ...rest] = path;
  if (key === undefined) return edit(config);
  const states = config['states'] as Record<string, Config>;
  return { ...config, states: { ...states, [key]: rewriteNode(states[key] as Config, rest, edit) } };
}

/** A transition list (string, object or array, as XState accepts) with branch `i`'s guard replaced. */
function rewriteList(list: unknown, i: number, guard: unknown): unknown[] {
  const items = Array.isArray(list) ? list : [list];
  return items.map((t, j) => {
    if (j !== i) return t;
    const obj = typeof t === 'string' || t === undefined ? { target: t } : (t as Config);
    return { ...obj, guard };
  });
}

/** The machine unchanged but rebuilt from its config: the rewrite's identity, for tests. */
export function rebuilt(machine: AnyStateMachine): AnyStateMachine {
  return createMachine(
    rewriteNode(machine.config as Config, [], (n) => ({ ...n })) as Parameters<typeof createMachine>[0],
    machine.implementations as never,
  );
}

export interface GuardOptions extends CheckOptions {
  /**
   * A machine without the check that exceeds this many local states is reported
   * 'unbounded' (default: the engine's limit, MAX_LOCAL_STATES; lower is faster).
   */
  readonly maxLocalStates?: number | undefined;
  /** The stop of each search, a fresh budget per call (default: none; src/stop.ts). */
  readonly searchStop?: (() => ShouldStop) | undefined;
}

/**
 * Judges every guard check, one search each after the design's own (inert checks need none).
 * A search that a
 * limit stopped (--max-seconds, --max-memory) leaves its guard 'unknown' and the next is
 * judged; a signal or a full heap ends the whole: the guards judged so far are returned.
 */
export async function guardNecessity(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  opts: GuardOptions,
  sys: CompiledSystem = compileSystem(model, params, variant),
): Promise<GuardReport> {
  const baseline = await checkSystemAsync(model, sys, { ...opts, shouldStop: opts.searchStop?.() });
  const inputs = model.build(params, variant).machines;
  const sites = guardSites(sys);
  // Skipping different checks often leaves the same machine behind (a sub-check that
  // decides exactly what its guard decides): one run per distinct compiled kind.
  const runs = new Map<string, RunResult>();
  const judge = async (site: GuardSite, shouldStop: ShouldStop | undefined): Promise<GuardFinding> => {
    const k = sys.kindIndex.get(site.machine);
    const kind = k === undefined ? undefined : sys.kinds[k];
    if (kind === undefined) throw new Error(`engine: no machine kind ${site.machine}`);
    const without = withoutCheck(kind.machine, site);
    const none = { changes: [], message: undefined, run: undefined };
    let run: RunResult | undefined;
    try {
      const tables = kindTables(kind, without, inputs, sys, opts.maxLocalStates);
      if (tables === tablesOf(kind)) return { ...site, status: 'inert', ...none };
      const key = `${site.machine}\u0000${tables}`;
      run = runs.get(key);
      if (run === undefined) {
        const hooks = {
          substitute: (m: AnyStateMachine) => (m.id === site.machine ? without : m),
          maxLocalStates: opts.maxLocalStates,
        };
        run = await checkSystemAsync(model, compileSystem(model, params, variant, hooks), {
          ...opts,
          shouldStop,
        });
        // A stopped run is not a finding to share: the next check with these tables searches again.
        if (run.stopReason === undefined) runs.set(key, run);
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return { ...site, status: 'unbounded', ...none, message: err.message };
    }
    if (run.stopReason !== undefined)
      return { ...site, status: 'unknown', changes: [], message: describeStop(run.stopReason), run };
    const changes = run.properties.flatMap((p, i): VerdictChange[] => {
      const from = baseline.properties[i]?.verdict ?? 'unknown';
      if (p.verdict === from) return [];
      return [{ property: p.name, from, to: p.verdict, path: p.verdict === 'violated' ? p.path : undefined }];
    });
    const breaks = changes.some((c) => c.from === 'holds' && c.to === 'violated');
    const status: GuardStatus = breaks
      ? 'necessary'
      : changes.length === 0
        ? 'redundant'
        : 'changes-verdicts';
    return { ...site, status, changes, message: undefined, run };
  };
  const guards: GuardFinding[] = [];
  let stopReason = baseline.stopReason;
  for (const site of sites) {
    if (stopReason !== undefined) break;
    // A signal that arrived during the last search is seen before the next one starts.
    await turnEventLoop();
    const shouldStop = opts.searchStop?.();
    const now = shouldStop?.();
    if (now !== undefined && endsCommand(now)) {
      stopReason = now;
      break;
    }
    const g = await judge(site, shouldStop);
    const why = g.run?.stopReason;
    if (why !== undefined && endsCommand(why)) stopReason = why;
    else guards.push(g);
  }
  return { baseline, guards, total: sites.length, stopReason };
}

type Inputs = readonly { readonly id: string; readonly machine: AnyStateMachine; readonly input?: unknown }[];

/** A compiled kind as one string: local states, outcomes named, successors. */
function tablesOf(kind: Kind, outcomes?: readonly string[]): string {
  return JSON.stringify([
    kind.states.map(snapshotKey),
    kind.alphabet.map(eventKey),
    Array.from(kind.next),
    outcomes === undefined ? Array.from(kind.out) : Array.from(kind.out, (o) => outcomes[o]),
  ]);
}

/**
 * The tables the machine without the check compiles to, over the design kind's events
 * and initial states (the tables of the design when the check never decides anything the
 * model reaches). Compiles that one kind only; a new outcome makes them differ.
 */
function kindTables(
  kind: Kind,
  without: AnyStateMachine,
  inputs: Inputs,
  sys: CompiledSystem,
  maxLocalStates: number | undefined,
): string {
  const initials = inputs
    .filter((m) => m.machine.id === kind.name)
    .map((m) => initialSnapshot(without, m.input));
  const outcomes = [...sys.outcomes];
  const intern = (code: string): number => {
    const i = outcomes.indexOf(code);
    if (i >= 0) return i;
    outcomes.push(code);
    return outcomes.length - 1;
  };
  const again = compileKind(kind.name, without, initials, kind.alphabet, intern, maxLocalStates);
  return outcomes.length === sys.outcomes.length ? tablesOf(again) : tablesOf(again, outcomes);
}

/**
 * Flaws a broken property stands for: those of the variants this variant fixes
 * (`fixedBy` naming it) that expect the property violated where this variant does not.
 */
export function flawsOf(model: AnyModel, variant: string, property: string): string[] {
  const own = model.variants[variant]?.expect[property];
  const flaws = Object.values(model.variants).flatMap((v) =>
    v.fixedBy === variant && v.expect[property] === 'violated' && own !== 'violated' ? v.flaws : [],
  );
  return [...new Set(flaws)];
}
