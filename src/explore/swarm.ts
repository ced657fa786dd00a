// Swarm search (after SPIN's swarm and Groce et al.'s swarm testing): many random-search
// jobs, each with its own seed derived from the run's seed and its own configuration
// (job 0 takes every event; the others each avoid a random subset of event types, which
// reaches states that uniform walks rarely do), run across worker threads. Results are
// merged by job index, so the outcome depends on the seed, never on the worker count or
// on which worker finished first. A shard (`--shard I/N`) runs the jobs whose index is I
// modulo N, so N shards on N machines run exactly the jobs of one unsharded run, and
// `foliocheck merge` combines them into its result. A stop (limit, signal) reaches every
// worker through the run's shared stop; jobs not started by then are not run.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { modelFile } from '../registry.js';
import { deriveSeed, makeRng } from '../rng.js';
import { noStop, type RunStop, type SharedStop, type StopReason } from '../stop.js';
import type { CompiledSystem } from '../system.js';
import type { EngineName } from './index.js';
import type { WalkOptions, WalkResult } from './random.js';
import type { SearchProgress } from './strategy.js';

/** One slice of the jobs: those whose index is `index` modulo `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export interface SwarmOptions {
  readonly seed: number;
  /** Number of jobs (derived seeds). */
  readonly jobs: number;
  /** Walks per job. */
  readonly walks: number;
  readonly maxDepth: number;
  readonly engine: EngineName;
  readonly maxStates?: number | undefined;
  /** Run only this slice of the jobs (default: all). */
  readonly shard?: Shard | undefined;
}

/** What a worker is asked to do: one job on one model variant. */
export interface SwarmJob {
  readonly index: number;
  readonly model: string;
  /** The file the model was loaded from, which the worker loads again (undefined: not from a file). */
  readonly file: string | undefined;
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  readonly walk: WalkOptions;
  readonly stop: SharedStop;
}

/** What a worker posts: progress of a job now and then, its result at the end. */
export type SwarmMessage =
  | {
      readonly kind: 'progress';
      readonly index: number;
      readonly walks: number;
      readonly states: number;
      /** Properties the job has decided so far. */
      readonly decided: readonly number[];
    }
  | { readonly kind: 'result'; readonly index: number; readonly result: WalkResult }
  | { readonly kind: 'error'; readonly index: number; readonly error: string };

/** A job's walks, with the job's index. */
export interface JobResult extends WalkResult {
  readonly job: number;
}

/** The jobs of a shard: indices k with k mod count === index. */
export function shardJobs(jobs: number, shard: Shard | undefined): number[] {
  const all = Array.from({ length: jobs }, (_, k) => k);
  return shard === undefined ? all : all.filter((k) => k % shard.count === shard.index);
}

/** The configuration of job `k`: its derived seed and the event types it avoids. */
export function swarmJob(
  sys: CompiledSystem,
  opts: SwarmOptions,
  k: number,
  stop: SharedStop = noStop().shared,
): SwarmJob {
  const seed = deriveSeed(opts.seed, k);
  const types = [...new Set(sys.events.map((e) => e.type))];
  const rng = makeRng(seed ^ 0x5a17);
  let avoid = k === 0 ? [] : types.filter(() => rng.below(2) === 0);
  if (avoid.length === types.length) avoid = avoid.slice(1);
  const walk: WalkOptions = {
    seed,
    walks: opts.walks,
    maxDepth: opts.maxDepth,
    engine: opts.engine,
    avoid,
    maxStates: opts.maxStates,
  };
  const file = modelFile(sys.modelId);
  return { index: k, model: sys.modelId, file, variant: sys.variant, params: sys.params, walk, stop };
}

/**
 * The compiled worker script. Workers always run compiled JavaScript: from dist/ when
 * this module runs from sources (vitest, tsx), so `npm run build` must have run.
 */
export function workerScript(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./swarmWorker.js', import.meta.url);
  const js = join(resolve(dirname(here), '..', '..'), 'dist', 'src', 'explore', 'swarmWorker.js');
  if (!existsSync(js)) {
    throw new InputError('usage', `swarm: worker script ${js} is missing; run 'npm run build' first`);
  }
  return pathToFileURL(js);
}

/**
 * Worker threads that run swarm jobs; started on first use and reused across runs (each
 * thread caches compiled systems), so a check of many variants pays thread start-up once.
 */
export class SwarmPool {
  private readonly threads: Worker[] = [];
  constructor(private readonly size: number) {}

  private thread(k: number): Worker {
    let w = this.threads[k];
    if (w === undefined) {
      w = new Worker(workerScript());
      this.threads[k] = w;
    }
    return w;
  }

  /**
   * Runs the jobs; results are in job order, whichever thread ran them. No job is started
   * once `stop` says stop (the running ones stop at their next poll, keeping their walks).
   */
  async run(
    jobs: readonly SwarmJob[],
    stop: RunStop,
    onProgress: (p: SearchProgress) => void,
  ): Promise<{ results: WalkResult[]; stopReason: StopReason | undefined }> {
    const results: WalkResult[] = [];
    const running = new Map<number, { walks: number; states: number }>();
    const decided = new Set<number>();
    let stopReason: StopReason | undefined;
    let nextJob = 0;
    const report = (): void => {
      let [walks, states, transitions, depth] = [0, 0, 0, 0];
      for (const r of results) {
        if (r === undefined) continue;
        walks += r.walks;
        states += r.states;
        transitions += r.transitions;
        depth = Math.max(depth, r.depth);
      }
      for (const p of running.values()) {
        walks += p.walks;
        states += p.states;
      }
      onProgress({ states, transitions, depth, queue: jobs.length - nextJob, walks, decided: [...decided] });
    };
    const drive = (worker: Worker): Promise<void> =>
      new Promise((resolveDrive, reject) => {
        const done = (): void => {
          worker.off('message', onMessage);
          worker.off('error', reject);
          resolveDrive();
        };
        const feed = (): void => {
          stopReason ??= stop.shouldStop();
          const job = stopReason === undefined ? jobs[nextJob++] : undefined;
          if (job === undefined) return done();
          // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a worker_threads Worker, not a window
          worker.postMessage(job);
        };
        const onMessage = (msg: SwarmMessage): void => {
          if (msg.kind === 'error') {
            reject(new InputError('bad_model', `swarm worker: ${msg.error}`));
            return;
          }
          if (msg.kind === 'progress') {
            running.set(msg.index, msg);
            for (const i of msg.decided) decided.add(i);
            return report();
          }
          running.delete(msg.index);
          results[msg.index] = msg.result;
          msg.result.found.forEach((f, i) => {
            if (f !== null) decided.add(i);
          });
          stopReason ??= msg.result.stopReason ?? undefined;
          report();
          feed();
        };
        worker.on('message', onMessage);
        worker.on('error', reject);
        feed();
      });
    const n = Math.max(1, Math.min(this.size, jobs.length));
    await Promise.all(Array.from({ length: n }, (_, k) => drive(this.thread(k))));
    return { results, stopReason };
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((w) => w.terminate()));
    this.threads.length = 0;
  }
}

/**
 * Runs the jobs of a swarm search (or of its shard) on `pool`; results are in job order,
 * each with its job index. A stop keeps the walks of the jobs that ran.
 */
export async function runSwarm(
  sys: CompiledSystem,
  opts: SwarmOptions,
  pool: SwarmPool,
  stop: RunStop,
  onProgress: (p: SearchProgress) => void = () => undefined,
): Promise<{ results: JobResult[]; stopReason: StopReason | undefined }> {
  const jobs = shardJobs(opts.jobs, opts.shard).map((k) => swarmJob(sys, opts, k, stop.shared));
  const run = await pool.run(jobs, stop, onProgress);
  const results = jobs.flatMap((j): JobResult[] => {
    const r = run.results[j.index];
    return r === undefined ? [] : [{ ...r, job: j.index }];
  });
  for (const r of results) {
    if (r.fingerprint !== sys.fingerprint) {
      throw new InputError(
        'usage',
        `swarm: the compiled workers in dist/ run another version of ${sys.modelId}; run 'npm run build' first`,
      );
    }
  }
  return { results, stopReason: run.stopReason };
}
