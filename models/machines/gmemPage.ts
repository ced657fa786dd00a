// One guest_memfd index of mainline guest_memfd v1 (docs/designs-and-flaws.md D4;
// docs/kernel-semantics.md §2.5, §2.10): absent, or present as a folio in the page cache.
// kvm_gmem_get_pfn() and fallocate() allocate it; PUNCH_HOLE truncates it. `punched` is
// set by a punch and cleared by the next allocation, so L-NoLeak can be stated on the
// state right after a punch (F27).
//   absent | present, context { punched }
import { assign, setup } from 'xstate';

export type GmemPageEvent =
  /** kvm_gmem_get_pfn(): allocates when absent; a refused fault (prior ≠ ok) does not get here. */
  | { type: 'getPfn'; prior: string }
  /** fallocate(KEEP_SIZE): allocates when absent. */
  | { type: 'allocate' }
  /** truncate_inode_pages_range() of a punch; `really: false` is the F27 mutant that lost the call. */
  | { type: 'truncate'; really: boolean };

export const gmemPageMachine = setup({
  types: { context: {} as { punched: boolean }, events: {} as GmemPageEvent },
}).createMachine({
  id: 'gmemPage',
  context: { punched: false },
  initial: 'absent',
  on: {
    truncate: [
      { guard: ({ event }) => event.really, target: '.absent', actions: assign({ punched: true }) },
      { actions: assign({ punched: true }) },
    ],
  },
  states: {
    absent: {
      on: {
        getPfn: [
          {
            guard: ({ event }) => event.prior === 'ok',
            target: 'present',
            actions: assign({ punched: false }),
          },
          {},
        ],
        allocate: { target: 'present', actions: assign({ punched: false }) },
      },
    },
    present: {
      on: {
        getPfn: [{ guard: ({ event }) => event.prior === 'ok', actions: assign({ punched: false }) }, {}],
      },
    },
  },
});
