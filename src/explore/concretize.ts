// Under symmetry reduction the stored states are canonical representatives, and the
// event leading to a stored state was taken from its parent's representative, not from
// the world a replay reaches. A counterexample must be a run of the model itself, so the
// path is re-found concretely: from the initial world, at each step, the first event
// (in declared order) whose successor has the next stored state as its representative.
// Symmetry guarantees one exists: the concrete world is a permutation of the stored one.
// The canonicalizer may map one orbit to several representatives (ties between slots
// that differ only in who refers to them), so when no successor has the very
// representative, successors are compared with the target by their orbits.
import { snapshotKey } from '../machines.js';
import { kindOf, type CompiledSystem, type ResolvedSymmetry } from '../system.js';
import { initialWorld, stepWorld, type World } from '../world.js';
import type { StateSpace } from './space.js';
import { makeCanonicalizer } from './symmetry.js';
import type { Finding } from './tracker.js';

/**
 * Events from the initial world to a world whose representative is `found.state`, then
 * (for a step or transition finding) an event with the same outcome and representative
 * successor for which `fires(event, outcome, before, after)` holds on the concrete worlds,
 * as the stored `found.event` does.
 */
export function concretePath(
  sys: CompiledSystem,
  space: StateSpace,
  found: Finding,
  fires: (event: number, outcome: string, before: World, after: World) => boolean,
): number[] {
  return concreteRun(sys, space, found, fires).path;
}

/** Local state indices of a world's instances (-1 for a snapshot outside the compiled closure). */
export function localsOf(sys: CompiledSystem, w: World): Int32Array {
  return Int32Array.from(w, (s, i) => kindOf(sys, i).stateIndex.get(snapshotKey(s)) ?? -1);
}

/** As concretePath, with the concrete world the path ends in (a permutation of the stored state). */
export function concreteRun(
  sys: CompiledSystem,
  space: StateSpace,
  found: Finding,
  fires: (event: number, outcome: string, before: World, after: World) => boolean,
): { path: number[]; world: World } {
  const canon = makeCanonicalizer(sys);
  const repr = (w: World): string => {
    const locals = localsOf(sys, w);
    canon?.(locals);
    return locals.join(',');
  };
  const chain: number[] = [];
  for (let s = found.state; s >= 0; s = space.parentOf(s)) chain.push(s);
  chain.reverse();
  const targets = chain.slice(1).map((s) => localsOf(sys, space.worldOf(s)));
  const path: number[] = [];
  let world = initialWorld(sys);
  const advance = (target: Int32Array, ok: (outcome: string, e: number, after: World) => boolean): void => {
    const key = target.join(',');
    const steps = sys.events.flatMap((_, e) => {
      const step = stepWorld(sys, world, e);
      return step !== undefined && ok(step.outcome, e, step.world) ? [{ e, world: step.world }] : [];
    });
    const next =
      steps.find((s) => repr(s.world) === key) ??
      steps.find((s) => sameOrbit(sys, sys.symmetry, localsOf(sys, s.world), target));
    if (next === undefined)
      throw new Error(`engine: no concrete step after ${path.length} events matches the stored path`);
    path.push(next.e);
    world = next.world;
  };
  for (const target of targets) advance(target, () => true);
  if (found.event !== undefined) {
    const stored = stepWorld(sys, space.worldOf(found.state), found.event);
    if (stored === undefined) throw new Error('engine: the stored finding step is not enabled');
    advance(
      localsOf(sys, stored.world),
      (outcome, e, after) => outcome === stored.outcome && fires(e, outcome, world, after),
    );
  }
  return { path, world };
}

/** True when some permutation of the slots of every group (with references relabelled) maps `x` to `t`. */
export function sameOrbit(
  sys: CompiledSystem,
  groups: readonly ResolvedSymmetry[],
  x: Int32Array,
  t: Int32Array,
): boolean {
  const [g, ...rest] = groups;
  if (g === undefined) return x.every((l, i) => l === t[i]);
  return permutations(g.slots.length).some((perm) => sameOrbit(sys, rest, permute(sys, g, perm, x), t));
}

/** Every permutation of 0..n-1 (groups are small: a handful of slots). */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
  );
}

/** `x` with slot s of `g` moved to slot perm[s] and references to s relabelled to perm[s]. */
export function permute(
  sys: CompiledSystem,
  g: ResolvedSymmetry,
  perm: readonly number[],
  x: Int32Array,
): Int32Array {
  const out = Int32Array.from(x);
  g.slots.forEach((slot, s) => {
    const to = g.slots[perm[s] as number] as readonly number[];
    slot.forEach((inst, p) => {
      out[to[p] as number] = x[inst] as number;
    });
  });
  const n = g.slots.length;
  for (const r of g.refs) {
    for (let inst = 0; inst < out.length; inst++) {
      const l = out[inst] as number;
      const s = r.ref[l];
      if (r.kind === sys.instances[inst]?.kind && s !== undefined && s >= 0)
        out[inst] = r.relabel[l * n + (perm[s] as number)] as number;
    }
  }
  return out;
}
