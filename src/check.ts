// One check run: a model variant with parameters, explored once, every property judged
// against the variant's expectation.
import { performance } from 'node:perf_hooks';
import { CompiledSpace } from './explore/compiledSpace.js';
import { concretePath } from './explore/concretize.js';
import { GraphRecorder } from './explore/graph.js';
import {
  explore,
  type EngineName,
  type Exploration,
  type ExploreOptions,
  type StrategyName,
} from './explore/index.js';
import { pathTo, type StateSpace } from './explore/space.js';
import { runAsync, runSync, type SearchStats } from './explore/strategy.js';
import { WideSpace } from './explore/wideSpace.js';
import type { AnyModel, Verdict } from './model.js';
import { neverEnabled } from './neverEnabled.js';
import { progressJudge } from './progress.js';
import { judgedUnderSymmetry, representativesJudge } from './progressRegion.js';
import { porRefusal } from './explore/por.js';
import type { Finding } from './explore/tracker.js';
import { isSafety, type Property, type PropertyKind } from './property.js';
import { compileSystem, type CompiledSystem } from './system.js';
import { transitionTestHolds, type World } from './world.js';

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
  /** Lasso counterexamples of progress properties: index in `path` where the loop starts. */
  readonly loop: number | null;
  /** Swarm search: the job whose walks found `path` (merging shards picks the lowest). */
  readonly job?: number | undefined;
  /**
   * Invariants with a premise: whether the premise held somewhere in the explored space.
   * A hold with the premise 'unmet' is the verdict 'vacuous' (also when the run was depth
   * bounded); an 'unknown' with 'unmet' says the premise was not met before the stop.
   */
  readonly premise?: 'met' | 'unmet';
}

export interface RunResult {
  readonly model: string;
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  readonly flaws: readonly string[];
  readonly engine: EngineName;
  /** Worker threads the search ran on (1: sequential). */
  readonly workers: number;
  readonly strategy: StrategyName | Sampling['strategy'];
  readonly symmetry: boolean;
  /**
   * True when partial-order reduction pruned the search (states and transitions are then
   * those of the reduced graph; counterexamples were re-found by an unreduced search).
   */
  readonly por?: boolean;
  readonly complete: boolean;
  /** Random and swarm search only (src/sampledRun.ts): what the incomplete run sampled. */
  readonly sampling?: Sampling;
  /** Depth bound in force (model default or --max-depth), if any. */
  readonly maxDepth: number | undefined;
  readonly depthBounded: boolean;
  readonly stopReason: string | undefined;
  readonly states: number;
  readonly transitions: number;
  /**
   * States explored concretely to judge progress properties from a symmetry-reduced run's
   * representatives (src/progressRegion.ts), beside `states`; 0 when there was no such run.
   */
  readonly regionStates: number;
  readonly depth: number;
  readonly levels: readonly number[];
  readonly seconds: number;
  readonly bytes: number;
  /** How states were stored: packed (bitmap or hash), two words (fingerprints or exact), or strings. */
  readonly storage: string;
  /** Estimated probability that a fingerprint collision hid a state (0 when storage is exact). */
  readonly collisionProbability: number;
  readonly properties: readonly PropertyResult[];
  /**
   * Indices of the world events no explored state enabled, when the run was exhaustive
   * (complete, not resumed from a checkpoint); absent otherwise (sampled runs never are).
   */
  readonly neverEnabled?: readonly number[];
  readonly system: CompiledSystem;
}

/** Seeds and walks behind a random or swarm run; such runs are never complete. */
export interface Sampling {
  readonly strategy: 'random' | 'swarm';
  readonly seed: number;
  /** Jobs (derived seeds) run: 1 for random search; a shard's share for a shard. */
  readonly jobs: number;
  /** Walks run, over all jobs. */
  readonly walks: number;
  /** Walks asked per job (--walks). */
  readonly walksPerJob: number;
  /** Swarm --shard I/N: the slice of the jobs this run ran; null for the whole run. */
  readonly shard: { readonly index: number; readonly count: number } | null;
}

/**
 * Exploration options plus `workers`: worker threads for BFS (default 1), used when the run
 * qualifies (compiled engine; every state-scope property compiles to a decision tree; no
 * transition property; not checkpointed); otherwise the run is sequential and
 * RunResult.workers says 1.
 *
 * `por` asks for partial-order reduction (off unless set; the CLI sets it unless
 * --no-por). It applies only where it is sound and deterministic: no progress or
 * transition property, no depth bound, BFS or DFS on one thread, no checkpoint (see
 * porApplies); RunResult.por says whether it pruned anything.
 */
export interface CheckOptions extends ExploreOptions {
  readonly workers?: number | undefined;
}

/**
 * Whether a run may use partial-order reduction. A depth bound is not preserved (a state
 * reached at depth d may lie deeper in the reduced graph), worker threads would make the
 * cycle proviso depend on timing, and a checkpoint could not restore the reduction's own
 * state; the system itself must admit it (src/explore/por.ts porRefusal).
 */
export function porApplies(sys: CompiledSystem, opts: CheckOptions, maxDepth: number | undefined): boolean {
  if (opts.por !== true || maxDepth !== undefined || (opts.workers ?? 1) > 1) return false;
  if (opts.resume !== undefined || opts.onCheckpoint !== undefined) return false;
  return porRefusal(sys) === undefined;
}

interface Prepared {
  readonly model: AnyModel;
  readonly opts: CheckOptions;
  readonly sys: CompiledSystem;
  readonly maxDepth: number | undefined;
  readonly graph: boolean;
  /** Progress properties judged from the reduced run's representatives (src/progressRegion.ts). */
  readonly byRepresentatives: boolean;
  /** A separate unreduced run recording the graph, when the main run is symmetry-reduced. */
  readonly graphRun: Exploration | undefined;
  readonly run: Exploration;
  readonly start: number;
}

function prepare(model: AnyModel, sys: CompiledSystem, opts: CheckOptions): Prepared {
  const start = performance.now();
  const maxDepth = opts.maxDepth ?? model.maxDepth;
  // Progress properties need the state graph without symmetry reduction (a loop between
  // permuted states is not a loop of the system), so a run that judges them explores the
  // system once, unreduced, and judges its safety properties on the same run: a reduced
  // run besides it would only repeat a subset of the work. Checkpointed runs keep no
  // graph, so they run as asked and a second, unreduced run records the graph.
  // Exception: when every progress property is declared symmetric (judgedUnderSymmetry),
  // the run explores symmetry-reduced and judges them from its representatives
  // (src/progressRegion.ts).
  const progress = sys.properties.some((p) => !isSafety(p));
  const checkpointing = opts.resume !== undefined || opts.onCheckpoint !== undefined;
  const parallel = (opts.workers ?? 1) > 1 && opts.strategy === 'bfs' && !checkpointing;
  const byRepresentatives =
    progress &&
    !checkpointing &&
    opts.symmetry &&
    sys.symmetry.length > 0 &&
    judgedUnderSymmetry(sys.properties);
  const split = progress && checkpointing;
  const graph = progress && !split && !byRepresentatives;
  const por = porApplies(sys, opts, maxDepth);
  const run = explore(sys, { ...opts, maxDepth, graph, shared: parallel, por });
  const graphRun = split
    ? explore(sys, {
        ...opts,
        maxDepth,
        graph: true,
        symmetry: false,
        por: false,
        resume: undefined,
        onCheckpoint: undefined,
      })
    : undefined;
  return { model, opts, sys, maxDepth, graph, byRepresentatives, run, graphRun, start };
}

/** Explores one model variant to the end (synchronously) and judges every property. */
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
  const prep = prepare(model, sys, opts);
  const stats = runSync(prep.run.search);
  return judge(prep, stats, graphStatsSync(prep, stats));
}

/**
 * The separate graph run, when there is one, explored after the main run (and not at all
 * when a limit or signal stopped the main run: progress verdicts are then unknown).
 */
function graphStatsSync(prep: Prepared, stats: SearchStats): SearchStats | undefined {
  if (prep.graphRun === undefined || stats.stopReason !== undefined) return undefined;
  return runSync(prep.graphRun.search);
}

async function graphStatsAsync(prep: Prepared, stats: SearchStats): Promise<SearchStats | undefined> {
  if (prep.graphRun === undefined || stats.stopReason !== undefined) return undefined;
  return runAsync(prep.graphRun.search);
}

/** As checkSystem, but lets the event loop run between search slices (signals, timers). */
export async function checkSystemAsync(
  model: AnyModel,
  sys: CompiledSystem,
  opts: CheckOptions,
): Promise<RunResult> {
  const prep = prepare(model, sys, opts);
  const stats = await runAsync(prep.run.search);
  return judge(prep, stats, await graphStatsAsync(prep, stats));
}

/**
 * As checkRun, but lets the event loop run between search slices (signals, timers).
 * `sys`, when given, is the system already compiled for these arguments (by the lint).
 */
export async function checkRunAsync(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  opts: CheckOptions,
  sys: CompiledSystem = compileSystem(model, params, variant),
): Promise<RunResult> {
  const prep = prepare(model, sys, opts);
  const workers = opts.workers ?? 1;
  const { space, tracker } = prep.run;
  const limits = { ...opts, maxDepth: prep.maxDepth };
  if (workers > 1 && opts.strategy === 'bfs') {
    // The plain bitmap search when it applies, else the shared-map search for any compiled
    // space (loaded on demand: sequential runs do not pay for the worker code).
    const bitmap = space instanceof CompiledSpace ? space.parallelPlan() : undefined;
    let stats: SearchStats | undefined;
    if (bitmap !== undefined && space instanceof CompiledSpace) {
      const { parallelBfs } = await import('./explore/parallel.js');
      stats = await parallelBfs(space, bitmap, tracker, limits, workers);
    } else {
      const { sharedBfs, sharedBfsPlan } = await import('./explore/sharedBfs.js');
      const plan = sharedBfsPlan(space, prep.sys);
      if (plan !== undefined) stats = await sharedBfs(space, plan, tracker, limits, workers);
    }
    if (stats !== undefined) return judge(prep, stats, await graphStatsAsync(prep, stats), workers);
  }
  const stats = await runAsync(prep.run.search);
  return judge(prep, stats, await graphStatsAsync(prep, stats));
}

function judge(
  prep: Prepared,
  stats: SearchStats,
  graphRunStats: SearchStats | undefined,
  workers = 1,
): RunResult {
  const { model, sys, opts, maxDepth, run, graphRun } = prep;
  const { params, variant } = sys;
  // The graph run explores the same system unreduced; its completeness decides progress verdicts.
  const graphStats =
    graphRun === undefined ? stats : (graphRunStats ?? { ...stats, complete: false, stopReason: 'stopped' });
  const graphOf = graphRun?.graph ?? run.graph;
  const { tracker, space } = run;
  const reduced = symmetric(prep);
  const decidedNegatively = stats.complete || (stats.depthBounded && stats.stopReason === undefined);
  const spec = model.variants[variant];
  const pruned = run.space instanceof CompiledSpace && run.space.pruned;
  // A reduced search's findings are real runs, not necessarily shortest ones: the same
  // properties are found again by an unreduced BFS bounded by the longest of them.
  const shortest = pruned && opts.strategy === 'bfs' ? shortestAgain(prep, run) : undefined;
  let judgeStopped: string | undefined;
  if (graphOf !== undefined && graphStats.complete) graphOf.searchDone();
  const judgeOne =
    prep.byRepresentatives && stats.complete && space.size > 0
      ? representativesJudge(sys, space, { shouldStop: opts.shouldStop, engine: run.engine })
      : graphOf !== undefined && graphStats.complete
        ? progressJudge(sys, graphOf, { shouldStop: opts.shouldStop })
        : undefined;
  let regionStates = 0;
  const properties = sys.properties.map((p, i): PropertyResult => {
    const found = tracker.found[i];
    if (!isSafety(p)) {
      const judged = judgeOne?.(p);
      judgeStopped ??= judged?.stopReason;
      regionStates += judged?.regionStates ?? 0;
      return {
        name: p.name,
        kind: p.kind,
        doc: p.doc,
        verdict: judged?.verdict ?? 'unknown',
        expected: spec?.expect[p.name],
        path: judged?.path,
        loop: judged?.loop ?? null,
      };
    }
    const h = sys.premiseOf[i];
    const premise = h === undefined ? undefined : tracker.found[h] === undefined ? 'unmet' : 'met';
    let verdict: Judgement;
    if (found !== undefined) verdict = p.kind === 'always' ? 'violated' : 'reached';
    else if (decidedNegatively)
      verdict = p.kind !== 'always' ? 'unreached' : premise === 'unmet' ? 'vacuous' : 'holds';
    else verdict = 'unknown';
    const path = found === undefined ? undefined : (shortest?.get(i) ?? pathOf(prep, run, i, found));
    return {
      name: p.name,
      kind: p.kind,
      doc: p.doc,
      verdict,
      expected: spec?.expect[p.name],
      path,
      loop: null,
      ...(premise === undefined ? {} : { premise }),
    };
  });
  return {
    model: model.id,
    variant,
    params,
    flaws: spec?.flaws ?? [],
    engine: run.engine,
    workers,
    strategy: opts.strategy,
    symmetry: reduced,
    por: pruned,
    complete: stats.complete,
    maxDepth,
    depthBounded: stats.depthBounded,
    stopReason: stats.stopReason ?? graphRunStats?.stopReason ?? judgeStopped,
    states: stats.states,
    transitions: stats.transitions,
    regionStates,
    depth: stats.depth,
    levels: stats.levels,
    seconds: (performance.now() - prep.start) / 1000,
    bytes: space.bytes,
    ...describeStorage(space),
    properties,
    ...(stats.complete && tracker.takenKnown
      ? { neverEnabled: neverEnabled(sys, tracker.taken, reduced) }
      : {}),
    system: sys,
  };
}

/** True when the run's states are representatives of symmetry orbits. */
function symmetric(prep: Prepared): boolean {
  return prep.opts.symmetry && prep.sys.symmetry.length > 0 && !prep.graph;
}

/** Events from the initial state to where tracked property `i` was found in `run`. */
function pathOf(prep: Prepared, run: Exploration, i: number, found: Finding): number[] {
  const { sys } = prep;
  const p = sys.tracked[i] as Property;
  const fires = (e: number, outcome: string, before: World, after: World): boolean => {
    const o = sys.outcomes.indexOf(outcome);
    const holds =
      p.over === 'transition'
        ? transitionTestHolds(sys, p, e, o, before, after)
        : sys.stepTables[i]?.[e * sys.outcomes.length + o] === 1;
    return holds !== (p.kind === 'always');
  };
  return symmetric(prep)
    ? concretePath(sys, run.space, found, fires)
    : [...pathTo(run.space, found.state), ...(found.event === undefined ? [] : [found.event])];
}

/**
 * Paths to the properties a reduced BFS found, found again by an unreduced BFS (the same
 * symmetry) bounded by the longest of them and stopped once it has found them all: the
 * paths an unreduced run prints. Undefined when a limit stopped that search first (the
 * reduced run's paths, real runs too, are kept).
 */
function shortestAgain(prep: Prepared, run: Exploration): Map<number, number[]> | undefined {
  const { sys, opts } = prep;
  const wanted = sys.properties.flatMap((_, i) => (run.tracker.found[i] === undefined ? [] : [i]));
  if (wanted.length === 0) return undefined;
  const depth = Math.max(...wanted.map((i) => pathOf(prep, run, i, run.tracker.found[i] as Finding).length));
  let again: Exploration | undefined;
  const done = (): boolean =>
    again !== undefined && wanted.every((i) => again?.tracker.found[i] !== undefined);
  const { onProgress: _quiet, ...rest } = opts;
  again = explore(sys, {
    ...rest,
    por: false,
    graph: false,
    shared: false,
    maxDepth: depth,
    shouldStop: () => (done() ? 'found' : opts.shouldStop?.()),
  });
  runSync(again.search);
  if (!done()) return undefined;
  const found = again;
  return new Map(wanted.map((i) => [i, pathOf(prep, found, i, found.tracker.found[i] as Finding)]));
}

/**
 * True when the property's verdict is what the variant expects (no expectation: an
 * invariant must hold, and not vacuously). Expecting 'holds' and getting 'vacuous' is a
 * mismatch: a vacuous hold says nothing about the design.
 */
export function asExpected(p: PropertyResult): boolean {
  if (p.verdict === 'unknown') return false;
  if (p.expected === undefined) return p.verdict !== 'violated' && p.verdict !== 'vacuous';
  return p.verdict === p.expected;
}

/** Exit status of a set of runs: 0 all as expected, 1 a definite mismatch, 3 a limit left a verdict unknown. */
export function exitStatus(runs: readonly RunResult[]): 0 | 1 | 3 {
  const props = runs.flatMap((r) => r.properties);
  if (props.some((p) => p.verdict !== 'unknown' && !asExpected(p))) return 1;
  if (props.some((p) => p.verdict === 'unknown')) return 3;
  return 0;
}

/** The store behind a space, for the run's figures. */
function describeStorage(space: StateSpace): { storage: string; collisionProbability: number } {
  const inner = space instanceof GraphRecorder ? space.inner : space;
  if (inner instanceof CompiledSpace)
    return { storage: `packed (${inner.visitedKind})`, collisionProbability: 0 };
  if (inner instanceof WideSpace) {
    const p = inner.collisionProbability();
    return {
      storage: p === 0 ? 'two words (exact)' : 'two words (63-bit fingerprints)',
      collisionProbability: p,
    };
  }
  return { storage: 'strings (exact)', collisionProbability: 0 };
}
