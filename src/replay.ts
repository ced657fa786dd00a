// Replay is the fold: re-apply a trace's events to the model's initial world, compare
// every recorded outcome, then check that the trace's property fails (or is reached) at
// the end. The first difference is reported with its likely cause.
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

export function replay(model: AnyModel, trace: Trace, opts: { readonly force: boolean }): ReplayReport {
  const sys = compileForTrace(model, trace);
  const fingerprintMatches = sys.fingerprint === trace.fingerprint;
  if (!fingerprintMatches && !opts.force) {
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
    ? ' (the model fingerprint matches, so the model is nondeterministic: look for Math.random, Date.now, Map iteration order or ids made during a step)'
    : ' (the model changed since the trace was recorded)';
  const steps: ReplayedStep[] = [];
  let world = initialWorld(sys);
  let divergence: ReplayReport['divergence'];
  for (const [index, entry] of trace.events.entries()) {
    const e = sys.eventIndex.get(eventIdentity(entry.actor, entry.type, entry.args));
    if (e === undefined) {
      divergence = {
        index,
        message: `event ${eventLabel(entry)} does not exist in ${model.id}:${sys.variant}${cause}`,
      };
      break;
    }
    const step = stepWorld(sys, world, e);
    if (step === undefined) {
      divergence = { index, message: `event ${eventLabel(entry)} is not enabled here${cause}` };
      break;
    }
    if (step.outcome !== entry.outcome) {
      divergence = {
        index,
        message: `event ${eventLabel(entry)} gives outcome '${step.outcome}' but the trace recorded '${entry.outcome}'${cause}`,
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
  const where =
    prop.over === 'step' || prop.over === 'transition' ? 'on the last step' : 'in the final state';
  const reproduced = holds === wanted;
  const verdictMessage = reproduced
    ? `${prop.kind} '${prop.name}' is ${trace.property.verdict} ${where}: ${prop.doc}`
    : `${prop.kind} '${prop.name}' is not ${trace.property.verdict} ${where}${cause}`;
  return { sys, steps, fingerprintMatches, divergence: undefined, reproduced, verdictMessage };
}
