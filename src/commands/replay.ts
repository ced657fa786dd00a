// `foliocheck replay TRACE`: re-fold a trace step by step and say whether it reproduces
// the recorded outcomes and the violation it claims. Three shapes of output: a table
// (default), plain text for mail (--format text: a message-sequence chart, the kernel
// function of each step and what it changed, at most 80 columns) and JSON.
import { InputError } from '../errors.js';
import { readTextFile } from '../files.js';
import { table } from '../format.js';
import { culpritsOf, foldSteps, phasesOf } from '../report/collect.js';
import { sequenceChart, chartColumns } from '../report/msc.js';
import { replayCommandLines, stateBlock, stepLines } from '../report/text.js';
import { stateText } from '../report/words.js';
import { TEXT_WIDTH, wrap } from '../report/wrap.js';
import { replay, type ReplayReport } from '../replay.js';
import { at, eventLabel } from '../system.js';
import { parseTrace, type Trace } from '../trace.js';
import { initialWorld } from '../world.js';
import { choiceOption, flag, option, type FlagSpec, type ParsedArgs } from './args.js';
import type { Io } from './io.js';
import { configFlag, openRegistry } from './models.js';

export const replayFlags: readonly FlagSpec[] = [
  {
    name: 'format',
    value: 'FORMAT',
    doc: 'table (default); text: a sequence chart with the kernel function of each step, 80 columns, for mail; json',
  },
  { name: 'json', doc: 'print one JSON object instead of text (same as --format json)' },
  {
    name: 'force',
    doc: 'replay a trace recorded against another version of the model and report the first divergence',
  },
  configFlag,
];

function jsonOutput(trace: Trace, report: ReplayReport): string {
  const { sys } = report;
  const machinesOf = (
    touched: readonly number[],
    world: (typeof report.steps)[number]['world'],
  ): Record<string, unknown> =>
    Object.fromEntries(
      touched.map((i) => {
        const snap = at(world, i, 'machine');
        return [at(sys.instances, i, 'instance').id, { value: snap.value, context: snap.context }];
      }),
    );
  return (
    JSON.stringify(
      {
        ok: report.reproduced,
        model: trace.model,
        variant: trace.variant,
        params: trace.params,
        fingerprintMatches: report.fingerprintMatches,
        loop: trace.loop,
        steps: report.steps.map((s) => ({
          index: s.index,
          id: s.entry.id,
          actor: s.entry.actor,
          type: s.entry.type,
          args: s.entry.args,
          outcome: s.outcome,
          kernel: sys.events[s.event]?.kernel ?? null,
          machines: machinesOf(s.touched, s.world),
        })),
        divergence: report.divergence ?? null,
        property: { ...trace.property, reproduced: report.reproduced, message: report.verdictMessage },
      },
      null,
      2,
    ) + '\n'
  );
}

function paramText(trace: Trace): string {
  return Object.entries(trace.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function header(file: string, trace: Trace): string {
  return `trace ${file}: ${trace.model}:${trace.variant} ${paramText(trace)} (${trace.events.length} events)`;
}

/** One row per machine the event moved; the kernel function on a line of its own under it. */
function tableOutput(trace: Trace, report: ReplayReport): string {
  const { sys } = report;
  const kernels: (string | undefined)[] = [];
  const rows = report.steps.flatMap((s) => {
    const states = s.touched.map(
      (i) => `${at(sys.instances, i, 'instance').id}: ${stateText(at(s.world, i, 'machine'))}`,
    );
    const loop = trace.loop !== null && s.index === trace.loop ? ' ⟲' : '';
    states.forEach((_, j) => kernels.push(j === states.length - 1 ? sys.events[s.event]?.kernel : undefined));
    return states.map((st, j) =>
      j === 0 ? [String(s.index) + loop, eventLabel(s.entry), s.outcome, st] : ['', '', '', st],
    );
  });
  const lines = table(['#', 'event', 'outcome', 'state after'], rows).trimEnd().split('\n');
  const out = lines.slice(0, 2);
  lines.slice(2).forEach((line, r) => {
    out.push(line);
    const kernel = kernels[r];
    if (kernel !== undefined) out.push(`     kernel: ${kernel}`);
  });
  return out.join('\n') + '\n';
}

/** The mail-ready shape: chart, steps with kernel functions and changes, verdict, command. */
function textOutput(file: string, trace: Trace, report: ReplayReport): string {
  const { sys } = report;
  const path = report.steps.map((s) => s.event);
  const steps = foldSteps(sys, path);
  const worlds = [initialWorld(sys), ...report.steps.map((s) => s.world)];
  const last = worlds[worlds.length - 1] ?? initialWorld(sys);
  const culprits = report.reproduced ? culpritsOf(sys, trace.property, last) : [];
  const columns = chartColumns(steps, culprits);
  const instances = sys.instances.map((i) => i.id);
  const phases = phasesOf(sys, steps, worlds);
  const lines = [
    ...wrap(
      `replay of ${trace.model}:${trace.variant} ${paramText(trace)} (${trace.events.length} events)`,
      TEXT_WIDTH,
      '',
      '  ',
    ),
    ...(report.fingerprintMatches
      ? []
      : ['warning: the model changed since this trace was recorded (--force)']),
    ...wrap(
      `claims: ${trace.property.kind} '${trace.property.name}' is ${trace.property.verdict}`,
      TEXT_WIDTH,
    ),
    '',
    ...sequenceChart({
      steps,
      loop: report.divergence === undefined ? trace.loop : null,
      culprits,
      violation:
        report.divergence !== undefined
          ? `replay diverged at step ${report.divergence.index + 1} (event ${report.divergence.index}): ${eventLabel(trace.events[report.divergence.index] ?? { actor: '?', type: '?', args: {} })} (see below)`
          : report.reproduced
            ? `${trace.property.name} ${trace.property.verdict}`
            : `${trace.property.name} not reproduced (see below)`,
    }),
    '',
    '  Initial state',
    ...stateBlock(columns, instances, worlds[0]?.map(stateText) ?? []),
    ...(phases.length === 0
      ? []
      : ['', '  Phases', ...phases.flatMap((d) => wrap(d, TEXT_WIDTH, '    ', '      '))]),
    '',
    '  Steps',
    ...stepLines(steps, trace.loop),
    '',
    `  State after step ${steps.length}`,
    ...stateBlock(columns, instances, last.map(stateText)),
    '',
    ...(report.divergence === undefined
      ? []
      : wrap(
          `DIVERGED at event ${report.divergence.index}: ${report.divergence.message}`,
          TEXT_WIDTH,
          '',
          '  ',
        )),
    ...wrap(
      `${report.reproduced ? 'reproduced' : 'NOT reproduced'}: ${report.verdictMessage}`,
      TEXT_WIDTH,
      '',
      '  ',
    ),
    '',
    '  Replay:',
    ...replayCommandLines(file, '    '),
  ];
  return lines.map((l) => l.trimEnd()).join('\n') + '\n';
}

export async function replayCommand(args: ParsedArgs, io: Io): Promise<number> {
  if (args.positionals.length !== 1) {
    throw new InputError('usage', 'replay: give exactly one trace file (replay TRACE)');
  }
  const format = flag(args, 'json')
    ? 'json'
    : choiceOption<'table' | 'text' | 'json'>(args, 'replay', 'format', ['table', 'text', 'json'], 'table');
  if (flag(args, 'json') && option(args, 'format') !== undefined && option(args, 'format') !== 'json') {
    throw new InputError('usage', 'replay: --json and --format text/table disagree; give one of them');
  }
  const file = args.positionals[0] as string;
  const trace = parseTrace(readTextFile(file, 'trace'), file);
  const registry = await openRegistry(args, io);
  const model = await registry.forTrace(trace, file);
  const report = replay(model, trace, { force: flag(args, 'force') });
  const status = report.reproduced ? 0 : 1;
  if (format === 'json') {
    io.out(jsonOutput(trace, report));
    return status;
  }
  if (format === 'text') {
    io.out(textOutput(file, trace, report));
    return status;
  }
  io.out(`${header(file, trace)}\n`);
  if (!report.fingerprintMatches)
    io.out(`warning: the model changed since this trace was recorded (--force)\n`);
  io.out(tableOutput(trace, report));
  if (report.divergence !== undefined) {
    io.out(`DIVERGED at event ${report.divergence.index}: ${report.divergence.message}\n`);
  }
  io.out(`${report.reproduced ? 'reproduced' : 'NOT reproduced'}: ${report.verdictMessage}\n`);
  return status;
}
