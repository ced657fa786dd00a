// Checkpoint files: a BFS between two expansions (position, findings, stored states with
// parents and events), plus a header naming the model build and the options it was taken
// under. A resumed run must match the header exactly, so it reaches the same counts,
// verdicts and counterexamples as an uninterrupted run. Columns are typed arrays in
// base64 (platform byte order); a digest over the body catches truncation and edits.
import { performance } from 'node:perf_hooks';
import { InputError } from './errors.js';
import type { EngineName, SearchSnapshot } from './explore/index.js';
import type { Finding } from './explore/tracker.js';
import { readTextFile, writeFileAtomic } from './files.js';
import { canonicalJson, hash64 } from './key.js';
import type { CompiledSystem } from './system.js';
import { TOOL_NAME, TOOL_VERSION } from './version.js';

export const CHECKPOINT_SCHEMA = 'foliocheck-checkpoint/1';

/** What a resumed run must share with the run that took the checkpoint. */
export interface CheckpointHeader {
  readonly model: string;
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  readonly fingerprint: string;
  /** The engine asked for (the fallback from compiled to interpret is deterministic). */
  readonly engine: EngineName;
  readonly symmetry: boolean;
  readonly maxDepth: number | null;
}

export function checkpointHeader(
  sys: CompiledSystem,
  opts: { engine: EngineName; symmetry: boolean; maxDepth: number | undefined },
): CheckpointHeader {
  return {
    model: sys.modelId,
    variant: sys.variant,
    params: sys.params,
    fingerprint: sys.fingerprint,
    engine: opts.engine,
    symmetry: opts.symmetry,
    maxDepth: opts.maxDepth ?? null,
  };
}

const b64 = (a: Float64Array | Uint32Array | Uint16Array): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

export function serializeCheckpoint(header: CheckpointHeader, snap: SearchSnapshot): string {
  const body = {
    schema: CHECKPOINT_SCHEMA,
    tool: `${TOOL_NAME} ${TOOL_VERSION}`,
    header,
    position: snap.position,
    found: snap.found.map((f) => f ?? null),
    ...(snap.taken === undefined ? {} : { taken: snap.taken }),
    space: {
      states: b64(snap.space.states),
      parents: b64(snap.space.parents),
      events: b64(snap.space.events),
    },
  };
  const text = JSON.stringify(body);
  return `${text.slice(0, -1)},"digest":"${hash64(text)}"}\n`;
}

/**
 * The `onCheckpoint` hook of a run: writes `file` atomically when the search stops
 * early, and otherwise at most every `everySeconds`.
 */
export function checkpointSaver(
  file: string,
  header: CheckpointHeader,
  everySeconds: number,
): (take: () => SearchSnapshot, stopping: boolean) => void {
  let last = performance.now();
  return (take, stopping) => {
    const now = performance.now();
    if (!stopping && now - last < everySeconds * 1000) return;
    writeFileAtomic(file, serializeCheckpoint(header, take()));
    last = performance.now();
  };
}

/** Reads `file` and checks it belongs to this run (`expected`) and to `sys`. */
export function readCheckpoint(
  file: string,
  expected: CheckpointHeader,
  sys: CompiledSystem,
): SearchSnapshot {
  const text = readTextFile(file, 'checkpoint');
  const fail = (what: string): never => {
    throw new InputError(
      'bad_checkpoint',
      `${file}: ${what}; not a checkpoint written by 'foliocheck check --checkpoint', or a damaged one: start afresh without --resume`,
    );
  };
  const m = /^([\s\S]*),"digest":"([0-9a-f]{16})"\}\s*$/.exec(text);
  if (m === null) return fail('no digest at the end (truncated?)');
  const bodyText = `${m[1] as string}}`;
  if (hash64(bodyText) !== m[2]) return fail('digest mismatch (truncated or edited)');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(bodyText) as Record<string, unknown>;
  } catch {
    return fail('not valid JSON');
  }
  if (typeof body !== 'object' || body === null || body['schema'] !== CHECKPOINT_SCHEMA)
    return fail(`$.schema is not "${CHECKPOINT_SCHEMA}"`);
  checkHeader(file, body['header'], expected);
  const space = obj(body['space'], fail, '$.space');
  const snap: SearchSnapshot = {
    position: position(obj(body['position'], fail, '$.position'), fail),
    found: findings(body['found'], sys, fail),
    space: {
      states: column(space['states'], Float64Array, fail, '$.space.states'),
      parents: column(space['parents'], Uint32Array, fail, '$.space.parents'),
      events: column(space['events'], Uint16Array, fail, '$.space.events'),
    },
    ...(body['taken'] === undefined ? {} : { taken: takenEvents(body['taken'], sys, fail) }),
  };
  const n = snap.space.parents.length;
  if (snap.position.levelEnd > n) fail('$.position.levelEnd is beyond the stored states');
  if (snap.found.some((f) => f !== undefined && f.state >= n)) fail('$.found names a state not stored');
  return snap;
}

type Fail = (what: string) => never;

/** The world events the saved search had taken: distinct event indices. */
function takenEvents(raw: unknown, sys: CompiledSystem, fail: Fail): number[] {
  const ok =
    Array.isArray(raw) &&
    raw.every((e) => isCount(e) && e < sys.events.length) &&
    new Set(raw).size === raw.length;
  return ok ? (raw as number[]) : fail('$.taken is not a list of distinct world event indices');
}

function obj(v: unknown, fail: Fail, path: string): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : fail(`${path} is not an object`);
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** The first header field that differs names what the user changed. */
function checkHeader(file: string, raw: unknown, expected: CheckpointHeader): void {
  const got = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  for (const key of Object.keys(expected) as (keyof CheckpointHeader)[]) {
    const want = canonicalJson(expected[key]);
    const have = canonicalJson(got[key]);
    if (want !== have) {
      throw new InputError(
        'checkpoint_mismatch',
        `${file} was taken with ${key} ${have}, this run has ${want}; resume with the same MODEL:VARIANT, --set values, --engine, --max-depth and symmetry, or start afresh without --resume`,
      );
    }
  }
}

function position(p: Record<string, unknown>, fail: Fail): SearchSnapshot['position'] {
  const { next, levelEnd, levels, transitions } = p;
  if (!isCount(next) || !isCount(levelEnd) || !isCount(transitions) || next > levelEnd)
    return fail('$.position has bad counters');
  if (!Array.isArray(levels) || levels.length === 0 || !levels.every(isCount))
    return fail('$.position.levels is not a list of counts');
  if (levels.reduce((a: number, b: number) => a + b, 0) !== levelEnd)
    return fail('$.position.levels do not add up to levelEnd');
  return { next, levelEnd, levels, transitions };
}

function findings(raw: unknown, sys: CompiledSystem, fail: Fail): (Finding | undefined)[] {
  if (!Array.isArray(raw) || raw.length !== sys.tracked.length)
    return fail(`$.found is not a list of ${sys.tracked.length} findings`);
  return raw.map((f: unknown, p): Finding | undefined => {
    if (f === null) return undefined;
    const o = obj(f, fail, `$.found[${p}]`);
    if (!isCount(o['state'])) return fail(`$.found[${p}].state is not a state index`);
    if (o['event'] === undefined) return { state: o['state'] };
    if (!isCount(o['event']) || o['event'] >= sys.events.length)
      return fail(`$.found[${p}].event is not an event index`);
    return { state: o['state'], event: o['event'] };
  });
}

function column<T extends Float64Array | Uint32Array | Uint16Array>(
  raw: unknown,
  ctor: { new (b: ArrayBuffer): T; readonly BYTES_PER_ELEMENT: number },
  fail: Fail,
  path: string,
): T {
  if (typeof raw !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) return fail(`${path} is not base64`);
  const buf = Buffer.from(raw, 'base64');
  if (buf.byteLength % ctor.BYTES_PER_ELEMENT !== 0) return fail(`${path} has a partial element`);
  const copy = new ArrayBuffer(buf.byteLength);
  new Uint8Array(copy).set(buf);
  return new ctor(copy);
}
