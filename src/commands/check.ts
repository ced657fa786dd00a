// `foliocheck check`: explore model variants and judge every property against the
// variant's expectation. All input is validated before any search or file write.
import { join } from 'node:path';
import {
  asExpected,
  checkRun,
  checkSystem,
  exitStatus,
  type CheckOptions,
  type PropertyResult,
  type RunResult,
} from '../check.js';
import { checkpointHeader, checkpointSaver, readCheckpoint } from '../checkpoint.js';
import { InputError } from '../errors.js';
import type { EngineName, StrategyName } from '../explore/index.js';
import { checkOutputPath, writeFileAtomic } from '../files.js';
import { table } from '../format.js';
import type { AnyModel } from '../model.js';
import { resolveParams } from '../params.js';
import { select } from '../registry.js';
import { compileSystem } from '../system.js';
import { buildTrace, serializeTrace, traceFileName } from '../trace.js';
import { choiceOption, flag, intOption, option, type FlagSpec, type ParsedArgs } from './args.js';
import type { Io } from './io.js';

export const checkFlags: readonly FlagSpec[] = [
  {
    name: 'set',
    value: 'NAME=VALUE',
    repeatable: true,
    doc: 'set a model parameter (repeatable); applies to every selected model that has it',
  },
  { name: 'max-depth', value: 'N', doc: 'do not explore beyond depth N (verdicts read "up to depth N")' },
  {
    name: 'max-states',
    value: 'N',
    doc: 'stop after N distinct states (undecided properties: unknown, exit 3)',
  },
  { name: 'strategy', value: 'bfs|dfs', doc: 'search order; bfs (default) gives shortest counterexamples' },
  {
    name: 'engine',
    value: 'compiled|interpret',
    doc: 'compiled tables (default) or plain XState interpretation',
  },
  { name: 'no-symmetry', doc: "do not reduce by the model's declared symmetries" },
  {
    name: 'out',
    value: 'DIR',
    doc: 'write each counterexample to DIR/<model>.<variant>.<property>.trace.json',
  },
  {
    name: 'checkpoint',
    value: 'FILE',
    doc: 'bfs, one MODEL:VARIANT: save the search to FILE periodically and when a limit stops it',
  },
  { name: 'checkpoint-every', value: 'SECONDS', doc: 'seconds between two checkpoints (default 60)' },
  {
    name: 'resume',
    value: 'FILE',
    doc: 'continue the search saved in FILE (same model, variant, --set and options as when saved)',
  },
  { name: 'json', doc: 'print one JSON object instead of the table' },
];

export interface Plan {
  readonly model: AnyModel;
  readonly variant: string;
  readonly params: Record<string, number>;
}

function parseSets(args: ParsedArgs): Record<string, string> {
  const sets: Record<string, string> = {};
  for (const s of args.flags.get('set') ?? []) {
    const m = /^([A-Za-z][\w-]*)=(.*)$/.exec(s);
    if (m === null) throw new InputError('usage', `check: --set expects NAME=VALUE, got '${s}'`);
    sets[m[1] as string] = m[2] as string;
  }
  return sets;
}

export function planRuns(args: ParsedArgs): Plan[] {
  const selections = select(args.positionals);
  const sets = parseSets(args);
  for (const name of Object.keys(sets)) {
    if (!selections.some((s) => name in s.model.params)) {
      const owners = selections.map(
        (s) => `${s.model.id}: ${Object.keys(s.model.params).join(', ') || 'none'}`,
      );
      throw new InputError(
        'unknown_param',
        `check: no selected model has a parameter '${name}' (parameters — ${owners.join('; ')})`,
      );
    }
  }
  return selections.flatMap(({ model, variants }) => {
    const own = Object.fromEntries(Object.entries(sets).filter(([k]) => k in model.params));
    const params = resolveParams(model, own);
    return variants.map((variant) => ({ model, variant, params }));
  });
}

function verdictText(r: RunResult, p: PropertyResult): string {
  const bounded = r.depthBounded && (p.verdict === 'holds' || p.verdict === 'unreached');
  return bounded ? `${p.verdict} up to depth ${r.maxDepth}` : p.verdict;
}

function mark(p: PropertyResult): string {
  if (p.verdict === 'unknown') return 'UNKNOWN';
  return asExpected(p) ? 'ok' : 'MISMATCH';
}

/** One run that saves (--checkpoint) or continues (--resume) its search; inputs checked first. */
function checkpointedRun(args: ParsedArgs, plans: readonly Plan[], opts: CheckOptions): RunResult {
  const [p, ...more] = plans;
  if (p === undefined || more.length > 0)
    throw new InputError('usage', 'check: --checkpoint and --resume need exactly one MODEL:VARIANT');
  if (opts.strategy !== 'bfs')
    throw new InputError('usage', 'check: --checkpoint and --resume work with --strategy bfs only');
  const save = option(args, 'checkpoint');
  if (save !== undefined) checkOutputPath(save, 'file', 'check: --checkpoint');
  const every = intOption(args, 'check', 'checkpoint-every', 1) ?? 60;
  if (save === undefined && args.flags.has('checkpoint-every'))
    throw new InputError('usage', 'check: --checkpoint-every needs --checkpoint FILE');
  const sys = compileSystem(p.model, p.params, p.variant);
  const header = checkpointHeader(sys, { ...opts, maxDepth: opts.maxDepth ?? p.model.maxDepth });
  const from = option(args, 'resume');
  return checkSystem(p.model, sys, {
    ...opts,
    resume: from === undefined ? undefined : readCheckpoint(from, header, sys),
    onCheckpoint: save === undefined ? undefined : checkpointSaver(save, header, every),
  });
}

export function checkCommand(args: ParsedArgs, io: Io): number {
  const plans = planRuns(args);
  const strategy = choiceOption<StrategyName>(args, 'check', 'strategy', ['bfs', 'dfs'], 'bfs');
  const engine = choiceOption<EngineName>(args, 'check', 'engine', ['compiled', 'interpret'], 'compiled');
  const maxDepth = intOption(args, 'check', 'max-depth');
  const maxStates = intOption(args, 'check', 'max-states', 1);
  const out = option(args, 'out');
  if (out !== undefined) checkOutputPath(out, 'dir', 'check: --out');
  const json = flag(args, 'json');
  const opts: CheckOptions = { engine, strategy, symmetry: !flag(args, 'no-symmetry'), maxDepth, maxStates };
  const runs =
    args.flags.has('checkpoint') || args.flags.has('resume') || args.flags.has('checkpoint-every')
      ? [checkpointedRun(args, plans, opts)]
      : plans.map((p) => checkRun(p.model, p.params, p.variant, opts));
  const traces = new Map<string, string>();
  if (out !== undefined) {
    for (const r of runs) {
      for (const p of r.properties) {
        if (p.verdict !== 'violated' || p.path === undefined) continue;
        const file = join(out, traceFileName(r.model, r.variant, p.name));
        const trace = buildTrace(r.system, { name: p.name, kind: p.kind, verdict: 'violated' }, p.path);
        writeFileAtomic(file, serializeTrace(trace));
        traces.set(`${r.model}:${r.variant}:${p.name}`, file);
      }
    }
  }
  const status = exitStatus(runs);
  if (json) {
    const body = {
      ok: status === 0,
      runs: runs.map((r) => ({
        model: r.model,
        variant: r.variant,
        params: r.params,
        flaws: r.flaws,
        complete: r.complete,
        engine: r.engine,
        strategy: r.strategy,
        symmetry: r.symmetry,
        maxDepth: r.maxDepth ?? null,
        stopReason: r.stopReason ?? null,
        states: r.states,
        transitions: r.transitions,
        depth: r.depth,
        seconds: Number(r.seconds.toFixed(3)),
        properties: r.properties.map((p) => ({
          name: p.name,
          kind: p.kind,
          verdict: p.verdict,
          expected: p.expected ?? null,
          length: p.path?.length ?? null,
          trace: traces.get(`${r.model}:${r.variant}:${p.name}`) ?? null,
        })),
      })),
    };
    io.out(JSON.stringify(body, null, 2) + '\n');
    return status;
  }
  const rows = runs.flatMap((r) =>
    r.properties.map((p) => [
      r.model,
      r.variant,
      p.name,
      verdictText(r, p),
      p.expected ?? '-',
      mark(p),
      String(r.states),
      String(r.transitions),
      String(r.depth),
      r.seconds.toFixed(2),
    ]),
  );
  io.out(
    table(
      [
        'model',
        'variant',
        'property',
        'verdict',
        'expected',
        '',
        'states',
        'transitions',
        'depth',
        'seconds',
      ],
      rows,
    ),
  );
  for (const r of runs) {
    if (r.stopReason !== undefined)
      io.out(
        `${r.model}:${r.variant}: search stopped early (${r.stopReason}); undecided properties are unknown\n`,
      );
  }
  for (const file of traces.values())
    io.out(`counterexample: ${file}  (replay: npx foliocheck replay ${file})\n`);
  const summary = {
    0: 'every verdict is as expected',
    1: 'some verdict differs from its expectation',
    3: 'a limit stopped the search before some verdict',
  }[status];
  io.out(`${runs.length} run(s): ${summary}\n`);
  return status;
}
