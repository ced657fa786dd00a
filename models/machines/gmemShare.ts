// One index of a guest_memfd file with host mmap, under the mainline flags (D5a) or Fuad
// Tabba's per-index shareability with a folio_put() callback (D5b)
// (docs/designs-and-flaws.md D5; docs/kernel-semantics.md §2.4, §3.1, INV-1, INV-2).
// Regions:
//   share     allShared | guestShared | noneShared   host+guest may fault | only the guest
//             (private) | conversion to private pending until the last host reference goes
//   hostMap   unmapped | mapped                       a host user PTE
//   pin       none | pinned                           a host reference (GUP pin)
//   guestMap  none | shared | private                 the guest's stage-2 mapping and its kind
// Context: beyond (the index is at or past i_size: every host fault SIGBUSes), initShared
// (GUEST_MEMFD_FLAG_INIT_SHARED: where the index starts).
// Mainline (D5a) never converts: an INIT_SHARED file starts allShared, any other guestShared.
import { and, not, or, setup, stateIn } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

export type GmemIndexEvent =
  /** Host fault checked and mapped in one step (under the invalidate lock, shared). */
  | { type: 'hostFault' }
  /** Unserialised fault: the shareability check … */
  | { type: 'faultCheck' }
  /** … and, later, the PTE install. */
  | { type: 'faultMap' }
  | { type: 'unmap' }
  | { type: 'pin' }
  /** The last host reference goes: folio_put() runs the callback on a noneShared index. */
  | { type: 'unpin' }
  /** kvm_gmem_get_pfn for a guest fault; `noneSharedOk` drops the rule "not while NONE_SHARED". */
  | { type: 'guestFault'; noneSharedOk: boolean }
  | { type: 'toPrivate' }
  | { type: 'toShared' };

export const gmemIndexMachine = setup({
  types: {
    context: {} as { beyond: boolean; initShared: boolean },
    events: {} as GmemIndexEvent,
    input: {} as { initShared: boolean; beyond: boolean },
  },
  actions: { ...outcomeActions },
  guards: {
    beyond: ({ context }) => context.beyond,
    allShared: stateIn('#gmemIndex.share.allShared'),
    noneShared: stateIn('#gmemIndex.share.noneShared'),
    hostMapped: stateIn('#gmemIndex.hostMap.mapped'),
    pinned: stateIn('#gmemIndex.pin.pinned'),
    noneSharedOk: ({ event }) => event.type === 'guestFault' && event.noneSharedOk,
  },
}).createMachine({
  id: 'gmemIndex',
  type: 'parallel',
  context: ({ input }) => ({ beyond: input.beyond, initShared: input.initShared }),
  on: {
    // kvm_gmem_fault_user_mapping(): SIGBUS past i_size or unless the index is ALL_SHARED.
    hostFault: { guard: or(['beyond', not('allShared')]), actions: outcome('SIGBUS') },
    faultCheck: [{ guard: or(['beyond', not('allShared')]), actions: outcome('SIGBUS') }, {}],
    // The guest may not fault a NONE_SHARED index (KVM exits to userspace).
    guestFault: { guard: and(['noneShared', not('noneSharedOk')]), actions: outcome('EFAULT') },
  },
  states: {
    share: {
      initial: 'init',
      states: {
        init: {
          always: [
            { guard: ({ context }) => context.beyond || context.initShared, target: 'allShared' },
            { target: 'guestShared' },
          ],
        },
        allShared: {
          on: {
            // A to-private conversion refuses a mapped folio (folio_mapped → -EAGAIN). The
            // refusal sits in this region, which takes every toPrivate of an allShared index:
            // a transition on the parallel machine itself would be taken only when no
            // region takes the event, so it would never be.
            toPrivate: [
              { guard: 'hostMapped', actions: outcome('EAGAIN') },
              { guard: 'pinned', target: 'noneShared' },
              { target: 'guestShared' },
            ],
          },
        },
        guestShared: { on: { toShared: 'allShared' } },
        noneShared: {
          on: {
            toShared: 'allShared',
            unpin: 'guestShared',
          },
        },
      },
    },
    hostMap: {
      initial: 'unmapped',
      states: {
        unmapped: {
          on: {
            hostFault: { guard: and(['allShared', not('beyond')]), target: 'mapped' },
            // No shareability check here: the unserialised fault checked earlier.
            faultMap: { guard: not('beyond'), target: 'mapped' },
          },
        },
        mapped: { on: { unmap: 'unmapped' } },
      },
    },
    pin: {
      initial: 'none',
      states: {
        none: { on: { pin: { guard: 'hostMapped', target: 'pinned' } } },
        pinned: { on: { unpin: 'none' } },
      },
    },
    guestMap: {
      initial: 'none',
      states: {
        none: {
          on: {
            guestFault: [
              { guard: 'allShared', target: 'shared' },
              { guard: or([not('noneShared'), 'noneSharedOk']), target: 'private' },
            ],
          },
        },
        shared: { on: { toPrivate: { guard: and(['allShared', not('hostMapped')]), target: 'none' } } },
        private: { on: { toShared: 'none' } },
      },
    },
  },
});
