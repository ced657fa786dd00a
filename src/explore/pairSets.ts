// Visited sets for two-word states. The fingerprint set keeps a 63-bit hash per state
// (8 bytes a slot): two different states with equal fingerprints are merged, so a state
// may be missed with a small probability, estimated as TLC does. The exact set keeps both
// words (16 bytes a slot). Either may keep an index per state (graph recording).

const EMPTY = -1;

function mixPair(w0: number, w1: number, seed: number): number {
  let h = Math.imul((w0 % 4294967296) ^ seed, 0x9e3779b1) ^ Math.imul((w0 / 4294967296) | 0, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ Math.imul((w1 % 4294967296) | 0, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2d) ^ Math.imul((w1 / 4294967296) | 0, 0x165667b1);
  h ^= h >>> 16;
  return h;
}

export interface PairSet {
  /** Index stored with the pair, or -1 when absent. */
  get(w0: number, w1: number): number;
  /** Adds the pair with `value`; true when it was absent. */
  add(w0: number, w1: number, value: number): boolean;
  readonly size: number;
  readonly bytes: number;
  /** Estimated probability that a fingerprint collision hid a state (0 for exact sets). */
  collisionProbability(): number;
}

/** Open addressing over 63-bit fingerprints (two 32-bit halves; 0,0 marks an empty slot). */
export class FingerprintSet implements PairSet {
  private hi: Int32Array;
  private lo: Int32Array;
  private values: Uint32Array;
  private count = 0;
  private mask: number;
  constructor(bits = 16) {
    this.hi = new Int32Array(1 << bits);
    this.lo = new Int32Array(1 << bits);
    this.values = new Uint32Array(1 << bits);
    this.mask = (1 << bits) - 1;
  }
  get size(): number {
    return this.count;
  }
  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength + this.values.byteLength;
  }
  private fingerprint(w0: number, w1: number): [number, number] {
    return [mixPair(w0, w1, 0x1234567), mixPair(w0, w1, 0x7654321) | 1];
  }
  get(w0: number, w1: number): number {
    const [a, b] = this.fingerprint(w0, w1);
    for (let i = a & this.mask; ; i = (i + 1) & this.mask) {
      if (this.lo[i] === 0) return -1;
      if (this.hi[i] === a && this.lo[i] === b) return this.values[i] as number;
    }
  }
  add(w0: number, w1: number, value: number): boolean {
    if ((this.count + 1) * 4 > this.hi.length * 3) this.grow();
    const [a, b] = this.fingerprint(w0, w1);
    return this.insert(a, b, value);
  }
  private insert(a: number, b: number, value: number): boolean {
    for (let i = a & this.mask; ; i = (i + 1) & this.mask) {
      if (this.lo[i] === 0) {
        this.hi[i] = a;
        this.lo[i] = b;
        this.values[i] = value;
        this.count++;
        return true;
      }
      if (this.hi[i] === a && this.lo[i] === b) return false;
    }
  }
  private grow(): void {
    const { hi, lo, values } = this;
    this.hi = new Int32Array(hi.length * 2);
    this.lo = new Int32Array(hi.length * 2);
    this.values = new Uint32Array(hi.length * 2);
    this.mask = hi.length * 2 - 1;
    this.count = 0;
    for (let i = 0; i < hi.length; i++)
      if (lo[i] !== 0) this.insert(hi[i] as number, lo[i] as number, values[i] as number);
  }
  /** n(n-1)/2 pairs, each colliding with probability 2^-63. */
  collisionProbability(): number {
    return (this.count * (this.count - 1)) / 2 / 2 ** 63;
  }
}

/** Open addressing keeping both words: exact. */
export class ExactPairSet implements PairSet {
  private k0: Float64Array;
  private k1: Float64Array;
  private values: Uint32Array;
  private count = 0;
  private mask: number;
  constructor(bits = 16) {
    this.k0 = new Float64Array(1 << bits).fill(EMPTY);
    this.k1 = new Float64Array(1 << bits);
    this.values = new Uint32Array(1 << bits);
    this.mask = (1 << bits) - 1;
  }
  get size(): number {
    return this.count;
  }
  get bytes(): number {
    return this.k0.byteLength + this.k1.byteLength + this.values.byteLength;
  }
  get(w0: number, w1: number): number {
    for (let i = mixPair(w0, w1, 0) & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.k0[i] as number;
      if (k === EMPTY) return -1;
      if (k === w0 && this.k1[i] === w1) return this.values[i] as number;
    }
  }
  add(w0: number, w1: number, value: number): boolean {
    if ((this.count + 1) * 4 > this.k0.length * 3) this.grow();
    for (let i = mixPair(w0, w1, 0) & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.k0[i] as number;
      if (k === EMPTY) {
        this.k0[i] = w0;
        this.k1[i] = w1;
        this.values[i] = value;
        this.count++;
        return true;
      }
      if (k === w0 && this.k1[i] === w1) return false;
    }
  }
  private grow(): void {
    const { k0, k1, values } = this;
    this.k0 = new Float64Array(k0.length * 2).fill(EMPTY);
    this.k1 = new Float64Array(k0.length * 2);
    this.values = new Uint32Array(k0.length * 2);
    this.mask = k0.length * 2 - 1;
    this.count = 0;
    for (let i = 0; i < k0.length; i++)
      if (k0[i] !== EMPTY) this.add(k0[i] as number, k1[i] as number, values[i] as number);
  }
  collisionProbability(): number {
    return 0;
  }
}
