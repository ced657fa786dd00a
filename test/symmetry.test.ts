// Symmetry reduction is exact: on every state of an unreduced search, the canonical form
// lies in the state's orbit (computed here by applying every permutation of the declared
// groups), and all states of one orbit get the same canonical form, also when two machine
// kinds refer to one slot (vmm and converter in guest-memfd-inplace). So a reduced search
// stores exactly one state per orbit.
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import { decode, encode } from '../src/explore/codegen.js';
import { tryCompiledSpace, type CompiledSpace } from '../src/explore/compiledSpace.js';
import { bfs } from '../src/explore/bfs.js';
import { runSync } from '../src/explore/strategy.js';
import { PropertyTracker } from '../src/explore/tracker.js';
import type { AnyModel } from '../src/model.js';
import { compileSystem, type CompiledSystem, type ResolvedSymmetry } from '../src/system.js';

const model = (id: string): AnyModel => models.find((m) => m.id === id) as AnyModel;

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

/** Slot s of `g` moved to slot perm[s], every reference to s relabelled to perm[s]. */
function permute(
  sys: CompiledSystem,
  g: ResolvedSymmetry,
  perm: readonly number[],
  x: Int32Array,
): Int32Array {
  const out = Int32Array.from(x);
  g.slots.forEach((slot, s) => {
    const to = g.slots[perm[s] as number] as readonly number[];
    slot.forEach((inst, p) => (out[to[p] as number] = x[inst] as number));
  });
  for (const r of g.refs) {
    for (const inst of sys.instances) {
      if (inst.kind !== r.kind) continue;
      const l = out[inst.index] as number;
      const s = r.ref[l] as number;
      if (s >= 0) out[inst.index] = r.relabel[l * g.slots.length + (perm[s] as number)] as number;
    }
  }
  return out;
}

/** Every image of `x` under the product of the declared groups. */
function orbit(sys: CompiledSystem, x: Int32Array): Int32Array[] {
  let images = [x];
  for (const g of sys.symmetry) {
    const perms = permutations(g.slots.length);
    images = images.flatMap((y) => perms.map((p) => permute(sys, g, p, y)));
  }
  return images;
}

function explored(sys: CompiledSystem, symmetry: boolean): CompiledSpace {
  const space = tryCompiledSpace(sys, { symmetry, indexSeen: false });
  if (space === undefined) throw new Error('does not pack');
  runSync(bfs(space, new PropertyTracker(sys), {}));
  return space;
}

describe('symmetry reduction on packed states', () => {
  for (const [id, variant, params] of [
    ['guest-memfd-inplace', 'check-before-unmap', { folios: 2, pagesPerFolio: 1, converters: 1 }],
    ['bench', 'spec', { pages: 3, converters: 2 }],
  ] as const) {
    it(`is exact on ${id}:${variant} ${JSON.stringify(params)}`, () => {
      const sys = compileSystem(model(id), params, variant);
      const full = explored(sys, false);
      const reduced = explored(sys, true);
      const t = full.tables;
      const orbits = new Set<number>();
      const canonical = new Set<number>();
      const locals = new Int32Array(sys.instances.length);
      const wrong: number[] = [];
      for (let i = 0; i < full.size; i++) {
        const s = full.stateAt(i);
        decode(t, s, locals);
        const images = orbit(sys, locals).map((y) => encode(t, y));
        const c = reduced.canonical(s);
        if (!images.includes(c) || images.some((y) => reduced.canonical(y) !== c)) wrong.push(s);
        orbits.add(Math.min(...images));
        canonical.add(c);
      }
      expect(wrong).toEqual([]);
      expect(canonical.size).toBe(orbits.size);
      expect(reduced.size).toBe(orbits.size);
    });
  }
});
