// Generates the successor function of a compiled system as JavaScript source: one
// straight-line block per world event over the kinds' tables, on states packed as
// mixed-radix numbers (< 2^53, exact in float64). The source is self-contained so
// worker threads can rebuild it from the same data.
import { at, kindOf, type CompiledSystem } from '../system.js';

/** Plain data the generated code needs (structured-clone safe, for workers). */
export interface PackedTables {
  readonly radix: readonly number[];
  readonly weight: readonly number[];
  readonly next: readonly Int32Array[];
  readonly out: readonly Uint8Array[];
  readonly width: readonly number[];
  readonly priorAlpha: readonly Int32Array[];
  readonly source: string;
  /** Product of the radices: number of packed states. */
  readonly capacity: number;
}

/** Largest packed state space the float64 encoding supports exactly. */
export const MAX_PACKED = 2 ** 53;

/** Packed tables for `sys`, or undefined when the product of local state counts exceeds 2^53. */
export function packTables(sys: CompiledSystem): PackedTables | undefined {
  const radix = sys.instances.map((i) => kindOf(sys, i.index).states.length);
  const weight: number[] = [];
  let w = 1;
  for (const r of radix) {
    weight.push(w);
    w *= r;
    if (w > MAX_PACKED) return undefined;
  }
  const priorAlpha: Int32Array[] = [];
  const M = sys.instances.length;
  const decodeLines: string[] = [];
  for (let i = 0; i < M; i++) {
    if (i === M - 1) decodeLines.push(`  L[${i}] = r;`);
    else decodeLines.push(`  l = r % ${radix[i]}; L[${i}] = l; r = (r - l) / ${radix[i]};`);
  }
  const blocks = eventBlocks(
    sys,
    priorAlpha,
    (deltas) => `emit(${deltas.map((d) => `s${d}`).join('')}`,
    (p) => [0, weight[p] as number],
  );
  const source = chunkedSource(sys, blocks, ['s'], ['  let r = s, l = 0;', ...decodeLines]);
  return {
    radix,
    weight,
    next: sys.kinds.map((k) => k.next),
    out: sys.kinds.map((k) => k.out),
    width: sys.kinds.map((k) => k.alphabet.length),
    priorAlpha,
    source,
    capacity: w,
  };
}

/**
 * Straight-line code for every world event, in declared order. Per participant: its
 * requirement (a table over the kind's local states, as a constant in the source), its
 * table lookup (the alphabet entry chosen by the prior outcome when it takes one), the
 * first refusal as the outcome. A machine that takes part again starts from the local
 * state its previous participation produced. Then a call built by `emitCall` from one
 * delta expression per word. `place(inst)` says which word an instance lives in and its
 * weight there. Shared by the one-word and two-word engines; fills `priorAlpha` with the
 * tables it refers to and returns the constant declarations the blocks use.
 */
export function eventBlocks(
  sys: CompiledSystem,
  priorAlpha: Int32Array[],
  emitCall: (deltas: readonly string[]) => string,
  place: (inst: number) => readonly [word: number, weight: number],
  words = 1,
): EventBlocks {
  const events: string[][] = [];
  const constants: string[] = [];
  const requireNames = new Map<string, string>();
  const requireTable = (table: Uint8Array): string => {
    const key = table.join(',');
    let name = requireNames.get(key);
    if (name === undefined) {
      name = `R${requireNames.size}`;
      requireNames.set(key, name);
      constants.push(`const ${name} = Uint8Array.of(${key});`);
    }
    return name;
  };
  for (const e of sys.events) {
    const lines: string[] = [];
    events.push(lines);
    let indent = '  ';
    const open: string[] = [];
    /** Variable holding each moved instance's current local state. */
    const cur = new Map<number, string>();
    lines.push(`  // ${e.index}: ${e.actor} ${e.type}`, `${indent}{ o = 0;`);
    e.participants.forEach((p, j) => {
      const k = at(sys.instances, p.inst, 'instance').kind;
      const width = kindOf(sys, p.inst).alphabet.length;
      const from = cur.get(p.inst) ?? `l${p.inst}`;
      if (p.requiresTable !== undefined) {
        lines.push(`${indent}if (${requireTable(p.requiresTable)}[${from}] === 1) {`);
        open.push('}');
        indent += '  ';
      }
      if (p.event === undefined) return;
      if (p.prior) {
        priorAlpha.push(p.priorAlpha as Int32Array);
        lines.push(`${indent}a = PA[${priorAlpha.length - 1}][o];`, `${indent}if (a >= 0) {`);
        open.push('}');
        indent += '  ';
        lines.push(`${indent}const x${j} = ${from} * ${width} + a;`);
      } else {
        if (p.alpha < 0) throw new Error(`engine: event ${e.index} participant missing from alphabet`);
        lines.push(`${indent}const x${j} = ${from} * ${width} + ${p.alpha};`);
      }
      lines.push(`${indent}const n${j} = T${k}[x${j}];`, `${indent}if (n${j} >= 0) {`);
      open.push('}');
      indent += '  ';
      lines.push(`${indent}if (o === 0) o = O${k}[x${j}];`);
      cur.set(p.inst, `n${j}`);
    });
    const deltas = Array.from({ length: words }, () => '');
    for (const [inst, v] of cur) {
      const [w, weight] = place(inst);
      deltas[w] += ` + (${v} - l${inst}) * ${weight}`;
    }
    lines.push(`${indent}${emitCall(deltas)}, ${e.index}, o);`, `  ${open.join(' ')} }`);
  }
  return { events, constants };
}

/** The generated blocks: lines per world event (in event order) and the constants they use. */
export interface EventBlocks {
  readonly events: readonly (readonly string[])[];
  readonly constants: readonly string[];
}

/**
 * World events per generated function. One function over every event of a large model
 * (hundreds of events) takes TurboFan about a second to optimize, during which the search
 * runs unoptimized code; functions of this many events compile in milliseconds each, and
 * the calls between them cost little next to the blocks' table lookups.
 */
export const EVENTS_PER_CHUNK = 12;

/**
 * The factory body of a generated successor function: table constants, one function per
 * chunk of EVENTS_PER_CHUNK event blocks taking the state words, every local state and
 * `emit`, and `expand(...words, L, emit)` that decodes (`decodeLines` fill `L` from the words)
 * and calls the chunks in order, so successors are emitted in event order.
 */
export function chunkedSource(
  sys: CompiledSystem,
  blocks: EventBlocks,
  words: readonly string[],
  decodeLines: readonly string[],
): string {
  const M = sys.instances.length;
  const locals = Array.from({ length: M }, (_, i) => `l${i}`).join(', ');
  const params = [...words, locals, 'emit'].join(', ');
  const out = [...sys.kinds.map((_, k) => `const T${k} = T[${k}], O${k} = O[${k}];`), ...blocks.constants];
  const calls: string[] = [];
  for (let c = 0; c * EVENTS_PER_CHUNK < blocks.events.length; c++) {
    const chunk = blocks.events.slice(c * EVENTS_PER_CHUNK, (c + 1) * EVENTS_PER_CHUNK);
    out.push(`function chunk${c}(${params}) {`, '  let o = 0, a = 0;', ...chunk.flat(), '}');
    calls.push(`  chunk${c}(${params});`);
  }
  out.push(`return function expand(${[...words, 'L', 'emit'].join(', ')}) {`, ...decodeLines);
  for (let i = 0; i < M; i++) out.push(`  const l${i} = L[${i}];`);
  out.push(...calls, '};');
  return out.join('\n');
}

export type Emit = (succ: number, event: number, outcome: number) => void;
export type Expand = (s: number, locals: Int32Array, emit: Emit) => void;

/** Instantiates the generated successor function. */
export function buildExpand(t: PackedTables): Expand {
  // The source is generated above from the compiled tables only; it holds no user text.
  // oxlint-disable-next-line typescript/no-implied-eval -- compiling generated tables is the point of this engine
  const factory = new Function('T', 'O', 'PA', t.source) as (
    T: readonly Int32Array[],
    O: readonly Uint8Array[],
    PA: readonly Int32Array[],
  ) => Expand;
  return factory(t.next, t.out, t.priorAlpha);
}

/** Packs a local-state vector. */
export function encode(t: PackedTables, locals: Int32Array): number {
  let s = 0;
  for (let i = 0; i < t.radix.length; i++) s += (locals[i] as number) * (t.weight[i] as number);
  return s;
}

/** Unpacks into `locals`. */
export function decode(t: PackedTables, s: number, locals: Int32Array): void {
  let r = s;
  for (let i = 0; i < t.radix.length; i++) {
    const radix = t.radix[i] as number;
    const l = r % radix;
    locals[i] = l;
    r = (r - l) / radix;
  }
}
