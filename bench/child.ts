// One benchmark measurement in a fresh process: explores `bench` at one size with one
// engine and prints a JSON line with the figures and the process's peak resident memory.
import { checkRunAsync } from '../src/check.js';
import bench from '../models/bench.js';

export interface BenchJob {
  readonly pages: number;
  readonly converters: number;
  readonly symmetry: boolean;
  readonly engine: 'compiled' | 'interpret';
  readonly budgetSeconds: number;
  /** Worker threads (compiled engine without symmetry only). */
  readonly workers?: number;
}

export interface BenchResult {
  readonly job: BenchJob;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly seconds: number;
  readonly complete: boolean;
  readonly stopReason: string | null;
  /** Bytes the engine allocated for stored states and the visited set. */
  readonly engineBytes: number;
  /** Peak resident set size of this process, in bytes. */
  readonly maxRss: number;
  readonly verdicts: readonly string[];
  readonly workers: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as BenchJob;
const start = performance.now();
const run = await checkRunAsync(bench, { pages: job.pages, converters: job.converters }, 'spec', {
  engine: job.engine,
  strategy: 'bfs',
  symmetry: job.symmetry,
  workers: job.workers ?? 1,
  shouldStop: () => ((performance.now() - start) / 1000 > job.budgetSeconds ? 'time budget' : undefined),
});
const result: BenchResult = {
  job,
  states: run.states,
  transitions: run.transitions,
  depth: run.depth,
  seconds: run.seconds,
  complete: run.complete,
  stopReason: run.stopReason ?? null,
  engineBytes: run.bytes,
  maxRss: process.resourceUsage().maxRSS * 1024,
  verdicts: run.properties.map((p) => p.verdict),
  workers: run.workers,
};
process.stdout.write(JSON.stringify(result) + '\n');
