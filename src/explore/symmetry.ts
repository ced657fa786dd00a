// Symmetry reduction on local-state vectors: permute the slots of each declared group
// into a canonical order and relabel references to them. The result is always a
// permutation of the input (sound for safety); it is exact (one representative per
// orbit) when each referring machine holds at most one reference, as in every shipped
// model. Both engines use this one canonicalizer, so their reduced counts agree.
import type { CompiledSystem, ResolvedSymmetry } from '../system.js';

export type Canonicalizer = (locals: Int32Array) => void;

interface Referrer {
  readonly inst: number;
  readonly ref: Int32Array;
  readonly relabel: Int32Array;
}

export function makeCanonicalizer(sys: CompiledSystem): Canonicalizer | undefined {
  if (sys.symmetry.length === 0) return undefined;
  const passes = sys.symmetry.map((g) => groupPass(sys, g));
  return (locals) => {
    for (const pass of passes) pass(locals);
  };
}

function groupPass(sys: CompiledSystem, g: ResolvedSymmetry): Canonicalizer {
  const n = g.slots.length;
  const width = g.slots[0]?.length ?? 0;
  const referrers: Referrer[] = [];
  for (const r of g.refs) {
    for (const inst of sys.instances) {
      if (inst.kind === r.kind) referrers.push({ inst: inst.index, ref: r.ref, relabel: r.relabel });
    }
  }
  const order = Array.from({ length: n }, (_, i) => i);
  const newPos = new Int32Array(n);
  const moved = new Int32Array(n * width);
  const signatures: number[][] = Array.from({ length: n }, () => []);
  const compare = (a: number, b: number): number => {
    const sa = signatures[a] as number[];
    const sb = signatures[b] as number[];
    const len = Math.min(sa.length, sb.length);
    for (let i = 0; i < len; i++) {
      const d = (sa[i] as number) - (sb[i] as number);
      if (d !== 0) return d;
    }
    return sa.length - sb.length || a - b;
  };
  return (locals) => {
    for (let s = 0; s < n; s++) {
      const sig = signatures[s] as number[];
      sig.length = 0;
      const slot = g.slots[s] as readonly number[];
      for (let p = 0; p < width; p++) sig.push(locals[slot[p] as number] as number);
      const refsAt: number[] = [];
      for (const r of referrers) {
        const l = locals[r.inst] as number;
        if (r.ref[l] === s) refsAt.push(r.relabel[l * n] as number);
      }
      refsAt.sort((a, b) => a - b);
      sig.push(refsAt.length, ...refsAt);
      order[s] = s;
    }
    order.sort(compare);
    for (let t = 0; t < n; t++) {
      const old = order[t] as number;
      newPos[old] = t;
      const from = g.slots[old] as readonly number[];
      for (let p = 0; p < width; p++) moved[t * width + p] = locals[from[p] as number] as number;
    }
    for (let t = 0; t < n; t++) {
      const to = g.slots[t] as readonly number[];
      for (let p = 0; p < width; p++) locals[to[p] as number] = moved[t * width + p] as number;
    }
    for (const r of referrers) {
      const l = locals[r.inst] as number;
      const s = r.ref[l] as number;
      if (s >= 0) locals[r.inst] = r.relabel[l * n + (newPos[s] as number)] as number;
    }
  };
}
