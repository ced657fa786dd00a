// `npm run bench`: the exploration-speed benchmark of ../shared/docs/bench.md, then the
// shipped models (bench/shipped.ts: the flagship at realistic bounds, every model at its
// default bound). Every measurement runs in a fresh child process (bench/child.ts) so time
// is the whole exploration and memory is the process's own peak. Prints the tables and
// writes reports/bench.md (and reports/bench.json; --json prints the JSON instead of the
// tables). `--only bench` or `--only shipped` measures one part and keeps the other part's
// saved measurements; `--render` rewrites reports/bench.md from reports/bench.json.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/files.js';
import { table } from '../src/format.js';
import type { BenchJob, BenchResult } from './child.js';
import { measureShipped, renderShipped, type Shipped } from './shipped.js';

const child = fileURLToPath(new URL('./child.js', import.meta.url));
const COMPILED_BUDGET = Number(process.env['BENCH_BUDGET'] ?? 180);
const INTERPRET_BUDGET = Number(process.env['BENCH_INTERPRET_BUDGET'] ?? 15);

function measure(job: BenchJob): BenchResult {
  const out = execFileSync(process.execPath, ['--max-old-space-size=8192', child, JSON.stringify(job)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as BenchResult;
}

/** Peak RSS of a child that loads everything and explores the smallest size: the baseline. */
function baselineRss(): number {
  return measure({ pages: 1, converters: 1, symmetry: false, engine: 'compiled', budgetSeconds: 10 }).maxRss;
}

interface Row {
  readonly result: BenchResult;
  readonly speedup: number | undefined;
  readonly bytesPerState: number | undefined;
}

function sizes(): [number, number][] {
  const out: [number, number][] = [];
  for (let n = 1; n <= 6; n++) out.push([n, 1]);
  for (let n = 1; n <= 5; n++) out.push([n, 2]);
  return out;
}

const log = (s: string): boolean => process.stderr.write(s + '\n');

interface Body {
  readonly machine: { cpus: number; model: string; node: string };
  readonly baselineRss?: number;
  readonly rows?: Row[];
  readonly shipped?: Shipped;
}

function main(): void {
  const json = process.argv.includes('--json');
  const only = process.argv[process.argv.indexOf('--only') + 1];
  const which = process.argv.includes('--only') ? only : undefined;
  if (which !== undefined && which !== 'bench' && which !== 'shipped') {
    process.stderr.write(`bench: --only takes bench or shipped, not ${which}\n`);
    process.exitCode = 2;
    return;
  }
  // --render: rewrite reports/bench.md from the measurements in reports/bench.json.
  if (process.argv.includes('--render')) {
    writeFileAtomic('reports/bench.md', renderAll(readSaved()));
    return;
  }
  const benchPart = which === 'shipped' ? undefined : measureBench();
  const shipped = which === 'bench' ? undefined : measureShipped(log);
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version };
  const body: Body = { machine, ...benchPart, ...(shipped === undefined ? {} : { shipped }) };
  // One part measured: the other part's saved measurements are kept.
  const saved = which === undefined || !existsSync('reports/bench.json') ? undefined : readSaved();
  const all: Body = saved === undefined ? body : { ...saved, ...body };
  const text = renderAll(all);
  writeFileAtomic('reports/bench.json', JSON.stringify(all, null, 2) + '\n');
  writeFileAtomic('reports/bench.md', text);
  process.stdout.write(json ? JSON.stringify(all, null, 2) + '\n' : text);
}

function readSaved(): Body {
  return JSON.parse(readFileSync('reports/bench.json', 'utf8')) as Body;
}

function renderAll(body: Body): string {
  return [
    ...(body.rows === undefined ? [] : [render(body.rows, body.machine, body.baselineRss ?? 0)]),
    ...(body.shipped === undefined ? [] : [renderShipped(body.shipped)]),
  ].join('\n');
}

/** The rows of docs/bench.md's sizes (the `bench` model), with its baseline. */
function measureBench(): { baselineRss: number; rows: Row[] } {
  const baseline = baselineRss();
  const rows: Row[] = [];
  // Plain interpretation is measured until a size exceeds its budget; larger sizes of the
  // same series (K, symmetry) are skipped, since they would only hit the budget again.
  const interpretGaveUp = new Set<string>();
  for (const [pages, converters] of sizes()) {
    const interpretRate = new Map<boolean, number>();
    for (const symmetry of [false, true]) {
      const series = `${converters}/${String(symmetry)}`;
      if (!interpretGaveUp.has(series)) {
        const interp = measure({
          pages,
          converters,
          symmetry,
          engine: 'interpret',
          budgetSeconds: INTERPRET_BUDGET,
        });
        log(
          `interpret N=${pages} K=${converters} sym=${symmetry}: ${interp.states} states ${interp.seconds.toFixed(2)} s${interp.complete ? '' : ' (stopped)'}`,
        );
        // A stopped run still measured interpretation's rate on this very model and size.
        interpretRate.set(symmetry, interp.states / interp.seconds);
        if (!interp.complete) interpretGaveUp.add(series);
        rows.push({ result: interp, speedup: undefined, bytesPerState: undefined });
      }
      const comp = measure({
        pages,
        converters,
        symmetry,
        engine: 'compiled',
        budgetSeconds: COMPILED_BUDGET,
      });
      log(
        `compiled  N=${pages} K=${converters} sym=${symmetry}: ${comp.states} states ${comp.seconds.toFixed(2)} s${comp.complete ? '' : ' (stopped)'}`,
      );
      const rate = interpretRate.get(symmetry);
      rows.push({
        result: comp,
        speedup: rate === undefined ? undefined : comp.states / comp.seconds / rate,
        bytesPerState: comp.states >= 100_000 ? (comp.maxRss - baseline) / comp.states : undefined,
      });
      if (!symmetry && converters === 1 && pages >= 5 && comp.complete) {
        const par = measure({
          pages,
          converters,
          symmetry,
          engine: 'compiled',
          budgetSeconds: COMPILED_BUDGET,
          workers: 2,
        });
        log(
          `compiled  N=${pages} K=${converters} workers=2: ${par.states} states ${par.seconds.toFixed(2)} s`,
        );
        rows.push({
          result: par,
          speedup: par.states / par.seconds / (comp.states / comp.seconds),
          bytesPerState: (par.maxRss - baseline) / par.states,
        });
      }
    }
  }
  return { baselineRss: baseline, rows };
}

function render(
  rows: readonly Row[],
  machine: { cpus: number; model: string; node: string },
  baseline: number,
): string {
  const header = [
    'N',
    'K',
    'engine',
    'workers',
    'symmetry',
    'states',
    'transitions',
    'depth',
    'seconds',
    'states/s',
    'engine B/state',
    'RSS B/state',
    'speedup',
    'note',
  ];
  const cells = rows.map(({ result: r, speedup, bytesPerState }) => [
    String(r.job.pages),
    String(r.job.converters),
    r.job.engine,
    String(r.workers),
    r.job.symmetry ? 'on' : 'off',
    String(r.states),
    String(r.transitions),
    String(r.depth),
    r.seconds.toFixed(2),
    String(Math.round(r.states / r.seconds)),
    (r.engineBytes / r.states).toFixed(1),
    bytesPerState === undefined ? '-' : bytesPerState.toFixed(1),
    speedup === undefined ? '-' : `${speedup.toFixed(speedup < 10 ? 2 : 0)}x`,
    r.complete ? '' : `stopped: ${r.stopReason ?? 'limit'} (budget ${r.job.budgetSeconds} s)`,
  ]);
  return `# Benchmark: docs/bench.md

Generated by \`npm run bench\` on ${machine.cpus} × ${machine.model}, Node ${machine.node}. Each row is a fresh
process; seconds include compiling the model. "engine B/state" is what the explorer allocated for
stored states and the visited set; "RSS B/state" is the process's peak resident memory above a baseline
process (${(baseline / 2 ** 20).toFixed(0)} MiB) per stored state, shown from 100,000 states up. "speedup" is states/s of the
compiled engine over plain XState interpretation measured on the same size in this run (where
interpretation ran out of budget, over the rate of the part it explored); on a 2-worker row it is
the rate over the single-thread compiled row just above it. Plain interpretation runs until a size exceeds its budget
(${INTERPRET_BUDGET} s); larger sizes of that series (same K and symmetry) are not attempted. Timings vary
with machine load.

\`\`\`
${table(header, cells)}\`\`\`
`;
}

main();
