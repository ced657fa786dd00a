// The machines of models/qemu-vfio-conversion.ts: one gfn of a confidential VM whose shared
// half lives in QEMU's ordinary backing (anon/memfd) and whose private half lives in
// guest_memfd (docs/designs-and-flaws.md D4, D9; docs/kernel-semantics.md §1.8, §1.12,
// §2.14, §2.16, INV-3, INV-4).
//   kvmAttr         the KVM memory attribute of the gfn (KVM_SET_MEMORY_ATTRIBUTES)
//   sharedBacking   the shared backing's page for the gfn and the pages VFIO still pins
//   vfioMapping     VFIO's IOMMU mapping of the gfn's IOVA (one RamDiscardListener)
//   rdmBit          RamBlockAttributes' bit for the gfn's block (1 = populated = shared)
//   guestView       what the guest believes: private, shared, or a conversion it asked for
// VFIO type1 pins every page it maps (FOLL_LONGTERM), so a page the backing discards stays
// allocated while VFIO maps it; a new allocation then takes another physical page.
import { assign, setup } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';
import type { Kind } from './kvmMmu.js';

/** Two physical pages: the one the backing holds and one a stale VFIO pin may keep. */
export const BACKING_PFNS = [0, 1] as const;

const bit = (pfn: number): number => 1 << pfn;

/** The KVM memory attribute; QEMU creates guest_memfd memslots private (kvm_set_phys_mem). */
export const kvmAttrMachine = setup({
  types: { events: {} as { type: 'set'; to: Kind } },
}).createMachine({
  id: 'kvmAttr',
  initial: 'private',
  states: {
    private: { on: { set: [{ guard: ({ event }) => event.to === 'shared', target: 'shared' }, {}] } },
    shared: { on: { set: [{ guard: ({ event }) => event.to === 'private', target: 'private' }, {}] } },
  },
});

export interface BackingContext {
  /** The page the backing holds (when present; the last one otherwise). */
  readonly pfn: number;
  /** Bitmask of the pages the VFIO mapping pins (one listener: at most one page). */
  readonly pinned: number;
}

/** The page an allocation takes: the lowest one no VFIO pin keeps allocated. */
export const freePfn = (pinned: number): number => ((pinned & bit(0)) === 0 ? 0 : 1);

type BackingEvent =
  /** ram_block_discard_range(): the backing drops its page (a pinned page stays allocated). */
  | { type: 'discard' }
  /** A guest access to the shared GPA faults the page in. */
  | { type: 'touch' }
  /**
   * pin_user_pages() of VFIO_IOMMU_MAP_DMA: pins the backing's page, faulting it in first;
   * a refused `prior` (the map failed before pinning) leaves everything as it was.
   */
  | { type: 'pin'; prior?: string }
  /** The unpin of VFIO_IOMMU_UNMAP_DMA. */
  | { type: 'unpin' };

const proceeds = (e: BackingEvent): boolean => e.type !== 'pin' || e.prior === undefined || e.prior === 'ok';

/** The shared backing of the gfn: absent (discarded) or present with a page. */
export const sharedBackingMachine = setup({
  types: { context: {} as BackingContext, events: {} as BackingEvent },
}).createMachine({
  id: 'sharedBacking',
  context: { pfn: 0, pinned: 0 },
  initial: 'absent',
  on: { unpin: { actions: assign({ pinned: 0 }) } },
  states: {
    absent: {
      on: {
        discard: {},
        touch: { target: 'present', actions: assign(({ context }) => ({ pfn: freePfn(context.pinned) })) },
        pin: [
          {
            guard: ({ event }) => proceeds(event),
            target: 'present',
            actions: assign(({ context }) => {
              const pfn = freePfn(context.pinned);
              return { pfn, pinned: context.pinned | bit(pfn) };
            }),
          },
          {},
        ],
      },
    },
    present: {
      on: {
        discard: 'absent',
        touch: {},
        pin: [
          {
            guard: ({ event }) => proceeds(event),
            actions: assign(({ context }) => ({ pinned: context.pinned | bit(context.pfn) })),
          },
          {},
        ],
      },
    },
  },
});

/** Pages the shared backing keeps allocated: its own page plus the one VFIO still pins. */
export function backingPages(s: { matches(v: string): boolean; context: unknown }): number {
  const c = s.context as BackingContext;
  const held = c.pinned | (s.matches('present') ? bit(c.pfn) : 0);
  return BACKING_PFNS.filter((p) => (held & bit(p)) !== 0).length;
}

/** The page VFIO pins is the one the backing holds now (a DMA through the mapping reaches it). */
export function pinsCurrentPage(s: { matches(v: string): boolean; context: unknown }): boolean {
  const c = s.context as BackingContext;
  return s.matches('present') && (c.pinned & bit(c.pfn)) !== 0;
}

type MappingEvent =
  /** Container setup maps the block (vfio_listener_region_add / listener replay). */
  | { type: 'attach' }
  /** Listener registration with nothing populated: no mapping yet. */
  | { type: 'attachEmpty' }
  /** notify_populate → VFIO_IOMMU_MAP_DMA: `choice` is the ioctl's outcome ('ok' or 'ENOMEM'). */
  | { type: 'map'; choice: string }
  /** notify_discard → VFIO_IOMMU_UNMAP_DMA. */
  | { type: 'unmap' }
  /** A device DMA to the IOVA: lands on the page the mapping pins, or faults in the IOMMU. */
  | { type: 'dma' };

/**
 * VFIO's mapping of the gfn's IOVA: detached (no container), unmapped, or mapped — to the
 * page its pin holds, which the shared backing records (`pinned`).
 */
export const vfioMappingMachine = setup({
  types: { events: {} as MappingEvent },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'vfioMapping',
  initial: 'detached',
  states: {
    /** No container: notify_discard has no listener to call. */
    detached: { on: { attach: 'mapped', attachEmpty: 'unmapped', unmap: {} } },
    unmapped: {
      on: {
        map: [
          { guard: ({ event }) => event.choice === 'ok', target: 'mapped' },
          { guard: ({ event }) => event.choice === 'ENOMEM', actions: outcome('ENOMEM') },
        ],
        /** An unmap of an IOVA with no vfio_dma succeeds with 0 bytes. */
        unmap: {},
        dma: { actions: outcome('IOMMU_FAULT') },
      },
    },
    mapped: { on: { unmap: 'unmapped', dma: {} } },
  },
});

/**
 * RamBlockAttributes' bit for the gfn (system/ram-block-attributes.c): the bitmap starts
 * all-zero, i.e. discarded = private (kernel-semantics §1.12). `undo` clears a bit that
 * notify_populate failed to deliver (prior refused); with a successful prior it is a no-op.
 */
export const rdmBitMachine = setup({
  types: {
    events: {} as { type: 'populate' } | { type: 'discard' } | { type: 'undo'; prior: string },
  },
}).createMachine({
  id: 'rdmBit',
  initial: 'discarded',
  states: {
    discarded: { on: { populate: 'populated' } },
    populated: {
      on: {
        discard: 'discarded',
        undo: [{ guard: ({ event }) => event.prior !== 'ok', target: 'discarded' }, {}],
      },
    },
  },
});

/**
 * The guest's view of the gfn: it asks for a conversion (toShared/toPrivate), learns the
 * result when kvm_convert_memory() returns (TDX MapGPA: the status code), and uses the
 * page as shared only after a conversion to shared succeeded.
 */
export const guestViewMachine = setup({
  types: {
    events: {} as { type: 'request'; to: Kind } | { type: 'done' } | { type: 'fail'; prior: string },
  },
}).createMachine({
  id: 'guestView',
  initial: 'private',
  states: {
    private: { on: { request: { guard: ({ event }) => event.to === 'shared', target: 'toShared' } } },
    toShared: {
      on: { done: 'shared', fail: [{ guard: ({ event }) => event.prior !== 'ok', target: 'private' }, {}] },
    },
    shared: { on: { request: { guard: ({ event }) => event.to === 'private', target: 'toPrivate' } } },
    toPrivate: { on: { done: 'private' } },
  },
});
