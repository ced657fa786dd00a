// CI outputs of `foliocheck check`: a JUnit file (one test case per
// model:variant:property, failures naming the replay command) and a Markdown verdict
// table appended to GitHub's job summary.
import { join } from 'node:path';
import { asExpected, type PropertyResult, type RunResult } from '../check.js';
import { writeJunit, type JunitCase, type JunitSuite } from '../junit.js';
import { verdictText } from '../model.js';
import { appendStepSummary, mdTable } from '../stepSummary.js';
import { eventLabel } from '../system.js';
import { traceFileName } from '../trace.js';
import type { FlagSpec } from './args.js';
import type { Io } from './io.js';
import { sampledVerdictText } from './sampled.js';

export const ciFlags: readonly FlagSpec[] = [
  {
    name: 'junit',
    value: 'FILE',
    doc: 'write a JUnit XML report (one test case per model:variant:property)',
  },
];

/** Trace files written, by `model:variant:property`. */
export type TraceFiles = ReadonlyMap<string, string>;

/**
 * Per run: the command that reruns it with every option that shaped it, and the tag of its
 * trace file names (its non-default parameters; src/commands/results.ts).
 */
export type RerunCommands = ReadonlyMap<RunResult, { readonly command: string; readonly tag: string }>;

/** A verdict as text and tables print it: `holds (vacuous)`, `holds up to depth 12`, … */
export function verdictLabel(r: RunResult, p: PropertyResult): string {
  if (p.verdict === 'unknown') {
    const text = sampledVerdictText(r, p.kind) ?? 'unknown';
    return p.premise === 'unmet' ? `${text} (premise not met so far)` : text;
  }
  const held = p.verdict === 'holds' || p.verdict === 'vacuous' || p.verdict === 'unreached';
  const text = verdictText(p.verdict);
  return r.depthBounded && held ? `${text} up to depth ${r.maxDepth}` : text;
}

/** The cells every verdict table starts with: model, variant, property, verdict, expected. */
export function verdictCells(r: RunResult, p: PropertyResult): string[] {
  return [
    r.model,
    r.variant,
    p.name,
    verdictLabel(r, p),
    p.expected === undefined ? '-' : verdictText(p.expected),
  ];
}

/**
 * The command that replays this property's counterexample: the trace written by --out,
 * else the run's own command (every --set, bound, strategy and seed) writing it first.
 */
export function replayCommand(
  r: RunResult,
  p: PropertyResult,
  traces: TraceFiles,
  commands: RerunCommands,
): string | undefined {
  if (p.path === undefined || p.verdict !== 'violated') return undefined;
  const written = traces.get(`${r.model}:${r.variant}:${p.name}`);
  if (written !== undefined) return `npx foliocheck replay ${written}`;
  const file = join('traces', traceFileName(r.model, r.variant, p.name, commands.get(r)?.tag ?? ''));
  const rerun = commands.get(r)?.command ?? `npx foliocheck check ${r.model}:${r.variant}`;
  return `${rerun} --out traces && npx foliocheck replay ${file}`;
}

function testCase(r: RunResult, p: PropertyResult, traces: TraceFiles, commands: RerunCommands): JunitCase {
  const base = { name: `${r.model}:${r.variant}:${p.name}`, classname: `${r.model}:${r.variant}` };
  const verdict = verdictLabel(r, p);
  const rerun = commands.get(r)?.command;
  if (p.verdict === 'unknown')
    return {
      ...base,
      skipped: `${verdict} (expected ${p.expected ?? '-'})${rerun === undefined ? '' : `; rerun: ${rerun}`}`,
    };
  if (asExpected(p)) return base;
  const replay = replayCommand(r, p, traces, commands);
  const message = `expected ${p.expected === undefined ? 'no violation' : verdictText(p.expected)}, got ${verdict}${replay === undefined ? '' : `; replay: ${replay}`}`;
  const steps = (p.path ?? []).map((e, i) => {
    const ev = r.system.events[e];
    return `  ${i}  ${ev === undefined ? `event ${e}` : eventLabel(ev)}`;
  });
  const text = [`${p.kind} '${p.name}': ${p.doc}`, ...(steps.length > 0 ? ['events:', ...steps] : [])].join(
    '\n',
  );
  return { ...base, failure: { message, type: 'verdict-mismatch', text } };
}

export function checkSuites(
  runs: readonly RunResult[],
  traces: TraceFiles,
  commands: RerunCommands = new Map(),
): JunitSuite[] {
  return runs.map((r) => ({
    name: `${r.model}:${r.variant}`,
    time: r.seconds,
    cases: r.properties.map((p) => testCase(r, p, traces, commands)),
  }));
}

/** The job-summary Markdown: the verdict table and the replay command of each counterexample. */
export function checkSummary(
  runs: readonly RunResult[],
  traces: TraceFiles,
  headline: string,
  commands: RerunCommands = new Map(),
): string {
  const rows = runs.flatMap((r) =>
    r.properties.map((p) => [
      ...verdictCells(r, p),
      p.verdict === 'unknown' ? '❔ unknown' : asExpected(p) ? '✅ ok' : '❌ mismatch',
    ]),
  );
  const replays = runs.flatMap((r) =>
    r.properties.flatMap((p) => {
      const cmd = replayCommand(r, p, traces, commands);
      return cmd === undefined ? [] : [`- \`${r.model}:${r.variant}:${p.name}\`: \`${cmd}\``];
    }),
  );
  const reruns = runs.flatMap((r) => {
    const cmd = commands.get(r)?.command;
    const settled = r.sampling === undefined && r.properties.every((p) => asExpected(p));
    return cmd === undefined || settled ? [] : [`- \`${r.model}:${r.variant}\`: \`${cmd}\``];
  });
  return [
    `### foliocheck check: ${headline}`,
    '',
    mdTable(['model', 'variant', 'property', 'verdict', 'expected', ''], rows),
    ...(replays.length > 0 ? ['Counterexamples:', '', ...replays, ''] : []),
    ...(reruns.length > 0 ? ['Rerun:', '', ...reruns, ''] : []),
  ].join('\n');
}

/** Writes --junit and appends the job summary when GITHUB_STEP_SUMMARY is set. */
export function reportCi(
  runs: readonly RunResult[],
  traces: TraceFiles,
  junit: string | undefined,
  commands: RerunCommands,
  io: Io,
  headline: string,
): void {
  if (junit !== undefined) writeJunit(junit, 'foliocheck check', checkSuites(runs, traces, commands));
  appendStepSummary(io.env, checkSummary(runs, traces, headline, commands));
}
