// Isolation invariants over page machines (docs/kernel-semantics.md §5, INV-1..3;
// docs/designs-and-flaws.md P-NoHostMapPriv, P-NoDMAPriv). Page machines name their
// regions `attr` (shared | private), `hostMap` (unmapped | mapped) and `dma`
// (unmapped | mapped), and count pins in `context.pins`.
import type { AnyMachineSnapshot } from 'xstate';
import { alwaysEach, type Property } from '../src/index.js';

const isPrivate = (s: AnyMachineSnapshot): boolean => s.matches({ attr: 'private' });

/** Short-term plus long-term pins (machines without long-term pins have no `longterm`). */
const pinCount = (s: AnyMachineSnapshot): number => {
  const c = s.context as { pins: number; longterm?: number };
  return c.pins + (c.longterm ?? 0);
};

/** INV-1 NoUserPTEOnPrivate: a private page has no host userspace mapping. */
export const noHostMapOfPrivate = (kind = 'page'): Property =>
  alwaysEach(
    'no-host-map-of-private',
    'no private page is mapped in host userspace (INV-1, P-NoHostMapPriv)',
    kind,
    (s) => !(isPrivate(s) && s.matches({ hostMap: 'mapped' })),
  );

/** INV-2 NoPinOnPrivate: a private page holds no GUP pin. */
export const noPinOnPrivate = (kind = 'page'): Property =>
  alwaysEach(
    'no-pin-on-private',
    'no private page is GUP-pinned (INV-2)',
    kind,
    (s) => !(isPrivate(s) && pinCount(s) > 0),
  );

/** INV-3 NoIOMMUToPrivate: no IOMMU mapping targets a private page. */
export const noDmaOfPrivate = (kind = 'page'): Property =>
  alwaysEach(
    'no-dma-of-private',
    'no IOMMU (DMA) mapping targets a private page (INV-3, P-NoDMAPriv)',
    kind,
    (s) => !(isPrivate(s) && s.matches({ dma: 'mapped' })),
  );

// ---------------------------------------------------------------------------------------
// The same invariants over file-index machines whose references belong to folios
// (models/machines/folio.ts refFolioMachine counts them per folio). An index machine has
// regions `attr` (shared | private), `hostMap` (unmapped | mapped) and `ref` (none | pinned |
// dma): the page a GUP pin or an IOMMU mapping gives access to, while that reference is on
// the folio the index has in the page cache. A reference left on a folio punched out of the
// file no longer reaches the index (its memory is a new folio), so `ref` goes back to none.
// Each invariant's premise is that a private index exists.

/** INV-1 over index machines: a private index has no host userspace mapping. */
export const noHostMapOfPrivateIndex = (kind: string): Property =>
  alwaysEach(
    'no-host-map-of-private',
    'no private index is mapped in host userspace (INV-1, P-NoHostMapPriv)',
    kind,
    (s) => !(isPrivate(s) && s.matches({ hostMap: 'mapped' })),
    { premise: isPrivate },
  );

/** INV-2 over index machines: no GUP pin reaches a private index. */
export const noPinOnPrivateIndex = (kind: string): Property =>
  alwaysEach(
    'no-pin-on-private',
    'no GUP pin (FOLL_PIN) gives access to a private index (INV-2)',
    kind,
    (s) => !(isPrivate(s) && s.matches({ ref: 'pinned' })),
    { premise: isPrivate },
  );

/** INV-3 over index machines: no IOMMU mapping reaches a private index. */
export const noDmaOfPrivateIndex = (kind: string): Property =>
  alwaysEach(
    'no-dma-of-private',
    'no IOMMU (DMA) mapping targets a private index (INV-3, P-NoDMAPriv)',
    kind,
    (s) => !(isPrivate(s) && s.matches({ ref: 'dma' })),
    { premise: isPrivate },
  );
