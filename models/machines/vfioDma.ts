// The IOMMU mapping VFIO type1 holds for one guest page's IOVA, and the shared backing
// page behind that IOVA (docs/designs-and-flaws.md D4, D9; docs/kernel-semantics.md §1.8,
// §2.14, §2.16, INV-3, INV-4). VFIO pins the page it maps (FOLL_LONGTERM), so a page
// discarded from the backing stays allocated while mapped.
import { assign, setup } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

/**
 * The shared backing page of one gfn (anon/memfd in QEMU): present with a pfn, or absent
 * (discarded). A new allocation takes the other of two pfns, so a page VFIO still pins is
 * told apart from its replacement (two pfns suffice for one stale mapping).
 */
export const backingMachine = setup({
  types: {
    context: {} as { pfn: number },
    events: {} as
      | { type: 'discard' }
      | { type: 'touch' }
      | { type: 'pinAs'; pfn: number }
      | { type: 'current'; pfn: number },
  },
}).createMachine({
  id: 'backing',
  context: { pfn: 1 },
  initial: 'absent',
  states: {
    absent: {
      on: {
        discard: {},
        touch: { target: 'present', actions: assign(({ context }) => ({ pfn: 1 - context.pfn })) },
        /** pin_user_pages() faults the page in first. */
        pinAs: {
          guard: ({ context, event }) => event.pfn === 1 - context.pfn,
          target: 'present',
          actions: assign(({ event }) => ({ pfn: event.pfn })),
        },
      },
    },
    present: {
      on: {
        discard: 'absent',
        touch: {},
        pinAs: { guard: ({ context, event }) => event.pfn === context.pfn },
        current: { guard: ({ context, event }) => event.pfn === context.pfn },
      },
    },
  },
});

type IommuEvent =
  | { type: 'attach'; pfn: number }
  | { type: 'map'; pfn: number }
  | { type: 'unmap' }
  | { type: 'attached' }
  | { type: 'dma'; pfn: number; current: number };

/**
 * VFIO's IOMMU mapping of the gfn's IOVA: detached (before the container attaches), unmapped,
 * or mapped to a pfn. A DMA through the mapping lands on its pfn; when that is not the
 * page the backing holds now, the outcome is STALE_DMA.
 */
export const iommuMachine = setup({
  types: { context: {} as { pfn: number }, events: {} as IommuEvent },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'iommu',
  context: { pfn: 0 },
  initial: 'detached',
  states: {
    detached: { on: { attach: { target: 'mapped', actions: assign(({ event }) => ({ pfn: event.pfn })) } } },
    unmapped: {
      on: {
        attached: {},
        map: { target: 'mapped', actions: assign(({ event }) => ({ pfn: event.pfn })) },
        unmap: {},
      },
    },
    mapped: {
      on: {
        attached: {},
        unmap: { target: 'unmapped', actions: assign({ pfn: 0 }) },
        dma: [
          { guard: ({ context, event }) => event.pfn === context.pfn && event.current === context.pfn },
          { guard: ({ context, event }) => event.pfn === context.pfn, actions: outcome('STALE_DMA') },
        ],
      },
    },
  },
});

/**
 * RamBlockAttributes' bit for the gfn's block (1 = populated/shared). A failing
 * notify_populate leaves the bit set unless the caller undoes it (F32).
 */
export const rdmBitMachine = setup({
  types: {
    events: {} as { type: 'discard' } | { type: 'populate' } | { type: 'populateFails'; undo: boolean },
  },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'rdmBit',
  initial: 'populated',
  states: {
    populated: { on: { discard: 'discarded' } },
    discarded: {
      on: {
        discard: {},
        populate: 'populated',
        populateFails: [
          { guard: ({ event }) => event.undo, actions: outcome('ENOMEM') },
          { target: 'populated', actions: outcome('ENOMEM') },
        ],
      },
    },
  },
});

/**
 * The VM as QEMU runs it: a failed kvm_convert_memory() from a KVM_EXIT_MEMORY_FAULT makes
 * kvm_cpu_exec() stop the VM (RUN_STATE_INTERNAL_ERROR), so nothing runs afterwards.
 */
export const vmMachine = setup({
  types: { events: {} as { type: 'running' } | { type: 'stop' } },
}).createMachine({
  id: 'vm',
  initial: 'running',
  states: { running: { on: { running: {}, stop: 'stopped' } }, stopped: {} },
});
