// Trace files: a counterexample is its event log plus what is needed to check that it
// belongs to this model (fingerprint) and what it claims (the property and verdict).
import { customRandom, urlAlphabet } from 'nanoid';
import { InputError } from './errors.js';
import { hash64 } from './key.js';
import type { Args, Verdict } from './model.js';
import type { PropertyKind } from './property.js';
import type { CompiledSystem } from './system.js';
import { TOOL_NAME, TOOL_VERSION } from './version.js';
import { initialWorld, stepWorld } from './world.js';

export const TRACE_SCHEMA = 'foliocheck-trace/1';

export interface TraceEvent {
  readonly id: string;
  readonly actor: string;
  readonly type: string;
  readonly args: Args;
  readonly outcome: string;
}

/**
 * Where the trace's model comes from: a model of the shipped catalogue, found again by
 * its id, or a model file, as a path relative to the trace file's directory.
 */
export type TraceSource = { readonly catalogue: string } | { readonly file: string };

export interface Trace {
  readonly schema: typeof TRACE_SCHEMA;
  readonly tool: string;
  readonly model: string;
  /** Absent in traces written before sources were recorded: the model is found by id. */
  readonly source?: TraceSource;
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  readonly fingerprint: string;
  readonly property: { readonly name: string; readonly kind: PropertyKind; readonly verdict: Verdict };
  /** Lasso traces: index of the first event of the loop that repeats forever; else null. */
  readonly loop: number | null;
  readonly events: readonly TraceEvent[];
}

/**
 * `MODEL.VARIANT[.PARAMS].PROPERTY.trace.json`, where PARAMS names the parameters that
 * differ from the model's defaults (`paramTag`), so runs of one variant with different
 * `--set` values (CI matrix jobs sharing an artifact directory) write different files.
 */
export function traceFileName(model: string, variant: string, property: string, tag = ''): string {
  return `${model}.${variant}${tag === '' ? '' : `.${tag}`}.${property}.trace.json`;
}

/** Longest parameter tag spelled out; longer ones become a short hash. */
const MAX_TAG = 40;

/**
 * The parameters of a run that differ from the model's defaults, as `name=value,...` in
 * name order ('' when all are defaults), or `params-<hash>` when that would be long.
 */
export function paramTag(
  defaults: Readonly<Record<string, { readonly default: number }>>,
  params: Readonly<Record<string, number>>,
): string {
  const tag = Object.keys(params)
    .sort()
    .filter((k) => params[k] !== defaults[k]?.default)
    .map((k) => `${k}=${params[k]}`)
    .join(',');
  return tag.length <= MAX_TAG ? tag : `params-${hash64(tag).slice(0, 8)}`;
}

/**
 * Deterministic nanoid ids: seeded from the trace's content, so writing the same
 * counterexample twice gives byte-identical files. Ids label events for people; they
 * are never part of a state.
 */
function idMaker(seed: string): () => string {
  let x = parseInt(hash64(seed).slice(0, 8), 16) | 0;
  const random = (bytes: number): Uint8Array => {
    const out = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) {
      x = (x + 0x6d2b79f5) | 0;
      let t = Math.imul(x ^ (x >>> 15), 1 | x);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      out[i] = (t ^ (t >>> 14)) & 0xff;
    }
    return out;
  };
  return customRandom(urlAlphabet, 12, random);
}

/** Builds the trace of `path` (event indices) by folding it, recording each outcome. */
export function buildTrace(
  sys: CompiledSystem,
  property: Trace['property'],
  path: readonly number[],
  loop: number | null = null,
): Trace {
  const nextId = idMaker(`${sys.fingerprint}/${property.name}/${path.join(',')}`);
  let world = initialWorld(sys);
  const events = path.map((e): TraceEvent => {
    const step = stepWorld(sys, world, e);
    const ev = sys.events[e];
    if (step === undefined || ev === undefined)
      throw new Error(`engine: path event ${e} is not enabled on replay`);
    world = step.world;
    return { id: nextId(), actor: ev.actor, type: ev.type, args: ev.args, outcome: step.outcome };
  });
  return {
    schema: TRACE_SCHEMA,
    tool: `${TOOL_NAME} ${TOOL_VERSION}`,
    model: sys.modelId,
    variant: sys.variant,
    params: sys.params,
    fingerprint: sys.fingerprint,
    property,
    loop,
    events,
  };
}

/** The trace with its model's source recorded (placed after `model`); unchanged for none. */
export function withSource(t: Trace, source: TraceSource | undefined): Trace {
  if (source === undefined) return t;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(t)) {
    if (key === 'source') continue;
    out[key] = value;
    if (key === 'model') out['source'] = source;
  }
  return out as unknown as Trace;
}

export function serializeTrace(t: Trace): string {
  return JSON.stringify(t, null, 2) + '\n';
}

const HOW = "fix the file, or record a fresh one with 'foliocheck check --out DIR'";

/** Parses and validates a trace file; errors name the file and the JSON path. */
export function parseTrace(text: string, file: string): Trace {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError('bad_trace', `${file}: not valid JSON (${(err as Error).message}); ${HOW}`);
  }
  const fail = (path: string, expected: string): never => {
    throw new InputError('bad_trace', `${file}: ${path}: expected ${expected}; ${HOW}`);
  };
  const obj = (v: unknown, path: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : fail(path, 'an object');
  const str = (v: unknown, path: string): string => (typeof v === 'string' ? v : fail(path, 'a string'));
  const root = obj(data, '$');
  if (root['schema'] !== TRACE_SCHEMA) fail('$.schema', `"${TRACE_SCHEMA}"`);
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(root['params'], '$.params'))) {
    params[k] = Number.isInteger(v) ? (v as number) : fail(`$.params.${k}`, 'an integer');
  }
  const prop = obj(root['property'], '$.property');
  const kinds: readonly PropertyKind[] = ['always', 'sometimes', 'eventually', 'possibly', 'deadlock-free'];
  const kind = kinds.includes(prop['kind'] as PropertyKind)
    ? (prop['kind'] as PropertyKind)
    : fail('$.property.kind', kinds.join(' | '));
  const verdicts = ['holds', 'vacuous', 'violated', 'reached', 'unreached'];
  const verdict = verdicts.includes(prop['verdict'] as string)
    ? (prop['verdict'] as Verdict)
    : fail('$.property.verdict', verdicts.join(' | '));
  const rawEvents = Array.isArray(root['events'])
    ? (root['events'] as unknown[])
    : fail('$.events', 'an array');
  const events = rawEvents.map((raw, i): TraceEvent => {
    const p = `$.events[${i}]`;
    const e = obj(raw, p);
    const args: Record<string, number | string | boolean> = {};
    for (const [k, v] of Object.entries(obj(e['args'], `${p}.args`))) {
      args[k] = ['number', 'string', 'boolean'].includes(typeof v)
        ? (v as number | string | boolean)
        : fail(`${p}.args.${k}`, 'a number, string or boolean');
    }
    return {
      id: str(e['id'], `${p}.id`),
      actor: str(e['actor'], `${p}.actor`),
      type: str(e['type'], `${p}.type`),
      args,
      outcome: str(e['outcome'], `${p}.outcome`),
    };
  });
  const firstWithId = new Map<string, number>();
  events.forEach((e, i) => {
    const before = firstWithId.get(e.id);
    if (before !== undefined)
      fail(`$.events[${i}].id`, `an id of its own ('${e.id}' is also the id of $.events[${before}])`);
    firstWithId.set(e.id, i);
  });
  let source: TraceSource | undefined;
  if (root['source'] !== undefined) {
    const src = obj(root['source'], '$.source');
    if (typeof src['file'] === 'string' && src['file'] !== '') source = { file: src['file'] };
    else if (typeof src['catalogue'] === 'string' && src['catalogue'] !== '')
      source = { catalogue: src['catalogue'] };
    else fail('$.source', '{ "file": PATH } or { "catalogue": NAME }');
  }
  const loop = root['loop'] ?? null;
  if (
    loop !== null &&
    !(Number.isInteger(loop) && (loop as number) >= 0 && (loop as number) < events.length)
  ) {
    fail('$.loop', `null or an event index below ${events.length}`);
  }
  // Only progress counterexamples repeat a loop; an invariant or reachability trace ends.
  if (loop !== null && (kind === 'always' || kind === 'sometimes'))
    fail('$.loop', `null: a ${kind} trace ends at its last event, only progress counterexamples loop`);
  return {
    schema: TRACE_SCHEMA,
    tool: str(root['tool'], '$.tool'),
    model: str(root['model'], '$.model'),
    ...(source === undefined ? {} : { source }),
    variant: str(root['variant'], '$.variant'),
    params,
    fingerprint: str(root['fingerprint'], '$.fingerprint'),
    property: { name: str(prop['name'], '$.property.name'), kind, verdict },
    loop: loop as number | null,
    events,
  };
}
