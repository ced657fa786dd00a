// `foliocheck export TRACE --format itf`: the trace in another tool's format.
import { InputError } from '../errors.js';
import { readTextFile, writeFileAtomic } from '../files.js';
import { traceToItf } from '../itf.js';
import { replay } from '../replay.js';
import { parseTrace } from '../trace.js';
import { choiceOption, flag, option, type FlagSpec, type ParsedArgs } from './args.js';
import type { Io } from './io.js';
import { configFlag, openRegistry } from './models.js';

export const exportFlags: readonly FlagSpec[] = [
  { name: 'format', value: 'itf', doc: 'output format: itf (Apalache/Quint Informal Trace Format; default)' },
  { name: 'out', value: 'FILE', doc: 'write to FILE (atomically) instead of standard output' },
  { name: 'force', doc: 'export a trace recorded against another version of the model' },
  configFlag,
];

export async function exportCommand(args: ParsedArgs, io: Io): Promise<number> {
  if (args.positionals.length !== 1) {
    throw new InputError('usage', 'export: give exactly one trace file (export TRACE --format itf)');
  }
  choiceOption(args, 'export', 'format', ['itf'], 'itf');
  const file = args.positionals[0] as string;
  const trace = parseTrace(readTextFile(file, 'trace'), file);
  const registry = await openRegistry(args, io);
  const model = await registry.forTrace(trace, file);
  const report = replay(model, trace, { force: flag(args, 'force') });
  if (report.divergence !== undefined) {
    throw new InputError(
      'bad_trace',
      `${file}: cannot export: event ${report.divergence.index} does not fold (${report.divergence.message}); run 'foliocheck replay ${file}'`,
    );
  }
  const text = JSON.stringify(traceToItf(trace, report, file), null, 2) + '\n';
  const out = option(args, 'out');
  if (out === undefined) io.out(text);
  else {
    writeFileAtomic(out, text);
    io.err(`wrote ${out} (ITF, ${report.steps.length + 1} states)\n`);
  }
  return 0;
}
