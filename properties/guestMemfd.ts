// Properties of guest_memfd v1 and KVM's secondary MMU (docs/designs-and-flaws.md §0:
// P-SPTECoherent, P-NoUAF, L-NoLeak, L-Fault; docs/kernel-semantics.md §5 INV-6, INV-7,
// INV-8). Models pass the instance ids of their machines; the machines are those of
// models/machines/kvmMmu.ts plus each model's own gmem page, actors and memslots.
import type { AnyMachineSnapshot } from 'xstate';
import { always, alwaysEach, possibly, type Property, type StateTest, type WorldView } from '../src/index.js';

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
export const spteCoherent = (ids: SpteIds, premise?: StateTest): Property =>
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
    premise === undefined ? {} : { premise },
  );

/** The instances one direction of P-SPTECoherent reads: the attribute, the SPTEs, the faulting vCPU. */
export interface SpteRaceIds {
  readonly attr: string;
  readonly sptes: readonly string[];
  /** A vcpuMachine (models/machines/kvmMmu.ts): `resolved` with context `kind` while a fault is in flight. */
  readonly vcpu: string;
}

/** A fault that resolved `kind` is in flight while the gfn's attribute is the other kind. */
const staleFaultInFlight =
  (ids: SpteRaceIds, kind: 'shared' | 'private'): StateTest =>
  (w) => {
    const v = w.get(ids.vcpu);
    return (
      v.matches('resolved') && (v.context as { kind: string }).kind === kind && !w.get(ids.attr).matches(kind)
    );
  };

/**
 * P-SPTECoherent going private (F8): no SPTE maps the gfn shared while its attribute is
 * private. Premise: a shared fault is in flight while the gfn is private (the race).
 */
export const noSharedSpteOnPrivate = (ids: SpteRaceIds): Property =>
  always(
    'no-shared-spte-on-private',
    'no SPTE maps a private gfn as shared (P-SPTECoherent, INV-7; F8 towards private)',
    (w) => w.get(ids.attr).matches('shared') || ids.sptes.every((id) => !w.get(id).matches('shared')),
    { premise: staleFaultInFlight(ids, 'shared') },
  );

/**
 * P-SPTECoherent going shared (F8): no SPTE maps the gfn private while its attribute is
 * shared. Premise: a private fault is in flight while the gfn is shared (the race).
 */
export const noPrivateSpteOnShared = (ids: SpteRaceIds): Property =>
  always(
    'no-private-spte-on-shared',
    'no SPTE maps a shared gfn as private (P-SPTECoherent, INV-7; F8 towards shared)',
    (w) => w.get(ids.attr).matches('private') || ids.sptes.every((id) => !w.get(id).matches('private')),
    { premise: staleFaultInFlight(ids, 'private') },
  );

/** L-NoLeak for PUNCH_HOLE: after a punch of the index, no folio remains there until it is reallocated. */
export const punchFrees = (kind: string): Property =>
  alwaysEach(
    'punch-frees',
    'after a successful PUNCH_HOLE no folio remains in the punched range (L-NoLeak)',
    kind,
    (s) => !(present(s) && (s.context as { punched: boolean }).punched),
    { premise: (s) => (s.context as { punched: boolean }).punched },
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
    { premise: (w) => (w.get(kvm).context as { inProgress: number }).inProgress > 0 },
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
