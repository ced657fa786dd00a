// `foliocheck shrink TRACE`: minimise a counterexample and write it as an ordinary trace
// file (recomputed outcomes, fresh deterministic ids) that replay and reports accept.
import { InputError, unknownName } from '../errors.js';
import { readTextFile, writeFileAtomic } from '../files.js';
import type { AnyModel } from '../model.js';
import { isSafety } from '../property.js';
import { compileForTrace } from '../replay.js';
import { firstFiring, shrinkPath, type ShrinkResult } from '../shrink.js';
import { eventIdentity, eventLabel } from '../system.js';
import { buildTrace, parseTrace, serializeTrace, withSource, type Trace } from '../trace.js';
import { flag, option, type FlagSpec, type ParsedArgs } from './args.js';
import type { Io } from './io.js';
import { configFlag, openRegistry } from './models.js';

export const shrinkFlags: readonly FlagSpec[] = [
  {
    name: 'out',
    value: 'FILE',
    doc: 'where to write the shrunk trace (default: TRACE with .trace.json → .shrunk.trace.json)',
  },
  { name: 'json', doc: 'print one JSON object instead of text' },
  configFlag,
];

export interface ShrunkTrace {
  readonly trace: Trace;
  readonly original: number;
  readonly result: ShrinkResult;
}

const RECORD = "record a fresh one with 'foliocheck check --out DIR'";

/** Minimises a parsed trace of `model`; bad or non-reproducing traces are InputErrors. */
export function shrinkTrace(model: AnyModel, trace: Trace, file: string): ShrunkTrace {
  const sys = compileForTrace(model, trace);
  if (sys.fingerprint !== trace.fingerprint) {
    throw new InputError(
      'trace_model_mismatch',
      `${file}: recorded against another version of ${model.id} (fingerprint ${trace.fingerprint}, now ${sys.fingerprint}); ${RECORD}`,
    );
  }
  const p = sys.properties.findIndex((q) => q.name === trace.property.name);
  const prop = sys.properties[p];
  if (prop === undefined) {
    const names = sys.properties.map((q) => q.name);
    throw new InputError(
      'unknown_property',
      unknownName(`property of ${model.id}`, trace.property.name, names, `fix $.property.name in ${file}`),
    );
  }
  const claim = prop.kind === 'always' ? 'violated' : 'reached';
  if (!isSafety(prop) || trace.loop !== null || trace.property.verdict !== claim) {
    throw new InputError(
      'bad_trace',
      `${file}: only counterexamples of always-properties and witnesses of sometimes-properties can be shrunk ('${prop.name}' is ${prop.kind}, the trace claims ${trace.property.verdict}${trace.loop === null ? '' : ' with a loop'})`,
    );
  }
  const path = trace.events.map((ev, i) => {
    const e = sys.eventIndex.get(eventIdentity(ev.actor, ev.type, ev.args));
    if (e === undefined)
      throw new InputError('bad_trace', `${file}: event ${i} ${eventLabel(ev)} does not exist; ${RECORD}`);
    return e;
  });
  if (firstFiring(sys, p, path) === undefined) {
    throw new InputError(
      'bad_trace',
      `${file}: the trace does not reproduce '${prop.name}' ${claim}, so there is nothing to shrink; run 'foliocheck replay ${file}' to see why`,
    );
  }
  const result = shrinkPath(sys, p, path);
  return { trace: buildTrace(sys, trace.property, result.path), original: path.length, result };
}

export function defaultShrinkOut(file: string): string {
  return file.endsWith('.trace.json')
    ? `${file.slice(0, -'.trace.json'.length)}.shrunk.trace.json`
    : `${file}.shrunk.json`;
}

export async function shrinkCommand(args: ParsedArgs, io: Io): Promise<number> {
  if (args.positionals.length !== 1) {
    throw new InputError('usage', 'shrink: give exactly one trace file (shrink TRACE [--out FILE])');
  }
  const file = args.positionals[0] as string;
  const trace = parseTrace(readTextFile(file, 'trace'), file);
  const registry = await openRegistry(args, io);
  const model = await registry.forTrace(trace, file);
  const shrunk = shrinkTrace(model, trace, file);
  const out = option(args, 'out') ?? defaultShrinkOut(file);
  writeFileAtomic(out, serializeTrace(withSource(shrunk.trace, registry.sourceFor(model, out))));
  const { removed, simplified, candidates } = shrunk.result;
  if (flag(args, 'json')) {
    const body = {
      ok: true,
      trace: out,
      property: shrunk.trace.property,
      before: shrunk.original,
      after: shrunk.trace.events.length,
      removed,
      simplified,
      candidates,
    };
    io.out(JSON.stringify(body, null, 2) + '\n');
    return 0;
  }
  io.out(
    `shrunk ${file}: ${shrunk.original} → ${shrunk.trace.events.length} events (removed ${removed}, simplified ${simplified} argument(s), ${candidates} candidates replayed)\n`,
  );
  for (const [i, ev] of shrunk.trace.events.entries()) io.out(`  ${i}  ${eventLabel(ev)}  ${ev.outcome}\n`);
  io.out(`wrote ${out}  (replay: npx foliocheck replay ${out})\n`);
  return 0;
}
