// Checkpoint files: a BFS between two expansions (position, findings, stored states with
// parents and events), under a header naming the model build and every option that
// shapes the search. A resumed run must match the header exactly, so it reaches the same
// counts, verdicts and counterexamples as an uninterrupted run.
//
// The format is streamed binary, so a save or a restore never holds more than one block
// of the store besides the store itself (a JSON string of a 26 M-state store exceeded V8's
// string limit):
//
//   "foliocheck-ckpt\n"                  16 bytes
//   header length H                      u32, little-endian
//   header                               H bytes of JSON (schema, tool, byte order,
//                                        CheckpointHeader, position, findings, sizes)
//   blocks of `block` states, in order:  states (stateWords float64 each), parents (u32),
//                                        events (u16), in the byte order the header names
//   SHA-256 of everything above          32 bytes
//
// Files are written to NAME.tmp-PID and renamed, so a kill during a save leaves the
// previous checkpoint intact (and the temporary file is removed on the next start).
import { createHash, type Hash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { InputError } from './errors.js';
import type { EngineName, SearchSnapshot } from './explore/index.js';
import { forEachBlock, SNAPSHOT_BLOCK, type SpaceSnapshot } from './explore/space.js';
import type { Finding } from './explore/tracker.js';
import { openSequential, writeStreamAtomic, type SequentialReader } from './files.js';
import { canonicalJson } from './key.js';
import type { CompiledSystem } from './system.js';
import { TOOL_NAME, TOOL_VERSION } from './version.js';

export const CHECKPOINT_SCHEMA = 'foliocheck-checkpoint/2';
const MAGIC = Buffer.from('foliocheck-ckpt\n', 'latin1');
const DIGEST_BYTES = 32;
/** Largest header accepted (the header holds levels and findings: kilobytes). */
const MAX_HEADER = 1 << 24;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** What a resumed run must share with the run that took the checkpoint. */
export interface CheckpointHeader {
  readonly tool: string;
  readonly model: string;
  readonly variant: string;
  readonly params: Readonly<Record<string, number>>;
  readonly fingerprint: string;
  readonly properties: readonly string[];
  /** The engine asked for (the fallback from compiled to interpret is deterministic). */
  readonly engine: EngineName;
  /** --storage: 'wide' stores two words per state where 'auto' packs small states into one. */
  readonly storage: 'auto' | 'wide';
  /** --exact: wide states stored exactly rather than as fingerprints. */
  readonly exact: boolean;
  readonly symmetry: boolean;
  readonly maxDepth: number | null;
}

export function checkpointHeader(
  sys: CompiledSystem,
  opts: {
    engine: EngineName;
    symmetry: boolean;
    maxDepth: number | undefined;
    storage?: 'auto' | 'wide' | undefined;
    exact?: boolean | undefined;
  },
): CheckpointHeader {
  return {
    tool: `${TOOL_NAME} ${TOOL_VERSION}`,
    model: sys.modelId,
    variant: sys.variant,
    params: sys.params,
    fingerprint: sys.fingerprint,
    properties: sys.properties.map((p) => p.name),
    engine: opts.engine,
    storage: opts.storage ?? 'auto',
    exact: opts.exact === true,
    symmetry: opts.symmetry,
    maxDepth: opts.maxDepth ?? null,
  };
}

/** The JSON part of a file: everything but the stored states. */
interface FileHeader {
  readonly schema: string;
  readonly littleEndian: boolean;
  readonly header: CheckpointHeader;
  readonly position: SearchSnapshot['position'];
  readonly found: readonly (Finding | null)[];
  readonly states: number;
  readonly stateWords: number;
  readonly block: number;
  /** World events the search had taken (for the never-enabled list of a resumed run). */
  readonly taken?: readonly number[];
}

const bytesOf = (a: Float64Array | Uint32Array | Uint16Array): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Writes `snap` under `header` to `file` atomically, streaming the store block by block. */
export function writeCheckpoint(file: string, header: CheckpointHeader, snap: SearchSnapshot): void {
  const space = snap.space;
  const meta: FileHeader = {
    schema: CHECKPOINT_SCHEMA,
    littleEndian: LITTLE_ENDIAN,
    header,
    position: snap.position,
    found: snap.found.map((f) => f ?? null),
    states: space.size,
    stateWords: space.stateWords,
    block: SNAPSHOT_BLOCK,
    ...(snap.taken === undefined ? {} : { taken: snap.taken }),
  };
  writeStreamAtomic(file, (write) => {
    const hash = createHash('sha256');
    const put = (bytes: Uint8Array): void => {
      hash.update(bytes);
      write(bytes);
    };
    const json = Buffer.from(JSON.stringify(meta), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(json.byteLength);
    put(MAGIC);
    put(length);
    put(json);
    forEachBlock(space, (_from, _to, states, parents, events) => {
      put(bytesOf(states));
      put(bytesOf(parents));
      put(bytesOf(events));
    });
    write(hash.digest());
  });
}

/**
 * The `onCheckpoint` hook of a run: saves `file` when the search stops early, and
 * otherwise at most every `everySeconds`. A failed save is reported through `warn` and the
 * search goes on (the previous checkpoint, if any, is intact).
 */
export function checkpointSaver(
  file: string,
  header: CheckpointHeader,
  everySeconds: number,
  warn: (message: string) => void,
): (take: () => SearchSnapshot, stopping: boolean) => void {
  let last = performance.now();
  return (take, stopping) => {
    const now = performance.now();
    if (!stopping && now - last < everySeconds * 1000) return;
    try {
      writeCheckpoint(file, header, take());
    } catch (err) {
      const why = err instanceof InputError ? err.message : `cannot write checkpoint ${file}: ${String(err)}`;
      warn(`foliocheck: ${why}; the search goes on${stopping ? '' : ' and tries again later'}`);
    }
    last = performance.now();
  };
}

/** Reads the header of `file`, checks it belongs to this run (`expected`) and to `sys`; the store is read on restore. */
export function readCheckpoint(
  file: string,
  expected: CheckpointHeader,
  sys: CompiledSystem,
): SearchSnapshot {
  const fail = (what: string): never => {
    throw new InputError(
      'bad_checkpoint',
      `${file}: ${what}; not a checkpoint written by 'foliocheck check --checkpoint', or a damaged one: start afresh without --resume`,
    );
  };
  const file$ = openSequential(file, 'checkpoint');
  try {
    const size = file$.size;
    const hash = createHash('sha256');
    const take = (n: number): Buffer => {
      const buf = file$.read(n) ?? fail('it ends early (truncated?)');
      hash.update(buf);
      return buf;
    };
    if (size < MAGIC.byteLength + 4) return fail('too short to be a checkpoint');
    const magic = take(MAGIC.byteLength);
    if (!magic.equals(MAGIC))
      return fail(
        magic[0] === 0x7b
          ? 'a JSON checkpoint of an older foliocheck'
          : 'no checkpoint signature at the start',
      );
    const length = take(4).readUInt32LE(0);
    if (length > MAX_HEADER || MAGIC.byteLength + 4 + length > size) return fail('bad header length');
    let meta: Record<string, unknown>;
    try {
      meta = obj(JSON.parse(take(length).toString('utf8')), fail, '$');
    } catch (err) {
      if (err instanceof InputError) throw err;
      return fail('the header is not valid JSON');
    }
    if (meta['schema'] !== CHECKPOINT_SCHEMA) return fail(`$.schema is not "${CHECKPOINT_SCHEMA}"`);
    if (meta['littleEndian'] !== LITTLE_ENDIAN) return fail('written on a machine of the other byte order');
    checkHeader(file, meta['header'], expected);
    const n = meta['states'];
    const words = meta['stateWords'];
    const block = meta['block'];
    if (!isCount(n) || !isCount(words) || words === 0 || !isCount(block) || block === 0)
      return fail('$.states, $.stateWords or $.block is not a count');
    const body = n * (words * 8 + 6);
    if (MAGIC.byteLength + 4 + length + body + DIGEST_BYTES !== size)
      return fail(`its size does not match ${n} stored states (truncated or edited)`);
    const position = positionOf(obj(meta['position'], fail, '$.position'), fail);
    const found = findings(meta['found'], sys, fail);
    if (position.levelEnd > n) fail('$.position.levelEnd is beyond the stored states');
    if (found.some((f) => f !== undefined && f.state >= n)) fail('$.found names a state not stored');
    const taken = meta['taken'] === undefined ? {} : { taken: takenEvents(meta['taken'], sys, fail) };
    return { position, found, ...taken, space: fileSnapshot(file$, n, words, block, take, hash, fail) };
  } catch (err) {
    file$.close();
    throw err;
  }
}

/**
 * The stored states of an open checkpoint, read block by block in file order; after the
 * last block the digest is compared and the file closed.
 */
function fileSnapshot(
  file: SequentialReader,
  size: number,
  stateWords: number,
  block: number,
  take: (n: number) => Buffer,
  hash: Hash,
  fail: Fail,
): SpaceSnapshot {
  let cursor = 0;
  const fill = (dst: Float64Array | Uint32Array | Uint16Array): void => {
    bytesOf(dst).set(take(dst.byteLength));
  };
  return {
    size,
    stateWords,
    block,
    read(from, to, states, parents, events) {
      if (from !== cursor || (to !== Math.min(size, from + block) && to !== size))
        throw new Error('engine: a checkpoint file is read in its own blocks, in order');
      fill(states);
      fill(parents);
      fill(events);
      cursor = to;
      if (to === size) {
        const digest = hash.digest();
        const stored = file.read(DIGEST_BYTES);
        file.close();
        if (stored === undefined || !digest.equals(stored)) fail('digest mismatch (damaged or edited)');
      }
    },
  };
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
    const have = canonicalJson(got[key] ?? null);
    if (want !== have) {
      throw new InputError(
        'checkpoint_mismatch',
        `${file} was taken with ${key} ${have}, this run has ${want}; resume with the same foliocheck build, MODEL:VARIANT, --set values, --engine, --storage, --exact, --max-depth and symmetry, or start afresh without --resume`,
      );
    }
  }
}

function positionOf(p: Record<string, unknown>, fail: Fail): SearchSnapshot['position'] {
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
