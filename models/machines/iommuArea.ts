// An I/O address space over `pages` guest pages as VFIO type1 or iommufd holds it, and the
// in-place guest_memfd page a device DMAs into (docs/designs-and-flaws.md D10, F11, F12;
// docs/kernel-semantics.md §1.8, §2.14, §2.15, INV-14). Used by models/iommu-split.ts and
// models/qemu-vfio-inplace.ts.
//
// The space is a partition of the pages into mappings (vfio_dma objects / iopt_areas):
//   mapped      pages inside some mapping
//   first       pages that begin a mapping (a mapping runs to the next `first` or gap)
//   translated  pages with an IOPTE present (normally = mapped; a break-before-make split
//               clears them until the small IOPTEs are installed, `pending`)
//   large       mapping starts whose IOPTE is one large page (an IOAS with large pages)
//   access      pages an in-kernel iommufd_access has pinned (area->num_accesses)
// Input: pages, the initial layout ('whole': one mapping over every page, with a large
// IOPTE when `largePages`; 'perPage': one 4 KiB mapping per page; 'none'), and whether the
// mappings pin the pages with GUP (`pins`: VFIO type1 and iommufd do; a mapping by file
// handle without a page reference does not) so the conversion's refcount check sees them.
//
// Sources (drivers/vfio/vfio_iommu_type1.c, drivers/iommu/iommufd/io_pagetable.c, read):
// - vfio_dma_do_unmap(): type1 v2 refuses a request bisecting a vfio_dma (-EINVAL, nothing
//   unmapped); v1 (legacy) stops at a mapping that starts before the request (0 bytes,
//   success) and removes a whole mapping whose first IOVA the request covers; a range with
//   no mapping succeeds with 0 bytes.
// - iopt_unmap_iova_range(): an area not fully inside the range → -ENOENT; IOMMU_IOAS_UNMAP
//   of a range with no area → -ENOENT, the VFIO compat unmap of one → success (selftests
//   iommufd_ioas.area, unmap_fully_contained_areas, vfio_compat_mock_domain.map); an area
//   with accesses is first notified (iommufd_access_notify_unmap) so the access unpins,
//   then removed.
// - iopt_area_split() via iopt_cut_iova() (the VFIO compat unmap of a legacy type1 IOAS,
//   large pages disabled): no-op at the area's edges; -EINVAL if the area has accesses
//   ("we don't track enough information to split existing accesses") or lives in a domain
//   that may use large pages ("storage_domain && !disable_large_pages"). Its -EBUSY (pages
//   not yet attached by a concurrent map, or prevent_access during an unmap that notifies
//   accesses) needs two ioctls racing on one IOAS; QEMU issues them from one thread here,
//   so it is not modelled.
// - Jason Gunthorpe (seed 004): a native split that cuts a large IOPTE "atomically" into
//   small ones; "Hitless requires HW support, it is incompatible with HW requiring
//   break-before-make" (proposal, not merged).
import { assign, setup, type AnyStateMachine } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

export type Layout = 'whole' | 'perPage' | 'none';

export interface IoSpaceInput {
  readonly pages: number;
  readonly layout: Layout;
  readonly largePages: boolean;
  readonly pins: boolean;
}

export interface IoSpaceContext {
  readonly pages: number;
  readonly pins: boolean;
  readonly mapped: number;
  readonly first: number;
  readonly translated: number;
  readonly pending: number;
  readonly large: number;
  readonly access: number;
}

type Page = { page: number };
/** A request over pages first..last (one page, or every page of the model). */
type Range = { first: number; last: number };

export type IoSpaceEvent =
  /** VFIO_IOMMU_UNMAP_DMA, type1 v2. */
  | ({ type: 'unmapV2' } & Range)
  /** VFIO_IOMMU_UNMAP_DMA, legacy type1 (v1). */
  | ({ type: 'unmapV1' } & Range)
  /** IOMMU_IOAS_UNMAP (iopt_unmap_iova). */
  | ({ type: 'ioasUnmap' } & Range)
  /** VFIO compat unmap on iommufd with large pages disabled: iopt_cut_iova(), then iopt_unmap_iova(). */
  | ({ type: 'compatUnmap' } & Range)
  /** iopt_area_split() around the range as the kernel has it (large-page areas refused). */
  | ({ type: 'split' } & Range)
  /** The proposed native split: a large IOPTE is cut, atomically or break-before-make. */
  | ({ type: 'cutLarge'; bbm: boolean } & Range)
  /** Break-before-make, second half: install the small IOPTEs. */
  | { type: 'installSmall' }
  /** VFIO_IOMMU_MAP_DMA / IOMMU_IOAS_MAP of each page of the range on its own (overlap: -EEXIST). */
  | ({ type: 'map' } & Range)
  /** A device DMA to the page's IOVA: IOMMU_FAULT when nothing translates it. */
  | ({ type: 'dma' } & Page)
  /** iommufd_access_pin_pages() / unpin of one page by an in-kernel access (mdev, emulated device). */
  | ({ type: 'accessPin' } & Page)
  | ({ type: 'accessUnpin' } & Page)
  /** The conversion's refcount check (kvm_gmem_is_safe_for_conversion): EAGAIN while a page is pinned. */
  | ({ type: 'refcount' } & Range);

const bit = (page: number): number => 1 << page;
const all = (pages: number): number => (1 << pages) - 1;
const span = (s: number, e: number): number => all(e + 1) & ~all(s);

/** The mapping containing `page`, as [start, end], or undefined. */
export function mappingOf(c: IoSpaceContext, page: number): readonly [number, number] | undefined {
  if (page < 0 || page >= c.pages || (c.mapped & bit(page)) === 0) return undefined;
  let s = page;
  while (s > 0 && (c.first & bit(s)) === 0) s--;
  let e = page;
  while (e + 1 < c.pages && (c.mapped & bit(e + 1)) !== 0 && (c.first & bit(e + 1)) === 0) e++;
  return [s, e];
}

/** The mappings that intersect first..last, in order. */
function mappingsIn(c: IoSpaceContext, first: number, last: number): (readonly [number, number])[] {
  const found: (readonly [number, number])[] = [];
  for (let p = first; p <= last; p++) {
    const m = mappingOf(c, p);
    if (m !== undefined && found.every(([s]) => s !== m[0])) found.push(m);
  }
  return found;
}

/** Removes the mapping [s, e]: its IOPTEs, its accesses (notified first) and its pins go. */
function remove(c: IoSpaceContext, s: number, e: number): IoSpaceContext {
  const m = span(s, e);
  return {
    ...c,
    mapped: c.mapped & ~m,
    first: c.first & ~m,
    translated: c.translated & ~m,
    large: c.large & ~bit(s),
    access: c.access & ~m,
  };
}

/**
 * iopt_area_split() so that page `q` ends an area (a cut "after q"): no-op outside an area
 * or at its end; refused with EINVAL while the area has accesses or, unless `cut` (the
 * proposed native split), while it uses a large IOPTE. Returns the new context or the errno.
 */
function splitAfter(c: IoSpaceContext, q: number, cut: boolean): IoSpaceContext | 'EINVAL' {
  const m = mappingOf(c, q);
  if (m === undefined || m[1] === q) return c;
  const [s, e] = m;
  if ((c.access & span(s, e)) !== 0) return 'EINVAL';
  if ((c.large & bit(s)) !== 0 && !cut) return 'EINVAL';
  return { ...c, first: c.first | bit(q + 1), large: c.large & ~bit(s) };
}

/** Both cuts around first..last (iopt_cut_iova: after `last`, then after `first - 1`). */
function cutAround(c: IoSpaceContext, first: number, last: number, cut: boolean): IoSpaceContext | 'EINVAL' {
  const after = splitAfter(c, last, cut);
  return after === 'EINVAL' ? after : splitAfter(after, first - 1, cut);
}

/** The result of a request: the new context and the errno ('ok' when none). */
type Result = readonly [IoSpaceContext, string];

/** Type1 v2: a mapping bisected at either end refuses the whole request (checked first). */
export function unmapV2(c: IoSpaceContext, first: number, last: number): Result {
  const found = mappingsIn(c, first, last);
  if (found.some(([s, e]) => s < first || e > last)) return [c, 'EINVAL'];
  return [found.reduce((acc, [s, e]) => remove(acc, s, e), c), 'ok'];
}

/** Legacy type1: stops at a mapping that starts before the request; removes whole mappings otherwise. */
export function unmapV1(c: IoSpaceContext, first: number, last: number): Result {
  let acc = c;
  for (const [s, e] of mappingsIn(c, first, last)) {
    if (s < first) break;
    acc = remove(acc, s, e);
  }
  return [acc, 'ok'];
}

/** iopt_unmap_iova_range(): an area not fully inside → ENOENT; no area at all → ENOENT. */
export function ioasUnmap(c: IoSpaceContext, first: number, last: number): Result {
  const found = mappingsIn(c, first, last);
  if (found.length === 0 || found.some(([s, e]) => s < first || e > last)) return [c, 'ENOENT'];
  return [found.reduce((acc, [s, e]) => remove(acc, s, e), c), 'ok'];
}

/** The VFIO compat unmap: cut, then unmap; an empty range succeeds (selftest vfio_compat_mock_domain.map). */
export function compatUnmap(c: IoSpaceContext, first: number, last: number): Result {
  const cut = cutAround(c, first, last, false);
  if (cut === 'EINVAL') return [c, 'EINVAL'];
  return mappingsIn(cut, first, last).length === 0 ? [cut, 'ok'] : ioasUnmap(cut, first, last);
}

export function split(c: IoSpaceContext, first: number, last: number): Result {
  const cut = cutAround(c, first, last, false);
  return cut === 'EINVAL' ? [c, 'EINVAL'] : [cut, 'ok'];
}

export function cutLarge(c: IoSpaceContext, first: number, last: number, bbm: boolean): Result {
  const cut = cutAround(c, first, last, true);
  if (cut === 'EINVAL') return [c, 'EINVAL'];
  if (!bbm) return [cut, 'ok'];
  // Break-before-make: the large IOPTEs that were cut go first; nothing they covered
  // translates until installSmall.
  const broken = mappingsIn(c, first, last)
    .filter(([s, e]) => (c.large & bit(s)) !== 0 && (s < first || e > last))
    .reduce((m, [s, e]) => m | span(s, e), 0);
  return [{ ...cut, translated: cut.translated & ~broken, pending: cut.pending | broken }, 'ok'];
}

/** Maps each page of the range as its own mapping (notify_populate maps per block). */
export function mapPages(c: IoSpaceContext, first: number, last: number): Result {
  const m = span(first, last);
  if ((c.mapped & m) !== 0) return [c, 'EEXIST'];
  return [{ ...c, mapped: c.mapped | m, first: c.first | m, translated: c.translated | m }, 'ok'];
}

/** Every errno an unmap, split or map of this machine can report. */
const ERRNOS = ['EINVAL', 'ENOENT', 'EEXIST'] as const;

type Op = (c: IoSpaceContext, e: IoSpaceEvent) => Result;
const r = (e: IoSpaceEvent): Range => e as unknown as Range;

const OPS: Partial<Record<IoSpaceEvent['type'], Op>> = {
  unmapV2: (c, e) => unmapV2(c, r(e).first, r(e).last),
  unmapV1: (c, e) => unmapV1(c, r(e).first, r(e).last),
  ioasUnmap: (c, e) => ioasUnmap(c, r(e).first, r(e).last),
  compatUnmap: (c, e) => compatUnmap(c, r(e).first, r(e).last),
  split: (c, e) => split(c, r(e).first, r(e).last),
  cutLarge: (c, e) => cutLarge(c, r(e).first, r(e).last, e.type === 'cutLarge' && e.bbm),
  map: (c, e) => mapPages(c, r(e).first, r(e).last),
};

/** XState transitions of one operation: one branch per errno, then the successful one. */
function transitions(type: IoSpaceEvent['type']): object[] {
  const op = OPS[type] as Op;
  return [
    ...ERRNOS.map((code) => ({
      guard: ({ context, event }: { context: IoSpaceContext; event: IoSpaceEvent }) =>
        op(context, event)[1] === code,
      actions: outcome(code),
    })),
    {
      actions: assign(
        ({ context, event }: { context: IoSpaceContext; event: IoSpaceEvent }) => op(context, event)[0],
      ),
    },
  ];
}

function initialContext(input: IoSpaceInput): IoSpaceContext {
  const every = all(input.pages);
  const layout = {
    whole: { mapped: every, first: 1, large: input.largePages ? 1 : 0 },
    perPage: { mapped: every, first: every, large: 0 },
    none: { mapped: 0, first: 0, large: 0 },
  }[input.layout];
  return {
    pages: input.pages,
    pins: input.pins,
    translated: layout.mapped,
    pending: 0,
    access: 0,
    ...layout,
  };
}

const pageOf = (e: IoSpaceEvent): number => ('page' in e ? e.page : 0);
const pinnedIn = (c: IoSpaceContext, e: IoSpaceEvent): boolean => {
  const m = span(r(e).first, r(e).last);
  return (c.pins && (c.mapped & m) !== 0) || (c.access & m) !== 0;
};

export const ioSpaceMachine = setup({
  types: { context: {} as IoSpaceContext, events: {} as IoSpaceEvent, input: {} as IoSpaceInput },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'ioSpace',
  context: ({ input }) => initialContext(input),
  on: {
    unmapV2: transitions('unmapV2'),
    unmapV1: transitions('unmapV1'),
    ioasUnmap: transitions('ioasUnmap'),
    compatUnmap: transitions('compatUnmap'),
    split: transitions('split'),
    cutLarge: transitions('cutLarge'),
    map: transitions('map'),
    /** A no-op when nothing is pending (the area held small IOPTEs already). */
    installSmall: {
      actions: assign(({ context }) => ({ translated: context.translated | context.pending, pending: 0 })),
    },
    dma: [
      { guard: ({ context, event }) => (context.translated & bit(pageOf(event))) !== 0 },
      { actions: outcome('IOMMU_FAULT') },
    ],
    accessPin: [
      {
        guard: ({ context, event }) => (context.translated & bit(pageOf(event))) === 0,
        actions: outcome('ENOENT'),
      },
      { actions: assign(({ context, event }) => ({ access: context.access | bit(pageOf(event)) })) },
    ],
    accessUnpin: {
      guard: ({ context, event }) => (context.access & bit(pageOf(event))) !== 0,
      actions: assign(({ context, event }) => ({ access: context.access & ~bit(pageOf(event)) })),
    },
    refcount: [
      {
        guard: ({ context, event }) => pinnedIn(context, event),
        actions: outcome('EAGAIN'),
      },
      {},
    ],
  },
});

/** True when page `page` has an IOPTE in the space's current state. */
export function translates(s: { context: unknown }, page: number): boolean {
  return ((s.context as IoSpaceContext).translated & bit(page)) !== 0;
}

type GuestPageEvent =
  { type: 'convert'; to: 'shared' | 'private'; prior?: string } | { type: 'dmaLands'; prior: string };

/**
 * A guest_memfd page with in-place conversion (D5c), starting `initial`: the same physical
 * page is shared or private. A DMA that the IOMMU translated lands on it; on a private page
 * that is the platform's fault (RMP #PF, TDX poison, pKVM abort): outcome DMA_TO_PRIVATE.
 * A conversion to private applies only when the refcount check before it passed (`prior`).
 */
const inPlacePage = (initial: 'shared' | 'private'): AnyStateMachine =>
  setup({
    types: { events: {} as GuestPageEvent },
    actions: { ...outcomeActions },
  }).createMachine({
    id: 'inPlacePage',
    initial,
    states: {
      private: {
        on: {
          convert: { guard: ({ event }) => event.to === 'shared', target: 'shared' },
          dmaLands: [{ guard: ({ event }) => event.prior === 'ok', actions: outcome('DMA_TO_PRIVATE') }, {}],
        },
      },
      shared: {
        on: {
          convert: [
            {
              guard: ({ event }) =>
                event.to === 'private' && (event.prior === undefined || event.prior === 'ok'),
              target: 'private',
            },
            { guard: ({ event }) => event.to === 'private' },
          ],
          dmaLands: {},
        },
      },
    },
  });

const PAGES = { shared: inPlacePage('shared'), private: inPlacePage('private') };

/** The in-place page machine starting `initial` (one machine object per initial state). */
export const inPlacePageMachine = (initial: 'shared' | 'private'): AnyStateMachine => PAGES[initial];
