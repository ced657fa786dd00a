// KVM's secondary-MMU side of guest_memfd v1 (docs/designs-and-flaws.md D4; docs/kernel-
// semantics.md §1.4, §1.7, §2.9, §2.12): the per-VM memory attribute of one gfn, the
// invalidation bookkeeping, one SPTE per memslot, and a vCPU's two-step fault.
//
// Sources: virt/kvm/kvm_main.c kvm_mmu_invalidate_begin() (in_progress++, and when it
// becomes 1 the range is reset to INVALID_GPA), kvm_mmu_invalidate_range_add(),
// kvm_mmu_invalidate_end() (mmu_invalidate_seq++, in_progress--);
// include/linux/kvm_host.h mmu_invalidate_retry_gfn(): retry when an invalidation is in
// progress and the gfn is in its range, or when the sequence moved since the snapshot.
import { assign, setup } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

export type Kind = 'shared' | 'private';

/** KVM_SET_MEMORY_ATTRIBUTES state of one gfn (kvm->mem_attr_array); the default is shared. */
export const memAttrMachine = setup({
  types: {
    events: {} as
      | { type: 'check'; kind: Kind }
      | { type: 'is'; kind: Kind }
      | { type: 'store'; to: Kind }
      /** A store that changes the attribute (QEMU converts only what needs converting). */
      | { type: 'flip'; to: Kind },
  },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'memAttr',
  initial: 'shared',
  states: {
    shared: {
      on: {
        /** The fault's private/shared check: a mismatch is KVM_EXIT_MEMORY_FAULT (-EFAULT). */
        check: [{ guard: ({ event }) => event.kind === 'shared' }, { actions: outcome('EFAULT') }],
        is: { guard: ({ event }) => event.kind === 'shared' },
        store: [{ guard: ({ event }) => event.to === 'private', target: 'private' }, {}],
        flip: { guard: ({ event }) => event.to === 'private', target: 'private' },
      },
    },
    private: {
      on: {
        check: [{ guard: ({ event }) => event.kind === 'private' }, { actions: outcome('EFAULT') }],
        is: { guard: ({ event }) => event.kind === 'private' },
        store: [{ guard: ({ event }) => event.to === 'shared', target: 'shared' }, {}],
        flip: { guard: ({ event }) => event.to === 'shared', target: 'shared' },
      },
    },
  },
});

/** Concurrent invalidations modelled (one converter and one puncher). */
export const MAX_IN_PROGRESS = 2;

/**
 * mmu_invalidate_in_progress and whether the modelled gfn lies in the accumulated
 * invalidation range. The sequence number is not a counter here: each vCPU learns that
 * it moved through `seqBump` (see vcpuMachine), which keeps the state finite.
 */
export const kvmMmuMachine = setup({
  types: {
    context: {} as { inProgress: number; inRange: boolean },
    events: {} as { type: 'begin'; add: boolean } | { type: 'end' } | { type: 'retryCheck' },
  },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'kvmMmu',
  context: { inProgress: 0, inRange: false },
  initial: 'running',
  states: {
    running: {
      on: {
        begin: {
          guard: ({ context }) => context.inProgress < MAX_IN_PROGRESS,
          actions: assign(({ context, event }) => ({
            inProgress: context.inProgress + 1,
            inRange: event.add || (context.inProgress > 0 && context.inRange),
          })),
        },
        end: {
          guard: ({ context }) => context.inProgress > 0,
          actions: assign(({ context }) => ({ inProgress: context.inProgress - 1 })),
        },
        retryCheck: [
          { guard: ({ context }) => context.inProgress > 0 && context.inRange, actions: outcome('RETRY') },
          {},
        ],
      },
    },
  },
});

/** One SPTE for the gfn in one memslot: none, or a shared or private pfn. */
export const spteMachine = setup({
  types: {
    events: {} as { type: 'map'; kind: Kind; prior: string } | { type: 'zap' } | { type: 'zapPrivate' },
  },
}).createMachine({
  id: 'spte',
  initial: 'none',
  on: {
    map: [
      { guard: ({ event }) => event.prior === 'ok' && event.kind === 'shared', target: '.shared' },
      { guard: ({ event }) => event.prior === 'ok' && event.kind === 'private', target: '.private' },
      {},
    ],
    zap: '.none',
  },
  states: {
    none: { on: { zapPrivate: {} } },
    shared: { on: { zapPrivate: {} } },
    private: { on: { zapPrivate: 'none' } },
  },
});

type VcpuEvent =
  | { type: 'faultIn'; slot: number; kind: Kind; prior: string }
  | { type: 'seqBump' }
  | { type: 'install'; slot: number; kind: Kind; prior: string };

/**
 * A vCPU fault in two steps. `faultIn` snapshots mmu_seq, checks the attribute and
 * resolves the pfn (a refused check leaves it idle); `install` takes mmu_lock and either
 * retries (RET_PF_RETRY, outcome RETRY) or installs. `stale` records that an
 * invalidate_end bumped mmu_seq since the snapshot.
 */
export const vcpuMachine = setup({
  types: { context: {} as { slot: number; kind: Kind; stale: boolean }, events: {} as VcpuEvent },
  actions: { ...outcomeActions, reset: assign({ slot: 0, kind: 'shared' as Kind, stale: false }) },
}).createMachine({
  id: 'vcpu',
  context: { slot: 0, kind: 'shared', stale: false },
  initial: 'idle',
  states: {
    idle: {
      on: {
        faultIn: [
          {
            guard: ({ event }) => event.prior === 'ok',
            target: 'resolved',
            actions: assign(({ event }) => ({ slot: event.slot, kind: event.kind, stale: false })),
          },
          {},
        ],
        seqBump: {},
      },
    },
    resolved: {
      on: {
        seqBump: { actions: assign({ stale: true }) },
        install: [
          {
            guard: ({ context, event }) =>
              context.slot === event.slot &&
              context.kind === event.kind &&
              event.prior === 'ok' &&
              !context.stale,
            target: 'idle',
            actions: 'reset',
          },
          {
            guard: ({ context, event }) => context.slot === event.slot && context.kind === event.kind,
            target: 'idle',
            actions: ['reset', outcome('RETRY')],
          },
        ],
      },
    },
  },
});
