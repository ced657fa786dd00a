// The command table: parses the command name and flags, runs the command, and turns
// input errors into one line and exit code 2. Only engine bugs produce a stack trace.
import { InputError, nearest, oneLine, reportFatal } from './errors.js';
import { helpText, parseArgs, type FlagSpec, type ParsedArgs } from './commands/args.js';
import type { Io, SignalHandler } from './commands/io.js';
import { TOOL_VERSION } from './version.js';

/** A command's flags and entry point, in the module that implements it. */
interface Loaded {
  readonly flags: readonly FlagSpec[];
  readonly run: (args: ParsedArgs, io: Io) => number | Promise<number>;
}

interface Command {
  readonly usage: string;
  readonly summary: string;
  readonly extra?: string;
  /**
   * The command watches SIGINT/SIGTERM itself (commandStop): a first signal stops its
   * searches (exit 3). Any other command ends at once on a signal, with 130.
   */
  readonly stops?: true;
  /**
   * Loads the command's module: only the command that runs is loaded, so a `check` does
   * not pay for loading the report, conformance and replay code (a third of the modules).
   */
  load(): Promise<Loaded>;
}

const EXIT_CODES = `
exit codes:
  0  every verdict is as expected (or: the replay reproduces the trace)
  1  a verdict differs from its expectation (or: the replay diverges)
  2  bad usage or input (a model the lint rejects, too)
  3  a limit (--max-seconds, --max-memory, --max-states) or a first SIGINT/SIGTERM stopped
     the search before a verdict (partial figures printed, counterexamples found written)
  4  fatal error: out of memory, an output file that could not be written after the run
     (the results are printed first), or an internal error; one line on stderr
     (--debug adds the stack trace)
130  a second SIGINT/SIGTERM: exit at once
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
    load: async () => {
      const m = await import('./commands/init.js');
      return { flags: m.initFlags, run: m.initCommand };
    },
  },
  list: {
    usage: 'foliocheck list [MODEL|FILE ...] [--json] [--config FILE]',
    summary:
      "List models: variants (with the flaws they exhibit), parameters with defaults, properties. Lists the project config's models (the shipped catalogue when there is no foliocheck.config), or those named.",
    load: async () => {
      const m = await import('./commands/list.js');
      return { flags: m.listFlags, run: m.listCommand };
    },
  },
  check: {
    usage: 'foliocheck check [MODEL[:VARIANT] | FILE.ts[:VARIANT] ...] [options]',
    summary:
      "Explore every interleaving of each model variant and judge every property. A model is named by id or by its file (TypeScript or JavaScript, loaded as is); with none named, the project config's models are checked (the shipped catalogue when there is no foliocheck.config). Then: always-properties hold or are violated (with a shortest counterexample under bfs), sometimes-properties are reached or not.",
    extra: EXIT_CODES,
    stops: true,
    load: async () => {
      const m = await import('./commands/check.js');
      return { flags: m.checkFlags, run: m.checkCommand };
    },
  },
  merge: {
    usage: 'foliocheck merge SHARD.json ... [--out DIR] [--junit FILE] [--flaws FILE] [--json]',
    summary:
      'Combine the --json results of the N shards of a swarm search (check --strategy swarm --shard I/N --json) into the result of the unsharded run: figures added up, each counterexample from the lowest job that found it; writes traces, JUnit, the flaw table and the job summary like check.',
    extra: EXIT_CODES,
    load: async () => {
      const m = await import('./commands/merge.js');
      return { flags: m.mergeFlags, run: m.mergeCommand };
    },
  },
  lint: {
    usage: 'foliocheck lint [MODEL[:VARIANT] | FILE.ts[:VARIANT] ...] [--explore] [--strict] [--json]',
    summary:
      "Check model definitions for silent traps, the checks 'check' runs before exploring: participant events no state handles, unknown machine ids and kinds, missing or unknown expectations, fairness names no world event has, and parallel machines that ignore a precondition written in one region or never take their own transition. With --explore, also world events an exhaustive run never enables. One line per finding, saying what and how to fix it (docs/writing-models.md lists them).",
    extra: `
exit codes:
  0  no errors (warnings are printed)
  2  some finding is an error (with --strict: any finding), or bad usage
`,
    load: async () => {
      const m = await import('./commands/lint.js');
      return { flags: m.lintFlags, run: m.lintCommand };
    },
  },
  guards: {
    usage: 'foliocheck guards MODEL:VARIANT [--json] [--out DIR] [--all] [--config FILE]',
    summary:
      "Skip each guard check of the design in turn (named, inline, and each check inside and()/or()/not()) and check again: an acceptance branch is taken as if the check passed, a refusal branch is never taken because of it. A check is necessary when a property that held is then violated (with its counterexample and the flaws it stands for), redundant when the machine changes but no verdict does, inert when no transition the model can take changes, unbounded when a machine's context no longer stays bounded without it.",
    stops: true,
    load: async () => {
      const m = await import('./commands/guards.js');
      return { flags: m.guardsFlags, run: m.guardsCommand };
    },
  },
  replay: {
    usage: 'foliocheck replay TRACE [--format table|text|json] [--force]',
    summary:
      'Re-fold a trace file event by event, printing each event, the kernel function it stands for, its outcome and the state of the machines it touched, then check the property the trace claims to violate. --format text: an 80-column sequence chart for mail.',
    extra: EXIT_CODES,
    load: async () => {
      const m = await import('./commands/replay.js');
      return { flags: m.replayFlags, run: m.replayCommand };
    },
  },
  report: {
    usage: 'foliocheck report [MODEL[:VARIANT] ...] [--out DIR] [--format files|text] [--check]',
    summary:
      'Write one design-review report per design into DIR/<model>/ (default DIR: reports): index.md (summary, sources, UNCONFIRMED assumptions, bound, variants, verdict matrix, counterexamples with the kernel function of each step, state space, coverage), a self-contained index.html with the state graphs and a step-by-step explorer, report.txt (80 columns, for mail) and Graphviz .dot graphs; traces into DIR/traces/; with no MODEL also an index over the designs. --format text prints the text report instead. With --check, exit 1 when the files in DIR are stale. See docs/reports.md.',
    stops: true,
    load: async () => {
      const m = await import('./commands/report.js');
      return { flags: m.reportFlags, run: m.reportCommand };
    },
  },
  shrink: {
    usage: 'foliocheck shrink TRACE [--out FILE] [--json]',
    summary:
      'Minimise a counterexample: delta debugging over its events, then simpler arguments, keeping only candidates that replay and violate the same property; writes an ordinary trace file.',
    extra: WRITE_EXIT_CODES,
    load: async () => {
      const m = await import('./commands/shrink.js');
      return { flags: m.shrinkFlags, run: m.shrinkCommand };
    },
  },
  export: {
    usage: 'foliocheck export TRACE --format itf [--out FILE]',
    summary:
      'Write a trace in ITF, the JSON trace format of Apalache and Quint: one state per step with every machine value and context and the action taken.',
    extra: WRITE_EXIT_CODES,
    load: async () => {
      const m = await import('./commands/export.js');
      return { flags: m.exportFlags, run: m.exportCommand };
    },
  },
  conform: {
    usage: 'foliocheck conform [SCENARIO ...] [--json] [--junit FILE]',
    summary:
      'Replay kernel-selftest scenarios on the conformance models. Runs scenarios/**/*.litmus, or the files, directories or names given, and prints pass/fail per scenario and per step with what each step expected and what the model gave.',
    extra: `
A scenario names its model and lists numbered steps 'N. ACTOR OP [ARG=VALUE ...] -> OUTCOME'
(see docs/conformance.md). A step fails when the model gives another outcome, has
no such event, or the event is not enabled.

exit codes:
  0  every scenario passes
  1  some step differs from its expectation
  2  bad usage or a malformed scenario (file:line: what was expected)
  3  a first SIGINT/SIGTERM stopped the run (the scenarios run are printed)
130  a second SIGINT/SIGTERM: exit at once
`,
    stops: true,
    load: async () => {
      const m = await import('./commands/conform.js');
      return { flags: m.conformFlags, run: m.conformCommand };
    },
  },
};

const HELP_FLAG: FlagSpec = { name: 'help', doc: 'show this help' };
const DEBUG_FLAG: FlagSpec = {
  name: 'debug',
  doc: "on an internal error, print the stack trace too; say on stderr ('debug: ...') when signals are watched and each search starts",
};

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

/** The signal handler of a command that runs no search: a signal ends it at once (130). */
function exitAtOnce(io: Io): SignalHandler {
  return (signal, noted) => {
    if (!noted) io.err(`\n${signal}: interrupted\n`);
    io.exit?.(130);
  };
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], plainIo: Io): Promise<number> {
  // --debug is global: every command accepts it, before or after the command's name.
  const debug = argv.includes('--debug');
  const [name, ...rest] = argv.filter((a) => a !== '--debug');
  const io: Io = debug ? { ...plainIo, debug: (text) => plainIo.err(`debug: ${text}\n`) } : plainIo;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.out(`${TOOL_VERSION}\n`);
    return 0;
  }
  const command = commands[name];
  if (command?.stops !== true) io.onSignal?.(exitAtOnce(io));
  try {
    if (command === undefined) {
      const near = nearest(name, Object.keys(commands));
      const hint =
        near === undefined ? `commands: ${Object.keys(commands).join(', ')}` : `did you mean '${near}'?`;
      throw new InputError('usage', `unknown command '${name}' (${hint}); see 'foliocheck --help'`);
    }
    const { flags, run } = await command.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(helpText(command.usage, command.summary, [...flags, DEBUG_FLAG, HELP_FLAG], command.extra));
      return 0;
    }
    return await run(parseArgs(name, rest, flags), io);
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`foliocheck: ${oneLine(err.message)}\n`);
      return 2;
    }
    reportFatal(err, io, debug);
    return 4;
  }
}
