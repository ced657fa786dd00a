// The lint: mistakes in a model that exploration would not report but silently turn into
// wrong verdicts (an event nobody handles never fires, so the invariant it should break
// "holds"). Every check is static, over the model's declarations, the built system and
// the compiled machine kinds; the one exception, world events that never fired, comes
// from the check's own exhaustive run (neverEnabledFinding). Findings are data; the
// commands print them one per line.
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { closest } from './errors.js';
import { regionFindings } from './lintRegions.js';
import { handledDescriptors, matchesDescriptor, stateNodes } from './machineDefinition.js';
import { initialSnapshot } from './machines.js';
import type { RunResult } from './check.js';
import type { AnyModel, System, Verdict } from './model.js';
import type { Property, StateTest, WorldView } from './property.js';
import { compileSystem, eventLabel, type CompiledSystem } from './system.js';

export type Severity = 'error' | 'warning';

export type LintCode =
  | 'missing-expectation'
  | 'unknown-expectation'
  | 'bad-expectation'
  | 'unknown-machine'
  | 'unknown-event'
  | 'unknown-kind'
  | 'unknown-fair-event'
  | 'property-error'
  | 'parallel-precondition'
  | 'parallel-shadowed'
  | 'never-enabled';

/** Where a finding is: the model, the variants it was found in, and what inside them. */
export interface Where {
  readonly model: string;
  readonly variants: readonly string[];
  readonly worldEvent?: string;
  readonly machine?: string;
  readonly property?: string;
}

export interface Finding {
  readonly code: LintCode;
  readonly severity: Severity;
  /** One line: what is wrong and how to fix it. */
  readonly message: string;
  readonly where: Where;
}

/** One model variant at given parameters, as `check` plans its runs. */
export interface LintTarget {
  readonly model: AnyModel;
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
}

/**
 * Every check on each target: the static ones, then (when they found no error, so the
 * system compiles) the region checks over the compiled kinds. Findings that are the same
 * in several variants of one model are reported once, naming the variants.
 */
export function lint(targets: readonly LintTarget[]): Finding[] {
  return merge(
    targets.flatMap((t) => {
      const found = lintStatic(t);
      if (found.some((f) => f.severity === 'error') || !hasParallelKind(t)) return found;
      return [...found, ...lintCompiled(t, compileSystem(t.model, t.params, t.variant))];
    }),
  );
}

/** Findings equal but for their variant, merged into one naming every variant. */
export function merge(findings: readonly Finding[]): Finding[] {
  const merged = new Map<string, { f: Finding; variants: string[] }>();
  for (const f of findings) {
    const key = `${f.where.model}\u0000${f.code}\u0000${f.message}`;
    const seen = merged.get(key);
    if (seen === undefined) merged.set(key, { f, variants: [...f.where.variants] });
    else for (const v of f.where.variants) if (!seen.variants.includes(v)) seen.variants.push(v);
  }
  return [...merged.values()].map(({ f, variants }) => ({ ...f, where: { ...f.where, variants } }));
}

/**
 * The world events an exhaustive run never took (RunResult.neverEnabled), as one finding;
 * undefined when there are none or the run was not exhaustive. `check` lists them as a
 * warning (an error under --strict); `lint --explore` as an error.
 */
export function neverEnabledFinding(run: RunResult, severity: Severity): Finding | undefined {
  const never = run.neverEnabled ?? [];
  if (never.length === 0) return undefined;
  const labels = never.map((e) => {
    const ev = run.system.events[e];
    return ev === undefined ? `event ${e}` : eventLabel(ev);
  });
  return {
    code: 'never-enabled',
    severity,
    message: `never enabled in the exhaustive run: ${labels.join('; ')} (no reachable state enables ${labels.length === 1 ? 'this world event' : `these ${labels.length} world events`}; if that is not the design, look for a misspelt event type or a guard that never holds: an event that cannot fire cannot break an invariant)`,
    where: { model: run.model, variants: [run.variant] },
  };
}

/** True when some finding is an error (or, with `strict`, any finding at all). */
export function failing(findings: readonly Finding[], strict: boolean): boolean {
  return findings.some((f) => strict || f.severity === 'error');
}

/** One line per finding, as printed by `lint` and `check`: severity, code, where, message. */
export function formatFinding(f: Finding, strict = false): string {
  const severity = strict ? 'error' : f.severity;
  return `${severity} [${f.code}] ${f.where.model}:${f.where.variants.join(',')}: ${f.message}`;
}

type At = (extra?: Omit<Where, 'model' | 'variants'>) => Where;

function locator(t: LintTarget): At {
  return (extra = {}) => ({ model: t.model.id, variants: [t.variant], ...extra });
}

/**
 * The checks that need no compilation: expectations, and the built system's participants,
 * property kinds and instance ids, symmetry groups and fairness names. Cheap (one build
 * of each variant of the model); `check` runs them before compiling anything.
 */
export function lintStatic(t: LintTarget): Finding[] {
  const at = locator(t);
  const sys = t.model.build(t.params, t.variant);
  return [...expectationFindings(t.model, t.variant, at), ...systemFindings(t, sys, at)];
}

/** The checks over the compiled machine kinds of the target (`sys` compiled from it). */
export function lintCompiled(t: LintTarget, sys: CompiledSystem): Finding[] {
  return regionFindings(sys, locator(t));
}

/** True when some machine of the target's system has a parallel state (the region checks apply). */
export function hasParallelKind(t: LintTarget): boolean {
  const machines = new Set(t.model.build(t.params, t.variant).machines.map((m) => m.machine));
  return [...machines].some((m) => stateNodes(m).some((n) => n.type === 'parallel'));
}

/**
 * Names every variant of the model has at these parameters: world event types and machine
 * kinds. Properties are shared by the variants, so a fairness list or an `ids(kind)` may
 * name what only some variants have; only a name no variant has is a mistake.
 */
interface ModelScope {
  readonly eventTypes: ReadonlySet<string>;
  readonly kinds: ReadonlySet<string>;
}

const scopes = new WeakMap<AnyModel, Map<string, ModelScope>>();

function modelScope(model: AnyModel, params: Readonly<Record<string, number>>): ModelScope {
  let byParams = scopes.get(model);
  if (byParams === undefined) {
    byParams = new Map();
    scopes.set(model, byParams);
  }
  const key = JSON.stringify(params);
  let scope = byParams.get(key);
  if (scope === undefined) {
    const systems = Object.keys(model.variants).map((v) => model.build(params, v));
    scope = {
      eventTypes: new Set(systems.flatMap((s) => s.events.map((e) => e.type))),
      kinds: new Set(systems.flatMap((s) => s.machines.map((m) => m.machine.id))),
    };
    byParams.set(key, scope);
  }
  return scope;
}

/** Verdicts each kind of property can get, for checking expectations. */
function verdictsOf(p: Property): readonly Verdict[] {
  return p.kind === 'sometimes' ? ['reached', 'unreached'] : ['holds', 'vacuous', 'violated'];
}

/** The properties judged in a variant: the model's, then the variant's own. */
function propertiesOf(model: AnyModel, variant: string): readonly Property[] {
  return [...model.properties, ...(model.variants[variant]?.properties ?? [])];
}

function expectationFindings(model: AnyModel, variant: string, at: At): Finding[] {
  const spec = model.variants[variant];
  if (spec === undefined) return [];
  const props = propertiesOf(model, variant);
  const names = props.map((p) => p.name);
  const out: Finding[] = [];
  for (const p of props) {
    const want = spec.expect[p.name];
    const allowed = verdictsOf(p);
    if (want === undefined) {
      out.push({
        code: 'missing-expectation',
        severity: 'error',
        message: `property '${p.name}' has no expected verdict in variant '${variant}'; add ${p.name}: '${allowed.join("' | '")}' to variants['${variant}'].expect (every property must be listed)`,
        where: at({ property: p.name }),
      });
    } else if (!allowed.includes(want)) {
      out.push({
        code: 'bad-expectation',
        severity: 'error',
        message: `variant '${variant}' expects '${want}' for ${p.kind} property '${p.name}', which can only be ${allowed.map((v) => `'${v}'`).join(', ')}; fix variants['${variant}'].expect`,
        where: at({ property: p.name }),
      });
    }
  }
  for (const name of Object.keys(spec.expect)) {
    if (names.includes(name)) continue;
    out.push({
      code: 'unknown-expectation',
      severity: 'error',
      message: `variant '${variant}' expects a verdict for '${name}', which is no property of the model (${hint(name, names, 'properties')}); rename or remove it in variants['${variant}'].expect`,
      where: at({ property: name }),
    });
  }
  return out;
}

/** "did you mean 'x'?" for the nearest names, else the list of valid names (shortened). */
function hint(word: string, valid: readonly string[], what: string): string {
  const near = closest(word, valid, 3);
  if (near.length > 0) return `did you mean ${near.map((n) => `'${n}'`).join(' or ')}?`;
  if (valid.length === 0) return `there are no ${what}`;
  const shown = valid.slice(0, 12).join(', ');
  return `${what}: ${shown}${valid.length > 12 ? `, … (${valid.length} in all)` : ''}`;
}

function systemFindings(t: LintTarget, sys: System, at: At): Finding[] {
  const { model } = t;
  const out: Finding[] = [];
  const byId = new Map(sys.machines.map((m) => [m.id, m]));
  const ids = sys.machines.map((m) => m.id);
  const kinds = [...new Set(sys.machines.map((m) => m.machine.id))];
  const handled = new Map<AnyStateMachine, string[]>();
  const descriptors = (m: AnyStateMachine): string[] => {
    let d = handled.get(m);
    if (d === undefined) {
      d = handledDescriptors(m);
      handled.set(m, d);
    }
    return d;
  };

  for (const e of sys.events) {
    const label = eventLabel(e);
    for (const p of e.sync) {
      const inst = byId.get(p.machine);
      if (inst === undefined) {
        out.push({
          code: 'unknown-machine',
          severity: 'error',
          message: `world event '${label}' has a participant '${p.machine}', which is no machine instance of the system (${hint(p.machine, ids, 'instances')}); fix the participant's machine id`,
          where: at({ worldEvent: label, machine: p.machine }),
        });
        continue;
      }
      const kind = inst.machine.id;
      const known = descriptors(inst.machine);
      // A participant with only `requires` sends nothing.
      if (p.event === undefined || known.some((d) => matchesDescriptor(p.event?.type ?? '', d))) continue;
      const types = known.filter((d) => !d.includes('*'));
      out.push({
        code: 'unknown-event',
        severity: 'error',
        message: `world event '${label}' sends '${p.event.type}' to ${p.machine} (machine kind '${kind}'), but no state of '${kind}' handles '${p.event.type}', so the world event can never fire (${hint(p.event.type, types, `'${kind}' handles`)}); fix the event type or add a transition for it`,
        where: at({ worldEvent: label, machine: p.machine }),
      });
    }
  }

  const properties = propertiesOf(model, t.variant);
  for (const p of properties) {
    if (p.over !== 'each' || kinds.includes(p.machine)) continue;
    out.push({
      code: 'unknown-kind',
      severity: 'error',
      message: `property '${p.name}' ranges over machine kind '${p.machine}', which no instance of the system has (${hint(p.machine, kinds, 'kinds')}); a kind is the XState machine id`,
      where: at({ property: p.name }),
    });
  }

  for (const g of sys.symmetry ?? []) {
    for (const id of g.slots.flat()) {
      if (byId.has(id)) continue;
      out.push({
        code: 'unknown-machine',
        severity: 'error',
        message: `symmetry group '${g.name}' names instance '${id}', which the system does not have (${hint(id, ids, 'instances')})`,
        where: at({ machine: id }),
      });
    }
    for (const r of g.refs ?? []) {
      if (kinds.includes(r.kind)) continue;
      out.push({
        code: 'unknown-kind',
        severity: 'error',
        message: `symmetry group '${g.name}' refers to machine kind '${r.kind}', which no instance has (${hint(r.kind, kinds, 'kinds')})`,
        where: at({ machine: r.kind }),
      });
    }
  }

  const scope = modelScope(model, t.params);
  const types = [...scope.eventTypes];
  for (const p of properties) {
    // A predicate says which world events are fair; only a list of names can misspell one.
    if (p.kind !== 'eventually' || p.fair === 'all' || typeof p.fair === 'function') continue;
    for (const name of p.fair) {
      if (scope.eventTypes.has(name)) continue;
      out.push({
        code: 'unknown-fair-event',
        severity: 'error',
        message: `property '${p.name}' is fair to '${name}', which is no world event type of any variant (${hint(name, types, 'world event types')}); fairness names world event types`,
        where: at({ property: p.name }),
      });
    }
  }

  out.push(...probeProperties(properties, sys, ids, [...scope.kinds], at));
  return out;
}

/** Thrown by the probing view when a property asks for an instance the system does not have. */
class UnknownInstance extends Error {}

/**
 * Evaluates every state test of every property once, on the initial world, through a
 * view that records unknown instance ids and kinds: a typo there otherwise ends the
 * search with an exception, or (for `ids(kind)`) silently makes the property vacuous.
 */
function probeProperties(
  properties: readonly Property[],
  sys: System,
  ids: readonly string[],
  allKinds: readonly string[],
  at: At,
): Finding[] {
  const snaps = new Map<string, AnyMachineSnapshot>();
  const snapshotOf = (id: string): AnyMachineSnapshot => {
    let s = snaps.get(id);
    if (s === undefined) {
      const m = sys.machines.find((x) => x.id === id);
      if (m === undefined) throw new UnknownInstance(id);
      s = initialSnapshot(m.machine, m.input);
      snaps.set(id, s);
    }
    return s;
  };
  const out: Finding[] = [];
  for (const p of properties) {
    const missing = new Set<string>();
    const missingKinds = new Set<string>();
    const view: WorldView = {
      get: (id) => {
        if (!ids.includes(id)) {
          missing.add(id);
          throw new UnknownInstance(id);
        }
        return snapshotOf(id);
      },
      ids: (kind) => {
        if (!allKinds.includes(kind)) missingKinds.add(kind);
        return sys.machines.filter((m) => m.machine.id === kind).map((m) => m.id);
      },
    };
    let thrown: unknown;
    for (const test of stateTests(p)) {
      try {
        test(view);
      } catch (err) {
        if (!(err instanceof UnknownInstance)) thrown ??= err;
      }
    }
    for (const id of missing) {
      out.push({
        code: 'unknown-machine',
        severity: 'error',
        message: `property '${p.name}' reads instance '${id}', which the system does not have (${hint(id, ids, 'instances')}); fix the id in the property`,
        where: at({ property: p.name, machine: id }),
      });
    }
    for (const kind of missingKinds) {
      out.push({
        code: 'unknown-kind',
        severity: 'error',
        message: `property '${p.name}' lists the instances of kind '${kind}', which no variant has (${hint(kind, allKinds, 'kinds')}), so it ranges over nothing; a kind is the XState machine id`,
        where: at({ property: p.name, machine: kind }),
      });
    }
    if (thrown !== undefined && missing.size === 0) {
      const why = thrown instanceof Error ? thrown.message : JSON.stringify(thrown);
      out.push({
        code: 'property-error',
        severity: 'error',
        message: `property '${p.name}' throws on the initial state (${why}); a property must answer for every state`,
        where: at({ property: p.name }),
      });
    }
  }
  return out;
}

/** The tests of a property that read whole states (transition tests need a step: not probed). */
function stateTests(p: Property): StateTest[] {
  const out: (StateTest | undefined)[] = [];
  if (p.over === 'state') out.push(p.test, p.premise);
  if (p.over === 'graph') {
    if (p.kind === 'eventually') out.push(p.after);
    if (p.kind === 'deadlock-free') out.push(p.terminal);
    else if ('state' in p.goal) out.push(p.goal.state);
  }
  return out.filter((t): t is StateTest => t !== undefined);
}
