// Shareability invariants of guest_memfd indices with host mmap (docs/kernel-semantics.md §5
// INV-1, INV-2; docs/designs-and-flaws.md D5a, D5b). gmemIndex machines name their regions
// share (allShared | guestShared | noneShared), hostMap, pin and guestMap. Each invariant's
// premise is an index that is not (fully) shared, the situation it is about.
import type { AnyMachineSnapshot } from 'xstate';
import { alwaysEach, eventually, type Property } from '../src/index.js';

/** INV-1 NoUserPTEOnPrivate: only an ALL_SHARED index is mapped in host userspace. */
export const noHostMapOfNonShared = (kind = 'gmemIndex'): Property =>
  alwaysEach(
    'no-host-map-of-private',
    'only an ALL_SHARED index is mapped in host userspace (INV-1, P-NoHostMapPriv)',
    kind,
    (s) => !(s.matches({ hostMap: 'mapped' }) && !s.matches({ share: 'allShared' })),
    { premise: (s) => !s.matches({ share: 'allShared' }) },
  );

/** The guest uses the index privately: GUEST_SHARED, or mapped private in its stage 2. */
const guestPrivate = (s: AnyMachineSnapshot): boolean =>
  s.matches({ share: 'guestShared' }) || s.matches({ guestMap: 'private' });

/** INV-2 NoPinOnPrivate: nothing the guest uses privately holds a host reference. */
export const noPinOnGuestPrivate = (kind = 'gmemIndex'): Property =>
  alwaysEach(
    'no-pin-on-private',
    'a private index (GUEST_SHARED, or mapped private in stage 2) holds no host pin (INV-2; F6)',
    kind,
    (s) => !(s.matches({ pin: 'pinned' }) && guestPrivate(s)),
    { premise: guestPrivate },
  );

/**
 * Progress (for the graph judge): once an index is NONE_SHARED it leaves that state (to
 * GUEST_SHARED by the folio_put() callback, or back to ALL_SHARED), with the reference
 * holder's unpin weakly fair.
 */
export const noneSharedCompletes = (page: string): Property =>
  eventually(
    'none-shared-completes',
    'a NONE_SHARED index eventually stops being NONE_SHARED once its references drop (D5b folio_put callback)',
    { state: (w) => !w.get(page).matches({ share: 'noneShared' }) },
    { after: (w) => w.get(page).matches({ share: 'noneShared' }), fair: ['unpin'] },
  );
