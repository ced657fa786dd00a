// Platform crash rules as properties (docs/designs-and-flaws.md D11, P-NoKernAccPriv,
// P-NoPoisonRead, F17, F18, F34; docs/kernel-semantics.md INV-5). Machines report an RMP
// violation as outcome 'RMP#PF' and a host read of a poisoned TDX line as '#MC'.
import { always, eventually, never, type Property } from '../src/index.js';

/** P-NoKernAccPriv at mapping granularity: no host write hits the RMP. */
export const noRmpFault = (): Property =>
  never(
    'no-rmp-fault',
    'the host never writes a guest- or firmware-assigned page, directly or through a larger direct-map entry covering it (P-NoKernAccPriv, INV-5; an RMP #PF crashes the host)',
    (s) => s.outcome === 'RMP#PF',
  );

/** P-NoPoisonRead for the host: the host never consumes TDX partial-write poison. */
export const noHostPoisonRead = (): Property =>
  never(
    'no-host-poison-read',
    'the host never reads a poisoned line of a reclaimed TDX page (P-NoPoisonRead; a #MC)',
    (s) => s.outcome === '#MC',
  );

/** F34: a page the firmware still owns never reaches the page allocator. */
export const noAssignedPageInAllocator = (kind = 'snpPage'): Property =>
  always(
    'no-assigned-page-in-allocator',
    'a page still assigned in the RMP is never returned to the page allocator (F34, P-NoKernAccPriv)',
    (w) => w.ids(kind).every((id) => !w.get(id).matches({ rmp: 'guest', life: 'allocator' })),
  );

/**
 * L-NoLeak (for the graph judge): a page being freed ends in the allocator or on the leaked
 * list (accounted), with the firmware's answers weakly fair.
 */
export const freedPageAccounted = (kind = 'snpPage'): Property =>
  eventually(
    'freed-page-accounted',
    'every page freed by the VM returns to the allocator or is accounted as leaked (L-NoLeak)',
    { state: (w) => w.ids(kind).every((id) => !w.get(id).matches({ life: 'freeing' })) },
    {
      after: (w) => w.ids(kind).some((id) => w.get(id).matches({ life: 'freeing' })),
      fair: ['reclaimOk', 'reclaimFail'],
    },
  );
