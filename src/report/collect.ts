// Gathers everything a report shows about one checked model variant into plain,
// deterministic data (no timings): verdicts, counterexamples folded step by step,
// state-space figures and coverage. The Markdown, HTML and Graphviz renderers read only this.
import { asExpected, type RunResult } from '../check.js';
import { formatSnapshot } from '../format.js';
import type { Verdict } from '../model.js';
import type { PropertyKind } from '../property.js';
import { at, eventLabel, type CompiledSystem } from '../system.js';
import { buildTrace, traceFileName, type Trace } from '../trace.js';
import { initialWorld, stepWorld, type World } from '../world.js';
import { GRAPH_MAX_STATES, measureCoverage, nodePaths, type Coverage } from './coverage.js';

export interface ReportProperty {
  readonly name: string;
  readonly kind: PropertyKind;
  readonly doc: string;
  readonly verdict: string;
  readonly expected: Verdict | undefined;
  /** True when the verdict is the expected one. */
  readonly ok: boolean;
}

export interface ReportStep {
  readonly index: number;
  readonly actor: string;
  readonly label: string;
  readonly outcome: string;
  /** Instance ids the event moved, in participant order. */
  readonly touched: readonly string[];
  /** The machine the event's arrow points at (see arrowTarget). */
  readonly target: string;
  /** Formatted state of every instance after the step, in instance order. */
  readonly after: readonly string[];
  /** Statechart nodes every instance occupies after the step ("pin", "pin.pinned"). */
  readonly paths: readonly (readonly string[])[];
}

export interface Counterexample {
  readonly property: string;
  readonly doc: string;
  /** Trace file name, relative to the report's traces/ directory. */
  readonly file: string;
  /** Formatted state of every instance before the first step. */
  readonly initial: readonly string[];
  readonly initialPaths: readonly (readonly string[])[];
  readonly steps: readonly ReportStep[];
  readonly trace: Trace;
}

export interface ReportRun {
  readonly model: string;
  readonly title: string;
  readonly variant: string;
  readonly variantDoc: string;
  readonly flaws: readonly string[];
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

export function verdictText(r: RunResult, verdict: string): string {
  const bounded = r.depthBounded && (verdict === 'holds' || verdict === 'unreached');
  return bounded ? `${verdict} up to depth ${r.maxDepth}` : verdict;
}

function formatWorld(world: World): string[] {
  return world.map((s) => formatSnapshot(s));
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

/** Folds `path` from the initial world, keeping every machine's state after each step. */
export function foldSteps(sys: CompiledSystem, path: readonly number[]): ReportStep[] {
  let world = initialWorld(sys);
  return path.map((e, index) => {
    const step = stepWorld(sys, world, e);
    const ev = at(sys.events, e, 'event');
    if (step === undefined) throw new Error(`engine: counterexample event ${e} is not enabled`);
    world = step.world;
    return {
      index,
      actor: ev.actor,
      label: eventLabel(ev).slice(ev.actor.length + 2),
      outcome: step.outcome,
      touched: step.touched.map((i) => at(sys.instances, i, 'instance').id),
      target: arrowTarget(sys, ev.actor, step.touched),
      after: formatWorld(world),
      paths: world.map((snap) => nodePaths(snap.value)),
    };
  });
}

export function collectRun(r: RunResult, title: string, variantDoc: string): ReportRun {
  const sys = r.system;
  const counterexamples = r.properties.flatMap((p): Counterexample[] => {
    if (p.verdict !== 'violated' || p.path === undefined) return [];
    return [
      {
        property: p.name,
        doc: p.doc,
        file: traceFileName(r.model, r.variant, p.name),
        initial: formatWorld(initialWorld(sys)),
        initialPaths: initialWorld(sys).map((snap) => nodePaths(snap.value)),
        steps: foldSteps(sys, p.path),
        trace: buildTrace(sys, { name: p.name, kind: p.kind, verdict: 'violated' }, p.path),
      },
    ];
  });
  return {
    model: r.model,
    title,
    variant: r.variant,
    variantDoc,
    flaws: r.flaws,
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
      verdict: verdictText(r, p.verdict),
      expected: p.expected,
      ok: asExpected(p),
    })),
    counterexamples,
    neverEnabled: r.neverEnabled?.map((e) => eventLabel(at(sys.events, e, 'event'))),
    coverage: measureCoverage(sys, r.maxDepth, r.states <= GRAPH_MAX_STATES),
    system: sys,
  };
}

/** "model:variant", the id used for anchors and file names. */
export function runId(r: { readonly model: string; readonly variant: string }): string {
  return `${r.model}:${r.variant}`;
}
