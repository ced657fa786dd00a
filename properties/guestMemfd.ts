// Properties of guest_memfd v1 and KVM's secondary MMU (docs/designs-and-flaws.md §0:
// P-SPTECoherent, P-NoUAF, L-NoLeak, L-Fault; docs/kernel-semantics.md §5 INV-6, INV-7,
// INV-8). Models pass the instance ids of their machines; the machines are those of
// models/machines/kvmMmu.ts plus each model's own gmem page, actors and memslots.
import type { AnyMachineSnapshot } from 'xstate';
import { always, alwaysEach, possibly, type Property, type WorldView } from '../src/index.js';

export interface SpteIds {
  /** The gfn's memAttr machine; undefined when the gfn stays private throughout. */
  readonly attr: string | undefined;
  readonly sptes: readonly string[];
  readonly gmemPage: string;
}

const present = (s: AnyMachineSnapshot): boolean => s.matches('present');

/**
 * P-SPTECoherent / INV-7: an SPTE maps the kind the gfn's attribute says, and a private
 * SPTE maps the folio currently in the guest_memfd page cache (not a truncated one).
 */
export const spteCoherent = (ids: SpteIds): Property =>
  always(
    'spte-coherent',
    'every SPTE of the gfn maps the kind its attribute says, and a private SPTE maps the current guest_memfd folio (P-SPTECoherent, INV-7)',
    (w) =>
      ids.sptes.every((id) => {
        const spte = w.get(id);
        const attr =
          ids.attr === undefined ? 'private' : w.get(ids.attr).matches('shared') ? 'shared' : 'private';
        if (spte.matches('shared')) return attr === 'shared';
        if (spte.matches('private')) return attr === 'private' && present(w.get(ids.gmemPage));
        return true;
      }),
  );

/** L-NoLeak for PUNCH_HOLE: after a punch of the index, no folio remains there until it is reallocated. */
export const punchFrees = (kind: string): Property =>
  alwaysEach(
    'punch-frees',
    'after a successful PUNCH_HOLE no folio remains in the punched range (L-NoLeak)',
    kind,
    (s) => !(present(s) && (s.context as { punched: boolean }).punched),
  );

/**
 * Safety face of L-Fault for F28: mmu_invalidate_in_progress equals the number of
 * invalidations between their begin and end, so none dangles (the kernel WARNs on a
 * dangling one at VM destruction since b25ab9cae30f's series). `open(w)` counts them.
 */
export const invalidationsBalanced = (kvm: string, open: (w: WorldView) => number): Property =>
  always(
    'invalidations-balanced',
    'mmu_invalidate_in_progress counts exactly the invalidations between begin and end (no dangling invalidation)',
    (w) => (w.get(kvm).context as { inProgress: number }).inProgress === open(w),
  );

/**
 * L-Fault (F28) as AG EF: from every reachable state some vCPU fault can still install an
 * SPTE. Judged on the explored graph; 'unknown' until the graph judge is merged.
 */
export const faultCanProgress = (): Property =>
  possibly(
    'fault-can-progress',
    'from every reachable state a vCPU fault can still install an SPTE (L-Fault: no retry forever)',
    { step: (s) => s.type === 'install' && s.outcome === 'ok' },
  );
