// The folio machine: the unit of refcount in core-mm. It carries what is per folio and
// not per page: transient references (a per-CPU LRU batch or a speculative lookup holds
// a reference until drained). Sources: docs/kernel-semantics.md §3.2 rule 4
// (kvm_gmem_is_safe_for_conversion drains LRU batches, lru_add_drain_all, then
// re-checks), docs/designs-and-flaws.md F3.
//   refs: settled | transient
import { setup } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

export type FolioEvent =
  /** The folio was added to a per-CPU LRU batch (after a fault), which holds a reference. */
  | { type: 'lruAdd'; prior?: string }
  /** The batch was drained (by the kernel on its own schedule). */
  | { type: 'lruDrain' }
  /** A conversion's refcount check, draining the batches first when `drain` is set. */
  | { type: 'checkRefs'; drain: boolean };

export const folioMachine = setup({
  types: { events: {} as FolioEvent },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'folio',
  type: 'parallel',
  states: {
    refs: {
      initial: 'settled',
      states: {
        settled: {
          on: {
            lruAdd: [
              {
                guard: ({ event }) => event.prior === undefined || event.prior === 'ok',
                target: 'transient',
              },
              {},
            ],
            checkRefs: {},
          },
        },
        transient: {
          on: {
            lruAdd: {},
            lruDrain: 'settled',
            checkRefs: [
              { guard: ({ event }) => event.drain, target: 'settled' },
              { actions: outcome('EAGAIN') },
            ],
          },
        },
      },
    },
  },
});
