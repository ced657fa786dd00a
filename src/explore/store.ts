// Append-only typed-array columns in fixed-size chunks: no doubling copies, no shift(),
// and memory use that tracks the number of stored states.

const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

type TypedCtor<T> = new (length: number) => T;
type Column = Float64Array | Uint32Array | Uint16Array | Int32Array;

/**
 * A growable column of numbers, indexed densely from 0. The element accessors (get, set,
 * push, put) are written out again in each typed subclass below: an element load shared by
 * columns of three array types would be megamorphic in V8 and several times slower.
 */
export abstract class ChunkedColumn<T extends Column> {
  protected readonly chunks: T[] = [];
  protected length = 0;
  constructor(private readonly ctor: TypedCtor<T>) {}

  get size(): number {
    return this.length;
  }

  abstract push(value: number): number;
  abstract get(i: number): number;
  abstract set(i: number, value: number): void;
  /** Sets entry `i`, growing the column (with zeros) to cover it. */
  abstract put(i: number, value: number): void;

  /** A new zero-filled chunk appended (the last chunk then covers index `i`). */
  protected grow(i: number): T {
    while (i >>> CHUNK_BITS >= this.chunks.length) this.chunks.push(new this.ctor(CHUNK));
    return this.chunks[i >>> CHUNK_BITS] as T;
  }

  /** Appends `src` in bulk (chunk-sized copies instead of one push per value). */
  pushAll(src: T): void {
    let from = 0;
    while (from < src.length) {
      const i = this.length;
      const offset = i & MASK;
      const n = Math.min(CHUNK - offset, src.length - from);
      this.grow(i).set(src.subarray(from, from + n), offset);
      this.length += n;
      from += n;
    }
  }

  /** Copies values [from, to) into `dst` starting at 0 (chunk-sized copies). */
  copyOut(from: number, to: number, dst: T): void {
    let i = from;
    while (i < to) {
      const chunk = this.chunks[i >>> CHUNK_BITS] as T;
      const offset = i & MASK;
      const n = Math.min(CHUNK - offset, to - i);
      dst.set(chunk.subarray(offset, offset + n), i - from);
      i += n;
    }
  }

  /**
   * Moves every value into `dst` (from 0) and empties the column, releasing each chunk once
   * it is copied: a column flattened this way never exists twice in memory.
   */
  drainInto(dst: T): void {
    for (let k = 0; k < this.chunks.length; k++) {
      const n = Math.min(CHUNK, this.length - k * CHUNK);
      dst.set((this.chunks[k] as T).subarray(0, n), k * CHUNK);
      this.chunks[k] = new this.ctor(0);
    }
    this.chunks.length = 0;
    this.length = 0;
  }

  /** Bytes allocated by this column. */
  get bytes(): number {
    return this.chunks.reduce((sum, c) => sum + c.byteLength, 0);
  }
}

export class Float64Column extends ChunkedColumn<Float64Array> {
  constructor() {
    super(Float64Array);
  }
  push(value: number): number {
    const i = this.length;
    const chunk = (i & MASK) === 0 ? this.grow(i) : (this.chunks[i >>> CHUNK_BITS] as Float64Array);
    chunk[i & MASK] = value;
    this.length = i + 1;
    return i;
  }
  get(i: number): number {
    return (this.chunks[i >>> CHUNK_BITS] as Float64Array)[i & MASK] as number;
  }
  set(i: number, value: number): void {
    (this.chunks[i >>> CHUNK_BITS] as Float64Array)[i & MASK] = value;
  }
  put(i: number, value: number): void {
    this.grow(i)[i & MASK] = value;
    if (i >= this.length) this.length = i + 1;
  }
}

export class Uint32Column extends ChunkedColumn<Uint32Array> {
  constructor() {
    super(Uint32Array);
  }
  push(value: number): number {
    const i = this.length;
    const chunk = (i & MASK) === 0 ? this.grow(i) : (this.chunks[i >>> CHUNK_BITS] as Uint32Array);
    chunk[i & MASK] = value;
    this.length = i + 1;
    return i;
  }
  get(i: number): number {
    return (this.chunks[i >>> CHUNK_BITS] as Uint32Array)[i & MASK] as number;
  }
  set(i: number, value: number): void {
    (this.chunks[i >>> CHUNK_BITS] as Uint32Array)[i & MASK] = value;
  }
  put(i: number, value: number): void {
    this.grow(i)[i & MASK] = value;
    if (i >= this.length) this.length = i + 1;
  }
}

export class Uint16Column extends ChunkedColumn<Uint16Array> {
  constructor() {
    super(Uint16Array);
  }
  push(value: number): number {
    const i = this.length;
    const chunk = (i & MASK) === 0 ? this.grow(i) : (this.chunks[i >>> CHUNK_BITS] as Uint16Array);
    chunk[i & MASK] = value;
    this.length = i + 1;
    return i;
  }
  get(i: number): number {
    return (this.chunks[i >>> CHUNK_BITS] as Uint16Array)[i & MASK] as number;
  }
  set(i: number, value: number): void {
    (this.chunks[i >>> CHUNK_BITS] as Uint16Array)[i & MASK] = value;
  }
  put(i: number, value: number): void {
    this.grow(i)[i & MASK] = value;
    if (i >= this.length) this.length = i + 1;
  }
}

export const float64Column = (): Float64Column => new Float64Column();
export const uint32Column = (): Uint32Column => new Uint32Column();
export const uint16Column = (): Uint16Column => new Uint16Column();
