// World events that never fired in an exhaustive run: a typo'd or dead event makes the
// invariant it should break "hold", so `check` lists them (an error under --strict).
// The search records which events it took (PropertyTracker.taken). Under symmetry
// reduction it expands one representative per orbit of states, so an event can be
// enabled only in a permuted state; an event counts as fired when its image under some
// permutation of the declared slots fired.
import { eventKey } from './machines.js';
import type { ArgValue } from './model.js';
import type { CompiledSystem, ResolvedEvent } from './system.js';

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
 * to. An image has the same actor and type, and participants at the swapped instances
 * with the same event types; among several such, those whose arguments agree except for
 * numbers (slot indices such as `page`) are all taken.
 */
function transpositionImages(sys: CompiledSystem): number[][][] {
  const out: number[][][] = [];
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
        const byShape = new Map<string, ResolvedEvent[]>();
        for (const e of sys.events) {
          const key = shape(e, (i) => i);
          byShape.set(key, [...(byShape.get(key) ?? []), e]);
        }
        out.push(
          sys.events.map((e) => {
            const candidates = byShape.get(shape(e, (i) => swap.get(i) ?? i)) ?? [];
            return candidates.filter((c) => sameButNumbers(e, c)).map((c) => c.index);
          }),
        );
      }
    }
  }
  return out;
}

function shape(e: ResolvedEvent, map: (inst: number) => number): string {
  const parts = e.participants.map((p) => `${map(p.inst)}:${p.event?.type ?? '-'}:${p.prior ? 1 : 0}`);
  return `${e.actor}\u0000${e.type}\u0000${parts.join(',')}`;
}

/** Arguments with every number replaced by 0, canonically. */
function masked(o: Readonly<Record<string, ArgValue>>): string {
  const zeroed = Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? 0 : v] as const);
  return eventKey({ type: '', ...Object.fromEntries(zeroed) });
}

function sameButNumbers(e: ResolvedEvent, f: ResolvedEvent): boolean {
  if (masked(e.args) !== masked(f.args)) return false;
  return e.participants.every((p, j) => {
    const q = f.participants[j];
    return q !== undefined && masked(p.event ?? {}) === masked(q.event ?? {});
  });
}
