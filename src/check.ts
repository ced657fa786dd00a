// One check run: a model variant with parameters, explored once, every property judged
// against the variant's expectation.
import { performance } from 'node:perf_hooks';
import { explore, type EngineName, type ExploreOptions, type StrategyName } from './explore/index.js';
import { concretePath } from './explore/concretize.js';
import { pathTo } from './explore/space.js';
import type { AnyModel, Verdict } from './model.js';
import { isSafety, type PropertyKind } from './property.js';
import { compileSystem, type CompiledSystem } from './system.js';

/** A verdict, or 'unknown' when a limit stopped the search before the property was decided. */
export type Judgement = Verdict | 'unknown';

export interface PropertyResult {
  readonly name: string;
  readonly kind: PropertyKind;
  readonly doc: string;
  readonly verdict: Judgement;
  readonly expected: Verdict | undefined;
  /** Event indices of the counterexample (violated) or witness (reached); else undefined. */
  readonly path: readonly number[] | undefined;
}

export interface RunResult {
  readonly model: string;
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  readonly flaws: readonly string[];
  readonly engine: EngineName;
  readonly strategy: StrategyName;
  readonly symmetry: boolean;
  readonly complete: boolean;
  /** Depth bound in force (model default or --max-depth), if any. */
  readonly maxDepth: number | undefined;
  readonly depthBounded: boolean;
  readonly stopReason: string | undefined;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly levels: readonly number[];
  readonly seconds: number;
  readonly bytes: number;
  readonly properties: readonly PropertyResult[];
  readonly system: CompiledSystem;
}

export type CheckOptions = ExploreOptions;

export function checkRun(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  opts: CheckOptions,
): RunResult {
  return checkSystem(model, compileSystem(model, params, variant), opts);
}

/** Checks an already compiled system of `model` (a variant, possibly with substituted machines). */
export function checkSystem(model: AnyModel, sys: CompiledSystem, opts: CheckOptions): RunResult {
  const start = performance.now();
  const { params, variant } = sys;
  const maxDepth = opts.maxDepth ?? model.maxDepth;
  const run = explore(sys, { ...opts, maxDepth });
  const { stats, tracker, space } = run;
  const decidedNegatively = stats.complete || (stats.depthBounded && stats.stopReason === undefined);
  const spec = model.variants[variant];
  const reduced = opts.symmetry && sys.symmetry.length > 0;
  const properties = sys.properties.map((p, i): PropertyResult => {
    const found = tracker.found[i];
    let verdict: Judgement;
    if (!isSafety(p)) verdict = 'unknown';
    else if (found !== undefined) verdict = p.kind === 'always' ? 'violated' : 'reached';
    else if (decidedNegatively) verdict = p.kind === 'always' ? 'holds' : 'unreached';
    else verdict = 'unknown';
    const fires = (e: number, outcome: string): boolean =>
      (sys.stepTables[i]?.[e * sys.outcomes.length + sys.outcomes.indexOf(outcome)] === 1) !==
      (p.kind === 'always');
    const path =
      found === undefined
        ? undefined
        : reduced
          ? concretePath(sys, space, found, fires)
          : [...pathTo(space, found.state), ...(found.event === undefined ? [] : [found.event])];
    return { name: p.name, kind: p.kind, doc: p.doc, verdict, expected: spec?.expect[p.name], path };
  });
  return {
    model: model.id,
    variant,
    params,
    flaws: spec?.flaws ?? [],
    engine: run.engine,
    strategy: opts.strategy,
    symmetry: reduced,
    complete: stats.complete,
    maxDepth,
    depthBounded: stats.depthBounded,
    stopReason: stats.stopReason,
    states: stats.states,
    transitions: stats.transitions,
    depth: stats.depth,
    levels: stats.levels,
    seconds: (performance.now() - start) / 1000,
    bytes: space.bytes,
    properties,
    system: sys,
  };
}

/** True when the property's verdict is what the variant expects (no expectation: an invariant must hold). */
export function asExpected(p: PropertyResult): boolean {
  if (p.verdict === 'unknown') return false;
  if (p.expected === undefined) return p.verdict !== 'violated';
  return p.verdict === p.expected;
}

/** Exit status of a set of runs: 0 all as expected, 1 a definite mismatch, 3 a limit left a verdict unknown. */
export function exitStatus(runs: readonly RunResult[]): 0 | 1 | 3 {
  const props = runs.flatMap((r) => r.properties);
  if (props.some((p) => p.verdict !== 'unknown' && !asExpected(p))) return 1;
  if (props.some((p) => p.verdict === 'unknown')) return 3;
  return 0;
}
