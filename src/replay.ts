// Replay is the fold: re-apply a trace's events to the model's initial world, compare
// every recorded outcome, then check that the trace's property fails (or is reached) at
// the end. The first difference is reported with its likely cause: an edited trace or a
// changed model, unless a second fold of the same events gives another outcome, which
// proves the model nondeterministic.
import { InputError, unknownName } from './errors.js';
import type { AnyModel } from './model.js';
import { resolveParams, resolveVariant } from './params.js';
import { isSafety, type StepView } from './property.js';
import { progressReproduced } from './replayProgress.js';
import { compileSystem, eventIdentity, eventLabel, type CompiledSystem } from './system.js';
import type { Trace, TraceEvent } from './trace.js';
import { initialWorld, stateTestHolds, stepWorld, transitionTestHolds, type World } from './world.js';

export interface ReplayedStep {
  readonly index: number;
  readonly entry: TraceEvent;
  readonly event: number;
  readonly outcome: string;
  readonly world: World;
  readonly touched: readonly number[];
}

export interface ReplayReport {
  readonly sys: CompiledSystem;
  readonly steps: readonly ReplayedStep[];
  readonly fingerprintMatches: boolean;
  /** The first event whose replay differs from the record, and why. */
  readonly divergence: { readonly index: number; readonly message: string } | undefined;
  /** True when the fold reproduced every outcome and the property verdict the trace claims. */
  readonly reproduced: boolean;
  readonly verdictMessage: string;
}

export function compileForTrace(model: AnyModel, trace: Trace): CompiledSystem {
  const variant = resolveVariant(model, trace.variant);
  const sets = Object.fromEntries(Object.entries(trace.params).map(([k, v]) => [k, String(v)]));
  // A trace records the parameters it was found with; a run past a declared maximum
  // (check --beyond-max) replays as recorded.
  return compileSystem(model, resolveParams(model, sets, { beyondMax: true }), variant);
}

/** Most systems compiled while looking for the variant and parameters a fingerprint belongs to. */
const MAX_PROBES = 48;

/**
 * The variant and parameters under which this build of `model` has `fingerprint`, when
 * they differ from the trace's by the variant or one parameter (an edited trace).
 */
function recordedUnder(
  model: AnyModel,
  trace: Trace,
  fingerprint: string,
): { variant: string; params: Record<string, number> } | undefined {
  const candidates: { variant: string; params: Record<string, number> }[] = [];
  for (const variant of Object.keys(model.variants))
    if (variant !== trace.variant) candidates.push({ variant, params: { ...trace.params } });
  for (const [name, spec] of Object.entries(model.params))
    for (let v = spec.min; v <= spec.max && candidates.length < MAX_PROBES * 4; v++)
      if (v !== trace.params[name])
        candidates.push({ variant: trace.variant, params: { ...trace.params, [name]: v } });
  for (const c of candidates.slice(0, MAX_PROBES)) {
    try {
      if (compileSystem(model, c.params, c.variant).fingerprint === fingerprint) return c;
    } catch {
      // a combination the model refuses is not where the trace came from
    }
  }
  return undefined;
}

const describeRun = (variant: string, params: Readonly<Record<string, number>>): string =>
  `${variant}${Object.entries(params)
    .map(([k, v]) => ` ${k}=${v}`)
    .join('')}`;

export function replay(model: AnyModel, trace: Trace, opts: { readonly force: boolean }): ReplayReport {
  const sys = compileForTrace(model, trace);
  const fingerprintMatches = sys.fingerprint === trace.fingerprint;
  if (!fingerprintMatches && !opts.force) {
    const original = recordedUnder(model, trace, trace.fingerprint);
    if (original !== undefined)
      throw new InputError(
        'trace_model_mismatch',
        `the trace names ${model.id}:${describeRun(trace.variant, trace.params)}, but its fingerprint is that of ${model.id}:${describeRun(original.variant, original.params)} (its variant or params were edited); restore them, or re-record it with 'foliocheck check --out DIR'`,
      );
    throw new InputError(
      'trace_model_mismatch',
      `trace was recorded against ${trace.model} with fingerprint ${trace.fingerprint}, but this build of the model has ${sys.fingerprint} (the model changed); re-record it with 'foliocheck check --out DIR', or pass --force to replay anyway and see the first divergence`,
    );
  }
  const propIndex = sys.properties.findIndex((p) => p.name === trace.property.name);
  const prop = sys.properties[propIndex];
  if (prop === undefined) {
    throw new InputError(
      'unknown_property',
      unknownName(
        `property of ${model.id}`,
        trace.property.name,
        sys.properties.map((p) => p.name),
        'fix $.property.name in the trace',
      ),
    );
  }
  const cause = fingerprintMatches
    ? " (the trace was edited, or the model's semantics changed)"
    : ' (the model changed since the trace was recorded)';
  const steps: ReplayedStep[] = [];
  let world = initialWorld(sys);
  let divergence: ReplayReport['divergence'];
  for (const [index, entry] of trace.events.entries()) {
    const e = sys.eventIndex.get(eventIdentity(entry.actor, entry.type, entry.args));
    if (e === undefined) {
      divergence = {
        index,
        message: `event ${index} (${eventLabel(entry)}) does not exist in ${model.id}:${sys.variant}${cause}`,
      };
      break;
    }
    const step = stepWorld(sys, world, e);
    const proof = step?.outcome === entry.outcome ? undefined : nondeterminism(sys, steps, e, step?.outcome);
    if (proof !== undefined) {
      divergence = { index, message: proof };
      break;
    }
    if (step === undefined) {
      divergence = {
        index,
        message: `event ${index} (${eventLabel(entry)}) is not enabled in the state reached${cause}`,
      };
      break;
    }
    if (step.outcome !== entry.outcome) {
      divergence = {
        index,
        message: `event ${index} (${eventLabel(entry)}) gives outcome '${step.outcome}' but the trace recorded '${entry.outcome}'${cause}`,
      };
      break;
    }
    world = step.world;
    steps.push({ index, entry, event: e, outcome: step.outcome, world, touched: step.touched });
  }
  if (divergence !== undefined) {
    return {
      sys,
      steps,
      fingerprintMatches,
      divergence,
      reproduced: false,
      verdictMessage: 'not checked: the replay diverged',
    };
  }
  if (prop.kind !== trace.property.kind) {
    const message = `the trace calls '${prop.name}' ${trace.property.kind} but the model declares it ${prop.kind}`;
    return {
      sys,
      steps,
      fingerprintMatches,
      divergence: undefined,
      reproduced: false,
      verdictMessage: message,
    };
  }
  if (!isSafety(prop)) {
    const worlds = [initialWorld(sys), ...steps.map((s) => s.world)];
    const views = steps.map((s) => ({ view: { ...s.entry, outcome: s.outcome }, event: s.event }));
    const res =
      trace.property.verdict === 'violated'
        ? progressReproduced(sys, prop, worlds, views, trace.loop)
        : { ok: false, message: `a ${prop.kind} trace must claim 'violated'` };
    const verdictMessage = res.ok
      ? `${prop.kind} '${prop.name}' is violated: ${res.message}`
      : `${prop.kind} '${prop.name}' is not reproduced: ${res.message}`;
    return { sys, steps, fingerprintMatches, divergence: undefined, reproduced: res.ok, verdictMessage };
  }
  let holds: boolean;
  const last = steps[steps.length - 1];
  if (prop.over === 'step') {
    const view: StepView | undefined = last && { ...last.entry, outcome: last.outcome };
    holds = view === undefined ? prop.kind === 'always' : prop.test(view);
  } else if (prop.over === 'transition') {
    const before = steps.length > 1 ? (steps[steps.length - 2] as ReplayedStep).world : initialWorld(sys);
    const o = sys.outcomes.indexOf(last?.outcome ?? '');
    holds =
      last === undefined
        ? prop.kind === 'always'
        : transitionTestHolds(sys, prop, last.event, o, before, last.world);
  } else {
    holds = stateTestHolds(sys, prop, world);
  }
  const wanted = trace.property.verdict !== 'violated' && trace.property.verdict !== 'unreached';
  const edited = ' (the trace was edited, or the model changed)';
  const where =
    prop.over === 'step' || prop.over === 'transition' ? 'on the last step' : 'in the final state';
  const reproduced = holds === wanted;
  const verdictMessage = reproduced
    ? `${prop.kind} '${prop.name}' is ${trace.property.verdict} ${where}: ${prop.doc}`
    : `${prop.kind} '${prop.name}' is not ${trace.property.verdict} ${where}${fingerprintMatches ? edited : cause}`;
  return { sys, steps, fingerprintMatches, divergence: undefined, reproduced, verdictMessage };
}

const show = (o: string | undefined): string => (o === undefined ? 'not enabled' : `'${o}'`);

/**
 * Folds the replayed prefix a second time and applies event `e` once more: when any step
 * gives another outcome or enabledness than the first fold did, the same event from the
 * same state behaved differently, which proves the model nondeterministic. Undefined when
 * both folds agree (the divergence is then the trace's or the model's).
 */
function nondeterminism(
  sys: CompiledSystem,
  steps: readonly ReplayedStep[],
  e: number,
  outcome: string | undefined,
): string | undefined {
  const hint =
    'the model is nondeterministic: look for Math.random, Date.now, Map iteration order or ids made during a step';
  let world = initialWorld(sys);
  for (const s of steps) {
    const again = stepWorld(sys, world, s.event);
    if (again === undefined || again.outcome !== s.outcome)
      return `event ${s.index} (${eventLabel(s.entry)}) gave '${s.outcome}' in one fold and ${again === undefined ? 'was not enabled' : `'${again.outcome}'`} in another from the same state: ${hint}`;
    world = again.world;
  }
  const again = stepWorld(sys, world, e);
  if (again?.outcome !== outcome) {
    return `event ${steps.length} (${eventLabel(sys.events[e] ?? { actor: '?', type: '?', args: {} })}) gave ${show(outcome)} in one fold and ${show(again?.outcome)} in another from the same state: ${hint}`;
  }
  return undefined;
}
