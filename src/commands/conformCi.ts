// CI outputs of `foliocheck conform`: a JUnit file (one test case per scenario, a failure
// listing each mismatching step and the command that re-runs it) and a Markdown table
// appended to GitHub's job summary.
import type { ScenarioResult } from '../conform/run.js';
import { writeJunit, type JunitCase } from '../junit.js';
import { appendStepSummary, mdTable } from '../stepSummary.js';
import { option, type ParsedArgs } from './args.js';
import type { Io } from './io.js';

function scenarioCase(r: ScenarioResult): JunitCase {
  const base = { name: r.name, classname: `${r.model}:${r.variant}` };
  if (r.pass) return base;
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

export function reportConformCi(results: readonly ScenarioResult[], args: ParsedArgs, io: Io): void {
  const junit = option(args, 'junit');
  if (junit !== undefined) {
    const models = [...new Set(results.map((r) => `${r.model}:${r.variant}`))];
    writeJunit(
      junit,
      'foliocheck conform',
      models.map((m) => ({
        name: m,
        cases: results.filter((r) => `${r.model}:${r.variant}` === m).map(scenarioCase),
      })),
    );
  }
  const passed = results.filter((r) => r.pass).length;
  const rows = results.map((r) => [r.name, `${r.model}:${r.variant}`, r.pass ? '✅ pass' : '❌ fail']);
  appendStepSummary(
    io.env,
    `### foliocheck conform: ${passed}/${results.length} scenarios pass\n\n${mdTable(['scenario', 'model', 'result'], rows)}`,
  );
}
