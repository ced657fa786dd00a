// The command table: parses the command name and flags, runs the command, and turns
// input errors into one line and exit code 2. Only engine bugs produce a stack trace.
import { InputError, nearest, oneLine } from './errors.js';
import { helpText, parseArgs, type FlagSpec, type ParsedArgs } from './commands/args.js';
import { checkCommand, checkFlags } from './commands/check.js';
import { exportCommand, exportFlags } from './commands/export.js';
import { conformCommand, conformFlags } from './commands/conform.js';
import type { Io } from './commands/io.js';
import { guardsCommand, guardsFlags } from './commands/guards.js';
import { initCommand, initFlags } from './commands/init.js';
import { listCommand, listFlags } from './commands/list.js';
import { replayCommand, replayFlags } from './commands/replay.js';
import { reportCommand, reportFlags } from './commands/report.js';
import { shrinkCommand, shrinkFlags } from './commands/shrink.js';
import { TOOL_VERSION } from './version.js';

interface Command {
  readonly usage: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  readonly extra?: string;
  run(args: ParsedArgs, io: Io): number | Promise<number>;
}

const EXIT_CODES = `
exit codes:
  0  every verdict is as expected (or: the replay reproduces the trace)
  1  a verdict differs from its expectation (or: the replay diverges)
  2  bad usage or input
  3  a limit stopped the search before a verdict
`;

const WRITE_EXIT_CODES = `
exit codes:
  0  written
  2  bad usage or input, or a trace that does not fold or reproduce (nothing is written)
`;

const commands: Readonly<Record<string, Command>> = {
  init: {
    usage: 'foliocheck init [DIR]',
    summary:
      'Scaffold a project that checks its own design models in DIR (default: the current directory): a small model with a fixed and a flawed variant, a vitest test pinning its verdicts and state counts, foliocheck.config.ts and a GitHub Actions workflow; package.json gets the missing scripts. Never overwrites a file: when one exists, nothing is written (exit 2).',
    flags: initFlags,
    run: initCommand,
  },
  list: {
    usage: 'foliocheck list [MODEL|FILE ...] [--json] [--config FILE]',
    summary:
      "List models: variants (with the flaws they exhibit), parameters with defaults, properties. Lists the project config's models (the shipped catalogue when there is no foliocheck.config), or those named.",
    flags: listFlags,
    run: listCommand,
  },
  check: {
    usage: 'foliocheck check [MODEL[:VARIANT] | FILE.ts[:VARIANT] ...] [options]',
    summary:
      "Explore every interleaving of each model variant and judge every property. A model is named by id or by its file (TypeScript or JavaScript, loaded as is); with none named, the project config's models are checked (the shipped catalogue when there is no foliocheck.config). Then: always-properties hold or are violated (with a shortest counterexample under bfs), sometimes-properties are reached or not.",
    flags: checkFlags,
    extra: EXIT_CODES,
    run: checkCommand,
  },
  guards: {
    usage: 'foliocheck guards MODEL:VARIANT [--json] [--out DIR] [--config FILE]',
    summary:
      "Remove each named guard of the design in turn and check again: a guard is necessary when a property that held is then violated (with its counterexample), redundant when no verdict changes, unbounded when a machine's context no longer stays bounded without it.",
    flags: guardsFlags,
    run: guardsCommand,
  },
  replay: {
    usage: 'foliocheck replay TRACE [--format table|text|json] [--force]',
    summary:
      'Re-fold a trace file event by event, printing each event, the kernel function it stands for, its outcome and the state of the machines it touched, then check the property the trace claims to violate. --format text: an 80-column sequence chart for mail.',
    flags: replayFlags,
    extra: EXIT_CODES,
    run: replayCommand,
  },
  report: {
    usage: 'foliocheck report [MODEL[:VARIANT] ...] [--out DIR] [--format files|text] [--check]',
    summary:
      'Write one design-review report per design into DIR/<model>/ (default DIR: reports): index.md (summary, sources, UNCONFIRMED assumptions, bound, variants, verdict matrix, counterexamples with the kernel function of each step, state space, coverage), a self-contained index.html with the state graphs and a step-by-step explorer, report.txt (80 columns, for mail) and Graphviz .dot graphs; traces into DIR/traces/; with no MODEL also an index over the designs. --format text prints the text report instead. With --check, exit 1 when the files in DIR are stale. See docs/reports.md.',
    flags: reportFlags,
    run: reportCommand,
  },
  shrink: {
    usage: 'foliocheck shrink TRACE [--out FILE] [--json]',
    summary:
      'Minimise a counterexample: delta debugging over its events, then simpler arguments, keeping only candidates that replay and violate the same property; writes an ordinary trace file.',
    flags: shrinkFlags,
    extra: WRITE_EXIT_CODES,
    run: shrinkCommand,
  },
  export: {
    usage: 'foliocheck export TRACE --format itf [--out FILE]',
    summary:
      'Write a trace in ITF, the JSON trace format of Apalache and Quint: one state per step with every machine value and context and the action taken.',
    flags: exportFlags,
    extra: WRITE_EXIT_CODES,
    run: exportCommand,
  },
  conform: {
    usage: 'foliocheck conform [SCENARIO ...] [--json] [--junit FILE]',
    summary:
      'Replay kernel-selftest scenarios on the conformance models. Runs scenarios/**/*.litmus, or the files, directories or names given, and prints pass/fail per scenario and per step with what each step expected and what the model gave.',
    flags: conformFlags,
    extra: `
A scenario names its model and lists numbered steps 'N. ACTOR OP [ARG=VALUE ...] -> OUTCOME'
(see docs/conformance.md). A step fails when the model gives another outcome, has
no such event, or the event is not enabled.

exit codes:
  0  every scenario passes
  1  some step differs from its expectation
  2  bad usage or a malformed scenario (file:line: what was expected)
`,
    run: conformCommand,
  },
};

const HELP_FLAG: FlagSpec = { name: 'help', doc: 'show this help' };

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length)) + 2;
  const list = Object.entries(commands)
    .map(([name, c]) => `  ${name.padEnd(width)}${c.summary.split('. ')[0]?.replace(/\.$/, '')}.`)
    .join('\n');
  return `foliocheck ${TOOL_VERSION} — model checker for guest-memory isolation designs

usage: foliocheck <command> [options]    (foliocheck <command> --help for details)

commands:
${list}
${EXIT_CODES}`;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.out(`${TOOL_VERSION}\n`);
    return 0;
  }
  const command = commands[name];
  try {
    if (command === undefined) {
      const near = nearest(name, Object.keys(commands));
      const hint =
        near === undefined ? `commands: ${Object.keys(commands).join(', ')}` : `did you mean '${near}'?`;
      throw new InputError('usage', `unknown command '${name}' (${hint}); see 'foliocheck --help'`);
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(helpText(command.usage, command.summary, [...command.flags, HELP_FLAG], command.extra));
      return 0;
    }
    return await command.run(parseArgs(name, rest, command.flags), io);
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`foliocheck: ${oneLine(err.message)}\n`);
      return 2;
    }
    throw err;
  }
}
