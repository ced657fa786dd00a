// `foliocheck replay TRACE`: re-fold a trace step by step and say whether it reproduces
// the recorded outcomes and the violation it claims.
import { InputError } from '../errors.js';
import { readTextFile } from '../files.js';
import { formatSnapshot, table } from '../format.js';
import { replay } from '../replay.js';
import { at, eventLabel } from '../system.js';
import { parseTrace } from '../trace.js';
import { flag, type FlagSpec, type ParsedArgs } from './args.js';
import type { Io } from './io.js';
import { configFlag, openRegistry } from './models.js';

export const replayFlags: readonly FlagSpec[] = [
  { name: 'json', doc: 'print one JSON object instead of text' },
  {
    name: 'force',
    doc: 'replay a trace recorded against another version of the model and report the first divergence',
  },
  configFlag,
];

export async function replayCommand(args: ParsedArgs, io: Io): Promise<number> {
  if (args.positionals.length !== 1) {
    throw new InputError('usage', 'replay: give exactly one trace file (replay TRACE)');
  }
  const file = args.positionals[0] as string;
  const trace = parseTrace(readTextFile(file, 'trace'), file);
  const registry = await openRegistry(args, io);
  const model = await registry.forTrace(trace, file);
  const report = replay(model, trace, { force: flag(args, 'force') });
  const { sys } = report;
  const status = report.reproduced ? 0 : 1;
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
  if (flag(args, 'json')) {
    io.out(
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
            machines: machinesOf(s.touched, s.world),
          })),
          divergence: report.divergence ?? null,
          property: { ...trace.property, reproduced: report.reproduced, message: report.verdictMessage },
        },
        null,
        2,
      ) + '\n',
    );
    return status;
  }
  const params = Object.entries(trace.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  io.out(`trace ${file}: ${trace.model}:${trace.variant} ${params} (${trace.events.length} events)\n`);
  if (!report.fingerprintMatches)
    io.out(`warning: the model changed since this trace was recorded (--force)\n`);
  const rows = report.steps.flatMap((s) => {
    const states = s.touched.map(
      (i) => `${at(sys.instances, i, 'instance').id}: ${formatSnapshot(at(s.world, i, 'machine'))}`,
    );
    const loop = trace.loop !== null && s.index === trace.loop ? ' ⟲' : '';
    return states.map((st, j) =>
      j === 0 ? [String(s.index) + loop, eventLabel(s.entry), s.outcome, st] : ['', '', '', st],
    );
  });
  io.out(table(['#', 'event', 'outcome', 'state after'], rows));
  if (report.divergence !== undefined) {
    io.out(`DIVERGED at event ${report.divergence.index}: ${report.divergence.message}\n`);
  }
  io.out(`${report.reproduced ? 'reproduced' : 'NOT reproduced'}: ${report.verdictMessage}\n`);
  return status;
}
