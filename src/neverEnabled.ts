// World events that never fired in an exhaustive run: a typo'd or dead event makes the
// invariant it should break "hold", so `check` lists them (an error under --strict).
// The search records which events it took (PropertyTracker.taken). Under symmetry
// reduction it expands one representative per orbit of states, so an event can be
// enabled only in a permuted state; an event counts as fired when its image under some
// permutation of the declared slots fired.
import type { CompiledSystem, ResolvedEvent, ResolvedSymmetry } from './system.js';

/** Indices of the world events that never fired, given what the search took. */
export function neverEnabled(sys: CompiledSystem, takenEvents: Uint8Array, reduced: boolean): number[] {
  const taken = Uint8Array.from(takenEvents);
  if (reduced) closeUnderSymmetry(sys, taken);
  return sys.events.filter((e) => taken[e.index] !== 1).map((e) => e.index);
}

/** Marks the image of every taken event under each slot transposition until nothing changes. */
function closeUnderSymmetry(sys: CompiledSystem, taken: Uint8Array): void {
  const images = transpositionImages(sys);
  for (let changed = true; changed;) {
    changed = false;
    for (const image of images) {
      for (let e = 0; e < image.length; e++) {
        if (taken[e] !== 1) continue;
        for (const f of image[e] ?? []) {
          if (taken[f] !== 1) {
            taken[f] = 1;
            changed = true;
          }
        }
      }
    }
  }
}

/**
 * For each transposition of two slots of a symmetry group: image[e] = the events e maps
 * to. The image of e moves the same way on the swapped instances: its actor is the swapped
 * actor (when the actor is an instance), its type is e's, and each participant sits at the
 * swapped instance with the same requirement and the same local transitions once the
 * references to the two slots are swapped in the local states (compared on the compiled
 * tables, so labels such as `frame: 'a'` need not match).
 */
function transpositionImages(sys: CompiledSystem): number[][][] {
  const out: number[][][] = [];
  const byShape = new Map<string, ResolvedEvent[]>();
  for (const e of sys.events) {
    const key = shape(sys, e, (i) => i);
    byShape.set(key, [...(byShape.get(key) ?? []), e]);
  }
  for (const g of sys.symmetry) {
    for (let a = 0; a < g.slots.length; a++) {
      for (let b = a + 1; b < g.slots.length; b++) {
        const swap = new Map<number, number>();
        (g.slots[a] ?? []).forEach((inst, p) => {
          const other = g.slots[b]?.[p];
          if (other === undefined) return;
          swap.set(inst, other);
          swap.set(other, inst);
        });
        const relabel = relabelling(sys, g, a, b);
        const to = (i: number): number => swap.get(i) ?? i;
        out.push(
          sys.events.map((e) => {
            const candidates = byShape.get(shape(sys, e, to)) ?? [];
            return candidates.filter((c) => sameMoves(sys, e, c, to, relabel)).map((c) => c.index);
          }),
        );
      }
    }
  }
  return out;
}

/** Per kind: local state l with its references to slots a and b of `g` swapped (identity for other kinds). */
function relabelling(
  sys: CompiledSystem,
  g: ResolvedSymmetry,
  a: number,
  b: number,
): (Int32Array | undefined)[] {
  const n = g.slots.length;
  const out: (Int32Array | undefined)[] = sys.kinds.map(() => undefined);
  for (const r of g.refs) {
    const kind = sys.kinds[r.kind];
    if (kind === undefined) continue;
    const map = out[r.kind] ?? Int32Array.from(kind.states, (_, l) => l);
    for (let l = 0; l < map.length; l++) {
      const k = r.ref[map[l] as number] as number;
      if (k === a || k === b) map[l] = r.relabel[(map[l] as number) * n + (k === a ? b : a)] as number;
    }
    out[r.kind] = map;
  }
  return out;
}

/** Actor (mapped when it is an instance), type, and per participant its instance and prior flag. */
function shape(sys: CompiledSystem, e: ResolvedEvent, map: (inst: number) => number): string {
  const actorInst = sys.instanceIndex.get(e.actor);
  const actor = actorInst === undefined ? e.actor : (sys.instances[map(actorInst)]?.id ?? e.actor);
  const parts = byInstance(e, map).map((p) => `${map(p.inst)}:${p.prior ? 1 : 0}`);
  return `${actor}\u0000${e.type}\u0000${parts.join(',')}`;
}

/** Participants ordered by their instance under `map`, in declared order per instance. */
function byInstance(e: ResolvedEvent, map: (inst: number) => number): ResolvedEvent['participants'] {
  return e.participants
    .map((p, j) => ({ p, j, at: map(p.inst) }))
    .sort((x, y) => x.at - y.at || x.j - y.j)
    .map((x) => x.p);
}

/** True when f does to the swapped instances what e does, reading local states through `relabel`. */
function sameMoves(
  sys: CompiledSystem,
  e: ResolvedEvent,
  f: ResolvedEvent,
  swap: (inst: number) => number,
  relabel: readonly (Int32Array | undefined)[],
): boolean {
  const theirs = byInstance(f, (i) => i);
  return byInstance(e, swap).every((p, j) => {
    const q = theirs[j];
    const kindIndex = sys.instances[p.inst]?.kind;
    const kind = kindIndex === undefined ? undefined : sys.kinds[kindIndex];
    if (q === undefined || kind === undefined) return false;
    const map = relabel[kindIndex as number];
    const rho = (l: number): number => (l < 0 || map === undefined ? l : (map[l] as number));
    const width = kind.alphabet.length;
    const alphas = (x: typeof p): number[] =>
      x.priorAlpha === undefined ? [x.alpha] : [x.alpha, ...Array.from(x.priorAlpha)];
    const [pa, qa] = [alphas(p), alphas(q)];
    if (pa.length !== qa.length) return false;
    for (let l = 0; l < kind.states.length; l++) {
      const m = rho(l);
      if ((p.requiresTable?.[l] ?? 1) !== (q.requiresTable?.[m] ?? 1)) return false;
      for (let k = 0; k < pa.length; k++) {
        const [x, y] = [pa[k] as number, qa[k] as number];
        if (x < 0 !== y < 0) return false;
        if (x < 0) continue;
        if (rho(kind.next[l * width + x] as number) !== kind.next[m * width + y]) return false;
        if (kind.out[l * width + x] !== kind.out[m * width + y]) return false;
      }
    }
    return true;
  });
}
