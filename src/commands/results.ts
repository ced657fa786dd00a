// What `check` and `merge` print and write once the searches are over: counterexample
// traces, the flaw table, JUnit and the job summary, then the results (table or JSON).
// The results are printed whatever happens to the files: a file that cannot be written
// is reported on stderr after them, and the exit code is then 4.
import { basename, join } from 'node:path';
import { asExpected, exitStatus, type PropertyResult, type RunResult } from '../check.js';
import { InputError, oneLine } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { flawRows, renderFlaws } from '../flaws.js';
import { enabledAfterAllFinding, neverEnabledFinding, type Finding } from '../lint.js';
import { table } from '../format.js';
import type { AnyModel } from '../model.js';
import type { Registry } from '../registry.js';
import { describeStop, HEAP_FULL, stopExitCode } from '../stop.js';
import { eventLabel } from '../system.js';
import { buildTrace, paramTag, serializeTrace, traceFileName, withSource, type Trace } from '../trace.js';
import { removeStaleTraces } from '../traceDir.js';
import { reportCi, verdictCells, type RerunCommands } from './ci.js';
import type { Io } from './io.js';
import { sampledNote } from './sampled.js';

/** Where results go, and the command-line options that shaped the runs. */
export interface ResultSinks {
  readonly out: string | undefined;
  readonly junit: string | undefined;
  readonly flaws: string | undefined;
  readonly json: boolean;
  /** Runs planned (fewer ran when a signal stopped the command). */
  readonly planned: number;
  /** The signal that stopped the command, if one did (it skips the runs not started). */
  readonly interrupted?: string | undefined;
  /** Options that shaped a run (strategy, bounds, seeds...), in command-line form, without --set. */
  readonly shaping: (r: RunResult) => readonly string[];
  /** Sharded swarm runs embed their counterexamples in the JSON (for `foliocheck merge`). */
  readonly embedTraces: boolean;
  /** The model a run checked (its parameter defaults name trace files and rerun commands). */
  readonly modelOf: (r: RunResult) => AnyModel | undefined;
  /** Where models came from (trace sources) and the flaw catalogue. */
  readonly registry: Registry;
  /** --strict: a world event an exhaustive run never enabled is a model error (exit 2, no file written). */
  readonly strict: boolean;
}

/** The world events an exhaustive run never enabled, as labels (null when not exhaustive). */
function neverEnabledLabels(r: RunResult): string[] | null {
  if (r.neverEnabled === undefined) return null;
  return r.neverEnabled.map((e) => {
    const ev = r.system.events[e];
    return ev === undefined ? `event ${e}` : eventLabel(ev);
  });
}

type Defaults = Readonly<Record<string, { readonly default: number }>>;

/** The trace file tag of a run: its non-default parameters. */
export function runTag(r: RunResult, defaults: Defaults): string {
  return paramTag(defaults, r.params);
}

/** `npx foliocheck check MODEL:VARIANT --set ... OPTIONS`: the command that reruns `r`. */
export function rerunCommand(r: RunResult, shaping: readonly string[], defaults: Defaults): string {
  const sets = Object.keys(r.params)
    .sort()
    .filter((k) => r.params[k] !== defaults[k]?.default)
    .map((k) => `--set ${k}=${r.params[k]}`);
  const explicit = shaping.some((o) => o.startsWith('--seed '));
  const seed = r.sampling !== undefined && !explicit ? [`--seed ${r.sampling.seed}`] : [];
  return ['npx foliocheck check', `${r.model}:${r.variant}`, ...sets, ...shaping, ...seed].join(' ');
}

function traceOf(r: RunResult, p: PropertyResult): Trace | undefined {
  if (p.path === undefined || (p.verdict !== 'violated' && p.verdict !== 'reached')) return undefined;
  return buildTrace(r.system, { name: p.name, kind: p.kind, verdict: p.verdict }, p.path, p.loop);
}

/** Exit status: 4 out of memory, 1 a verdict differs, 3 a limit or signal left one unknown, 0 as expected. */
export function commandStatus(runs: readonly RunResult[], planned: number): 0 | 1 | 3 | 4 {
  if (runs.some((r) => r.stopReason !== undefined && stopExitCode(r.stopReason) === 4)) return 4;
  const status = exitStatus(runs);
  return status === 0 && runs.length < planned ? 3 : status;
}

/** Writes the outputs, prints the results; returns the exit code. */
export function emitResults(
  runs: readonly RunResult[],
  sinks: ResultSinks,
  io: Io,
  fixedBy: (r: RunResult) => string | undefined,
): number {
  const failures: string[] = [];
  // Under --strict a world event never enabled is a model error: exit 2 and, as for every
  // exit 2, no file written; the results still print, with the list.
  const never = runs.flatMap((r) => {
    const declared = sinks.modelOf(r)?.variants[r.variant]?.neverEnabled;
    const severity = sinks.strict ? 'error' : 'warning';
    return [neverEnabledFinding(r, severity, declared), enabledAfterAllFinding(r, severity, declared)].filter(
      (f): f is Finding => f !== undefined,
    );
  });
  const refused = sinks.strict && never.length > 0;
  const attempt = (write: () => void): void => {
    if (refused) return;
    try {
      write();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      failures.push(err.message);
    }
  };
  const traces = new Map<string, string>();
  const defaults = (r: RunResult): Defaults => sinks.modelOf(r)?.params ?? {};
  const commands = new Map(
    runs.map((r) => [
      r,
      { command: rerunCommand(r, sinks.shaping(r), defaults(r)), tag: runTag(r, defaults(r)) },
    ]),
  );
  const out = sinks.out;
  if (out !== undefined) {
    for (const r of runs) {
      const model = sinks.modelOf(r);
      for (const p of r.properties) {
        const trace = p.verdict === 'violated' ? traceOf(r, p) : undefined;
        if (trace === undefined) continue;
        const file = join(out, traceFileName(r.model, r.variant, p.name, runTag(r, defaults(r))));
        const sourced = withSource(
          trace,
          model === undefined ? undefined : sinks.registry.sourceFor(model, file),
        );
        attempt(() => {
          writeFileAtomic(file, serializeTrace(sourced));
          traces.set(`${r.model}:${r.variant}:${p.name}`, file);
        });
      }
    }
    // The directory holds the latest run of each (variant, parameters): older traces of
    // the runs made here (a property that holds now) go; those of other variants and of
    // the same variant at other parameters stay (src/traceDir.ts). A swarm shard is part
    // of a run, so it removes nothing.
    const owners = runs
      .filter((r) => (r.sampling?.shard ?? null) === null)
      .map((r) => ({ model: r.model, variant: r.variant, tag: runTag(r, defaults(r)) }));
    attempt(() => {
      removeStaleTraces(out, owners, new Set([...traces.values()].map((f) => basename(f))));
    });
  }
  if (sinks.flaws !== undefined) {
    const file = sinks.flaws;
    const catalogue = sinks.registry.catalogue;
    attempt(() => writeFileAtomic(file, renderFlaws(flawRows(runs, fixedBy, catalogue), catalogue)));
  }
  let status: number = refused ? 2 : commandStatus(runs, sinks.planned);
  const summary = {
    0: 'every verdict is as expected',
    1: 'some verdict differs from its expectation',
    2: 'some world event is never enabled (--strict)',
    3: 'a limit stopped the search before some verdict',
    4: 'out of memory',
  }[status as 0 | 1 | 2 | 3 | 4];
  if (refused)
    io.err(
      `foliocheck: error [never-enabled] ${never.map((f) => `${f.where.model}:${f.where.variants.join(',')}`).join(', ')}: world events no reachable state enables (listed with the results); --strict makes that an error, so no file was written\n`,
    );
  attempt(() =>
    reportCi(runs, traces, sinks.junit, commands, io, `${runs.length} run(s): ${summary} (exit ${status})`),
  );
  if (sinks.json) io.out(JSON.stringify(jsonBody(runs, traces, commands, sinks, status), null, 2) + '\n');
  else printTable(runs, traces, commands, sinks, summary, never, io);
  // The heap guard's stop is a fatal error like an allocation failure: one line on stderr.
  for (const r of runs.filter((x) => x.stopReason === 'out-of-memory'))
    io.err(
      `foliocheck: out of memory (${r.model}:${r.variant} after ${r.states} states, depth ${r.depth}): the JavaScript heap passed ${HEAP_FULL * 100} % of its limit, so the search stopped; the results so far are printed; exit 4\n`,
    );
  for (const f of failures) io.err(`foliocheck: ${oneLine(f)}\n`);
  if (failures.length > 0) status = 4;
  return status;
}

function jsonBody(
  runs: readonly RunResult[],
  traces: ReadonlyMap<string, string>,
  commands: RerunCommands,
  sinks: ResultSinks,
  status: number,
): object {
  return {
    ok: status === 0,
    runs: runs.map((r) => ({
      model: r.model,
      variant: r.variant,
      params: r.params,
      fingerprint: r.system.fingerprint,
      command: commands.get(r)?.command,
      flaws: r.flaws,
      complete: r.complete,
      engine: r.engine,
      workers: r.workers,
      storage: r.storage,
      collisionProbability: r.collisionProbability,
      strategy: r.strategy,
      symmetry: r.symmetry,
      por: r.por ?? false,
      maxDepth: r.maxDepth ?? null,
      stopReason: r.stopReason ?? null,
      sampling: r.sampling ?? null,
      states: r.states,
      transitions: r.transitions,
      regionStates: r.regionStates,
      depth: r.depth,
      seconds: Number(r.seconds.toFixed(3)),
      neverEnabled: neverEnabledLabels(r),
      properties: r.properties.map((p) => ({
        name: p.name,
        kind: p.kind,
        verdict: p.verdict,
        expected: p.expected ?? null,
        premise: p.premise ?? null,
        length: p.path?.length ?? null,
        trace: traces.get(`${r.model}:${r.variant}:${p.name}`) ?? null,
        ...(sinks.embedTraces ? { job: p.job ?? null, counterexample: traceOf(r, p) ?? null } : {}),
      })),
    })),
  };
}

function mark(p: PropertyResult): string {
  if (p.verdict === 'unknown') return 'UNKNOWN';
  return asExpected(p) ? 'ok' : 'MISMATCH';
}

function printTable(
  runs: readonly RunResult[],
  traces: ReadonlyMap<string, string>,
  commands: RerunCommands,
  { planned, interrupted }: Pick<ResultSinks, 'planned' | 'interrupted'>,
  summary: string,
  never: readonly Finding[],
  io: Io,
): void {
  const rows = runs.flatMap((r) =>
    r.properties.map((p) => [
      ...verdictCells(r, p),
      mark(p),
      String(r.states),
      String(r.transitions),
      String(r.depth),
      r.seconds.toFixed(2),
    ]),
  );
  const header = ['model', 'variant', 'property', 'verdict', 'expected', '', 'states', 'transitions'];
  io.out(table([...header, 'depth', 'seconds'], rows));
  for (const r of runs) {
    if (r.collisionProbability > 0) {
      io.out(
        `${r.model}:${r.variant}: states stored as 63-bit fingerprints; estimated probability that a collision hid a state: ${r.collisionProbability.toExponential(1)} (--exact stores them exactly)\n`,
      );
    }
  }
  if (runs.length < planned) {
    const why = interrupted === undefined ? 'interrupted' : describeStop(interrupted);
    io.out(`${why}: ${planned - runs.length} run(s) not started\n`);
  }
  for (const r of runs) {
    if (r.stopReason !== undefined)
      io.out(
        `${r.model}:${r.variant}: search stopped early (${describeStop(r.stopReason)}); undecided properties are unknown\n`,
      );
  }
  for (const r of runs) io.out(sampledNote(r));
  for (const f of never) io.out(`${f.where.model}:${f.where.variants.join(',')}: ${f.message}\n`);
  for (const r of runs) {
    if (r.sampling !== undefined || r.properties.some((p) => p.verdict === 'unknown' || !asExpected(p)))
      io.out(`${r.model}:${r.variant}: rerun with: ${commands.get(r)?.command}\n`);
  }
  for (const file of traces.values())
    io.out(`counterexample: ${file}  (replay: npx foliocheck replay ${file})\n`);
  io.out(`${runs.length} run(s): ${summary}\n`);
}
