// A hash map from packed states (one or two words below 2^53) to a 32-bit value, on
// shared memory so that worker threads insert into it concurrently. Open addressing with
// linear probing; a slot is claimed by a compare-and-swap on its tag, its key and value
// are written, then the tag is published with an atomic store, so a thread that reads the
// published tag also sees the key and value. It never grows while threads use it: the
// owner grows it between two parallel phases (SharedMap.grow), and threads pause when the
// load passes LOAD_LIMIT. Used single-threaded too, through the same functions.

/** Tag of a slot being written (claimed, key not yet published). */
const BUSY = -1;
/** Returned by mapGetOrAdd after inserting: the key was absent. */
export const ABSENT = -1;
/** Fill above which inserting threads ask for the table to grow (out of 1). */
export const LOAD_LIMIT = 0.7;

/** The shared arrays of a map, as handed to worker threads. */
export interface SharedMapData {
  readonly tags: Int32Array;
  readonly keys0: Float64Array;
  /** Second words (two-word states), or an empty array. */
  readonly keys1: Float64Array;
  readonly values: Int32Array;
  /** [entries]. */
  readonly count: Int32Array;
}

const TWO_TO_MINUS_32 = 2 ** -32;

function mix(s0: number, s1: number): number {
  let h = Math.imul((s0 >>> 0) ^ Math.imul((s0 * TWO_TO_MINUS_32) | 0, 0x27d4eb2d), 0x9e3779b1);
  h ^= Math.imul((s1 >>> 0) ^ 0x5bd1e995, 0x85ebca77) ^ Math.imul((s1 * TWO_TO_MINUS_32) | 0, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 13;
  return h;
}

/** A slot's published tag: odd and positive, so never 0 (empty) or BUSY. */
const tagOf = (h: number): number => ((h >>> 1) | 1) & 0x7fffffff;

/** The value stored with (s0, s1), or ABSENT. */
export function mapGet(m: SharedMapData, s0: number, s1: number): number {
  const h = mix(s0, s1);
  const tag = tagOf(h);
  const mask = m.tags.length - 1;
  const two = m.keys1.length > 0;
  for (let i = h & mask; ; i = (i + 1) & mask) {
    let t = Atomics.load(m.tags, i);
    while (t === BUSY) t = Atomics.load(m.tags, i);
    if (t === 0) return ABSENT;
    if (t === tag && m.keys0[i] === s0 && (!two || m.keys1[i] === s1)) return m.values[i] as number;
  }
}

/** The value stored with (s0, s1); when absent, stores `value` with it and returns ABSENT. */
export function mapGetOrAdd(m: SharedMapData, s0: number, s1: number, value: number): number {
  const h = mix(s0, s1);
  const tag = tagOf(h);
  const mask = m.tags.length - 1;
  const two = m.keys1.length > 0;
  for (let i = h & mask; ; i = (i + 1) & mask) {
    let t = Atomics.load(m.tags, i);
    if (t === 0) {
      t = Atomics.compareExchange(m.tags, i, 0, BUSY);
      if (t === 0) {
        m.keys0[i] = s0;
        if (two) m.keys1[i] = s1;
        m.values[i] = value;
        Atomics.store(m.tags, i, tag);
        Atomics.add(m.count, 0, 1);
        return ABSENT;
      }
    }
    while (t === BUSY) t = Atomics.load(m.tags, i);
    if (t === tag && m.keys0[i] === s0 && (!two || m.keys1[i] === s1)) return m.values[i] as number;
  }
}

/** Added to the provisional id returned by mapGetOrClaim when it inserted the key. */
export const CLAIMED = 2 ** 31;

/**
 * As mapGetOrAdd, but an inserted key gets a fresh provisional id p from
 * `counter[at]` (stored as the value -2 - p): returns the stored value, or CLAIMED + p when
 * this call inserted it.
 */
export function mapGetOrClaim(
  m: SharedMapData,
  s0: number,
  s1: number,
  counter: Int32Array,
  at: number,
): number {
  const h = mix(s0, s1);
  const tag = tagOf(h);
  const mask = m.tags.length - 1;
  const two = m.keys1.length > 0;
  for (let i = h & mask; ; i = (i + 1) & mask) {
    let t = Atomics.load(m.tags, i);
    if (t === 0) {
      t = Atomics.compareExchange(m.tags, i, 0, BUSY);
      if (t === 0) {
        const p = Atomics.add(counter, at, 1);
        m.keys0[i] = s0;
        if (two) m.keys1[i] = s1;
        m.values[i] = -2 - p;
        Atomics.store(m.tags, i, tag);
        Atomics.add(m.count, 0, 1);
        return CLAIMED + p;
      }
    }
    while (t === BUSY) t = Atomics.load(m.tags, i);
    if (t === tag && m.keys0[i] === s0 && (!two || m.keys1[i] === s1)) return m.values[i] as number;
  }
}

/** Overwrites the value of a stored key (single writer per key; no concurrent inserts of it). */
export function mapSet(m: SharedMapData, s0: number, s1: number, value: number): void {
  const h = mix(s0, s1);
  const tag = tagOf(h);
  const mask = m.tags.length - 1;
  const two = m.keys1.length > 0;
  for (let i = h & mask; ; i = (i + 1) & mask) {
    const t = Atomics.load(m.tags, i);
    if (t === 0) throw new Error('engine: shared map has no such key');
    if (t === tag && m.keys0[i] === s0 && (!two || m.keys1[i] === s1)) {
      m.values[i] = value;
      return;
    }
  }
}

/** True when inserting threads should pause for the table to grow. */
export function mapFull(m: SharedMapData): boolean {
  return Atomics.load(m.count, 0) > m.tags.length * LOAD_LIMIT;
}

function allocate(slots: number, two: boolean): SharedMapData {
  return {
    tags: new Int32Array(new SharedArrayBuffer(slots * 4)),
    keys0: new Float64Array(new SharedArrayBuffer(slots * 8)),
    keys1: new Float64Array(new SharedArrayBuffer(two ? slots * 8 : 0)),
    values: new Int32Array(new SharedArrayBuffer(slots * 4)),
    count: new Int32Array(new SharedArrayBuffer(4)),
  };
}

/** The owner's handle: single-threaded use, growth, and the data for threads. */
export class SharedMap {
  data: SharedMapData;

  constructor(
    readonly twoWords: boolean,
    initialBits = 16,
  ) {
    this.data = allocate(1 << initialBits, twoWords);
  }

  get size(): number {
    return Atomics.load(this.data.count, 0);
  }

  get bytes(): number {
    const d = this.data;
    return d.tags.byteLength + d.keys0.byteLength + d.keys1.byteLength + d.values.byteLength;
  }

  get(s0: number, s1 = 0): number {
    return mapGet(this.data, s0, s1);
  }

  getOrAdd(s0: number, s1: number, value: number): number {
    if (this.size + 1 > this.data.tags.length * LOAD_LIMIT) this.grow();
    return mapGetOrAdd(this.data, s0, s1, value);
  }

  set(s0: number, s1: number, value: number): void {
    mapSet(this.data, s0, s1, value);
  }

  /** Doubles the table until it is under half full; no thread may use it meanwhile. */
  grow(): void {
    const old = this.data;
    let slots = old.tags.length * 2;
    while (Atomics.load(old.count, 0) * 2 > slots) slots *= 2;
    const next = allocate(slots, this.twoWords);
    const two = this.twoWords;
    for (let i = 0; i < old.tags.length; i++) {
      if (old.tags[i] === 0) continue;
      mapGetOrAdd(next, old.keys0[i] as number, two ? (old.keys1[i] as number) : 0, old.values[i] as number);
    }
    this.data = next;
  }
}

/** A one-word SharedMap seen as the packed index of a compiled space. */
export class SharedPackedIndex {
  constructor(readonly map: SharedMap) {}
  get size(): number {
    return this.map.size;
  }
  get bytes(): number {
    return this.map.bytes;
  }
  get(s: number): number {
    return this.map.get(s, 0);
  }
  has(s: number): boolean {
    return this.map.get(s, 0) !== ABSENT;
  }
  getOrAdd(s: number, value: number): number {
    return this.map.getOrAdd(s, 0, value);
  }
  add(s: number, value = 0): boolean {
    return this.map.getOrAdd(s, 0, value) === ABSENT;
  }
  touch(): number {
    return 0;
  }
}

/** A two-word SharedMap seen as the exact pair set of a wide space. */
export class SharedPairIndex {
  constructor(readonly map: SharedMap) {}
  get size(): number {
    return this.map.size;
  }
  get bytes(): number {
    return this.map.bytes;
  }
  get(w0: number, w1: number): number {
    return this.map.get(w0, w1);
  }
  add(w0: number, w1: number, value: number): boolean {
    return this.map.getOrAdd(w0, w1, value) === ABSENT;
  }
  collisionProbability(): number {
    return 0;
  }
}
