// One benchmark measurement in a fresh process, printed as one JSON line with the figures
// and the process's peak resident memory: either `bench` explored at one size with one
// engine through the API (BenchJob), or one `foliocheck check ... --json` command run as
// the executable runs it (CliJob: the same entry point, loading and compiling included, so
// the parent's wall time around this process is the command's whole-process time).

export interface BenchJob {
  readonly pages: number;
  readonly converters: number;
  readonly symmetry: boolean;
  readonly engine: 'compiled' | 'interpret';
  readonly budgetSeconds: number;
  /** Worker threads (compiled engine without symmetry only). */
  readonly workers?: number;
}

/** A `foliocheck` command line (ending in --json) run in this process. */
export interface CliJob {
  readonly kind: 'cli';
  readonly args: readonly string[];
}

/** What a CliJob printed: the exit code, the JSON results and the peak resident memory. */
export interface CliResult {
  readonly job: CliJob;
  readonly code: number;
  readonly runs: readonly CliRun[];
  readonly maxRss: number;
}

/** The fields of one run of `check --json` the bench reads. */
export interface CliRun {
  readonly model: string;
  readonly variant: string;
  readonly states: number;
  readonly transitions: number;
  readonly regionStates: number;
  readonly depth: number;
  readonly seconds: number;
  readonly complete: boolean;
  readonly stopReason: string | null;
  readonly symmetry: boolean;
  readonly por: boolean;
  readonly properties: readonly { readonly name: string; readonly verdict: string }[];
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

async function runCli(job: CliJob): Promise<void> {
  const { main } = await import('../src/cli.js');
  let out = '';
  const code = await main([...job.args], {
    out: (text) => {
      out += text;
    },
    err: () => undefined,
    isTTY: false,
    env: process.env,
    cwd: process.cwd(),
  });
  const runs = out.trim() === '' ? [] : (JSON.parse(out) as { runs: CliRun[] }).runs;
  const result: CliResult = { job, code, runs, maxRss: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(JSON.stringify(result) + '\n');
}

async function runBench(job: BenchJob): Promise<void> {
  const { checkRunAsync } = await import('../src/check.js');
  const { default: bench } = await import('../models/bench.js');
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
}

const arg = JSON.parse(process.argv[2] ?? '{}') as BenchJob | CliJob;
if ('kind' in arg) await runCli(arg);
else await runBench(arg);
