// CI outputs of `foliocheck conform`: a JUnit file (one test case per scenario, a failure
// listing each mismatching step and the command that re-runs it) and a Markdown table
// appended to GitHub's job summary.
import { conformSummary, type ScenarioResult } from '../conform/run.js';
import { writeJunit, type JunitCase } from '../junit.js';
import { appendStepSummary, mdTable } from '../stepSummary.js';
import { option, type ParsedArgs } from './args.js';
import type { Io } from './io.js';

function scenarioCase(r: ScenarioResult): JunitCase {
  const base = { name: r.name, classname: `${r.model}:${r.variant}` };
  if (r.status === 'pass') return base;
  if (r.status === 'gap') return { ...base, skipped: `known model gap: ${r.gap ?? ''}` };
  if (r.status === 'malformed')
    return {
      ...base,
      classname: 'malformed',
      failure: { message: r.error ?? 'malformed scenario', type: 'malformed-scenario', text: r.error ?? '' },
    };
  if (r.status === 'gap-passes')
    return {
      ...base,
      failure: {
        message: `passes, but the file declares a known model gap: remove its 'gap' line (${r.file})`,
        type: 'gap-passes',
        text: r.gap ?? '',
      },
    };
  const failed = r.steps.filter((s) => !s.pass);
  const lines = failed.map(
    (s) =>
      `${s.n}. ${s.step}: expected ${s.expected}, model gave ${s.got ?? 'no such enabled event'}${s.reason === undefined ? '' : ` (${s.reason})`}`,
  );
  return {
    ...base,
    failure: {
      message: `${failed.length} step(s) differ; re-run: npx foliocheck conform ${r.file}`,
      type: 'conformance-mismatch',
      text: lines.join('\n'),
    },
  };
}

/** JUnit suite of a result: its model:variant, or `malformed` for a file that could not run. */
function suite(r: ScenarioResult): string {
  return r.status === 'malformed' ? 'malformed' : `${r.model}:${r.variant}`;
}

export function reportConformCi(results: readonly ScenarioResult[], args: ParsedArgs, io: Io): void {
  const junit = option(args, 'junit');
  if (junit !== undefined) {
    const models = [...new Set(results.map(suite))];
    writeJunit(
      junit,
      'foliocheck conform',
      models.map((m) => ({
        name: m,
        cases: results.filter((r) => suite(r) === m).map(scenarioCase),
      })),
    );
  }
  const result: Readonly<Record<ScenarioResult['status'], string>> = {
    pass: '✅ pass',
    fail: '❌ fail',
    gap: '⏭ known model gap',
    'gap-passes': '❌ passes; remove its gap line',
    malformed: '❌ malformed',
  };
  const rows = results.map((r) => [
    r.name,
    r.status === 'malformed' ? '-' : `${r.model}:${r.variant}`,
    r.status === 'malformed' ? `${result[r.status]}: ${r.error ?? ''}` : result[r.status],
  ]);
  appendStepSummary(
    io.env,
    `### foliocheck conform: ${conformSummary(results)}\n\n${mdTable(['scenario', 'model', 'result'], rows)}`,
  );
}
