// iommu-split: converting one page of guest memory that a device may DMA to, when the DMA
// mapping was made for a larger range, with VFIO type1 (v2 and legacy v1) and iommufd
// (native, VFIO compat with its area split, and the proposed native split of large IOPTEs)
// (docs/designs-and-flaws.md D10, F11, F12; docs/kernel-semantics.md §1.8, §2.14, §2.15,
// §3.2, INV-2, INV-14).
//
// Sources:
// - drivers/vfio/vfio_iommu_type1.c vfio_dma_do_unmap() (read): "Unmap requests must fully
//   cover previous mappings … there must not be any previous mappings bisected by the
//   range. An error will be returned" (type1 v2, -EINVAL); v1 "an unmap request offset from
//   the beginning of the original mapping will return success with zero sized unmap. And
//   an unmap request covering the first iova of mapping will unmap the entire range."
// - drivers/iommu/iommufd/io_pagetable.c (read): iopt_unmap_iova_range() -ENOENT for an
//   area not fully inside the range; iopt_area_split() -EINVAL for an area with accesses or
//   in a domain that may use large pages; iopt_cut_iova() only from the VFIO compat unmap
//   of a legacy type1 IOAS (large pages disabled; kernel-semantics §2.15).
// - Jason Gunthorpe in seed 004 (10 and 15 Jan 2025): map 1 GiB, split around a private
//   chunk, "atomically cut the 1G PTEs into smaller PTEs"; "Hitless requires HW support, it
//   is incompatible with HW requiring break-before-make." Mapping per 4 KiB (D9) works.
// - hw/vfio/listener.c vfio_ram_discard_notify_discard() is void: QEMU reports a failed
//   unmap and carries on with the conversion.
// - In-place guest_memfd conversion (D5c, kernel-semantics §3.2 rule 4):
//   KVM_SET_MEMORY_ATTRIBUTES2(PRIVATE) fails with -EAGAIN while a page's refcount is
//   elevated, and an IOMMU mapping's GUP pin elevates it.
//
// World: `pages` guest_memfd pages (default 2), shared at start and mapped for DMA by the
// VMM before the guest runs (the initial state: one mapping over every page, or one per
// page). QEMU converts one page at a time (any page, either direction): to private it
// removes the page's DMA mapping as its backend allows (a failure is reported and
// ignored), then asks KVM, whose refcount check refuses while a mapping still pins the
// page; to shared it asks KVM, then maps the page alone. A device DMAs to any page (the
// IOMMU decides); with iommufd's VFIO compat, an in-kernel access (mdev, emulated device)
// may pin page 0 through the IOAS. Variants change the design rule only: the mapping
// granularity (whole range vs 4 KiB), and how a sub-range is split (not at all, the compat
// cut, the proposed large-IOPTE cut on hardware with or without atomic cuts).
// Bound: exhaustive (finite). Counterexamples: 2-3 events (catalogue: F11 3, F12 5).
// UNCONFIRMED: the native split ioctl with an atomic cut is a proposal (Jan 2025); whether
// it keeps the access guard (the split variants have no in-kernel access, so it is not
// exercised there).
import {
  defineModel,
  participant,
  range,
  worldEvent,
  never,
  neverTransition,
  sometimesStep,
  type WorldEventSpec,
  type Property,
  type StepView,
  type TransitionView,
  type WorldView,
} from '../src/index.js';
import { conversionCanComplete } from '../properties/iommuConversion.js';
import { actorStep } from './machines/actor.js';
import { inPlacePageMachine, ioSpaceMachine, type IoSpaceEvent, type Layout } from './machines/iommuArea.js';
import { routedActor } from './machines/routedActor.js';

type Variant =
  | 'type1-per-page'
  | 'type1-whole'
  | 'type1v1-per-page'
  | 'type1v1-whole'
  | 'iommufd-per-page'
  | 'iommufd-whole'
  | 'compat-per-page'
  | 'compat-whole'
  | 'split-refused'
  | 'split-atomic'
  | 'split-bbm';

const IO = 'ioSpace';
const QEMU = 'qemu';
const pageId = (k: number): string => `page${k}`;
/** The page the progress property asks about (the catalogue's p1). */
const CONVERTED = 1;

/** One step QEMU takes on the I/O space before asking KVM to make the page private. */
interface IoStep {
  readonly phase: string;
  readonly type: string;
  readonly event: (first: number, last: number) => IoSpaceEvent;
  readonly kernel: string;
}

const UNMAP_V2: IoStep = {
  phase: 'iovaUnmapped',
  type: 'unmapDma',
  event: (first, last) => ({ type: 'unmapV2', first, last }),
  kernel: 'VFIO_IOMMU_UNMAP_DMA → vfio_dma_do_unmap() (type1 v2: a bisected vfio_dma → -EINVAL)',
};
const UNMAP_V1: IoStep = {
  phase: 'iovaUnmapped',
  type: 'unmapDma',
  event: (first, last) => ({ type: 'unmapV1', first, last }),
  kernel: 'VFIO_IOMMU_UNMAP_DMA → vfio_dma_do_unmap() (legacy type1: 0 bytes, or the whole vfio_dma)',
};
const IOAS_UNMAP: IoStep = {
  phase: 'iovaUnmapped',
  type: 'ioasUnmap',
  event: (first, last) => ({ type: 'ioasUnmap', first, last }),
  kernel: 'IOMMU_IOAS_UNMAP → iopt_unmap_iova() (an area not fully inside → -ENOENT)',
};
const COMPAT_UNMAP: IoStep = {
  phase: 'iovaUnmapped',
  type: 'unmapDma',
  event: (first, last) => ({ type: 'compatUnmap', first, last }),
  kernel:
    'VFIO_IOMMU_UNMAP_DMA on iommufd (vfio compat, legacy type1) → iopt_cut_iova() → iopt_area_split() (-EINVAL with accesses), then iopt_unmap_iova()',
};
const splitStep = (event: (first: number, last: number) => IoSpaceEvent, kernel: string): IoStep => ({
  phase: 'areaSplit',
  type: 'splitArea',
  event,
  kernel,
});
const INSTALL: IoStep = {
  phase: 'ioptesInstalled',
  type: 'installSmall',
  event: () => ({ type: 'installSmall' }),
  kernel: 'break-before-make, second half: install the small IOPTEs',
};

interface Design {
  readonly doc: string;
  readonly layout: Layout;
  readonly largePages: boolean;
  readonly steps: readonly IoStep[];
  readonly map: string;
  readonly access: boolean;
}

const type1 = (layout: Layout, unmap: IoStep, what: string): Design => ({
  doc: `${what}; ${layout === 'whole' ? 'one vfio_dma over all the pages' : 'one vfio_dma per 4 KiB page (D9)'}`,
  layout,
  largePages: false,
  steps: [unmap],
  map: 'VFIO_IOMMU_MAP_DMA → vfio_dma_do_map() (pins, FOLL_LONGTERM)',
  access: false,
});
const iommufd = (
  layout: Layout,
  steps: readonly IoStep[],
  largePages: boolean,
  access: boolean,
  doc: string,
): Design => ({
  doc,
  layout,
  largePages,
  steps,
  map: 'IOMMU_IOAS_MAP → iopt_map_user_pages() (pins)',
  access,
});

const PROPOSED = 'the proposed native split (Jason Gunthorpe, Jan 2025): cut the large IOPTE';

const DESIGNS: Record<Variant, Design> = {
  'type1-per-page': type1('perPage', UNMAP_V2, 'VFIO type1 v2'),
  'type1-whole': type1('whole', UNMAP_V2, 'VFIO type1 v2'),
  'type1v1-per-page': type1('perPage', UNMAP_V1, 'legacy VFIO type1 (v1)'),
  'type1v1-whole': type1('whole', UNMAP_V1, 'legacy VFIO type1 (v1)'),
  'iommufd-per-page': iommufd(
    'perPage',
    [IOAS_UNMAP],
    true,
    false,
    'native iommufd, one area per 4 KiB page',
  ),
  'iommufd-whole': iommufd(
    'whole',
    [IOAS_UNMAP],
    true,
    false,
    'native iommufd, one area over all the pages: IOMMU_IOAS_UNMAP of a sub-range is -ENOENT',
  ),
  'compat-per-page': iommufd(
    'perPage',
    [COMPAT_UNMAP],
    false,
    true,
    'VFIO compat (legacy type1) on iommufd, one area per 4 KiB page: the cut is a no-op',
  ),
  'compat-whole': iommufd(
    'whole',
    [COMPAT_UNMAP],
    false,
    true,
    'VFIO compat (legacy type1) on iommufd, one area over all the pages: the unmap cuts it with iopt_area_split()',
  ),
  'split-refused': iommufd(
    'whole',
    [
      splitStep(
        (first, last) => ({ type: 'split', first, last }),
        'iopt_area_split() around the page (large-page domain → -EINVAL)',
      ),
      IOAS_UNMAP,
    ],
    true,
    false,
    'one area with a large IOPTE, split around the page as iopt_area_split() does today (refused while large pages are allowed), then unmapped',
  ),
  'split-atomic': iommufd(
    'whole',
    [
      splitStep(
        (first, last) => ({ type: 'cutLarge', first, last, bbm: false }),
        `${PROPOSED} atomically (hitless)`,
      ),
      IOAS_UNMAP,
    ],
    true,
    false,
    'one area with a large IOPTE, split by cutting the large IOPTE atomically (hardware support), then unmapped',
  ),
  'split-bbm': iommufd(
    'whole',
    [
      splitStep(
        (first, last) => ({ type: 'cutLarge', first, last, bbm: true }),
        `${PROPOSED}; break-before-make: invalidate it first`,
      ),
      INSTALL,
      IOAS_UNMAP,
    ],
    true,
    false,
    'one area with a large IOPTE, split on break-before-make hardware: invalidated before the small IOPTEs are installed',
  ),
};

const expectFixed = {
  'no-dma-into-private': 'holds',
  'no-dma-fault-on-shared': 'holds',
  'conversion-not-refused': 'holds',
  'conversion-can-complete': 'holds',
  'converts-to-private': 'reached',
  'device-dma': 'reached',
} as const;

/** A step of the conversion of page 1 alone. */
const alone = (s: StepView): boolean => s.args['first'] === CONVERTED && s.args['last'] === CONVERTED;

/**
 * L-Convert for page 1 (the catalogue's p1): from every reachable state it can still be
 * converted to private on its own. Other conversions may finish but not start (their first
 * step is excluded), so page 1's own request must get through.
 */
function pageOneConverts(variant: Variant): Property {
  const first = DESIGNS[variant].steps[0]?.type;
  const starts = (s: StepView): boolean =>
    s.type === first || (s.type === 'setAttributes2' && s.args['to'] === 'shared');
  return conversionCanComplete(
    'from every reachable state page 1 can still be converted to private on its own (L-Convert; F11, F12)',
    (w) => w.get(pageId(CONVERTED)).matches('private'),
    (s) => s.actor === QEMU && starts(s) && !alone(s),
  );
}

const stuck = { 'conversion-not-refused': 'violated', 'conversion-can-complete': 'violated' } as const;

const isShared = (w: WorldView, k: number): boolean => w.get(pageId(k)).matches('shared');
/** Pages first..last of range `r`: page r, or (r = pages) every page. */
const pagesOf = (r: number, pages: number): readonly [number, number] =>
  r < pages ? [r, r] : [0, pages - 1];
const converting = (w: WorldView, k: number): boolean => {
  const q = w.get(QEMU);
  if (q.matches('idle')) return false;
  const [first, last] = pagesOf((q.context as { page: number }).page, w.ids('inPlacePage').length);
  return first <= k && k <= last;
};
/** A DMA to a shared page that no conversion is working on. */
const dmaToSettledShared = (t: TransitionView): boolean => {
  const k = Number(t.args['page']);
  return t.type === 'dma' && isShared(t.before, k) && !converting(t.before, k);
};
const toPrivate = (s: { type: string; args: Readonly<Record<string, unknown>> }): boolean =>
  s.type === 'setAttributes2' && s.args['to'] === 'private';

export default defineModel<'pages', Variant>({
  id: 'iommu-split',
  title: 'Converting one page of a larger DMA mapping: VFIO type1, iommufd and area split (D10)',
  summary:
    "Shared guest_memfd pages mapped for DMA as one large mapping or per 4 KiB page; QEMU converts one page at a time, removing its DMA mapping before asking KVM, whose refcount check refuses while a mapping still pins the page, while a device DMAs to any page. Type1 v2 refuses to unmap a bisected vfio_dma and native iommufd refuses a sub-range (-ENOENT), so the conversion is refused for ever (F11, F12a); legacy type1 unmaps nothing or the whole mapping (F11: a refused conversion, or a neighbour losing DMA); the compat cut is refused while an in-kernel access pins the area (F12a); today's split refuses a large-page area (F12a) and a break-before-make cut faults DMA to the neighbours (F12b). Per-page mapping and an atomic cut are the fixes. Explored exhaustively.",
  sources: [
    'docs/designs-and-flaws.md D10, F11, F12',
    'docs/kernel-semantics.md §1.8, §2.14, §2.15, §3.2, §5 INV-14',
    'drivers/vfio/vfio_iommu_type1.c vfio_dma_do_unmap(); drivers/iommu/iommufd/io_pagetable.c iopt_unmap_iova_range(), iopt_area_split(), iopt_cut_iova()',
    'seeds/004 (Jason Gunthorpe, 10 and 15 Jan 2025)',
  ],
  unconfirmed: [
    'the native iommufd split ioctl with an atomic cut is a proposal (Jan 2025), not merged',
    'in-place conversion (D5c) is not merged; its refcount check is what refuses the conversion here',
  ],
  params: { pages: { default: 2, min: 2, max: 3, doc: 'guest pages in the DMA mapping' } },
  variants: {
    'type1-per-page': {
      doc: DESIGNS['type1-per-page'].doc,
      flaws: [],
      expect: expectFixed,
      properties: [pageOneConverts('type1-per-page')],
    },
    'type1-whole': {
      doc: `${DESIGNS['type1-whole'].doc}: the bisecting unmap is refused and so is every conversion`,
      flaws: ['F11'],
      fixedBy: 'type1-per-page',
      properties: [pageOneConverts('type1-whole')],
      expect: { ...expectFixed, ...stuck },
    },
    'type1v1-per-page': {
      doc: DESIGNS['type1v1-per-page'].doc,
      flaws: [],
      expect: expectFixed,
      properties: [pageOneConverts('type1v1-per-page')],
    },
    'type1v1-whole': {
      doc: `${DESIGNS['type1v1-whole'].doc}: unmapping a later page removes nothing, unmapping the first removes every page's translation`,
      flaws: ['F11'],
      fixedBy: 'type1v1-per-page',
      properties: [pageOneConverts('type1v1-whole')],
      expect: { ...expectFixed, ...stuck, 'no-dma-fault-on-shared': 'violated' },
    },
    'iommufd-per-page': {
      doc: DESIGNS['iommufd-per-page'].doc,
      flaws: [],
      expect: expectFixed,
      properties: [pageOneConverts('iommufd-per-page')],
    },
    'iommufd-whole': {
      doc: DESIGNS['iommufd-whole'].doc,
      flaws: ['F12'],
      fixedBy: 'iommufd-per-page',
      properties: [pageOneConverts('iommufd-whole')],
      expect: { ...expectFixed, ...stuck },
    },
    'compat-per-page': {
      doc: DESIGNS['compat-per-page'].doc,
      flaws: [],
      expect: expectFixed,
      properties: [pageOneConverts('compat-per-page')],
    },
    'compat-whole': {
      doc: `${DESIGNS['compat-whole'].doc}, refused (-EINVAL) while an in-kernel access pins the area`,
      flaws: ['F12'],
      fixedBy: 'compat-per-page',
      properties: [pageOneConverts('compat-whole')],
      expect: { ...expectFixed, 'conversion-not-refused': 'violated' },
    },
    'split-refused': {
      doc: DESIGNS['split-refused'].doc,
      flaws: ['F12'],
      fixedBy: 'split-atomic',
      properties: [pageOneConverts('split-refused')],
      expect: { ...expectFixed, ...stuck },
    },
    'split-atomic': {
      doc: DESIGNS['split-atomic'].doc,
      flaws: [],
      expect: expectFixed,
      properties: [pageOneConverts('split-atomic')],
    },
    'split-bbm': {
      doc: DESIGNS['split-bbm'].doc,
      flaws: ['F12'],
      fixedBy: 'split-atomic',
      properties: [pageOneConverts('split-bbm')],
      expect: { ...expectFixed, 'no-dma-fault-on-shared': 'violated' },
    },
  },
  properties: [
    never(
      'no-dma-into-private',
      'a device DMA never lands on a private page (P-NoDMAPriv, INV-3)',
      (s) => s.outcome === 'DMA_TO_PRIVATE',
      {
        premise: (s) => s.type === 'dma' && s.outcome !== 'IOMMU_FAULT',
      },
    ),
    neverTransition(
      'no-dma-fault-on-shared',
      'a DMA to a shared page that no conversion is working on is translated (conversions are hitless for the other pages)',
      (t) => dmaToSettledShared(t) && t.outcome === 'IOMMU_FAULT',
      { premise: dmaToSettledShared },
    ),
    never(
      'conversion-not-refused',
      "KVM never refuses a page's conversion to private because QEMU's own DMA mapping still pins it (L-Convert)",
      (s) => toPrivate(s) && s.outcome === 'EAGAIN',
      { premise: toPrivate },
    ),
    sometimesStep('converts-to-private', 'a page becomes private', (s) => toPrivate(s) && s.outcome === 'ok'),
    sometimesStep('device-dma', 'a device DMA is translated', (s) => s.type === 'dma' && s.outcome === 'ok'),
  ],
  build({ pages }, variant) {
    const design = DESIGNS[variant];
    const phases = [...design.steps.map((s) => s.phase), 'attrPrivate'];
    const events: WorldEventSpec[] = [];
    for (const r of range(pages + 1)) {
      const [first, last] = pagesOf(r, pages);
      const span = { first, last };
      const ids = range(last - first + 1).map((i) => pageId(first + i));
      const all = (state: string): { machine: string; requires: string }[] =>
        ids.map((machine) => ({ machine, requires: state }));
      design.steps.forEach((s, i) => {
        events.push(
          worldEvent(
            QEMU,
            s.type,
            span,
            [
              actorStep(QEMU, s.phase, r),
              ...(i === 0 ? all('shared') : []),
              participant(IO, s.event(first, last)),
            ],
            { kernel: `notify_discard: ${s.kernel}; an error is reported and the conversion goes on` },
          ),
        );
      });
      events.push(
        worldEvent(
          QEMU,
          'setAttributes2',
          { ...span, to: 'private' },
          [
            participant(IO, { type: 'refcount', first, last }),
            ...ids.map((machine) => ({
              machine,
              event: { type: 'convert', to: 'private' },
              prior: true as const,
            })),
            actorStep(QEMU, 'attrPrivate', r, { prior: true }),
          ],
          {
            kernel:
              'KVM_SET_MEMORY_ATTRIBUTES2(PRIVATE) → kvm_gmem_set_attributes(): kvm_gmem_is_safe_for_conversion() (-EAGAIN while pinned)',
          },
        ),
        worldEvent(
          QEMU,
          'setAttributes2',
          { ...span, to: 'shared' },
          [
            actorStep(QEMU, 'attrShared', r),
            ...all('private'),
            ...ids.map((machine) => participant(machine, { type: 'convert', to: 'shared' })),
          ],
          { kernel: 'KVM_SET_MEMORY_ATTRIBUTES2(SHARED) → kvm_gmem_set_attributes() (no refcount check)' },
        ),
        worldEvent(
          QEMU,
          'mapDma',
          span,
          [actorStep(QEMU, 'iovaMapped', r), participant(IO, { type: 'map', first, last })],
          { kernel: `notify_populate: ${design.map}, one 4 KiB block at a time` },
        ),
      );
    }
    for (const k of range(pages)) {
      events.push(
        worldEvent(
          'device',
          'dma',
          { page: k },
          [
            participant(IO, { type: 'dma', page: k }),
            { machine: pageId(k), event: { type: 'dmaLands' }, prior: true },
          ],
          { kernel: "device DMA to the page's IOVA: lands where the IOMMU translates it now, or faults" },
        ),
      );
    }
    if (design.access) {
      events.push(
        worldEvent('mdev', 'accessPin', { page: 0 }, [participant(IO, { type: 'accessPin', page: 0 })], {
          kernel: 'iommufd_access_pin_pages() (in-kernel access: area->num_accesses++)',
        }),
        worldEvent('mdev', 'accessUnpin', { page: 0 }, [participant(IO, { type: 'accessUnpin', page: 0 })], {
          kernel: 'iommufd_access_unpin_pages()',
        }),
      );
    }
    return {
      machines: [
        {
          id: IO,
          machine: ioSpaceMachine,
          input: { pages, layout: design.layout, largePages: design.largePages, pins: true },
        },
        ...range(pages).map((k) => ({ id: pageId(k), machine: inPlacePageMachine('shared') })),
        {
          id: QEMU,
          machine: routedActor(QEMU, { toPrivate: phases, toShared: ['attrShared', 'iovaMapped'] }),
        },
      ],
      events,
    };
  },
});
