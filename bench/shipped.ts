// The shipped models in `npm run bench` (issue 12): the flagship guest-memfd-inplace:fixed at
// realistic bounds, with its properties as shipped and with its safety properties only
// (bench/flagshipSafety.ts, the model partial-order reduction and symmetry apply to), each
// with partial-order reduction and symmetry asked on and off; and every shipped model at its
// default bound. Every row is one `foliocheck check ... --json` command in a fresh process
// (bench/child.ts); seconds are that process's wall time, start to exit.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { models } from '../models/index.js';
import { table } from '../src/format.js';
import type { CliJob, CliResult, CliRun } from './child.js';

const child = fileURLToPath(new URL('./child.js', import.meta.url));
const safetyModel = fileURLToPath(new URL('./flagshipSafety.js', import.meta.url));
const FLAGSHIP = 'guest-memfd-inplace';

/** Seconds a flagship run at folios=3 may take: the target for the default options. */
const LARGE_BUDGET = Number(process.env['BENCH_FLAGSHIP_BUDGET'] ?? 60);
/** Seconds each of the four safety-only runs at folios=3 may take (they show rates, not ends). */
const LARGE_SAFETY_BUDGET = Number(process.env['BENCH_FLAGSHIP_SAFETY_BUDGET'] ?? 15);

export interface ShippedRow {
  readonly section: 'flagship' | 'default bound';
  readonly model: string;
  readonly bound: string;
  readonly properties: 'all' | 'safety';
  /** What was asked on the command line (the defaults: on). */
  readonly por: boolean;
  readonly symmetry: boolean;
  /** Whether the run applied them (a run with progress properties refuses both). */
  readonly porApplied: boolean;
  readonly symmetryApplied: boolean;
  readonly states: number;
  readonly transitions: number;
  /** States explored concretely to judge progress from representatives (RunResult.regionStates). */
  readonly regionStates: number;
  /** Sum of the runs' own search seconds (exploration and judging). */
  readonly searchSeconds: number;
  /** Whole process: start to exit, loading and compiling the model included. */
  readonly wallSeconds: number;
  readonly maxRss: number;
  readonly complete: boolean;
  readonly stopReason: string | null;
  readonly verdicts: string;
  readonly code: number;
  readonly variants: number;
}

interface Measured {
  readonly result: CliResult;
  readonly wall: number;
}

function measureCli(args: readonly string[], nodeFlags: readonly string[] = []): Measured {
  const job: CliJob = { kind: 'cli', args: [...args, '--json'] };
  const start = performance.now();
  const out = execFileSync(process.execPath, [...nodeFlags, child, JSON.stringify(job)], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  const wall = (performance.now() - start) / 1000;
  return { result: JSON.parse(out.trim().split('\n').pop() ?? '{}') as CliResult, wall };
}

function sum(runs: readonly CliRun[], f: (r: CliRun) => number): number {
  return runs.reduce((a, r) => a + f(r), 0);
}

function row(
  section: ShippedRow['section'],
  model: string,
  bound: string,
  properties: ShippedRow['properties'],
  asked: { por: boolean; symmetry: boolean },
  m: Measured,
): ShippedRow {
  const runs = m.result.runs;
  return {
    section,
    model,
    bound,
    properties,
    ...asked,
    porApplied: runs.some((r) => r.por),
    symmetryApplied: runs.some((r) => r.symmetry),
    states: sum(runs, (r) => r.states),
    transitions: sum(runs, (r) => r.transitions),
    regionStates: sum(runs, (r) => r.regionStates),
    searchSeconds: sum(runs, (r) => r.seconds),
    wallSeconds: m.wall,
    maxRss: m.result.maxRss,
    complete: runs.length > 0 && runs.every((r) => r.complete),
    stopReason: runs.find((r) => r.stopReason !== null)?.stopReason ?? null,
    verdicts: runs.map((r) => r.properties.map((p) => `${p.name}=${p.verdict}`).join(',')).join(';'),
    code: m.result.code,
    variants: runs.length,
  };
}

const flagshipBounds = [
  { folios: 2, pagesPerFolio: 2, converters: 2 },
  { folios: 3, pagesPerFolio: 2, converters: 2 },
];

/** The flagship rows: per bound, the shipped properties with default options, then safety only × POR × symmetry. */
function flagshipRows(log: (s: string) => void): ShippedRow[] {
  const rows: ShippedRow[] = [];
  for (const b of flagshipBounds) {
    const large = b.folios > 2;
    const set = Object.entries(b).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
    const bound = Object.entries(b)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const limits = (budget: number): string[] =>
      large ? ['--max-seconds', String(budget), '--max-memory', '8G'] : [];
    // A folios=3 run may grow past V8's default heap limit before --max-memory stops it.
    const heap = large ? ['--max-old-space-size=8192'] : [];
    // Every property, with the default options, then asked for no reduction (before/after).
    for (const reduce of [true, false]) {
      const flags = reduce ? [] : ['--no-por', '--no-symmetry'];
      const all = measureCli(['check', `${FLAGSHIP}:fixed`, ...set, ...flags, ...limits(LARGE_BUDGET)], heap);
      rows.push(row('flagship', `${FLAGSHIP}:fixed`, bound, 'all', { por: reduce, symmetry: reduce }, all));
      log(
        `flagship ${bound} all properties${reduce ? '' : ' unreduced'}: ${all.result.runs[0]?.states ?? 0} states ${all.wall.toFixed(2)} s`,
      );
    }
    for (const por of [true, false]) {
      for (const symmetry of [true, false]) {
        const flags = [...(por ? [] : ['--no-por']), ...(symmetry ? [] : ['--no-symmetry'])];
        const m = measureCli(
          ['check', `${safetyModel}:fixed`, ...set, ...flags, ...limits(LARGE_SAFETY_BUDGET)],
          heap,
        );
        rows.push(row('flagship', `${FLAGSHIP}:fixed`, bound, 'safety', { por, symmetry }, m));
        log(
          `flagship ${bound} safety por=${por} symmetry=${symmetry}: ${m.result.runs[0]?.states ?? 0} states ${m.wall.toFixed(2)} s`,
        );
      }
    }
  }
  return rows;
}

/** One row per shipped model: `check MODEL` (every variant) at the default bound. */
function defaultRows(log: (s: string) => void): ShippedRow[] {
  return models.map((m) => {
    const measured = measureCli(['check', m.id]);
    const r = row('default bound', m.id, 'default', 'all', { por: true, symmetry: true }, measured);
    log(
      `default ${m.id}: ${r.states} states ${r.searchSeconds.toFixed(2)} s search, ${r.wallSeconds.toFixed(2)} s whole`,
    );
    return r;
  });
}

export interface Shipped {
  /** Peak RSS of `check guest-memfd-inplace:fixed` at its default bound (137 states): the baseline. */
  readonly baselineRss: number;
  readonly rows: readonly ShippedRow[];
}

export function measureShipped(log: (s: string) => void): Shipped {
  const baselineRss = measureCli(['check', `${FLAGSHIP}:fixed`]).result.maxRss;
  return { baselineRss, rows: [...flagshipRows(log), ...defaultRows(log)] };
}

const rate = (r: ShippedRow, seconds: number): string =>
  seconds > 0 ? String(Math.round(r.states / seconds)) : '-';
/**
 * POR as asked and done: off; refused (a progress property); on, and whether it pruned (the
 * reduction stops itself on a model where it prunes under 10 %: docs/performance.md).
 */
const porCell = (r: ShippedRow): string =>
  !r.por ? 'off' : r.properties === 'all' && !r.porApplied ? 'refused' : r.porApplied ? 'pruned' : 'no gain';
/**
 * Symmetry as asked and done: off, on, or refused (a progress property not declared
 * symmetric); with progress properties judged from representatives, the region's states too.
 */
const symmetryCell = (r: ShippedRow): string =>
  !r.symmetry
    ? 'off'
    : !r.symmetryApplied
      ? 'refused'
      : r.regionStates > 0
        ? `on (+${r.regionStates} region)`
        : 'on';
const note = (r: ShippedRow): string =>
  r.complete ? '' : `stopped: ${r.stopReason ?? 'limit'}${r.code === 4 ? ' (fatal)' : ''}`;

/**
 * A row's verdicts against the run of the same bound and properties that asked for no
 * reduction (--no-por --no-symmetry), when both finished; a row that reduced nothing is
 * itself the unreduced run.
 */
function sameAsUnreduced(r: ShippedRow, rows: readonly ShippedRow[]): string {
  if (!r.porApplied && !r.symmetryApplied) return 'unreduced';
  const plain = rows.find(
    (x) => x.bound === r.bound && x.properties === r.properties && !x.por && !x.symmetry && x.complete,
  );
  if (plain === undefined || !r.complete) return '-';
  return plain.verdicts === r.verdicts ? 'yes' : 'NO';
}

const DEFAULT_RATE = 500_000;
const DEFAULT_SECONDS = 0.5;

export function renderShipped(s: Shipped): string {
  const flagship = s.rows.filter((r) => r.section === 'flagship');
  const flagshipCells = flagship.map((r) => [
    r.bound,
    r.properties,
    porCell(r),
    symmetryCell(r),
    String(r.states),
    String(r.transitions),
    r.wallSeconds.toFixed(2),
    r.searchSeconds.toFixed(2),
    rate(r, r.wallSeconds),
    r.states >= 100_000 ? ((r.maxRss - s.baselineRss) / r.states).toFixed(1) : '-',
    (r.maxRss / 2 ** 20).toFixed(0),
    sameAsUnreduced(r, flagship),
    note(r),
  ]);
  const defaults = s.rows.filter((r) => r.section === 'default bound');
  const defaultCells = defaults.map((r) => {
    const searchRate = r.searchSeconds > 0 ? r.states / r.searchSeconds : Infinity;
    const met = searchRate >= DEFAULT_RATE || r.searchSeconds < DEFAULT_SECONDS;
    return [
      r.model,
      String(r.variants),
      String(r.states),
      String(r.transitions),
      r.searchSeconds.toFixed(2),
      rate(r, r.searchSeconds),
      r.wallSeconds.toFixed(2),
      rate(r, r.wallSeconds),
      met ? 'yes' : 'NO',
      note(r),
    ];
  });
  return `## Shipped models

Each row is one \`foliocheck check ... --json\` process. "whole s" is its wall time from start to
exit (Node's start, loading the catalogue, compiling the model, searching, judging, printing);
"search s" is the sum of the runs' own seconds (exploring and judging). POR and symmetry say what
was asked (\`--no-por\`, \`--no-symmetry\`) and what the run did: a run that judges a progress
property applies no partial-order reduction ("refused"), and symmetry only when every progress
property is declared symmetric: then it is judged from the representatives, and "+N region"
counts the states explored concretely for it, beside "states" (docs/performance.md, "Progress
under symmetry"); "no gain" is a reduction that was
on but pruned nothing (it stops itself after a window of expansions where it prunes under 10 %). "safety" rows check the
flagship with its safety properties only (bench/flagshipSafety.ts, loaded as a model file).
"B/state" is the peak resident memory above a baseline process (\`check ${FLAGSHIP}:fixed\` at its
default bound, ${(s.baselineRss / 2 ** 20).toFixed(0)} MiB) per stored state, shown from 100,000 states up.
"= unreduced" compares the verdicts with the run of the same bound and properties asked for no
reduction, where both finished ("unreduced": the row reduced nothing itself). Runs at folios=3 are bounded by \`--max-seconds\`
(${LARGE_BUDGET} s with every property, ${LARGE_SAFETY_BUDGET} s for safety only) and \`--max-memory 8G\`.

### guest-memfd-inplace:fixed at realistic bounds

\`\`\`
${table(
  [
    'bound',
    'properties',
    'POR',
    'symmetry',
    'states',
    'transitions',
    'whole s',
    'search s',
    'states/s (whole)',
    'B/state',
    'peak MiB',
    '= unreduced',
    'note',
  ],
  flagshipCells,
)}\`\`\`

### Every shipped model at its default bound (every variant, one process)

"met" is the target of issue 12: states/s over the search ≥ ${DEFAULT_RATE.toLocaleString('en-US')} or search
seconds < ${DEFAULT_SECONDS}. The whole-process seconds add Node's start-up, loading the catalogue and compiling
every variant's machines (XState interpretation of each kind's local states), which no search avoids.

\`\`\`
${table(
  [
    'model',
    'variants',
    'states',
    'transitions',
    'search s',
    'states/s (search)',
    'whole s',
    'states/s (whole)',
    'met',
    'note',
  ],
  defaultCells,
)}\`\`\`
`;
}
