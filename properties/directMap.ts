// Direct-map and kernel-reach properties (docs/designs-and-flaws.md P-DmapAbsentNoAccess, F19,
// F20, F22; docs/kernel-semantics.md INV-16). Machines report a kernel access through an
// absent direct-map entry as outcome '#PF'; secretFolio machines stand for folios of a
// secretmem / NO_DIRECT_MAP mapping; interrupt code runs as actor 'irq'.
import { always, never, type Property } from '../src/index.js';

/** P-DmapAbsentNoAccess: no kernel access while the page's direct-map entry is absent. */
export const noAccessWithoutDirectMap = (): Property =>
  never(
    'no-access-without-direct-map',
    'the kernel accesses a page only while its direct-map entry is present (P-DmapAbsentNoAccess; a miss is a host oops)',
    (s) => s.outcome === '#PF',
  );

/** INV-16: GUP fails for folios removed from the direct map. */
export const gupRefusesNoDirectMap = (kind = 'secretFolio'): Property =>
  always(
    'gup-refuses-no-direct-map',
    'no GUP pin is held on a folio removed from the direct map (INV-16: GUP must fail for NO_DIRECT_MAP / secretmem folios)',
    (w) => w.ids(kind).every((id) => !w.get(id).matches({ ref: 'pinned', dmap: 'absent' })),
  );

/** F22: while guest memory is reachable, only KVM code reads it. */
export const onlyKvmReadsGuestMemory = (): Property =>
  never(
    'only-kvm-reads-guest-memory',
    'no interrupt or NMI handler can read guest memory (F22: "IRQs and NMIs will run kernel code with KVM\'s page tables")',
    (s) => s.actor === 'irq' && s.type === 'read' && s.outcome === 'ok',
  );
