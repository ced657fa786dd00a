// `foliocheck conform [SCENARIO ...]`: replay kernel-selftest scenarios (scenarios/**.litmus)
// on the conformance models and print pass/fail per scenario and per step.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { readTextFile } from '../files.js';
import { runScenario, type ScenarioResult } from '../conform/run.js';
import { parseScenario, type Scenario } from '../conform/scenario.js';
import { flag, type FlagSpec, type ParsedArgs } from './args.js';
import { reportConformCi } from './conformCi.js';
import type { Io } from './io.js';
import { configFlag, openRegistry } from './models.js';
import { finderOf } from '../registry.js';

export const conformFlags: readonly FlagSpec[] = [
  { name: 'json', doc: 'print { "ok", "scenarios": [ { "name", "pass", "steps", "failures" } ] }' },
  { name: 'junit', value: 'FILE', doc: 'write a JUnit XML report (one test case per scenario)' },
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

function printText(results: readonly ScenarioResult[], io: Io): void {
  for (const r of results) {
    io.out(`${r.pass ? 'PASS' : 'FAIL'} ${r.name}  (${r.model}:${r.variant})\n`);
    for (const s of r.steps) {
      const got = s.got ?? '-';
      io.out(
        `  ${s.pass ? 'ok  ' : 'FAIL'} ${String(s.n).padStart(3)}. ${s.step} -> ${s.expected}   model: ${got}\n`,
      );
      if (!s.pass && s.reason !== undefined) io.out(`         ${s.reason} (${r.file}:${s.line})\n`);
    }
  }
  const passed = results.filter((r) => r.pass).length;
  io.out(`\n${passed}/${results.length} scenarios pass\n`);
}

export async function conformCommand(args: ParsedArgs, io: Io): Promise<number> {
  const files = scenarioFiles(args.positionals, io.cwd);
  if (files.length === 0) throw new InputError('usage', 'conform: no scenario files found');
  const scenarios = files.map((f) => loadScenario(f, io.cwd));
  // Scenarios name their model: the project config's models come first, then the shipped catalogue.
  const registry = await openRegistry(args, io);
  const candidates = [...(await registry.defaultModels()), ...(await registry.shippedModels())];
  const find = finderOf([...new Map(candidates.reverse().map((e) => [e.model.id, e.model])).values()]);
  const results = scenarios.map((sc) => runScenario(sc, find));
  const ok = results.every((r) => r.pass);
  reportConformCi(results, args, io);
  if (flag(args, 'json')) {
    const scenariosJson = results.map((r) => ({
      name: r.name,
      file: r.file,
      model: r.model,
      variant: r.variant,
      pass: r.pass,
      steps: r.steps,
      failures: r.steps.filter((s) => !s.pass),
    }));
    io.out(`${JSON.stringify({ ok, scenarios: scenariosJson }, null, 2)}\n`);
  } else {
    printText(results, io);
  }
  return ok ? 0 : 1;
}
