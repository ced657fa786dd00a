// `foliocheck guards MODEL:VARIANT`: which named guards of the design each property
// depends on (see src/guards.ts). Every input is validated before any search or write.
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { EngineName } from '../explore/index.js';
import { checkOutputPath, writeFileAtomic } from '../files.js';
import { table } from '../format.js';
import { guardNecessity, type GuardFinding, type GuardReport } from '../guards.js';
import { describeStop, stopExitCode } from '../stop.js';
import { buildTrace, serializeTrace, traceFileName, withSource } from '../trace.js';
import { planRuns } from './check.js';
import { choiceOption, flag, intOption, option, type FlagSpec, type ParsedArgs } from './args.js';
import type { Io } from './io.js';
import { commandStop, limitFlags, parseLimits } from './limits.js';
import { configFlag, openRegistry } from './models.js';

export const guardsFlags: readonly FlagSpec[] = [
  { name: 'set', value: 'NAME=VALUE', repeatable: true, doc: 'set a model parameter (repeatable)' },
  {
    name: 'engine',
    value: 'compiled|interpret',
    doc: 'compiled tables (default) or plain XState interpretation',
  },
  {
    name: 'max-local-states',
    value: 'N',
    doc: 'report a guard "unbounded" when a machine without it exceeds N local states (default 4096; lower is faster)',
  },
  { name: 'no-symmetry', doc: "do not reduce by the model's declared symmetries" },
  {
    name: 'out',
    value: 'DIR',
    doc: 'write the counterexample of each property a removal breaks to DIR/<model>.<variant>-no-<machine>.<guard>.<property>.trace.json',
  },
  ...limitFlags,
  { name: 'json', doc: 'print one JSON object instead of the table' },
  configFlag,
];

/** File name of a broken property's counterexample: the variant names the removed guard. */
function traceFile(dir: string, model: string, variant: string, g: GuardFinding, property: string): string {
  return join(dir, traceFileName(model, `${variant}-no-${g.machine}.${g.guard}`, property));
}

export async function guardsCommand(args: ParsedArgs, io: Io): Promise<number> {
  const registry = await openRegistry(args, io);
  const plans = await planRuns(args, registry);
  const [p, ...more] = plans;
  if (
    p === undefined ||
    more.length > 0 ||
    args.positionals.length !== 1 ||
    !args.positionals[0]?.includes(':')
  )
    throw new InputError(
      'usage',
      'guards: name exactly one MODEL:VARIANT (e.g. the fixed variant of a model)',
    );
  const engine = choiceOption<EngineName>(args, 'guards', 'engine', ['compiled', 'interpret'], 'compiled');
  const out = option(args, 'out');
  if (out !== undefined) checkOutputPath(out, 'dir', 'guards: --out');
  const opts = {
    engine,
    strategy: 'bfs' as const,
    symmetry: !flag(args, 'no-symmetry'),
    maxLocalStates: intOption(args, 'guards', 'max-local-states', 1),
  };
  const stop = commandStop(io, parseLimits(args, 'guards'));
  let report: GuardReport;
  try {
    io.debug?.(`search ${p.model.id}:${p.variant} started`);
    report = await guardNecessity(p.model, p.params, p.variant, {
      ...opts,
      searchStop: () => stop.run().shouldStop,
    });
  } finally {
    stop.release();
  }
  const files = new Map<string, string>();
  if (out !== undefined) {
    for (const g of report.guards) {
      for (const c of g.changes) {
        if (g.run === undefined || c.path === undefined || c.from !== 'holds') continue;
        const file = traceFile(out, p.model.id, p.variant, g, c.property);
        const kind = g.run.properties.find((q) => q.name === c.property)?.kind ?? 'always';
        writeFileAtomic(
          file,
          serializeTrace(
            withSource(
              buildTrace(g.run.system, { name: c.property, kind, verdict: 'violated' }, c.path),
              registry.sourceFor(p.model, file),
            ),
          ),
        );
        files.set(`${g.machine}.${g.guard}.${c.property}`, file);
      }
    }
  }
  // Guards left unknown by a limit, or not judged at all: exit 3 (4 when the heap filled).
  const stopped = report.stopReason ?? report.guards.find((g) => g.status === 'unknown')?.run?.stopReason;
  const status = stopped === undefined ? 0 : stopExitCode(stopped);
  const notJudged =
    report.stopReason === undefined
      ? ''
      : `${p.model.id}:${p.variant}: ${describeStop(report.stopReason)}${report.baseline.stopReason === undefined ? '' : " in the design's own check"}: ${report.total - report.guards.length} of ${report.total} guards not judged\n`;
  if (flag(args, 'json')) {
    const body = {
      model: p.model.id,
      variant: p.variant,
      params: p.params,
      stopReason: report.stopReason ?? null,
      notJudged: report.total - report.guards.length,
      baseline: {
        states: report.baseline.states,
        verdicts: Object.fromEntries(report.baseline.properties.map((q) => [q.name, q.verdict])),
      },
      necessary: report.guards.filter((g) => g.status === 'necessary').map((g) => `${g.machine}.${g.guard}`),
      redundant: report.guards.filter((g) => g.status === 'redundant').map((g) => `${g.machine}.${g.guard}`),
      guards: report.guards.map((g) => ({
        machine: g.machine,
        guard: g.guard,
        status: g.status,
        message: g.message ?? null,
        changes: g.changes.map((c) => ({
          property: c.property,
          from: c.from,
          to: c.to,
          length: c.path?.length ?? null,
          trace: files.get(`${g.machine}.${g.guard}.${c.property}`) ?? null,
        })),
      })),
    };
    io.out(JSON.stringify(body, null, 2) + '\n');
    io.err(notJudged);
    return status;
  }
  const rows = report.guards.map((g) => [
    g.machine,
    g.guard,
    g.status,
    g.message ?? g.changes.map((c) => `${c.property}: ${c.from} → ${c.to}`).join('; '),
  ]);
  io.out(`${p.model.id}:${p.variant}: each named guard removed in turn (${report.guards.length} guards)\n`);
  io.out(table(['machine', 'guard', 'status', 'what changes without it'], rows));
  for (const file of files.values())
    io.out(`counterexample: ${file}  (replay --force shows the step the guard forbids)\n`);
  const count = (s: string): number => report.guards.filter((g) => g.status === s).length;
  io.out(`${count('necessary')} necessary, ${count('redundant')} redundant\n`);
  io.out(notJudged);
  return status;
}
