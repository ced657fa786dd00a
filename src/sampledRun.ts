// Check runs by random and swarm search. A violation (or witness) they find is definite
// and is shrunk before anyone sees it; a property they never see fire stays 'unknown'
// (shown as "no violation in N walks"), because sampling is never complete. Both obey
// the run's stop (limits, signals): what the walks saw until then is the result.
import { performance } from 'node:perf_hooks';
import type { RunResult, Sampling } from './check.js';
import type { EngineName } from './explore/index.js';
import { walkSearch, type WalkResult } from './explore/random.js';
import type { SearchProgress } from './explore/strategy.js';
import { runAsync } from './explore/strategy.js';
import { runSwarm, type Shard, type SwarmPool } from './explore/swarm.js';
import { PathFolder } from './fold.js';
import type { AnyModel } from './model.js';
import { isSafety } from './property.js';
import { shrinkPath } from './shrink.js';
import type { RunStop, StopReason } from './stop.js';
import { compileSystem, type CompiledSystem } from './system.js';

/** Walk length when neither --max-depth nor the model sets a bound. */
export const DEFAULT_WALK_DEPTH = 100;
export const DEFAULT_WALKS = 1000;
export const DEFAULT_JOBS = 8;
export const DEFAULT_WORKERS = 2;

export interface SampledOptions {
  readonly engine: EngineName;
  readonly seed: number;
  /** Walks per job. */
  readonly walks: number;
  readonly maxDepth: number | undefined;
  readonly maxStates: number | undefined;
  /** Swarm only: jobs (derived seeds). */
  readonly jobs: number;
  /** Swarm only: run this slice of the jobs. */
  readonly shard?: Shard | undefined;
  readonly stop: RunStop;
  readonly onProgress?: ((p: SearchProgress) => void) | undefined;
}

function walkDepth(model: AnyModel, opts: SampledOptions): number {
  return opts.maxDepth ?? model.maxDepth ?? DEFAULT_WALK_DEPTH;
}

/** Random search: `opts.walks` walks from one seed, on this thread (signals get in between slices). */
export async function randomCheckRun(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  opts: SampledOptions,
): Promise<RunResult> {
  const start = performance.now();
  const sys = compileSystem(model, params, variant);
  const maxDepth = walkDepth(model, opts);
  const r = await runAsync(
    walkSearch(sys, { ...opts, maxDepth }, { shouldStop: opts.stop.shouldStop, onProgress: opts.onProgress }),
  );
  const sampling: Sampling = {
    strategy: 'random',
    seed: opts.seed,
    jobs: 1,
    walks: r.walks,
    walksPerJob: opts.walks,
    shard: null,
  };
  return sampledResult(model, sys, [{ ...r, job: 0 }], sampling, maxDepth, start, r.stopReason ?? undefined);
}

/** Swarm search: `opts.jobs` random-search jobs (or a shard of them) across the pool's threads. */
export async function swarmCheckRun(
  model: AnyModel,
  params: Readonly<Record<string, number>>,
  variant: string,
  opts: SampledOptions,
  pool: SwarmPool,
): Promise<RunResult> {
  const start = performance.now();
  const sys = compileSystem(model, params, variant);
  const maxDepth = walkDepth(model, opts);
  const run = await runSwarm(sys, { ...opts, maxDepth }, pool, opts.stop, opts.onProgress);
  const walks = run.results.reduce((n, r) => n + r.walks, 0);
  const sampling: Sampling = {
    strategy: 'swarm',
    seed: opts.seed,
    jobs: run.results.length,
    walks,
    walksPerJob: opts.walks,
    shard: opts.shard ?? null,
  };
  return sampledResult(model, sys, run.results, sampling, maxDepth, start, run.stopReason);
}

/**
 * Merges job results in job order (the first job that saw a property fire supplies its
 * counterexample), shrinks every counterexample and judges each property. A run stopped
 * by a signal keeps its counterexamples unshrunk (they replay all the same) so it ends at once.
 */
export function sampledResult(
  model: AnyModel,
  sys: CompiledSystem,
  results: readonly (WalkResult & { readonly job: number })[],
  sampling: Sampling,
  maxDepth: number,
  start: number,
  stopReason: StopReason | undefined,
): RunResult {
  const spec = model.variants[sys.variant];
  const folder = new PathFolder(sys);
  const hurry = stopReason === 'SIGINT' || stopReason === 'SIGTERM';
  const properties = sys.properties.map((p, i) => {
    const first = results.find((r) => r.found[i] !== null && r.found[i] !== undefined);
    const found = first?.found[i] ?? undefined;
    const path =
      found === undefined || !isSafety(p)
        ? undefined
        : hurry
          ? found
          : shrinkPath(sys, i, found, undefined, folder).path;
    const verdict = path === undefined ? 'unknown' : p.kind === 'always' ? 'violated' : 'reached';
    return {
      name: p.name,
      kind: p.kind,
      doc: p.doc,
      verdict,
      expected: spec?.expect[p.name],
      path,
      loop: null,
      job: path === undefined ? undefined : first?.job,
    } as const;
  });
  return {
    model: model.id,
    variant: sys.variant,
    params: sys.params,
    flaws: spec?.flaws ?? [],
    engine: results[0]?.engine ?? 'compiled',
    workers: 1,
    strategy: sampling.strategy,
    sampling,
    symmetry: false,
    complete: false,
    maxDepth,
    depthBounded: false,
    stopReason,
    states: results.reduce((n, r) => n + r.states, 0),
    transitions: results.reduce((n, r) => n + r.transitions, 0),
    regionStates: 0,
    depth: Math.max(0, ...results.map((r) => r.depth)),
    levels: [],
    seconds: (performance.now() - start) / 1000,
    bytes: 0,
    storage: 'sampled walks (exact)',
    collisionProbability: 0,
    properties,
    system: sys,
  };
}
