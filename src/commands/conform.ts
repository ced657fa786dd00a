// `foliocheck conform [SCENARIO ...]`: replay kernel-selftest scenarios (scenarios/**.litmus)
// on the conformance models. Built for CI: a malformed file is that file's failure while the
// others run and --json/--junit are written; the default output lists only what failed and
// a summary (--verbose: every scenario and step).
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { readTextFile } from '../files.js';
import {
  conformSummary,
  failsRun,
  malformedResult,
  runScenario,
  type ModelLookup,
  type ScenarioResult,
} from '../conform/run.js';
import { parseScenario, type Scenario } from '../conform/scenario.js';
import { flag, type FlagSpec, type ParsedArgs } from './args.js';
import { reportConformCi } from './conformCi.js';
import type { Io } from './io.js';
import { commandStop } from './limits.js';
import { configFlag, openRegistry } from './models.js';
import { finderOf } from '../registry.js';
import { describeStop, turnEventLoop } from '../stop.js';

export const conformFlags: readonly FlagSpec[] = [
  { name: 'json', doc: 'print { "ok", "scenarios": [ { "name", "pass", "steps", "failures" } ] }' },
  { name: 'junit', value: 'FILE', doc: 'write a JUnit XML report (one test case per scenario)' },
  { name: 'verbose', doc: 'print every scenario and step (default: failures and a summary)' },
  configFlag,
];

export const SCENARIO_EXT = '.litmus';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .map((d) => d.name)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      return name.endsWith(SCENARIO_EXT) ? [path] : [];
    });
}

/** Files named by the arguments: scenario files, directories, or names under ./scenarios. */
export function scenarioFiles(args: readonly string[], cwd: string): string[] {
  const root = resolve(cwd, 'scenarios');
  if (args.length === 0) args = ['scenarios'];
  return args.flatMap((a) => {
    for (const candidate of [resolve(cwd, a), resolve(root, a), resolve(root, a + SCENARIO_EXT)]) {
      try {
        if (statSync(candidate).isDirectory()) return walk(candidate);
        if (candidate.endsWith(SCENARIO_EXT)) return [candidate];
      } catch {
        // not this form; try the next
      }
    }
    throw new InputError(
      'usage',
      `conform: no scenario '${a}'; give a ${SCENARIO_EXT} file, a directory, or a name under scenarios/ (e.g. guest_memfd_test/test_fallocate)`,
    );
  });
}

/** Parse one file; the scenario name must be the file's path without the extension. */
export function loadScenario(path: string, cwd: string): Scenario {
  const shown = relative(cwd, path) || path;
  const sc = parseScenario(readTextFile(path, 'scenario'), shown);
  const stem = path.slice(0, -SCENARIO_EXT.length);
  if (!stem.endsWith(`/${sc.name}`) && stem !== sc.name) {
    throw new InputError(
      'bad_scenario',
      `${shown}:1: scenario name '${sc.name}' does not match the file's path; name it after the file (e.g. 'scenario ${relative(resolve(cwd, 'scenarios'), stem)}')`,
    );
  }
  return sc;
}

/** Runs one file; bad input in it (parse, vocabulary, model) becomes that file's result. */
export function runFile(path: string, cwd: string, find: ModelLookup): ScenarioResult {
  try {
    return runScenario(loadScenario(path, cwd), find);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const shown = relative(cwd, path) || path;
    const name = relative(resolve(cwd, 'scenarios'), path).replace(/\.litmus$/, '');
    return malformedResult(shown, name.startsWith('..') ? shown : name, err.message);
  }
}

const LABEL: Readonly<Record<ScenarioResult['status'], string>> = {
  pass: 'PASS',
  fail: 'FAIL',
  gap: 'KNOWN GAP',
  'gap-passes': 'FAIL',
  malformed: 'MALFORMED',
};

function printScenario(r: ScenarioResult, io: Io, verbose: boolean): void {
  if (r.status === 'malformed') {
    io.out(`MALFORMED ${r.file}: ${r.error ?? ''}\n`);
    return;
  }
  io.out(`${LABEL[r.status]} ${r.name}  (${r.model}:${r.variant})\n`);
  if (r.status === 'gap') io.out(`  known model gap: ${r.gap ?? ''}\n`);
  if (r.status === 'gap-passes')
    io.out(`  passes, but the file declares a known model gap: remove its 'gap' line (${r.file})\n`);
  // A known gap, briefly: its first failing step says why.
  const firstFail = r.steps.find((s) => !s.pass);
  for (const s of r.steps) {
    if (!verbose && (s.pass || (r.status === 'gap' && s !== firstFail))) continue;
    const got = s.got ?? '-';
    io.out(
      `  ${s.pass ? 'ok  ' : 'FAIL'} ${String(s.n).padStart(3)}. ${s.step} -> ${s.expected}   model: ${got}\n`,
    );
    if (!s.pass && s.reason !== undefined) io.out(`         ${s.reason} (${r.file}:${s.line})\n`);
  }
  if (r.status === 'fail') io.out(`  re-run: npx foliocheck conform ${r.file} --verbose\n`);
}

function printText(results: readonly ScenarioResult[], io: Io, verbose: boolean): void {
  const shown = verbose ? results : results.filter((r) => r.status !== 'pass');
  for (const r of shown) printScenario(r, io, verbose);
  io.out(`${shown.length > 0 ? '\n' : ''}${conformSummary(results)}\n`);
}

export async function conformCommand(args: ParsedArgs, io: Io): Promise<number> {
  const files = scenarioFiles(args.positionals, io.cwd);
  if (files.length === 0) throw new InputError('usage', 'conform: no scenario files found');
  // Scenarios name their model: the project config's models come first, then the shipped catalogue.
  const registry = await openRegistry(args, io);
  const candidates = [...(await registry.defaultModels()), ...(await registry.shippedModels())];
  const find = finderOf([...new Map(candidates.reverse().map((e) => [e.model.id, e.model])).values()]);
  const stop = commandStop(io, { maxSeconds: undefined, maxMemory: undefined });
  const results: ScenarioResult[] = [];
  try {
    for (const f of files) {
      // Each scenario runs synchronously in milliseconds; a signal gets in between two.
      await turnEventLoop();
      if (stop.stopped() !== undefined) break;
      io.debug?.(`scenario ${relative(io.cwd, f) || f} started`);
      results.push(runFile(f, io.cwd, find));
    }
  } finally {
    stop.release();
  }
  // A signal: the scenarios run so far are printed; no JUnit or job summary, which would
  // read as the whole suite.
  const stopReason = stop.stopped();
  const failed = results.some(failsRun);
  const malformed = results.filter((r) => r.status === 'malformed');
  if (stopReason === undefined) reportConformCi(results, args, io);
  if (flag(args, 'json')) {
    const scenariosJson = results.map((r) => ({
      name: r.name,
      file: r.file,
      model: r.model,
      variant: r.variant,
      pass: r.pass,
      status: r.status,
      gap: r.gap ?? null,
      error: r.error ?? null,
      steps: r.steps,
      failures: r.steps.filter((s) => !s.pass),
    }));
    io.out(
      `${JSON.stringify({ ok: !failed && stopReason === undefined, summary: conformSummary(results), stopReason: stopReason ?? null, scenarios: scenariosJson }, null, 2)}\n`,
    );
  } else {
    printText(results, io, flag(args, 'verbose'));
  }
  // Bad input still gets its one line on stderr; exit 2 once every other file has run.
  for (const r of malformed) io.err(`${r.error ?? r.file}\n`);
  if (stopReason !== undefined)
    io.err(
      `foliocheck: conform: ${describeStop(stopReason)}: ${files.length - results.length} of ${files.length} scenario(s) not run, no JUnit or job summary written\n`,
    );
  if (malformed.length > 0) return 2;
  if (failed) return 1;
  return stopReason === undefined ? 0 : 3;
}
