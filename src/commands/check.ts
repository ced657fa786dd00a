// `foliocheck check`: explore model variants and judge every property against the
// variant's expectation. All input is validated before any search or file write.
import { availableParallelism } from 'node:os';
import { checkRunAsync, checkSystemAsync, type CheckOptions, type RunResult } from '../check.js';
import { checkpointHeader, checkpointSaver, readCheckpoint } from '../checkpoint.js';
import { InputError } from '../errors.js';
import type { EngineName, StrategyName } from '../explore/index.js';
import { prepareOutput, removeEmptyDirectories } from '../files.js';
import type { AnyModel } from '../model.js';
import { resolveParams } from '../params.js';
import { failing } from '../lint.js';
import type { Registry } from '../registry.js';
import type { CompiledSystem } from '../system.js';
import { compileForRun } from './compilePhase.js';
import { choiceOption, flag, intOption, option, type FlagSpec, type ParsedArgs } from './args.js';
import { DEFAULT_WORKERS } from '../sampledRun.js';
import { ciFlags } from './ci.js';
import type { Io } from './io.js';
import { lintPlans, reportLint } from './lint.js';
import { configFlag, openRegistry } from './models.js';
import { commandStop, limitFlags, memoryInUse, parseLimits, type CommandStop } from './limits.js';
import { endsCommand, turnEventLoop, type StopReason } from '../stop.js';
import { emitResults } from './results.js';
import { asFatal, progressReporter } from './progress.js';
import {
  checkSamplingFlags,
  isSampled,
  parseShard,
  sampledFlags,
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
    doc: 'do not use partial-order reduction (on by default for runs without progress or transition properties, depth bound, workers or checkpoint; docs/performance.md)',
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
    doc: `worker threads: BFS (compiled engine; same results as one thread; else sequential) or swarm (default ${DEFAULT_WORKERS}); at most the cores of this machine`,
  },
  { name: 'workers-force', doc: 'allow --workers above the number of cores' },
  ...limitFlags,
  {
    name: 'out',
    value: 'DIR',
    doc: 'write each counterexample to DIR/<model>.<variant>[.<non-default params>].<property>.trace.json',
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
    name: 'strict',
    doc: 'lint warnings are errors, and so are world events an exhaustive run never enabled (exit 2)',
  },
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

/** --set NAME=VALUE pairs; a name given twice is an error (which value was meant?). */
function parseSets(args: ParsedArgs, command = 'check'): Map<string, string> {
  const sets = new Map<string, string>();
  for (const s of args.flags.get('set') ?? []) {
    const m = /^([A-Za-z][\w-]*)=(.*)$/.exec(s);
    if (m === null) throw new InputError('usage', `${command}: --set expects NAME=VALUE, got '${s}'`);
    const [name, value] = [m[1] as string, m[2] as string];
    const before = sets.get(name);
    if (before !== undefined)
      throw new InputError(
        'usage',
        `${command}: --set ${name} given twice (${name}=${before} and ${name}=${value}); give it once`,
      );
    sets.set(name, value);
  }
  return sets;
}

/** Parameter names are own keys ('constructor' is not a parameter of any model). */
const has = (model: AnyModel, name: string): boolean => Object.hasOwn(model.params, name);

export async function planRuns(args: ParsedArgs, registry: Registry): Promise<Plan[]> {
  const selections = await registry.select(args.positionals);
  const sets = parseSets(args);
  for (const name of sets.keys()) {
    if (!selections.some((s) => has(s.model, name))) {
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
    const own = Object.fromEntries([...sets].filter(([k]) => has(model, k)));
    const params = resolveParams(model, own, { beyondMax: flag(args, 'beyond-max') });
    return variants.map((variant) => ({ model, variant, params }));
  });
}

/** --workers, at most the cores of this machine unless --workers-force (a note says so). */
export function workerCount(args: ParsedArgs, io: Io): number | undefined {
  const asked = intOption(args, 'check', 'workers', 1);
  const cores = availableParallelism();
  if (asked === undefined || asked <= cores || flag(args, 'workers-force')) return asked;
  io.err(
    `check: --workers ${asked} capped at ${cores}, the cores of this machine (--workers-force to run more)\n`,
  );
  return cores;
}

/**
 * The options that shape a run, as the command line gives them (without --set: the rerun
 * command spells out the run's non-default parameters instead). Output, budget and worker
 * options do not change what a run finds and are left out.
 */
const SHAPING = [
  'max-depth',
  'max-states',
  'strategy',
  'seed',
  'walks',
  'seeds',
  'shard',
  'engine',
  'storage',
];
// --beyond-max: a rerun of a run past a declared maximum must be accepted too.
const SHAPING_SWITCHES = ['no-symmetry', 'no-por', 'exact', 'beyond-max'];

export function shapingOptions(args: ParsedArgs, drop: readonly string[] = []): string[] {
  const valued = SHAPING.filter((f) => !drop.includes(f)).flatMap((f) => {
    const v = option(args, f);
    return v === undefined ? [] : [`--${f} ${v}`];
  });
  return [...valued, ...SHAPING_SWITCHES.filter((f) => flag(args, f)).map((f) => `--${f}`)];
}

/** Checkpoint options are checked, like every input, before any search. */
function checkpointInputs(args: ParsedArgs, plans: readonly Plan[], strategy: string, workers: number): void {
  if (!['checkpoint', 'resume', 'checkpoint-every'].some((f) => args.flags.has(f))) return;
  if (plans.length !== 1)
    throw new InputError('usage', 'check: --checkpoint and --resume need exactly one MODEL:VARIANT');
  if (strategy !== 'bfs')
    throw new InputError('usage', 'check: --checkpoint and --resume work with --strategy bfs only');
  if (workers > 1) throw new InputError('usage', 'check: --checkpoint and --resume run on one worker');
  if (option(args, 'checkpoint') === undefined && args.flags.has('checkpoint-every'))
    throw new InputError('usage', 'check: --checkpoint-every needs --checkpoint FILE');
  intOption(args, 'check', 'checkpoint-every', 1);
}

/** One run that saves (--checkpoint) or continues (--resume) its search. */
async function checkpointedRun(
  args: ParsedArgs,
  p: Plan,
  sys: CompiledSystem,
  opts: CheckOptions,
  io: Io,
): Promise<RunResult> {
  const save = option(args, 'checkpoint');
  const every = intOption(args, 'check', 'checkpoint-every', 1) ?? 60;
  const header = checkpointHeader(sys, { ...opts, maxDepth: opts.maxDepth ?? p.model.maxDepth });
  const from = option(args, 'resume');
  return checkSystemAsync(p.model, sys, {
    ...opts,
    resume: from === undefined ? undefined : readCheckpoint(from, header, sys),
    onCheckpoint:
      save === undefined ? undefined : checkpointSaver(save, header, every, (m) => io.err(`${m}\n`)),
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
  if (isSampled(strategy)) parseShard(args);
  const engine = choiceOption<EngineName>(args, 'check', 'engine', ['compiled', 'interpret'], 'compiled');
  const storage = choiceOption<'auto' | 'wide'>(args, 'check', 'storage', ['auto', 'wide'], 'auto');
  const maxDepth = intOption(args, 'check', 'max-depth');
  const maxStates = intOption(args, 'check', 'max-states', 1);
  const limits = parseLimits(args, 'check');
  if (args.flags.has('workers-force') && !args.flags.has('workers'))
    throw new InputError('usage', 'check: --workers-force goes with --workers N');
  const workers = workerCount(args, io);
  checkpointInputs(args, plans, strategy, workers ?? 1);
  // The lint runs before any exploration or output; its compiled systems are the runs' own.
  const strict = flag(args, 'strict');
  const linted = lintPlans(plans);
  reportLint(linted.findings, strict, io);
  if (failing(linted.findings, strict)) return 2;
  // Every destination is created and tried before the search: a run of hours never ends
  // on a directory that cannot be written.
  const out = option(args, 'out');
  const junit = option(args, 'junit');
  const flawsFile = option(args, 'flaws');
  const save = option(args, 'checkpoint');
  const created = [
    ...(out === undefined ? [] : prepareOutput(out, 'dir', 'check: --out')),
    ...(junit === undefined ? [] : prepareOutput(junit, 'file', 'check: --junit')),
    ...(flawsFile === undefined ? [] : prepareOutput(flawsFile, 'file', 'check: --flaws')),
    ...(save === undefined ? [] : prepareOutput(save, 'file', 'check: --checkpoint')),
  ];
  const stop = commandStop(io, limits);
  // A run whose compile a limit stopped is not started; the first such reason is reported.
  const notStarted: { reason: StopReason | undefined } = { reason: undefined };
  let runs: RunResult[];
  try {
    runs = isSampled(strategy)
      ? await sampledRuns(plans, strategy, args, { engine, maxDepth, maxStates, workers }, stop, io)
      : await exhaustiveRuns(args, plans, linted.systems, io, stop, notStarted, {
          engine,
          strategy,
          symmetry: !flag(args, 'no-symmetry'),
          por: !flag(args, 'no-por'),
          maxDepth,
          maxStates,
          maxMemory: limits.maxMemory,
          workers,
          exact: flag(args, 'exact'),
          storage,
        });
  } catch (err) {
    // Refused after all (a checkpoint that does not belong to this run): nothing is left behind.
    if (err instanceof InputError) removeEmptyDirectories(created);
    throw err;
  } finally {
    stop.release();
  }
  const fixedBy = (r: RunResult): string | undefined =>
    plans.find((p) => p.model.id === r.model)?.model.variants[r.variant]?.fixedBy;
  const modelOf = (r: RunResult): AnyModel | undefined => plans.find((p) => p.model.id === r.model)?.model;
  return emitResults(
    runs,
    {
      out,
      junit,
      flaws: flawsFile,
      json: flag(args, 'json'),
      planned: plans.length,
      interrupted: stop.stopped() ?? notStarted.reason,
      shaping: () => shapingOptions(args),
      embedTraces: args.flags.has('shard'),
      modelOf,
      registry,
      strict,
    },
    io,
    fixedBy,
  );
}

/**
 * BFS or DFS of each plan, each with its own budget for compiling its machines and its
 * search; a signal ends the loop, and a run whose compile a limit stopped is not started.
 */
async function exhaustiveRuns(
  args: ParsedArgs,
  plans: readonly Plan[],
  systems: ReadonlyMap<Plan, CompiledSystem>,
  io: Io,
  stop: CommandStop,
  notStarted: { reason: StopReason | undefined },
  base: CheckOptions,
): Promise<RunResult[]> {
  const checkpointing = ['checkpoint', 'resume'].some((f) => args.flags.has(f));
  const runs: RunResult[] = [];
  for (const p of plans) {
    await turnEventLoop();
    if (stop.stopped() !== undefined) break;
    // One budget per run, for compiling its machines and for its search.
    const budget = stop.run();
    const compiled = systems.get(p) ?? (await compileForRun(p, budget.shouldStop, io));
    if ('stopped' in compiled) {
      notStarted.reason ??= compiled.stopped;
      if (endsCommand(compiled.stopped)) break;
      continue;
    }
    const progress = progressReporter(io, `${p.model.id}:${p.variant}`, memoryInUse);
    io.debug?.(`search ${p.model.id}:${p.variant} started`);
    const opts: CheckOptions = {
      ...base,
      shouldStop: budget.shouldStop,
      onProgress: progress.onProgress,
    };
    let run: RunResult;
    try {
      run = checkpointing
        ? await checkpointedRun(args, p, compiled, opts, io)
        : await checkRunAsync(p.model, p.params, p.variant, opts, compiled);
    } catch (err) {
      throw asFatal(err, progress);
    } finally {
      progress.done();
    }
    runs.push(run);
  }
  return runs;
}
