// `foliocheck merge SHARD.json ...`: combines the --json results of swarm shards
// (`check --strategy swarm --shard I/N --json`) into the result of the unsharded run: the
// jobs of the N shards are exactly the jobs of one run, so their figures add up, and each
// property takes the counterexample of the lowest job that found it (the one the
// unsharded run would have shrunk). Writes the same outputs as check: traces (--out),
// JUnit, the flaw table, the job summary, a table or JSON.
import type { PropertyResult, RunResult } from '../check.js';
import { InputError } from '../errors.js';
import { prepareOutput } from '../files.js';
import { canonicalJson } from '../key.js';
import type { AnyModel, Verdict } from '../model.js';
import { readTextFile } from '../files.js';
import { compileSystem, eventIdentity, type CompiledSystem } from '../system.js';
import { parseTrace } from '../trace.js';
import { flag, option, type FlagSpec, type ParsedArgs } from './args.js';
import { ciFlags } from './ci.js';
import type { Io } from './io.js';
import { configFlag, openRegistry } from './models.js';
import { emitResults } from './results.js';

export const mergeFlags: readonly FlagSpec[] = [
  {
    name: 'out',
    value: 'DIR',
    doc: 'write each counterexample to DIR/<model>.<variant>[.<non-default params>].<property>.trace.json',
  },
  { name: 'json', doc: 'print one JSON object instead of the table' },
  { name: 'flaws', value: 'FILE', doc: 'also write the flaw table as Markdown' },
  ...ciFlags,
  configFlag,
];

/** One shard's run of one model variant, as `check --json` printed it. */
interface ShardRun {
  readonly file: string;
  readonly model: string;
  readonly variant: string;
  readonly params: Record<string, number>;
  readonly fingerprint: string;
  readonly command: string;
  readonly engine: 'compiled' | 'interpret';
  readonly maxDepth: number | null;
  readonly stopReason: string | null;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly seconds: number;
  readonly seed: number;
  readonly jobs: number;
  readonly walks: number;
  readonly walksPerJob: number;
  readonly shard: { readonly index: number; readonly count: number };
  readonly properties: readonly ShardProperty[];
}

interface ShardProperty {
  readonly name: string;
  readonly verdict: string;
  readonly job: number | null;
  readonly counterexample: unknown;
}

type Fields = Record<string, unknown>;

function shardRuns(file: string): ShardRun[] {
  const fail = (what: string): never => {
    throw new InputError(
      'usage',
      `merge: ${file}: ${what}; give the --json output of 'foliocheck check --strategy swarm --shard I/N --json'`,
    );
  };
  let body: unknown;
  try {
    body = JSON.parse(readTextFile(file, 'shard result'));
  } catch (err) {
    if (err instanceof InputError) throw err;
    return fail('not valid JSON');
  }
  const obj = (v: unknown, path: string): Fields =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Fields)
      : fail(`${path} is not an object`);
  const num = (o: Fields, key: string, path: string): number =>
    typeof o[key] === 'number' && Number.isFinite(o[key]) ? o[key] : fail(`${path}.${key} is not a number`);
  const str = (o: Fields, key: string, path: string): string =>
    typeof o[key] === 'string' ? o[key] : fail(`${path}.${key} is not a string`);
  const runs = obj(body, '$')['runs'];
  if (!Array.isArray(runs)) return fail('$.runs is not a list');
  return runs.map((raw: unknown, i): ShardRun => {
    const at = `$.runs[${i}]`;
    const r = obj(raw, at);
    const s = obj(r['sampling'], `${at}.sampling`);
    if (s['strategy'] !== 'swarm' || s['shard'] === null || s['shard'] === undefined)
      fail(`${at} is not a sharded swarm run (--strategy swarm --shard I/N)`);
    const shard = obj(s['shard'], `${at}.sampling.shard`);
    const params = obj(r['params'], `${at}.params`);
    const props = r['properties'];
    if (!Array.isArray(props)) fail(`${at}.properties is not a list`);
    return {
      file,
      model: str(r, 'model', at),
      variant: str(r, 'variant', at),
      params: Object.fromEntries(Object.keys(params).map((k) => [k, num(params, k, `${at}.params`)])),
      fingerprint: str(r, 'fingerprint', at),
      command: str(r, 'command', at),
      engine: r['engine'] === 'interpret' ? 'interpret' : 'compiled',
      maxDepth: typeof r['maxDepth'] === 'number' ? r['maxDepth'] : null,
      stopReason: typeof r['stopReason'] === 'string' ? r['stopReason'] : null,
      states: num(r, 'states', at),
      transitions: num(r, 'transitions', at),
      depth: num(r, 'depth', at),
      seconds: num(r, 'seconds', at),
      seed: num(s, 'seed', `${at}.sampling`),
      jobs: num(s, 'jobs', `${at}.sampling`),
      walks: num(s, 'walks', `${at}.sampling`),
      walksPerJob: num(s, 'walksPerJob', `${at}.sampling`),
      shard: {
        index: num(shard, 'index', `${at}.sampling.shard`),
        count: num(shard, 'count', `${at}.sampling.shard`),
      },
      properties: (props as unknown[]).map((pr, j) => {
        const p = obj(pr, `${at}.properties[${j}]`);
        return {
          name: str(p, 'name', `${at}.properties[${j}]`),
          verdict: str(p, 'verdict', `${at}.properties[${j}]`),
          job: typeof p['job'] === 'number' ? p['job'] : null,
          counterexample: p['counterexample'] ?? null,
        };
      }),
    };
  });
}

/** The command of a shard without its --shard option: what the merged run reruns. */
function unshardedOptions(command: string): string[] {
  const tokens = command.split(' ');
  const options: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (!t.startsWith('--')) continue;
    const value = tokens[i + 1];
    const takes = value !== undefined && !value.startsWith('--');
    if (t !== '--shard' && t !== '--set') options.push(takes ? `${t} ${value}` : t);
    if (takes) i++;
  }
  return options;
}

/** What every shard of one run must agree on. */
const sameRun = (r: ShardRun): string =>
  canonicalJson([
    r.fingerprint,
    r.seed,
    r.walksPerJob,
    r.maxDepth,
    r.shard.count,
    unshardedOptions(r.command),
  ]);

/** The counterexample path (event indices) of a shard's property, checked against `sys`. */
function pathOf(sys: CompiledSystem, shard: ShardRun, p: ShardProperty): readonly number[] {
  const trace = parseTrace(JSON.stringify(p.counterexample), `${shard.file} (${p.name})`);
  if (trace.fingerprint !== sys.fingerprint)
    throw new InputError(
      'trace_model_mismatch',
      `merge: ${shard.file}: the counterexample of ${p.name} belongs to another build of ${sys.modelId}`,
    );
  return trace.events.map((e, i) => {
    const index = sys.eventIndex.get(eventIdentity(e.actor, e.type, e.args));
    if (index === undefined)
      throw new InputError(
        'bad_trace',
        `merge: ${shard.file}: event ${i} of the counterexample of ${p.name} is not an event of ${sys.modelId}:${sys.variant}`,
      );
    return index;
  });
}

function mergeRun(
  shards: readonly ShardRun[],
  model: AnyModel,
): { run: RunResult; options: string[]; model: AnyModel } {
  const first = shards[0] as ShardRun;
  const label = `${first.model}:${first.variant}`;
  const count = first.shard.count;
  const seen = new Map<number, string>();
  for (const s of shards) {
    if (sameRun(s) !== sameRun(first))
      throw new InputError(
        'usage',
        `merge: ${s.file} and ${first.file} ran ${label} differently (build, --seed, --walks, --seeds, --max-depth or shard count); merge shards of one run`,
      );
    const other = seen.get(s.shard.index);
    if (other !== undefined)
      throw new InputError(
        'usage',
        `merge: ${label}: shard ${s.shard.index}/${count} is in both ${other} and ${s.file}`,
      );
    seen.set(s.shard.index, s.file);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0)
    throw new InputError(
      'usage',
      `merge: ${label}: shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')} missing`,
    );
  const sys = compileSystem(model, first.params, first.variant);
  if (sys.fingerprint !== first.fingerprint)
    throw new InputError(
      'trace_model_mismatch',
      `merge: ${first.file}: ${label} was run by another build of the model (fingerprint ${first.fingerprint}, this build ${sys.fingerprint}); merge with the foliocheck that ran the shards`,
    );
  const spec = model.variants[first.variant];
  const properties = sys.properties.map((p): PropertyResult => {
    let best: { shard: ShardRun; prop: ShardProperty; job: number } | undefined;
    for (const shard of shards) {
      const prop = shard.properties.find((q) => q.name === p.name);
      if (prop === undefined || prop.job === null || prop.counterexample === null) continue;
      if (best === undefined || prop.job < best.job) best = { shard, prop, job: prop.job };
    }
    return {
      name: p.name,
      kind: p.kind,
      doc: p.doc,
      verdict: best === undefined ? 'unknown' : (best.prop.verdict as Verdict),
      expected: spec?.expect[p.name],
      path: best === undefined ? undefined : pathOf(sys, best.shard, best.prop),
      loop: null,
      job: best?.job,
    };
  });
  const sum = (f: (s: ShardRun) => number): number => shards.reduce((n, s) => n + f(s), 0);
  const byIndex = [...shards].sort((a, b) => a.shard.index - b.shard.index);
  const run: RunResult = {
    model: first.model,
    variant: first.variant,
    params: sys.params,
    flaws: spec?.flaws ?? [],
    engine: first.engine,
    workers: 1,
    strategy: 'swarm',
    sampling: {
      strategy: 'swarm',
      seed: first.seed,
      jobs: sum((s) => s.jobs),
      walks: sum((s) => s.walks),
      walksPerJob: first.walksPerJob,
      shard: null,
    },
    symmetry: false,
    complete: false,
    maxDepth: first.maxDepth ?? undefined,
    depthBounded: false,
    stopReason: byIndex.find((s) => s.stopReason !== null)?.stopReason ?? undefined,
    states: sum((s) => s.states),
    transitions: sum((s) => s.transitions),
    regionStates: 0,
    depth: Math.max(...shards.map((s) => s.depth)),
    levels: [],
    seconds: Math.max(...shards.map((s) => s.seconds)),
    bytes: 0,
    storage: 'sampled walks (exact)',
    collisionProbability: 0,
    properties,
    system: sys,
  };
  return { run, options: unshardedOptions(first.command), model };
}

export async function mergeCommand(args: ParsedArgs, io: Io): Promise<number> {
  if (args.positionals.length === 0)
    throw new InputError('usage', 'merge: give the --json results of the shards (merge SHARD.json ...)');
  const groups = new Map<string, ShardRun[]>();
  for (const file of args.positionals) {
    for (const r of shardRuns(file)) {
      const key = canonicalJson([r.model, r.variant, r.params]);
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
  }
  const registry = await openRegistry(args, io);
  const merged: ReturnType<typeof mergeRun>[] = [];
  for (const shards of groups.values()) {
    const first = shards[0] as ShardRun;
    merged.push(mergeRun(shards, (await registry.find(first.model)).model));
  }
  const out = option(args, 'out');
  const junit = option(args, 'junit');
  const flawsFile = option(args, 'flaws');
  if (out !== undefined) prepareOutput(out, 'dir', 'merge: --out');
  if (junit !== undefined) prepareOutput(junit, 'file', 'merge: --junit');
  if (flawsFile !== undefined) prepareOutput(flawsFile, 'file', 'merge: --flaws');
  const options = new Map(merged.map((m) => [m.run, m.options]));
  const models = new Map(merged.map((m) => [m.run, m.model]));
  return emitResults(
    merged.map((m) => m.run),
    {
      out,
      junit,
      flaws: flawsFile,
      json: flag(args, 'json'),
      planned: merged.length,
      shaping: (r) => options.get(r) ?? [],
      embedTraces: false,
      modelOf: (r) => models.get(r),
      registry,
      strict: false,
    },
    io,
    (r) => models.get(r)?.variants[r.variant]?.fixedBy,
  );
}
