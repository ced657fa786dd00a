// Symmetry reduction: permute the slots of each declared group into a canonical order and
// relabel the references to them. A slot's sort key is its instances' local states, then
// the multiset of (referring kind, referrer's state with the reference erased): two slots
// with equal keys are interchangeable, so ties cannot split an orbit, and machines of
// different kinds that refer to one slot move with it together. Groups whose slots are
// referrers of another group are sorted after it. The result is always a permutation of
// the input (sound); it is one representative per orbit when each referring machine holds
// at most one reference, as in every shipped model.
//
// The work happens on a scratch vector of the instances the groups touch: packed spaces
// extract only those digits and add the differences back (no decode of the whole state,
// no world rebuilt), and a state already in canonical order costs the comparisons alone.
import type { CompiledSystem, ResolvedSymmetry } from '../system.js';

/** Rewrites a local-state vector into its canonical representative (in place). */
export type Canonicalizer = (locals: Int32Array) => void;

/**
 * What a canonicalizer needs, as plain data (worker threads rebuild it from this): the
 * groups in sorting order and the kind of every instance.
 */
export interface SymmetryPlan {
  readonly groups: readonly ResolvedSymmetry[];
  readonly instanceKinds: readonly number[];
}

/** The plan of `sys`, or undefined without declared symmetry. */
export function symmetryPlan(sys: CompiledSystem): SymmetryPlan | undefined {
  if (sys.symmetry.length === 0) return undefined;
  return { groups: groupOrder(sys), instanceKinds: sys.instances.map((i) => i.kind) };
}

/** One group, prepared: slot instances, referrers, and scratch space for its sort. */
interface GroupPass {
  readonly slots: number;
  readonly width: number;
  /** slotInst[k * width + j]: instance at position j of slot k. */
  readonly slotInst: Int32Array;
  readonly referrers: readonly Referrer[];
  /** Key length per slot: width, a count, then a (tag, erased state) pair per referrer. */
  readonly keyLength: number;
  readonly keys: Int32Array;
  readonly order: Int32Array;
  readonly newPos: Int32Array;
  readonly moved: Int32Array;
}

interface Referrer {
  readonly inst: number;
  /** Distinguishes referring kinds (and fields) in slot keys. */
  readonly tag: number;
  readonly ref: Int32Array;
  readonly relabel: Int32Array;
}

/** The canonicalizer of `sys`, or undefined without declared symmetry. */
export function makeCanonicalizer(sys: CompiledSystem): Canonicalizer | undefined {
  const plan = symmetryPlan(sys);
  return plan === undefined ? undefined : canonicalizerOf(plan);
}

/** The canonicalizer a plan describes. */
export function canonicalizerOf(plan: SymmetryPlan): Canonicalizer {
  const passes = plan.groups.map((g) => prepare(plan, g));
  return (locals) => {
    for (const pass of passes) canonicalizeGroup(pass, locals);
  };
}

/** Instances a canonicalizer reads or writes (slot members and referrers), ascending. */
export function symmetryInstances(plan: SymmetryPlan): Int32Array {
  const set = new Set<number>();
  for (const g of plan.groups) {
    for (const slot of g.slots) for (const i of slot) set.add(i);
    for (const r of g.refs) plan.instanceKinds.forEach((k, inst) => k === r.kind && set.add(inst));
  }
  return Int32Array.from([...set].sort((a, b) => a - b));
}

/**
 * Canonical form of a packed state (one mixed-radix number below 2^53) without decoding
 * it: the instances the groups touch are extracted, canonicalized, and the differences
 * of their digits added back.
 */
export function makePackedCanonicalizer(
  plan: SymmetryPlan | undefined,
  weight: readonly number[],
  radix: readonly number[],
): ((s: number) => number) | undefined {
  if (plan === undefined) return undefined;
  const canon = canonicalizerOf(plan);
  const touched = symmetryInstances(plan);
  const w = Float64Array.from(touched, (i) => weight[i] as number);
  const r = Float64Array.from(touched, (i) => radix[i] as number);
  const locals = new Int32Array(plan.instanceKinds.length);
  const before = new Int32Array(touched.length);
  return (s) => {
    for (let k = 0; k < touched.length; k++) {
      const l = Math.floor(s / (w[k] as number)) % (r[k] as number);
      before[k] = l;
      locals[touched[k] as number] = l;
    }
    canon(locals);
    let out = s;
    for (let k = 0; k < touched.length; k++) {
      const d = (locals[touched[k] as number] as number) - (before[k] as number);
      if (d !== 0) out += d * (w[k] as number);
    }
    return out;
  };
}

/**
 * As makePackedCanonicalizer for states of two words: instance i lives in word `word[i]`
 * with `weight[i]`; the canonical words are written to `out`.
 */
export function makeWideCanonicalizer(
  plan: SymmetryPlan | undefined,
  word: readonly number[],
  weight: readonly number[],
  radix: readonly number[],
): ((w0: number, w1: number, out: Float64Array) => void) | undefined {
  if (plan === undefined) return undefined;
  const canon = canonicalizerOf(plan);
  const touched = symmetryInstances(plan);
  const inWord1 = Uint8Array.from(touched, (i) => (word[i] === 1 ? 1 : 0));
  const w = Float64Array.from(touched, (i) => weight[i] as number);
  const r = Float64Array.from(touched, (i) => radix[i] as number);
  const locals = new Int32Array(plan.instanceKinds.length);
  const before = new Int32Array(touched.length);
  return (w0, w1, out) => {
    for (let k = 0; k < touched.length; k++) {
      const l = Math.floor((inWord1[k] === 1 ? w1 : w0) / (w[k] as number)) % (r[k] as number);
      before[k] = l;
      locals[touched[k] as number] = l;
    }
    canon(locals);
    out[0] = w0;
    out[1] = w1;
    for (let k = 0; k < touched.length; k++) {
      const d = (locals[touched[k] as number] as number) - (before[k] as number);
      if (d !== 0) out[inWord1[k] as number] = (out[inWord1[k] as number] as number) + d * (w[k] as number);
    }
  };
}

/**
 * Groups in sorting order: a group whose slot instances refer to another group comes
 * after it, so the references it sorts by are already relabelled. Declared order
 * otherwise (and when references form a cycle).
 */
function groupOrder(sys: CompiledSystem): ResolvedSymmetry[] {
  const groups = [...sys.symmetry];
  const kindsOf = (g: ResolvedSymmetry): Set<number> =>
    new Set(g.slots.flat().map((i) => sys.instances[i]?.kind ?? -1));
  const refersTo = (g: ResolvedSymmetry, h: ResolvedSymmetry): boolean => {
    const kinds = kindsOf(g);
    return g !== h && h.refs.some((r) => kinds.has(r.kind));
  };
  const out: ResolvedSymmetry[] = [];
  while (groups.length > 0) {
    const next = groups.findIndex((g) => !groups.some((h) => refersTo(g, h)));
    out.push(...groups.splice(next < 0 ? 0 : next, 1));
  }
  return out;
}

function prepare(plan: SymmetryPlan, g: ResolvedSymmetry): GroupPass {
  const slots = g.slots.length;
  const width = g.slots[0]?.length ?? 0;
  const referrers: Referrer[] = [];
  g.refs.forEach((r, tag) => {
    plan.instanceKinds.forEach((k, inst) => {
      if (k === r.kind) referrers.push({ inst, tag, ref: r.ref, relabel: r.relabel });
    });
  });
  const keyLength = width + 1 + 2 * referrers.length;
  return {
    slots,
    width,
    slotInst: Int32Array.from(g.slots.flat()),
    referrers,
    keyLength,
    keys: new Int32Array(slots * keyLength),
    order: new Int32Array(slots),
    newPos: new Int32Array(slots),
    moved: new Int32Array(slots * width),
  };
}

/** Lexicographic comparison of the keys of slots a and b, ties by slot index. */
function compareKeys(p: GroupPass, a: number, b: number): number {
  const { keys, keyLength } = p;
  for (let j = 0; j < keyLength; j++) {
    const d = (keys[a * keyLength + j] as number) - (keys[b * keyLength + j] as number);
    if (d !== 0) return d;
  }
  return a - b;
}

function canonicalizeGroup(p: GroupPass, locals: Int32Array): void {
  const { slots, width, slotInst, referrers, keyLength, keys, order, newPos, moved } = p;
  keys.fill(-1);
  for (let k = 0; k < slots; k++) {
    for (let j = 0; j < width; j++)
      keys[k * keyLength + j] = locals[slotInst[k * width + j] as number] as number;
    keys[k * keyLength + width] = 0;
    order[k] = k;
  }
  // Each referrer adds (tag, erased state) to the key of the slot it refers to, kept sorted.
  for (const r of referrers) {
    const l = locals[r.inst] as number;
    const k = r.ref[l] as number;
    if (k < 0) continue;
    const base = k * keyLength + width;
    const count = keys[base] as number;
    const tag = r.tag;
    const erased = r.relabel[l * slots] as number;
    let at = count;
    while (at > 0) {
      const t = keys[base + 1 + 2 * (at - 1)] as number;
      const e = keys[base + 2 + 2 * (at - 1)] as number;
      if (t < tag || (t === tag && e <= erased)) break;
      keys[base + 1 + 2 * at] = t;
      keys[base + 2 + 2 * at] = e;
      at--;
    }
    keys[base + 1 + 2 * at] = tag;
    keys[base + 2 + 2 * at] = erased;
    keys[base] = count + 1;
  }
  let identity = true;
  for (let i = 1; i < slots; i++) {
    const x = order[i] as number;
    let j = i - 1;
    while (j >= 0 && compareKeys(p, order[j] as number, x) > 0) {
      order[j + 1] = order[j] as number;
      j--;
    }
    order[j + 1] = x;
    if (j + 1 !== i) identity = false;
  }
  if (identity) return;
  for (let t = 0; t < slots; t++) {
    const old = order[t] as number;
    newPos[old] = t;
    for (let j = 0; j < width; j++)
      moved[t * width + j] = locals[slotInst[old * width + j] as number] as number;
  }
  for (let t = 0; t < slots; t++)
    for (let j = 0; j < width; j++)
      locals[slotInst[t * width + j] as number] = moved[t * width + j] as number;
  for (const r of referrers) {
    const l = locals[r.inst] as number;
    const k = r.ref[l] as number;
    if (k >= 0) locals[r.inst] = r.relabel[l * slots + (newPos[k] as number)] as number;
  }
}
