// Successor code for states that do not fit one float64: instances are split into two
// words, each a mixed-radix number below 2^53, so a state is a pair (w0, w1). Same
// straight-line scheme as codegen.ts, with each participant's delta applied to its word.
import { kindOf, type CompiledSystem } from '../system.js';
import { chunkedSource, eventBlocks, MAX_PACKED } from './codegen.js';

export interface WideTables {
  /** Word of each instance (0 or 1) and its weight inside that word. */
  readonly word: readonly number[];
  readonly weight: readonly number[];
  readonly radix: readonly number[];
  readonly next: readonly Int32Array[];
  readonly out: readonly Uint8Array[];
  readonly priorAlpha: readonly Int32Array[];
  readonly source: string;
}

export type WideEmit = (w0: number, w1: number, event: number, outcome: number) => void;
export type WideExpand = (w0: number, w1: number, locals: Int32Array, emit: WideEmit) => void;

/** Two-word tables, or undefined when the state needs more than two 53-bit words. */
export function packWide(sys: CompiledSystem): WideTables | undefined {
  const radix = sys.instances.map((i) => kindOf(sys, i.index).states.length);
  const word: number[] = [];
  const weight: number[] = [];
  const product = [1, 1];
  for (const r of radix) {
    let w = word.length === 0 ? 0 : (word[word.length - 1] as number);
    if ((product[w] as number) * r > MAX_PACKED) w++;
    if (w > 1 || r > MAX_PACKED) return undefined;
    word.push(w);
    weight.push(product[w] as number);
    product[w] = (product[w] as number) * r;
  }
  const M = radix.length;
  const decodeLines = ['  let r = 0, l = 0;'];
  for (const w of [0, 1]) {
    decodeLines.push(`  r = w${w};`);
    for (let i = 0; i < M; i++) {
      if (word[i] !== w) continue;
      decodeLines.push(`  l = r % ${radix[i]}; L[${i}] = l; r = (r - l) / ${radix[i]};`);
    }
  }
  const priorAlpha: Int32Array[] = [];
  const blocks = eventBlocks(
    sys,
    priorAlpha,
    (deltas) => `emit(w0${deltas[0] ?? ''}, w1${deltas[1] ?? ''}`,
    (p) => [word[p] as number, weight[p] as number],
    2,
  );
  const source = chunkedSource(sys, blocks, ['w0', 'w1'], decodeLines);
  return {
    word,
    weight,
    radix,
    next: sys.kinds.map((k) => k.next),
    out: sys.kinds.map((k) => k.out),
    priorAlpha,
    source,
  };
}

export function buildWideExpand(t: WideTables): WideExpand {
  // oxlint-disable-next-line typescript/no-implied-eval -- compiling generated tables is the point of this engine
  const factory = new Function('T', 'O', 'PA', t.source) as (
    T: readonly Int32Array[],
    O: readonly Uint8Array[],
    PA: readonly Int32Array[],
  ) => WideExpand;
  return factory(t.next, t.out, t.priorAlpha);
}

export function encodeWide(t: WideTables, locals: Int32Array): [number, number] {
  const w: [number, number] = [0, 0];
  for (let i = 0; i < t.radix.length; i++)
    w[t.word[i] as 0 | 1] += (locals[i] as number) * (t.weight[i] as number);
  return w;
}

export function decodeWide(t: WideTables, w0: number, w1: number, locals: Int32Array): void {
  const r = [w0, w1];
  for (let i = 0; i < t.radix.length; i++) {
    const w = t.word[i] as 0 | 1;
    const radix = t.radix[i] as number;
    const l = (r[w] as number) % radix;
    locals[i] = l;
    r[w] = ((r[w] as number) - l) / radix;
  }
}
