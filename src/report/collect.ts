// Gathers everything a report shows about one design (a model and the variants checked)
// into plain, deterministic data (no timings): the model's summary, sources, assumptions,
// bound and variants; per variant its verdicts, counterexamples folded step by step (with
// the kernel function each event stands for and each machine's state changes in words),
// state-space figures and coverage. The Markdown, HTML, text and Graphviz renderers read
// only this.
import { namesEvent } from '../lint.js';
import { asExpected, type PropertyResult, type RunResult } from '../check.js';
import { verdictText, type AnyModel, type Verdict } from '../model.js';
import { OK } from '../outcome.js';
import type { PropertyKind } from '../property.js';
import { at, eventLabel, kindOf, type CompiledSystem } from '../system.js';
import { buildTrace, traceFileName, type Trace } from '../trace.js';
import { initialWorld, runParticipants, stepWorld, type World } from '../world.js';
import { GRAPH_MAX_STATES, measureCoverage, nodePaths, type Coverage } from './coverage.js';
import { phaseDescriptions, stateChanges, stateText, type WordChange } from './words.js';

export interface ReportProperty {
  readonly name: string;
  readonly kind: PropertyKind;
  readonly doc: string;
  /** The verdict as printed: "holds", "holds (vacuous)", "holds up to depth 12" ... */
  readonly verdict: string;
  /** The bare verdict ('unknown' when a limit stopped the search first). */
  readonly result: Verdict | 'unknown';
  readonly expected: Verdict | undefined;
  /** True when the verdict is the expected one. */
  readonly ok: boolean;
}

/** What one step did to one machine it moved. */
export interface MachineChange {
  readonly machine: string;
  /** Words that changed; empty when the machine took the event without changing. */
  readonly changed: readonly WordChange[];
}

export interface ReportStep {
  readonly index: number;
  readonly actor: string;
  /** The event without its actor: "faultCheck(page=0)". */
  readonly label: string;
  readonly outcome: string;
  /** The kernel function, lock or ioctl the event stands for (WorldEventSpec.kernel). */
  readonly kernel: string | undefined;
  /** Instance ids the event moved, in participant order. */
  readonly touched: readonly string[];
  /** The machine whose transition gave the refusal (outcome other than ok). */
  readonly refusedBy: string | undefined;
  /** The machine the event's arrow points at (see arrowTarget). */
  readonly target: string;
  readonly changes: readonly MachineChange[];
  /** State of every instance after the step, in words, in instance order. */
  readonly after: readonly string[];
  /** Statechart nodes every instance occupies after the step ("pin", "pin.pinned"). */
  readonly paths: readonly (readonly string[])[];
}

export interface Counterexample {
  readonly property: string;
  readonly kind: PropertyKind;
  readonly doc: string;
  /** Trace file name, relative to the report's traces/ directory. */
  readonly file: string;
  /** Event indices of the path (for the state graph). */
  readonly path: readonly number[];
  /** Lasso: index of the first step of the loop that repeats forever; else null. */
  readonly loop: number | null;
  /** State of every instance before the first step, in words. */
  readonly initial: readonly string[];
  readonly initialPaths: readonly (readonly string[])[];
  readonly steps: readonly ReportStep[];
  /** Machines that themselves break a per-machine invariant in the final state. */
  readonly culprits: readonly string[];
  /** What the states the trace's machines pass through stand for ("vmm faulting: ..."). */
  readonly phases: readonly string[];
  /** What the violation is, in one sentence (the last line of a sequence chart). */
  readonly violation: string;
  readonly trace: Trace;
}

export interface ReportRun {
  readonly model: string;
  readonly title: string;
  readonly variant: string;
  readonly variantDoc: string;
  readonly flaws: readonly string[];
  readonly fixedBy: string | undefined;
  readonly params: Readonly<Record<string, number>>;
  readonly instances: readonly string[];
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly complete: boolean;
  readonly depthBounded: boolean;
  readonly maxDepth: number | undefined;
  readonly symmetry: boolean;
  /** Distinct states first reached at each BFS depth. */
  readonly levels: readonly number[];
  readonly properties: readonly ReportProperty[];
  readonly counterexamples: readonly Counterexample[];
  /** World events the exhaustive check never enabled (labels); undefined when it was not exhaustive. */
  readonly neverEnabled: readonly string[] | undefined;
  readonly coverage: Coverage;
  readonly system: CompiledSystem;
}

export interface ReportParam {
  readonly name: string;
  readonly value: number;
  readonly min: number;
  readonly max: number;
  readonly doc: string;
}

/** One design: the model's own description and the variants checked. */
export interface ReportModel {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly sources: readonly string[];
  readonly unconfirmed: readonly string[];
  readonly params: readonly ReportParam[];
  /** The model's default depth bound (undefined: explored exhaustively). */
  readonly maxDepth: number | undefined;
  readonly runs: readonly ReportRun[];
}

/** The printed verdict: verdictText(), with the depth bound when a bound decided it. */
export function verdictWithBound(
  r: Pick<RunResult, 'depthBounded' | 'maxDepth'>,
  verdict: Verdict | 'unknown',
): string {
  const bounded = r.depthBounded && (verdict === 'holds' || verdict === 'vacuous' || verdict === 'unreached');
  return bounded ? `${verdictText(verdict)} up to depth ${r.maxDepth}` : verdictText(verdict);
}

/** "violated, as expected" / "violated, expected holds": the words every output uses. */
export function expectationText(p: ReportProperty): string {
  if (p.ok) return `${p.verdict}, as expected`;
  if (p.result === 'unknown') return `unknown (a limit stopped the search), expected ${p.expected ?? 'any'}`;
  const wanted = p.expected === undefined ? 'no violation' : verdictText(p.expected);
  return `${p.verdict}, expected ${wanted}`;
}

/** Arrow-head preference: what an event does to a page reads best as an arrow to that page. */
const TARGET_RANK: Readonly<Record<string, number>> = { page: 0, folio: 1 };

/**
 * The machine an event's arrow points at: among the machines it moved other than its
 * actor, the first page, else the first folio, else the first one; the actor itself when
 * the event moved nothing else.
 */
export function arrowTarget(sys: CompiledSystem, actor: string, touched: readonly number[]): string {
  const others = touched.map((i) => at(sys.instances, i, 'instance')).filter((i) => i.id !== actor);
  const rank = (i: (typeof others)[number]): number => TARGET_RANK[at(sys.kinds, i.kind, 'kind').name] ?? 2;
  const best = others.reduce<(typeof others)[number] | undefined>(
    (b, i) => (b === undefined || rank(i) < rank(b) ? i : b),
    undefined,
  );
  return best?.id ?? actor;
}

/**
 * The machine whose transition produced the step's refusal: the first participant after
 * which the participants so far (run by src/world.ts's own rule) no longer answer ok.
 */
function refuser(sys: CompiledSystem, world: World, e: number): string | undefined {
  const parts = at(sys.events, e, 'event').participants;
  for (let k = 0; k < parts.length; k++) {
    const run = runParticipants(
      parts.slice(0, k + 1),
      (i) => at(world, i, 'machine'),
      (i) => kindOf(sys, i).machine,
    );
    if (run === undefined) return undefined;
    if (run.outcome !== OK)
      return at(sys.instances, (parts[k] as (typeof parts)[number]).inst, 'instance').id;
  }
  return undefined;
}

/** Folds `path` from the initial world, keeping every machine's state after each step. */
export function foldSteps(sys: CompiledSystem, path: readonly number[]): ReportStep[] {
  let world = initialWorld(sys);
  return path.map((e, index) => {
    const step = stepWorld(sys, world, e);
    const ev = at(sys.events, e, 'event');
    if (step === undefined) throw new Error(`engine: counterexample event ${e} is not enabled`);
    const before = world;
    world = step.world;
    const touched = [...new Set(step.touched)];
    const refusedBy = step.outcome === OK ? undefined : refuser(sys, before, e);
    return {
      index,
      actor: ev.actor,
      label: eventLabel(ev).slice(ev.actor.length + 2),
      outcome: step.outcome,
      kernel: ev.kernel,
      touched: touched.map((i) => at(sys.instances, i, 'instance').id),
      refusedBy,
      target:
        refusedBy !== undefined && refusedBy !== ev.actor ? refusedBy : arrowTarget(sys, ev.actor, touched),
      changes: touched.map((i) => ({
        machine: at(sys.instances, i, 'instance').id,
        changed: stateChanges(at(before, i, 'machine'), at(world, i, 'machine')),
      })),
      after: world.map(stateText),
      paths: world.map((snap) => nodePaths(snap.value)),
    };
  });
}

/** Instances of a per-machine invariant's kind that break it in `world`. */
export function culpritsOf(sys: CompiledSystem, p: { readonly name: string }, world: World): string[] {
  const prop = sys.properties.find((q) => q.name === p.name);
  if (prop === undefined || prop.kind !== 'always' || prop.over !== 'each') return [];
  const k = sys.kindIndex.get(prop.machine);
  return sys.instances
    .filter((i) => i.kind === k && !prop.test(at(world, i.index, 'machine')))
    .map((i) => i.id);
}

/** Descriptions of the state nodes the trace's machines occupy, per machine kind, once each. */
export function phasesOf(
  sys: CompiledSystem,
  steps: readonly ReportStep[],
  worlds: readonly World[],
): string[] {
  const ids = new Set(steps.flatMap((s) => [s.actor, ...s.touched]));
  const out = new Set<string>();
  for (const inst of sys.instances) {
    if (!ids.has(inst.id)) continue;
    const kind = kindOf(sys, inst.index);
    for (const w of worlds) {
      for (const d of phaseDescriptions(kind.machine, at(w, inst.index, 'machine').value))
        out.add(`${kind.name} ${d}`);
    }
  }
  return [...out];
}

export function violationText(
  sys: CompiledSystem,
  p: { readonly name: string; readonly kind: PropertyKind; readonly loop: number | null },
  steps: number,
): string {
  const prop = sys.properties.find((q) => q.name === p.name);
  if (p.loop !== null) return `${p.name} violated: steps ${p.loop + 1}-${steps} repeat forever`;
  if (prop?.over === 'step' || prop?.over === 'transition') return `${p.name} violated by step ${steps}`;
  if (p.kind === 'always') return `${p.name} violated in the state after step ${steps}`;
  if (p.kind === 'deadlock-free') return `${p.name} violated: no event is enabled after step ${steps}`;
  if (p.kind === 'possibly') return `${p.name} violated: after step ${steps} its goal can never happen`;
  return `${p.name} violated after step ${steps}`;
}

function counterexampleOf(r: RunResult, p: PropertyResult): Counterexample[] {
  if (p.verdict !== 'violated' || p.path === undefined) return [];
  const sys = r.system;
  const steps = foldSteps(sys, p.path);
  const start = initialWorld(sys);
  const worlds = [start];
  for (const e of p.path) worlds.push(stepWorld(sys, worlds[worlds.length - 1] ?? start, e)?.world ?? start);
  const world = worlds[worlds.length - 1] ?? start;
  return [
    {
      property: p.name,
      kind: p.kind,
      doc: p.doc,
      file: traceFileName(r.model, r.variant, p.name),
      path: p.path,
      loop: p.loop,
      initial: start.map(stateText),
      initialPaths: start.map((snap) => nodePaths(snap.value)),
      steps,
      culprits: culpritsOf(sys, p, world),
      phases: phasesOf(sys, steps, worlds),
      violation: violationText(sys, p, p.path.length),
      trace: buildTrace(sys, { name: p.name, kind: p.kind, verdict: 'violated' }, p.path, p.loop),
    },
  ];
}

export function collectRun(
  r: RunResult,
  model: AnyModel,
  coverage: Coverage = measureCoverage(r.system, r.maxDepth, r.states <= GRAPH_MAX_STATES),
): ReportRun {
  const sys = r.system;
  const spec = model.variants[r.variant];
  return {
    model: r.model,
    title: model.title,
    variant: r.variant,
    variantDoc: spec?.doc ?? '',
    flaws: r.flaws,
    fixedBy: spec?.fixedBy,
    params: r.params,
    instances: sys.instances.map((i) => i.id),
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    complete: r.complete,
    depthBounded: r.depthBounded,
    maxDepth: r.maxDepth,
    symmetry: r.symmetry,
    levels: r.levels,
    properties: r.properties.map((p) => ({
      name: p.name,
      kind: p.kind,
      doc: p.doc,
      verdict: verdictWithBound(r, p.verdict),
      result: p.verdict,
      expected: p.expected,
      ok: asExpected(p),
    })),
    counterexamples: r.properties.flatMap((p) => counterexampleOf(r, p)),
    neverEnabled: r.neverEnabled?.map((e) => {
      const ev = at(sys.events, e, 'event');
      const why = Object.entries(spec?.neverEnabled ?? {}).find(([key]) => namesEvent(key, ev))?.[1];
      return why === undefined ? eventLabel(ev) : `${eventLabel(ev)} (by design: ${why})`;
    }),
    coverage,
    system: sys,
  };
}

/** The design's description and its checked variants (all runs of one model). */
export function collectModel(model: AnyModel, runs: readonly ReportRun[]): ReportModel {
  const params = runs[0]?.params ?? {};
  return {
    id: model.id,
    title: model.title,
    summary: model.summary,
    sources: model.sources,
    unconfirmed: model.unconfirmed ?? [],
    params: Object.entries(model.params).map(([name, spec]) => ({
      name,
      value: params[name] ?? spec.default,
      min: spec.min,
      max: spec.max,
      doc: spec.doc,
    })),
    maxDepth: model.maxDepth,
    runs,
  };
}

/** "model:variant", the id used for anchors and file names. */
export function runId(r: { readonly model: string; readonly variant: string }): string {
  return `${r.model}:${r.variant}`;
}

/** Property names over the runs, in first-seen order (variants may add their own). */
export function propertyNames(runs: readonly ReportRun[]): string[] {
  return [...new Set(runs.flatMap((r) => r.properties.map((p) => p.name)))];
}
