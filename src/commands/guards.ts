// `foliocheck guards MODEL:VARIANT`: skip each guard check of the design in turn and say
// which design check prevents which flaw (see src/guards.ts). Every input is validated
// before any search or write.
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { EngineName } from '../explore/index.js';
import { checkOutputPath, writeFileAtomic } from '../files.js';
import { table } from '../format.js';
import {
  flawsOf,
  guardNecessity,
  type GuardFinding,
  type GuardReport,
  type GuardStatus,
  type VerdictChange,
} from '../guards.js';
import { failing } from '../lint.js';
import { describeStop, stopExitCode } from '../stop.js';
import { buildTrace, serializeTrace, traceFileName, withSource } from '../trace.js';
import { planRuns } from './check.js';
import { choiceOption, flag, intOption, option, type FlagSpec, type ParsedArgs } from './args.js';
import type { Io } from './io.js';
import { commandStop, limitFlags, parseLimits } from './limits.js';
import { lintPlans, reportLint } from './lint.js';
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
    doc: 'report a check "unbounded" when a machine without it exceeds N local states (default 4096; lower is faster)',
  },
  { name: 'no-symmetry', doc: "do not reduce by the model's declared symmetries" },
  {
    name: 'out',
    value: 'DIR',
    doc: 'write the counterexample of each property a skipped check breaks to DIR/<model>.<variant>-no-<machine>.<check>.<property>.trace.json',
  },
  { name: 'all', doc: 'list inert checks in the table too (JSON always lists every check)' },
  ...limitFlags,
  { name: 'json', doc: 'print one JSON object instead of the table' },
  configFlag,
];

const STATUSES: readonly GuardStatus[] = [
  'necessary',
  'changes-verdicts',
  'redundant',
  'inert',
  'unbounded',
  'unknown',
];

/** `machine.check-id`: how a check is named in JSON, file names and the summary. */
function guardName(g: GuardFinding): string {
  return `${g.machine}.${g.id}`;
}

/** File name of a broken property's counterexample: the variant names the skipped check. */
function traceFile(dir: string, model: string, variant: string, g: GuardFinding, property: string): string {
  return join(dir, traceFileName(model, `${variant}-no-${guardName(g)}`, property));
}

/** `attr.shared --convertCommit--> attr.private`, the transition a check sits on. */
function transitionText(g: GuardFinding): string {
  const branch = g.branch > 0 ? ` (branch ${g.branch + 1})` : '';
  return `${g.source || '(machine)'} --${g.event}${branch}--> ${g.target}`;
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
  const linted = lintPlans(plans);
  reportLint(linted.findings, false, io);
  if (failing(linted.findings, false)) return 2;
  const flaws = (c: VerdictChange): string[] =>
    c.from === 'holds' && c.to === 'violated' ? flawsOf(p.model, p.variant, c.property) : [];
  const stop = commandStop(io, parseLimits(args, 'guards'));
  let report: GuardReport;
  try {
    io.debug?.(`search ${p.model.id}:${p.variant} started`);
    report = await guardNecessity(
      p.model,
      p.params,
      p.variant,
      { ...opts, searchStop: () => stop.run().shouldStop },
      linted.systems.get(p),
    );
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
        files.set(`${guardName(g)}.${c.property}`, file);
      }
    }
  }
  const named = (s: GuardStatus): string[] => report.guards.filter((g) => g.status === s).map(guardName);
  // Checks left unknown by a limit, or not judged at all: exit 3 (4 when the heap filled).
  const stopped = report.stopReason ?? report.guards.find((g) => g.status === 'unknown')?.run?.stopReason;
  const status = stopped === undefined ? 0 : stopExitCode(stopped);
  const notJudged =
    report.stopReason === undefined
      ? ''
      : `${p.model.id}:${p.variant}: ${describeStop(report.stopReason)}${report.baseline.stopReason === undefined ? '' : " in the design's own check"}: ${report.total - report.guards.length} of ${report.total} checks not judged\n`;
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
      necessary: named('necessary'),
      redundant: named('redundant'),
      inert: named('inert'),
      guards: report.guards.map((g) => ({
        machine: g.machine,
        id: g.id,
        source: g.source,
        event: g.event,
        branch: g.branch,
        target: g.target,
        refusal: g.refusal,
        outcome: g.outcome,
        check: g.check,
        skippedAs: g.skippedAs,
        status: g.status,
        message: g.message ?? null,
        changes: g.changes.map((c) => ({
          property: c.property,
          from: c.from,
          to: c.to,
          flaws: flaws(c),
          length: c.path?.length ?? null,
          trace: files.get(`${guardName(g)}.${c.property}`) ?? null,
        })),
      })),
    };
    io.out(JSON.stringify(body, null, 2) + '\n');
    io.err(notJudged);
    return status;
  }
  const changeText = (c: VerdictChange): string => {
    const f = flaws(c);
    return `${c.property}: ${c.from} → ${c.to}${f.length > 0 ? ` (${f.join(', ')})` : ''}`;
  };
  const shown = flag(args, 'all') ? report.guards : report.guards.filter((g) => g.status !== 'inert');
  const rows = shown.map((g) => [
    g.machine,
    transitionText(g),
    g.refusal ? `refusal ${g.outcome}` : 'acceptance',
    g.check,
    g.status,
    g.message ?? g.changes.map(changeText).join('; '),
  ]);
  io.out(
    `${p.model.id}:${p.variant}: each guard check skipped in turn (${report.guards.length} checks): an acceptance is taken as if the check passed, a refusal is never taken because of it\n`,
  );
  io.out(table(['machine', 'transition', 'branch', 'check', 'status', 'what changes without it'], rows));
  const hidden = report.guards.length - shown.length;
  if (hidden > 0)
    io.out(
      `${hidden} inert check(s) not listed: skipping them changes no transition the model can take (--all lists them)\n`,
    );
  for (const g of report.guards.filter((x) => x.status === 'necessary')) {
    const prevents = g.changes
      .filter((c) => c.from === 'holds' && c.to === 'violated')
      .map((c) => (flaws(c).length > 0 ? `${c.property} (${flaws(c).join(', ')})` : c.property));
    io.out(
      `${g.machine}: ${g.check} on ${transitionText(g)} prevents a violation of ${prevents.join(', ')}\n`,
    );
  }
  for (const file of files.values())
    io.out(`counterexample: ${file}  (replay --force shows the step the check forbids)\n`);
  // 'unknown' (a limit stopped that check's search) is counted only when it occurs.
  const counted = STATUSES.filter((s) => s !== 'unknown' || named(s).length > 0);
  io.out(`${counted.map((s) => `${named(s).length} ${s}`).join(', ')}\n`);
  io.out(notJudged);
  return status;
}
