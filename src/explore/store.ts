// Append-only typed-array columns in fixed-size chunks: no doubling copies, no shift(),
// and memory use that tracks the number of stored states.

const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

type TypedCtor<T> = new (length: number) => T;
type Column = Float64Array | Uint32Array | Uint16Array | Int32Array;

/** A growable column of numbers, indexed densely from 0. */
export class ChunkedColumn<T extends Column> {
  private readonly chunks: T[] = [];
  private length = 0;
  constructor(private readonly ctor: TypedCtor<T>) {}

  get size(): number {
    return this.length;
  }

  push(value: number): number {
    const i = this.length;
    const c = i >>> CHUNK_BITS;
    if (c === this.chunks.length) this.chunks.push(new this.ctor(CHUNK));
    (this.chunks[c] as T)[i & MASK] = value;
    this.length = i + 1;
    return i;
  }

  /** Appends `src` in bulk (chunk-sized copies instead of one push per value). */
  pushAll(src: T): void {
    let from = 0;
    while (from < src.length) {
      const i = this.length;
      const c = i >>> CHUNK_BITS;
      if (c === this.chunks.length) this.chunks.push(new this.ctor(CHUNK));
      const offset = i & MASK;
      const n = Math.min(CHUNK - offset, src.length - from);
      (this.chunks[c] as T).set(src.subarray(from, from + n), offset);
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

  get(i: number): number {
    return (this.chunks[i >>> CHUNK_BITS] as T)[i & MASK] as number;
  }

  set(i: number, value: number): void {
    (this.chunks[i >>> CHUNK_BITS] as T)[i & MASK] = value;
  }

  /** Bytes allocated by this column. */
  get bytes(): number {
    return this.chunks.reduce((sum, c) => sum + c.byteLength, 0);
  }
}

export const float64Column = (): ChunkedColumn<Float64Array> => new ChunkedColumn(Float64Array);
export const uint32Column = (): ChunkedColumn<Uint32Array> => new ChunkedColumn(Uint32Array);
export const uint16Column = (): ChunkedColumn<Uint16Array> => new ChunkedColumn(Uint16Array);
