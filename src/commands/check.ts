// `foliocheck check`: explore model variants and judge every property against the
// variant's expectation. All input is validated before any search or file write.
import { basename, join } from 'node:path';
import {
  asExpected,
  checkRunAsync,
  checkSystemAsync,
  exitStatus,
  type CheckOptions,
  type PropertyResult,
  type RunResult,
} from '../check.js';
import { checkpointHeader, checkpointSaver, readCheckpoint } from '../checkpoint.js';
import { InputError } from '../errors.js';
import type { EngineName, StrategyName } from '../explore/index.js';
import { checkOutputPath, writeFileAtomic } from '../files.js';
import { flawRows, renderFlaws } from '../flaws.js';
import { table } from '../format.js';
import { verdictText, type AnyModel } from '../model.js';
import { resolveParams } from '../params.js';
import type { Registry } from '../registry.js';
import { compileSystem } from '../system.js';
import { buildTrace, serializeTrace, traceFileName, withSource } from '../trace.js';
import { removeStaleTraces } from '../traceDir.js';
import { choiceOption, flag, intOption, option, type FlagSpec, type ParsedArgs } from './args.js';
import { DEFAULT_WORKERS } from '../sampledRun.js';
import { ciFlags, reportCi, verdictLabel } from './ci.js';
import type { Io } from './io.js';
import { configFlag, openRegistry } from './models.js';
import { limitFlags, memoryInUse, parseLimits, stopCondition, watchSignals } from './limits.js';
import { progressReporter } from './progress.js';
import {
  checkSamplingFlags,
  isSampled,
  sampledFlags,
  sampledNote,
  sampledRuns,
  type SampledStrategy,
} from './sampled.js';

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
  {
    name: 'strategy',
    value: 'bfs|dfs|random|swarm',
    doc: 'search order; bfs (default) gives shortest counterexamples; random/swarm sample seeded walks (never complete)',
  },
  ...sampledFlags,
  {
    name: 'engine',
    value: 'compiled|interpret',
    doc: 'compiled tables (default) or plain XState interpretation',
  },
  { name: 'no-symmetry', doc: "do not reduce by the model's declared symmetries" },
  {
    name: 'beyond-max',
    doc: "accept --set values above a parameter's declared maximum (the run may need any time or memory: bound it with --max-seconds and --max-memory)",
  },
  {
    name: 'no-por',
    doc: 'do not use partial-order reduction (on by default for safety-only runs without a depth bound; docs/performance.md)',
  },
  { name: 'exact', doc: 'store wide states exactly instead of as 63-bit fingerprints' },
  {
    name: 'storage',
    value: 'auto|wide',
    doc: 'wide forces the two-word fingerprint store even for small states (for comparisons and tests)',
  },
  {
    name: 'workers',
    value: 'N',
    doc: `worker threads: BFS (compiled engine; same results as one thread; else sequential) or swarm (default ${DEFAULT_WORKERS})`,
  },
  ...limitFlags,
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
  {
    name: 'flaws',
    value: 'FILE',
    doc: 'also write the flaw table (catalogue flaw → variant → property → mechanism → length → the fix judged on every property) as Markdown',
  },
  ...ciFlags,
  configFlag,
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

export async function planRuns(args: ParsedArgs, registry: Registry): Promise<Plan[]> {
  const selections = await registry.select(args.positionals);
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
    const params = resolveParams(model, own, { beyondMax: flag(args, 'beyond-max') });
    return variants.map((variant) => ({ model, variant, params }));
  });
}

function mark(p: PropertyResult): string {
  if (p.verdict === 'unknown') return 'UNKNOWN';
  return asExpected(p) ? 'ok' : 'MISMATCH';
}

/** One run that saves (--checkpoint) or continues (--resume) its search; inputs checked first. */
async function checkpointedRun(
  args: ParsedArgs,
  plans: readonly Plan[],
  opts: CheckOptions,
): Promise<RunResult> {
  const [p, ...more] = plans;
  if (p === undefined || more.length > 0)
    throw new InputError('usage', 'check: --checkpoint and --resume need exactly one MODEL:VARIANT');
  if (opts.strategy !== 'bfs')
    throw new InputError('usage', 'check: --checkpoint and --resume work with --strategy bfs only');
  if ((opts.workers ?? 1) > 1)
    throw new InputError('usage', 'check: --checkpoint and --resume run on one worker');
  const save = option(args, 'checkpoint');
  if (save !== undefined) checkOutputPath(save, 'file', 'check: --checkpoint');
  const every = intOption(args, 'check', 'checkpoint-every', 1) ?? 60;
  if (save === undefined && args.flags.has('checkpoint-every'))
    throw new InputError('usage', 'check: --checkpoint-every needs --checkpoint FILE');
  const sys = compileSystem(p.model, p.params, p.variant);
  const header = checkpointHeader(sys, { ...opts, maxDepth: opts.maxDepth ?? p.model.maxDepth });
  const from = option(args, 'resume');
  return checkSystemAsync(p.model, sys, {
    ...opts,
    resume: from === undefined ? undefined : readCheckpoint(from, header, sys),
    onCheckpoint: save === undefined ? undefined : checkpointSaver(save, header, every),
  });
}

export async function checkCommand(args: ParsedArgs, io: Io): Promise<number> {
  const registry = await openRegistry(args, io);
  const plans = await planRuns(args, registry);
  const strategy = choiceOption<StrategyName | SampledStrategy>(
    args,
    'check',
    'strategy',
    ['bfs', 'dfs', 'random', 'swarm'],
    'bfs',
  );
  checkSamplingFlags(args, strategy);
  const engine = choiceOption<EngineName>(args, 'check', 'engine', ['compiled', 'interpret'], 'compiled');
  const maxDepth = intOption(args, 'check', 'max-depth');
  const maxStates = intOption(args, 'check', 'max-states', 1);
  const workers = intOption(args, 'check', 'workers', 1);
  const out = option(args, 'out');
  if (out !== undefined) checkOutputPath(out, 'dir', 'check: --out');
  const json = flag(args, 'json');
  if (out !== undefined) checkOutputPath(out, 'dir', 'check: --out');
  const limits = parseLimits(args, 'check');
  const checkpointing = ['checkpoint', 'resume', 'checkpoint-every'].some((f) => args.flags.has(f));
  const signals = watchSignals(io);
  const runs: RunResult[] = [];
  try {
    if (isSampled(strategy)) {
      runs.push(...(await sampledRuns(plans, strategy, args, { engine, maxDepth, maxStates })));
    }
    for (const p of isSampled(strategy) ? [] : plans) {
      const progress = progressReporter(io, `${p.model.id}:${p.variant}`, memoryInUse);
      const opts: CheckOptions = {
        engine,
        strategy: strategy as StrategyName,
        symmetry: !flag(args, 'no-symmetry'),
        por: !flag(args, 'no-por'),
        maxDepth,
        maxStates,
        shouldStop: stopCondition(limits, signals.interrupted),
        onProgress: progress.onProgress,
        maxMemory: limits.maxMemory,
        workers,
        exact: flag(args, 'exact'),
        storage: choiceOption<'auto' | 'wide'>(args, 'check', 'storage', ['auto', 'wide'], 'auto'),
      };
      const run = checkpointing
        ? await checkpointedRun(args, plans, opts)
        : await checkRunAsync(p.model, p.params, p.variant, opts);
      progress.done();
      runs.push(run);
      if (checkpointing || signals.interrupted() !== undefined) break;
    }
  } finally {
    signals.release();
  }
  const traces = new Map<string, string>();
  if (out !== undefined) {
    for (const r of runs) {
      for (const p of r.properties) {
        if (p.verdict !== 'violated' || p.path === undefined) continue;
        const file = join(out, traceFileName(r.model, r.variant, p.name));
        const model = plans.find((plan) => plan.model.id === r.model)?.model;
        const trace = withSource(
          buildTrace(r.system, { name: p.name, kind: p.kind, verdict: 'violated' }, p.path, p.loop),
          model === undefined ? undefined : registry.sourceFor(model, file),
        );
        writeFileAtomic(file, serializeTrace(trace));
        traces.set(`${r.model}:${r.variant}:${p.name}`, file);
      }
    }
    // The directory holds the latest run of each variant checked: older traces of those
    // variants (a property that holds now) go (src/traceDir.ts).
    removeStaleTraces(out, runs, new Set([...traces.values()].map((f) => basename(f))));
  }
  const flawsFile = option(args, 'flaws');
  if (flawsFile !== undefined) {
    const fixedBy = (r: RunResult): string | undefined =>
      plans.find((p) => p.model.id === r.model)?.model.variants[r.variant]?.fixedBy;
    writeFileAtomic(flawsFile, renderFlaws(flawRows(runs, fixedBy, registry.catalogue), registry.catalogue));
  }
  const status = runs.length < plans.length ? 3 : exitStatus(runs);
  const summary = {
    0: 'every verdict is as expected',
    1: 'some verdict differs from its expectation',
    3: 'a limit stopped the search before some verdict',
  }[status];
  reportCi(runs, traces, args, io, `${runs.length} run(s): ${summary} (exit ${status})`);
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
        workers: r.workers,
        storage: r.storage,
        collisionProbability: r.collisionProbability,
        strategy: r.strategy,
        symmetry: r.symmetry,
        por: r.por ?? false,
        maxDepth: r.maxDepth ?? null,
        stopReason: r.stopReason ?? null,
        sampling: r.sampling ?? null,
        states: r.states,
        transitions: r.transitions,
        depth: r.depth,
        seconds: Number(r.seconds.toFixed(3)),
        properties: r.properties.map((p) => ({
          name: p.name,
          kind: p.kind,
          verdict: p.verdict,
          expected: p.expected ?? null,
          premise: p.premise ?? null,
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
      verdictLabel(r, p),
      p.expected === undefined ? '-' : verdictText(p.expected),
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
    if (r.collisionProbability > 0) {
      io.out(
        `${r.model}:${r.variant}: states stored as 63-bit fingerprints; estimated probability that a collision hid a state: ${r.collisionProbability.toExponential(1)} (--exact stores them exactly)\n`,
      );
    }
  }
  if (runs.length < plans.length) io.out(`interrupted: ${plans.length - runs.length} run(s) not started\n`);
  for (const r of runs) {
    if (r.stopReason !== undefined)
      io.out(
        `${r.model}:${r.variant}: search stopped early (${r.stopReason}); undecided properties are unknown\n`,
      );
  }
  for (const r of runs) io.out(sampledNote(r));
  for (const file of traces.values())
    io.out(`counterexample: ${file}  (replay: npx foliocheck replay ${file})\n`);
  io.out(`${runs.length} run(s): ${summary}\n`);
  return status;
}
