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

/** Mixes a packed state (< 2^53) into 32 bits. */
export function mix53(s: number): number {
  const lo = (s % 4294967296) | 0;
  const hi = (s / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  return h;
}

/**
 * Open addressing with linear probing over packed states, with an optional index per
 * key (used when the explorer needs the graph). Exact: keys are the states themselves.
 */
export class PackedHashMap implements PackedSet {
  private keys: Float64Array;
  private values: Uint32Array | undefined;
  private count = 0;
  private mask: number;
  constructor(withValues: boolean, initialBits = 16) {
    this.keys = new Float64Array(1 << initialBits).fill(EMPTY);
    this.values = withValues ? new Uint32Array(1 << initialBits) : undefined;
    this.mask = (1 << initialBits) - 1;
  }
  get size(): number {
    return this.count;
  }
  get bytes(): number {
    return this.keys.byteLength + (this.values?.byteLength ?? 0);
  }
  /** Index stored with `s`, or -1. */
  get(s: number): number {
    let i = mix53(s) & this.mask;
    for (;;) {
      const k = this.keys[i] as number;
      if (k === s) return this.values === undefined ? 0 : (this.values[i] as number);
      if (k === EMPTY) return -1;
      i = (i + 1) & this.mask;
    }
  }
  has(s: number): boolean {
    return this.get(s) >= 0;
  }
  add(s: number, value = 0): boolean {
    if ((this.count + 1) * 4 > this.keys.length * 3) this.grow();
    let i = mix53(s) & this.mask;
    for (;;) {
      const k = this.keys[i] as number;
      if (k === s) return false;
      if (k === EMPTY) {
        this.keys[i] = s;
        if (this.values !== undefined) this.values[i] = value;
        this.count++;
        return true;
      }
      i = (i + 1) & this.mask;
    }
  }
  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const length = oldKeys.length * 2;
    this.keys = new Float64Array(length).fill(EMPTY);
    this.values = oldValues === undefined ? undefined : new Uint32Array(length);
    this.mask = length - 1;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i] as number;
      if (k !== EMPTY) this.add(k, oldValues?.[i] ?? 0);
    }
  }
}
