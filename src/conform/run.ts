// Replays a scenario on its model: each step is the world event with the step's actor,
// operation and arguments, taken in order from the model's initial world by plain
// interpretation (src/world.ts); its outcome is compared with the step's expectation.
import { InputError, unknownName } from '../errors.js';
import type { AnyModel } from '../model.js';
import { resolveParams, resolveVariant } from '../params.js';
import { interpretStep, interpretSystem, type Interpreted } from './interpret.js';
import { canonicalOutcome, type Scenario, type Step } from './scenario.js';
import { ACTORS, OPERATIONS } from './vocabulary.js';

export interface StepResult {
  readonly n: number;
  readonly line: number;
  readonly step: string;
  readonly expected: string;
  /** The model's outcome, or null when the model has no such event or it is not enabled. */
  readonly got: string | null;
  readonly pass: boolean;
  readonly reason?: string;
}

/**
 * pass: every step as the kernel does it; fail: some step differs; gap: fails, and the file
 * declares it a known model gap; gap-passes: passes though declared a gap (remove the `gap`
 * line); malformed: the file could not be read, parsed or resolved (`error` says why).
 */
export type ScenarioStatus = 'pass' | 'fail' | 'gap' | 'gap-passes' | 'malformed';

export interface ScenarioResult {
  readonly name: string;
  readonly file: string;
  readonly model: string;
  readonly variant: string;
  /** True when every step matched. */
  readonly pass: boolean;
  readonly status: ScenarioStatus;
  /** The declared known gap, if any. */
  readonly gap: string | undefined;
  /** Malformed files: the one-line error (file:line: what; how to fix). */
  readonly error: string | undefined;
  readonly steps: readonly StepResult[];
}

/** A file that could not be run: reported as its own failure while the others run. */
export function malformedResult(file: string, name: string, error: string): ScenarioResult {
  return {
    name,
    file,
    model: '-',
    variant: '-',
    pass: false,
    status: 'malformed',
    gap: undefined,
    error,
    steps: [],
  };
}

/** Statuses that fail the run (exit status non-zero). */
export function failsRun(r: ScenarioResult): boolean {
  return r.status === 'fail' || r.status === 'gap-passes' || r.status === 'malformed';
}

/** A refusal rather than a value: errno, signal, KVM exit, machine check. */
export function isRefusal(outcome: string): boolean {
  return /^(E[A-Z0-9]+|SIG[A-Z]+|MEMORY_FAULT.*|#.*)$/.test(outcome);
}

/** Does the model's `got` satisfy the scenario's `expected`? */
export function outcomeMatches(expected: string, got: string): boolean {
  if (expected === 'ok') return !isRefusal(got);
  if (expected === 'error') return /^E[A-Z0-9]+$/.test(got);
  return canonicalOutcome(expected) === canonicalOutcome(got);
}

export function stepLabel(s: Pick<Step, 'actor' | 'op' | 'args'>): string {
  const args = Object.entries(s.args).map(([k, v]) => `${k}=${v}`);
  return [s.actor, s.op, ...args].join(' ');
}

function eventKey(actor: string, type: string, args: Readonly<Record<string, unknown>>): string {
  const parts = Object.keys(args)
    .sort()
    .map((k) => `${k}=${String(args[k])}`);
  return [actor, type, ...parts].join(' ');
}

/** Typos in actors and operations are bad input, named with file:line. */
function checkVocabulary(sc: Scenario): void {
  for (const s of sc.steps) {
    const where = `${sc.file}:${s.line}`;
    if (!(s.actor in ACTORS))
      throw new InputError(
        'bad_scenario',
        `${where}: ${unknownName('actor', s.actor, Object.keys(ACTORS), 'see docs/conformance.md')}`,
      );
    if (!(s.op in OPERATIONS))
      throw new InputError(
        'bad_scenario',
        `${where}: ${unknownName('operation', s.op, Object.keys(OPERATIONS), 'see docs/conformance.md')}`,
      );
  }
}

/** Looks a model up by id; throws an InputError naming the nearest ids when there is none. */
export type ModelLookup = (id: string) => AnyModel;

/** Resolve the model, variant and parameters a scenario names (bad input → InputError). */
export function scenarioSystem(
  sc: Scenario,
  findModel: ModelLookup,
): { model: AnyModel; variant: string; sys: Interpreted } {
  const wrap = (err: unknown): never => {
    if (err instanceof InputError)
      throw new InputError(err.code, `${sc.file}:${sc.modelLine}: ${err.message}`);
    throw err;
  };
  try {
    const model = findModel(sc.model);
    const variant =
      sc.variant === undefined
        ? (Object.keys(model.variants)[0] as string)
        : resolveVariant(model, sc.variant);
    // A declared maximum bounds what an exhaustive check finishes; a scenario replays one
    // path by interpretation, so it is bounded by the parameter's replayMax instead.
    const params = resolveParams(model, sc.params, { replay: true });
    return { model, variant, sys: interpretSystem(model, params, variant) };
  } catch (err) {
    return wrap(err);
  }
}

/** Replay every step; a missing or disabled event fails its step and leaves the world unchanged. */
export function runScenario(sc: Scenario, findModel: ModelLookup): ScenarioResult {
  checkVocabulary(sc);
  const { model, variant, sys } = scenarioSystem(sc, findModel);
  const index = new Map(sys.events.map((e) => [eventKey(e.actor, e.type, e.args), e] as const));
  let world = sys.initial;
  const steps = sc.steps.map((s): StepResult => {
    const base = { n: s.n, line: s.line, step: stepLabel(s), expected: s.expect };
    const e = index.get(eventKey(s.actor, s.op, s.args));
    if (e === undefined) {
      const same = sys.events.filter((ev) => ev.actor === s.actor && ev.type === s.op);
      const reason =
        same.length === 0
          ? `the model has no operation '${s.actor} ${s.op}'`
          : `the model has no '${s.actor} ${s.op}' with these arguments (it has e.g. '${eventKey(s.actor, s.op, (same[0] as (typeof same)[number]).args)}')`;
      return { ...base, got: null, pass: false, reason };
    }
    const next = interpretStep(sys, world, e);
    if (next === undefined)
      return {
        ...base,
        got: null,
        pass: false,
        reason: 'the event is not enabled in the model at this point',
      };
    world = next.world;
    const pass = outcomeMatches(s.expect, next.outcome);
    return pass
      ? { ...base, got: next.outcome, pass }
      : { ...base, got: next.outcome, pass, reason: `expected ${s.expect}, the model gives ${next.outcome}` };
  });
  const pass = steps.every((s) => s.pass);
  const status = sc.gap === undefined ? (pass ? 'pass' : 'fail') : pass ? 'gap-passes' : 'gap';
  return {
    name: sc.name,
    file: sc.file,
    model: model.id,
    variant,
    pass,
    status,
    gap: sc.gap,
    error: undefined,
    steps,
  };
}

/** "30 pass, 1 known model gap, 0 fail, 0 malformed (31 scenarios)". */
export function conformSummary(results: readonly ScenarioResult[]): string {
  const n = (st: ScenarioResult['status']): number => results.filter((r) => r.status === st).length;
  const parts = [
    `${n('pass')} pass`,
    `${n('gap')} known model gap(s)`,
    `${n('fail') + n('gap-passes')} fail`,
    `${n('malformed')} malformed`,
  ];
  return `${parts.join(', ')} (${results.length} scenarios)`;
}
