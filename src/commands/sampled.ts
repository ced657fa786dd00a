// The random and swarm strategies of `foliocheck check`: their flags and how a plan of
// model variants is run with them.
import type { RunResult } from '../check.js';
import type { EngineName } from '../explore/index.js';
import { SwarmPool } from '../explore/swarm.js';
import { InputError } from '../errors.js';
import type { AnyModel } from '../model.js';
import {
  DEFAULT_JOBS,
  DEFAULT_WALKS,
  DEFAULT_WORKERS,
  randomCheckRun,
  swarmCheckRun,
  type SampledOptions,
} from '../sampledRun.js';
import { intOption, option, type FlagSpec, type ParsedArgs } from './args.js';
import type { Io } from './io.js';
import { memoryInUse, type CommandStop } from './limits.js';
import { turnEventLoop } from '../stop.js';
import { asFatal, progressReporter } from './progress.js';
import type { Shard } from '../explore/swarm.js';

export type SampledStrategy = 'random' | 'swarm';

export const sampledFlags: readonly FlagSpec[] = [
  {
    name: 'seed',
    value: 'S',
    doc: 'random/swarm: seed of the walks (default 1); the same seed reproduces the run',
  },
  { name: 'walks', value: 'N', doc: `random/swarm: walks per seed (default ${DEFAULT_WALKS})` },
  {
    name: 'seeds',
    value: 'K',
    doc: `swarm: jobs, each with a seed derived from --seed (default ${DEFAULT_JOBS})`,
  },
  {
    name: 'shard',
    value: 'I/N',
    doc: "swarm: run only the jobs whose index is I modulo N (0 ≤ I < N); 'foliocheck merge' combines the N shards' --json results",
  },
];

/** Parses --shard I/N (swarm only). */
export function parseShard(args: ParsedArgs): Shard | undefined {
  const text = option(args, 'shard');
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || !Number.isSafeInteger(count) || count < 1 || index >= count)
    throw new InputError('usage', `check: --shard expects I/N with 0 ≤ I < N (e.g. 0/4), got '${text}'`);
  return { index, count };
}

export function isSampled(strategy: string): strategy is SampledStrategy {
  return strategy === 'random' || strategy === 'swarm';
}

/** Sampling flags with an exhaustive strategy are a mistake (the user meant to sample): refuse them. */
export function checkSamplingFlags(args: ParsedArgs, strategy: string): void {
  const given = sampledFlags.map((f) => f.name).filter((name) => args.flags.has(name));
  const swarmOnly = given.filter((name) => name === 'seeds' || name === 'shard');
  if (!isSampled(strategy) && given.length > 0) {
    throw new InputError(
      'usage',
      `check: --${given[0]} applies to --strategy random or swarm only (the strategy is ${strategy})`,
    );
  }
  if (strategy === 'random' && swarmOnly.length > 0) {
    throw new InputError('usage', `check: --${swarmOnly[0]} applies to --strategy swarm only`);
  }
}

interface Planned {
  readonly model: AnyModel;
  readonly variant: string;
  readonly params: Record<string, number>;
}

/**
 * Runs each plan by random or swarm search, one after another (swarm is parallel inside),
 * each with its own budget; a signal ends the loop (the runs not started are not run).
 */
export async function sampledRuns(
  plans: readonly Planned[],
  strategy: SampledStrategy,
  args: ParsedArgs,
  limits: {
    engine: EngineName;
    maxDepth: number | undefined;
    maxStates: number | undefined;
    workers: number | undefined;
  },
  stop: CommandStop,
  io: Io,
): Promise<RunResult[]> {
  const { workers, ...rest } = limits;
  const base = {
    ...rest,
    seed: intOption(args, 'check', 'seed') ?? 1,
    walks: intOption(args, 'check', 'walks', 1) ?? DEFAULT_WALKS,
    jobs: intOption(args, 'check', 'seeds', 1) ?? DEFAULT_JOBS,
    shard: parseShard(args),
  };
  const pool = new SwarmPool(workers ?? DEFAULT_WORKERS);
  const runs: RunResult[] = [];
  try {
    for (const p of plans) {
      await turnEventLoop();
      if (stop.stopped() !== undefined) break;
      const progress = progressReporter(io, `${p.model.id}:${p.variant} ${strategy}`, memoryInUse);
      io.debug?.(`search ${p.model.id}:${p.variant} ${strategy} started`);
      const opts: SampledOptions = { ...base, stop: stop.run(), onProgress: progress.onProgress };
      let run: RunResult;
      try {
        run =
          strategy === 'random'
            ? await randomCheckRun(p.model, p.params, p.variant, opts)
            : await swarmCheckRun(p.model, p.params, p.variant, opts, pool);
      } catch (err) {
        throw asFatal(err, progress);
      } finally {
        progress.done();
      }
      runs.push(run);
    }
  } finally {
    await pool.close();
  }
  return runs;
}

/** How an undecided verdict of a sampled run reads: bounded by what was sampled. */
export function sampledVerdictText(r: RunResult, kind: string): string | undefined {
  if (r.sampling === undefined) return undefined;
  const n = r.sampling.walks;
  if (kind === 'always') return `no violation in ${n} walks`;
  if (kind === 'sometimes') return `not reached in ${n} walks`;
  return 'unknown (not judged by sampling)';
}

/** One line per sampled run: what it sampled (the rerun command is printed beside it). */
export function sampledNote(r: RunResult): string {
  const s = r.sampling;
  if (s === undefined) return '';
  const shard = s.shard === null ? '' : `, shard ${s.shard.index}/${s.shard.count}`;
  const jobs = s.strategy === 'swarm' ? ` over ${s.jobs} seeds${shard}` : '';
  return `${r.model}:${r.variant}: ${s.strategy} search, seed ${s.seed}, ${s.walks} walk(s)${jobs} of at most ${r.maxDepth ?? '-'} steps (not complete: what was not seen to fail is unknown)\n`;
}
