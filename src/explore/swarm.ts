// Swarm search (after SPIN's swarm and Groce et al.'s swarm testing): many random-search
// jobs, each with its own seed derived from the run's seed and its own configuration
// (job 0 takes every event; the others each avoid a random subset of event types, which
// reaches states that uniform walks rarely do), run across worker threads. Results are
// merged by job index, so the outcome depends on the seed, never on the worker count or
// on which worker finished first.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { modelFile } from '../registry.js';
import { deriveSeed, makeRng } from '../rng.js';
import type { CompiledSystem } from '../system.js';
import type { EngineName } from './index.js';
import type { WalkOptions, WalkResult } from './random.js';

export interface SwarmOptions {
  readonly seed: number;
  /** Number of jobs (derived seeds). */
  readonly jobs: number;
  /** Walks per job. */
  readonly walks: number;
  readonly maxDepth: number;
  readonly engine: EngineName;
  readonly maxStates?: number | undefined;
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
}

/** The configuration of job `k`: its derived seed and the event types it avoids. */
export function swarmJob(sys: CompiledSystem, opts: SwarmOptions, k: number): SwarmJob {
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
  return { index: k, model: sys.modelId, file, variant: sys.variant, params: sys.params, walk };
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

  /** Runs every job; results are in job order, whichever thread ran them. */
  async run(jobs: readonly SwarmJob[]): Promise<WalkResult[]> {
    const results: WalkResult[] = [];
    let nextJob = 0;
    const drive = (worker: Worker): Promise<void> =>
      new Promise((resolveDrive, reject) => {
        const feed = (): void => {
          const job = jobs[nextJob++];
          if (job === undefined) {
            worker.off('message', onMessage);
            worker.off('error', reject);
            resolveDrive();
            return;
          }
          // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a worker_threads Worker, not a window
          worker.postMessage(job);
        };
        const onMessage = (msg: { index: number; result: WalkResult; error?: string }): void => {
          if (msg.error !== undefined) {
            reject(new InputError('bad_model', `swarm worker: ${msg.error}`));
            return;
          }
          results[msg.index] = msg.result;
          feed();
        };
        worker.on('message', onMessage);
        worker.on('error', reject);
        feed();
      });
    const n = Math.max(1, Math.min(this.size, jobs.length));
    await Promise.all(Array.from({ length: n }, (_, k) => drive(this.thread(k))));
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((w) => w.terminate()));
    this.threads.length = 0;
  }
}

/** Runs every job of a swarm search on `pool`; results are in job order. */
export async function runSwarm(
  sys: CompiledSystem,
  opts: SwarmOptions,
  pool: SwarmPool,
): Promise<WalkResult[]> {
  const jobs = Array.from({ length: opts.jobs }, (_, k) => swarmJob(sys, opts, k));
  const results = await pool.run(jobs);
  for (const r of results) {
    if (r.fingerprint !== sys.fingerprint) {
      throw new InputError(
        'usage',
        `swarm: the compiled workers in dist/ run another version of ${sys.modelId}; run 'npm run build' first`,
      );
    }
  }
  return results;
}
