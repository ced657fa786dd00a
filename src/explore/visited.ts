// Visited sets. Strategies see only has/add/size semantics through the state spaces;
// the implementation is chosen by the space: a dense bitmap when the packed state
// space is small enough, else open addressing over packed states, or exact string keys
// for plain interpretation.

/** Membership over packed states (non-negative integers below 2^53). */
export interface PackedSet {
  /** Adds `s`; true when it was not present. */
  add(s: number): boolean;
  has(s: number): boolean;
  readonly bytes: number;
}

/** A packed set that also keeps an index per state (graph recording). */
export interface PackedIndex extends PackedSet {
  /** Index stored with `s`, or -1. */
  get(s: number): number;
  /** The index stored with `s`; when absent, stores `value` with it and returns -1. */
  getOrAdd(s: number, value: number): number;
  add(s: number, value?: number): boolean;
  /** Loads the first slot `s` probes and returns it (a batch of lookups overlaps its misses). */
  touch(s: number): number;
}

/** One bit per possible packed state: exact, and the fastest when the product of local state counts is small. */
export class DenseBitSet implements PackedSet {
  /** The bit words; on a SharedArrayBuffer when `shared`, so worker threads can test-and-set them. */
  readonly words: Int32Array;
  constructor(
    readonly capacity: number,
    shared = false,
  ) {
    const length = Math.ceil(capacity / 32);
    this.words = shared ? new Int32Array(new SharedArrayBuffer(length * 4)) : new Int32Array(length);
  }
  add(s: number): boolean {
    const w = Math.floor(s / 32);
    const bit = 1 << (s % 32);
    const old = this.words[w] as number;
    if ((old & bit) !== 0) return false;
    this.words[w] = old | bit;
    return true;
  }
  has(s: number): boolean {
    return ((this.words[Math.floor(s / 32)] as number) & (1 << (s % 32))) !== 0;
  }
  get bytes(): number {
    return this.words.byteLength;
  }
}

const EMPTY = -1;
const TWO_TO_MINUS_32 = 2 ** -32;

/** Mixes a packed state (< 2^53) into 32 bits. */
export function mix53(s: number): number {
  const lo = s >>> 0;
  const hi = (s * TWO_TO_MINUS_32) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  return h;
}

/** Open addressing with linear probing over packed states: exact, 8 bytes a slot. */
export class PackedHashSet implements PackedSet {
  private keys: Float64Array;
  private count = 0;
  private mask: number;
  constructor(initialBits = 16) {
    this.keys = new Float64Array(1 << initialBits).fill(EMPTY);
    this.mask = (1 << initialBits) - 1;
  }
  get size(): number {
    return this.count;
  }
  get bytes(): number {
    return this.keys.byteLength;
  }
  has(s: number): boolean {
    for (let i = mix53(s) & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.keys[i] as number;
      if (k === s) return true;
      if (k === EMPTY) return false;
    }
  }
  add(s: number): boolean {
    if ((this.count + 1) * 4 > this.keys.length * 3) this.grow();
    for (let i = mix53(s) & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.keys[i] as number;
      if (k === s) return false;
      if (k === EMPTY) {
        this.keys[i] = s;
        this.count++;
        return true;
      }
    }
  }
  private grow(): void {
    const old = this.keys;
    this.keys = new Float64Array(old.length * 2).fill(EMPTY);
    this.mask = old.length * 2 - 1;
    this.count = 0;
    for (const k of old) if (k !== EMPTY) this.add(k);
  }
}

/**
 * Open addressing with linear probing from packed states to their index (used when the
 * explorer records the graph). Key and index share a 16-byte slot, so a probe touches one
 * cache line.
 */
export class PackedHashMap implements PackedIndex {
  private slots: Float64Array;
  private count = 0;
  private mask: number;
  constructor(initialBits = 16) {
    this.slots = new Float64Array(2 << initialBits).fill(EMPTY);
    this.mask = (1 << initialBits) - 1;
  }
  get size(): number {
    return this.count;
  }
  get bytes(): number {
    return this.slots.byteLength;
  }
  /** Loads the first slot `s` probes (so that a batch of lookups overlaps its cache misses). */
  touch(s: number): number {
    return this.slots[2 * (mix53(s) & this.mask)] as number;
  }
  /** Index stored with `s`, or -1. */
  get(s: number): number {
    for (let i = mix53(s) & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.slots[2 * i] as number;
      if (k === s) return this.slots[2 * i + 1] as number;
      if (k === EMPTY) return -1;
    }
  }
  has(s: number): boolean {
    return this.get(s) >= 0;
  }
  /** The index stored with `s`; when absent, stores `value` with it and returns -1. */
  getOrAdd(s: number, value: number): number {
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) this.grow();
    for (let i = mix53(s) & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.slots[2 * i] as number;
      if (k === s) return this.slots[2 * i + 1] as number;
      if (k === EMPTY) {
        this.slots[2 * i] = s;
        this.slots[2 * i + 1] = value;
        this.count++;
        return -1;
      }
    }
  }
  add(s: number, value = 0): boolean {
    return this.getOrAdd(s, value) < 0;
  }
  /** Frees the table once no state will be looked up again; the map is then empty. */
  release(): void {
    this.slots = new Float64Array(2).fill(EMPTY);
    this.mask = 0;
    this.count = 0;
  }
  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2).fill(EMPTY);
    this.mask = old.length - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      const k = old[i] as number;
      if (k !== EMPTY) this.getOrAdd(k, old[i + 1] as number);
    }
  }
}
