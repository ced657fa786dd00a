// Folio machines: the unit of refcount in core-mm.
// - folioMachine: only the transient references of a folio (a per-CPU LRU batch or a
//   speculative lookup holds a reference until drained), for models whose pages carry the
//   rest. Sources: docs/kernel-semantics.md §3.2 rule 4 (kvm_gmem_is_safe_for_conversion
//   drains LRU batches, lru_add_drain_all, then re-checks), docs/designs-and-flaws.md F3.
//     refs: settled | transient
// - refFolioMachine (below): one physical folio with every reference core-mm keeps per folio.
import { and, assign, not, setup, stateIn } from 'xstate';
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

// ---------------------------------------------------------------------------------------
// The refcounted folio: one physical folio with the references core-mm keeps per folio,
// not per file index (docs/kernel-semantics.md §1.1, §1.6, INV-6; docs/designs-and-flaws.md
// §0 `refs[folio]`, `pins[folio]`, `transient[folio]`; seed 003: "References/GUP-pins are
// per folio").
//   free | cached | truncated
// - cached: in its file's page cache (the page cache holds its own reference, not counted).
// - truncated: removed from the file by truncate_inode_pages_range() (punch hole) while
//   references remained: the file index no longer reaches it, but it stays allocated until
//   the last reference is dropped (INV-6: a folio is freed only when unreferenced).
//   A later fault of the same index allocates a NEW folio: references taken on this one
//   never move to it.
// Context (per folio): pins (FOLL_PIN, folio_maybe_dma_pinned), gets (FOLL_GET and other
// plain references: GUP without FOLL_PIN, a kvm_gmem_get_pfn() reference held while KVM
// installs an SPTE, a speculative page-cache lookup), maps (mapcount: user PTEs mapping its
// pages), dma (an IOMMU mapping, which VFIO type1 backs with a FOLL_LONGTERM pin),
// transient (a per-CPU LRU batch holds a reference until drained), pages (folio_nr_pages:
// `allocPages` pages until split), and the bounds.
// Split (split_folio()): a large folio becomes order-0 when only the page cache and
// mappings reference it; any other reference (pin, get, DMA, transient) makes it fail with
// EAGAIN (can_split_folio()). The model moves the tail page into another instance of this
// machine (`adopt`). Merge folds that instance back (`mergeTail` / `merge`) when neither
// holds an extra or transient reference; that the subpages agree (all private, say) is the
// world event's precondition on the index machines.
// Sources: include/linux/mm.h folio_ref_count/folio_maybe_dma_pinned; mm/huge_memory.c
// can_split_folio(), __folio_split() (-EAGAIN on extra pins); mm/truncate.c
// truncate_inode_pages_range(), truncate_cleanup_folio() (unmap_mapping_folio);
// docs/kernel-semantics.md §2.5 ("A folio pinned by GUP/IOMMU is removed from the file but
// not freed"), §3.3 (HUGE: split for conversion, merge on PUNCH_HOLE).

export interface RefFolioContext {
  /** Base pages this folio spans now (1 after a split). */
  readonly pages: number;
  /** Base pages it spans when allocated (folio order). */
  readonly allocPages: number;
  readonly pins: number;
  readonly gets: number;
  readonly maps: number;
  readonly dma: boolean;
  readonly transient: boolean;
  /** Bound on pins and on gets each. */
  readonly maxRefs: number;
}

/** Instance input: pages per folio when allocated (default 1), bound on pins/gets (default 1). */
export interface RefFolioInput {
  readonly pages?: number;
  readonly maxRefs?: number;
}

/** How a conversion's reference check reads the folio. */
export type RefCheck =
  /** kvm_gmem_is_safe_for_conversion(): refcount == nr_pages + 1, so every reference counts. */
  | 'refcount'
  /** folio_mapped() only: pins, gets and DMA pass unseen (a check without rule A's pin test). */
  | 'mapcount';

export type RefFolioEvent =
  /** filemap allocation of a folio for the file (__filemap_get_folio(FGP_CREAT)). */
  | { type: 'alloc' }
  /** The tail page of a split large folio becomes this order-0 folio, with `maps` PTEs. */
  | { type: 'adopt'; maps: number }
  /** A user PTE maps one of its pages (the fault installs it) / is zapped. */
  | { type: 'map' }
  | { type: 'unmap' }
  /** pin_user_pages() (FOLL_PIN) through a user mapping / unpin_user_page(). */
  | { type: 'pin' }
  | { type: 'unpin' }
  /** get_user_pages() (FOLL_GET) or a kernel lookup reference / folio_put(). */
  | { type: 'get' }
  | { type: 'put' }
  /** VFIO_IOMMU_MAP_DMA (long-term pin + IOMMU mapping) through a user mapping / UNMAP_DMA. */
  | { type: 'dmaMap' }
  | { type: 'dmaUnmap' }
  /** folio_add_lru(): a per-CPU LRU batch holds a reference (after a refused step: none). */
  | { type: 'lruAdd'; prior?: string }
  /** The batch is drained (lru_add_drain() on that CPU). */
  | { type: 'lruDrain' }
  /** A conversion's reference check; `drain`: lru_add_drain_all() before it (EAGAIN when refused). */
  | { type: 'checkRefs'; drain: boolean; sees: RefCheck }
  /**
   * truncate_inode_pages_range() removes the folio from the file (and its user PTEs).
   * `untrackBatch`: the model does not follow an LRU-batch reference on a folio out of the
   * file (it only delays the free, which no property observes); the folio stays allocated
   * only for pins, gets and DMA.
   */
  | { type: 'truncate'; untrackBatch?: boolean }
  /** split_folio(): EAGAIN with an extra reference; else the head keeps `keepMaps` PTEs. */
  | { type: 'split'; keepMaps: number }
  /** Merge the split tail back into its head folio (`merge` on the head, `mergeTail` on the tail). */
  | { type: 'merge'; tailMaps: number }
  | { type: 'mergeTail' };

/** References other than the page cache's and the mappings': they make split and conversion fail. */
export const extraRefs = (c: RefFolioContext): boolean => c.pins > 0 || c.gets > 0 || c.dma || c.transient;
/** Any reference beyond the page cache's: while one remains a truncated folio stays allocated. */
export const anyRefs = (c: RefFolioContext): boolean => extraRefs(c) || c.maps > 0;
/** References through which the host can reach the folio's contents (not transient ones). */
export const hostRefs = (c: RefFolioContext): boolean => c.pins > 0 || c.gets > 0 || c.dma;

function refFolioInput(input: unknown): { pages: number; maxRefs: number } {
  const i = (typeof input === 'object' && input !== null ? input : {}) as RefFolioInput;
  return { pages: i.pages ?? 1, maxRefs: i.maxRefs ?? 1 };
}

const fresh = (c: RefFolioContext): RefFolioContext => ({
  ...c,
  pages: c.allocPages,
  pins: 0,
  gets: 0,
  maps: 0,
  dma: false,
  transient: false,
});

type RefArgs = { context: RefFolioContext; event: RefFolioEvent };
/** The reference this event drops is the last one: a truncated folio is then freed. */
const lastRef = ({ context: c, event: e }: RefArgs): boolean => {
  const after: RefFolioContext = {
    ...c,
    pins: e.type === 'unpin' ? c.pins - 1 : c.pins,
    gets: e.type === 'put' ? c.gets - 1 : c.gets,
    dma: e.type === 'dmaUnmap' ? false : c.dma,
    transient: e.type === 'lruDrain' ? false : c.transient,
  };
  return !anyRefs(after);
};

export const refFolioMachine = setup({
  types: {
    context: {} as RefFolioContext,
    events: {} as RefFolioEvent,
  },
  actions: {
    ...outcomeActions,
    drop: assign(({ context: c, event: e }) => ({
      pins: e.type === 'unpin' ? c.pins - 1 : c.pins,
      gets: e.type === 'put' ? c.gets - 1 : c.gets,
      dma: e.type === 'dmaUnmap' ? false : c.dma,
      transient: e.type === 'lruDrain' ? false : c.transient,
    })),
    reset: assign(({ context }) => fresh(context)),
    /** lru_add_drain_all() before the check, when the check asks for it. */
    drainIfAsked: assign(({ context, event }) => ({
      transient: context.transient && !(event.type === 'checkRefs' && event.drain),
    })),
    /** Out of the file: no PTE maps it any more; an untracked batch reference is dropped. */
    leaveFile: assign(({ context, event }) => ({
      maps: 0,
      transient: context.transient && !(event.type === 'truncate' && event.untrackBatch === true),
    })),
  },
  guards: {
    mapped: ({ context }) => context.maps > 0,
    holdsPin: ({ context }) => context.pins > 0,
    holdsGet: ({ context }) => context.gets > 0,
    lastRef,
    large: ({ context }) => context.pages > 1,
    split: ({ context }) => context.pages < context.allocPages,
    extraRefs: ({ context }) => extraRefs(context),
    /** The conversion check finds a reference beyond the page cache's (after draining, if asked). */
    refsRemain: ({ context, event }) =>
      event.type === 'checkRefs' &&
      (event.sees === 'mapcount'
        ? context.maps > 0
        : anyRefs({ ...context, transient: context.transient && !event.drain })),
    /** A truncated folio stays allocated: pins, gets or DMA remain (or an LRU batch it still follows). */
    keptByRefs: ({ context, event }) =>
      event.type === 'truncate' && event.untrackBatch === true ? hostRefs(context) : extraRefs(context),
  },
}).createMachine({
  id: 'refFolio',
  context: ({ input }) => {
    const { pages, maxRefs } = refFolioInput(input);
    return { pages, allocPages: pages, pins: 0, gets: 0, maps: 0, dma: false, transient: false, maxRefs };
  },
  initial: 'free',
  on: {
    unpin: [
      {
        guard: and(['holdsPin', stateIn('#refFolio.truncated'), 'lastRef']),
        target: '.free',
        actions: 'reset',
      },
      { guard: 'holdsPin', actions: 'drop' },
    ],
    put: [
      {
        guard: and(['holdsGet', stateIn('#refFolio.truncated'), 'lastRef']),
        target: '.free',
        actions: 'reset',
      },
      { guard: 'holdsGet', actions: 'drop' },
    ],
    dmaUnmap: [
      {
        guard: and([({ context }) => context.dma, stateIn('#refFolio.truncated'), 'lastRef']),
        target: '.free',
        actions: 'reset',
      },
      { guard: ({ context }) => context.dma, actions: 'drop' },
    ],
    lruDrain: [
      {
        guard: and([({ context }) => context.transient, stateIn('#refFolio.truncated'), 'lastRef']),
        target: '.free',
        actions: 'reset',
      },
      { guard: ({ context }) => context.transient, actions: 'drop' },
    ],
  },
  states: {
    free: {
      on: {
        alloc: { target: 'cached', actions: 'reset' },
        adopt: {
          target: 'cached',
          actions: assign(({ context, event }) => ({
            ...fresh(context),
            pages: 1,
            maps: event.type === 'adopt' ? event.maps : 0,
          })),
        },
      },
    },
    cached: {
      on: {
        map: {
          guard: ({ context }) => context.maps < context.pages,
          actions: assign({ maps: ({ context }) => context.maps + 1 }),
        },
        unmap: { guard: 'mapped', actions: assign({ maps: ({ context }) => context.maps - 1 }) },
        pin: {
          guard: and(['mapped', ({ context }) => context.pins < context.maxRefs]),
          actions: assign({ pins: ({ context }) => context.pins + 1 }),
        },
        get: {
          guard: ({ context }) => context.gets < context.maxRefs,
          actions: assign({ gets: ({ context }) => context.gets + 1 }),
        },
        dmaMap: { guard: and(['mapped', ({ context }) => !context.dma]), actions: assign({ dma: true }) },
        lruAdd: [
          {
            guard: ({ event }) =>
              event.type === 'lruAdd' && (event.prior === undefined || event.prior === 'ok'),
            actions: assign({ transient: true }),
          },
          {},
        ],
        checkRefs: [
          { guard: 'refsRemain', actions: ['drainIfAsked', outcome('EAGAIN')] },
          { actions: 'drainIfAsked' },
        ],
        truncate: [
          { guard: 'keptByRefs', target: 'truncated', actions: 'leaveFile' },
          { target: 'free', actions: 'reset' },
        ],
        split: [
          { guard: and(['large', 'extraRefs']), actions: outcome('EAGAIN') },
          {
            guard: 'large',
            actions: assign(({ event }) => ({ pages: 1, maps: event.type === 'split' ? event.keepMaps : 0 })),
          },
        ],
        merge: {
          guard: and(['split', not('extraRefs')]),
          actions: assign(({ context, event }) => ({
            pages: context.allocPages,
            maps: context.maps + (event.type === 'merge' ? event.tailMaps : 0),
          })),
        },
        mergeTail: { guard: not('extraRefs'), target: 'free', actions: 'reset' },
      },
    },
    truncated: {},
  },
});
