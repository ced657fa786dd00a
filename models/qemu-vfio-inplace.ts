// qemu-vfio-inplace: the order of QEMU's IOMMU notification and the attribute change when
// guest_memfd converts in place, so the page a device DMAs to is the page that becomes
// private (docs/designs-and-flaws.md D5c + D9, F10; docs/kernel-semantics.md §2.16, §3.2,
// INV-2, INV-3, INV-15).
//
// Sources:
// - QEMU kvm_convert_memory() (D9, merged): the attribute first, then
//   ram_block_attributes_state_change() (notify_discard → VFIO unmap for to-private,
//   notify_populate → VFIO map for to-shared).
// - Chenyi Qiang, reply on the QEMU in-place conversion RFC (kernel-semantics §2.16): with
//   in-place conversion the order must be unmap-before-conversion-to-private and
//   map-after-conversion-to-shared (INV-15).
// - In-place conversion series v7/v8 (kernel-semantics §3.2 rules 4, 10):
//   KVM_SET_MEMORY_ATTRIBUTES2(PRIVATE) checks every folio's refcount
//   (kvm_gmem_is_safe_for_conversion) and fails with -EAGAIN while it is elevated, naming
//   "guest_memfd memory … pinned in IOMMU page tables" as a source; to-shared checks nothing.
// - VFIO type1 and iommufd pin what they map with GUP (FOLL_LONGTERM; kernel-semantics
//   §1.8), so their mappings elevate the refcount. A mapping of guest_memfd by file handle
//   that holds no page reference (the direction of iommufd/TSM work on guest_memfd, and
//   David Hildenbrand's "track 'handed out' pages to IOMMUs internally" in seed 003) is not
//   seen by that check.
//
// World: one guest_memfd page, private at start (QEMU's bitmap and KVM's attributes start
// private), converted by QEMU at the guest's request in either direction; VFIO's listener
// is registered and maps the page while it is shared; a device DMAs to its IOVA whatever
// the attribute (the IOMMU decides; a DMA landing on a private page is the platform's fault
// — RMP #PF, TDX poison, pKVM abort). The rdmBit bookkeeping and notify failures of
// models/qemu-vfio-conversion.ts are left out: this model is about the order only.
// Variants: the order (D9's attribute-first, or INV-15's unmap-first) × whether the IOMMU
// mapping pins the page (VFIO type1 GUP pin) or not (mapping by file handle).
// Bound: exhaustive (finite). Counterexamples: 4 events (catalogue: 5).
// UNCONFIRMED: F10 is a derived hazard, not a reported bug; in-place conversion and an IOMMU
// mapping of guest_memfd without a page reference are not merged.
import {
  defineModel,
  participant,
  worldEvent,
  never,
  sometimesStep,
  type WorldEventSpec,
  type StepView,
} from '../src/index.js';
import { conversionCanComplete } from '../properties/iommuConversion.js';
import { actorStep } from './machines/actor.js';
import { inPlacePageMachine, ioSpaceMachine } from './machines/iommuArea.js';
import { routedActor } from './machines/routedActor.js';

type Variant = 'pinned-attr-first' | 'pinned-unmap-first' | 'unpinned-attr-first' | 'unpinned-unmap-first';

const IO = 'ioSpace';
const PAGE = 'page0';
const QEMU = 'qemu';
const ONE = { first: 0, last: 0 } as const;

const toPrivate = (s: StepView): boolean => s.type === 'setAttributes2' && s.args['to'] === 'private';

const expectFixed = {
  'no-dma-into-private': 'holds',
  'conversion-not-refused': 'holds',
  'conversion-can-complete': 'holds',
  'converts-to-private': 'reached',
  'device-dma': 'reached',
} as const;

const PINNED =
  'the IOMMU mapping pins the page (VFIO type1: GUP, FOLL_LONGTERM), so the refcount check sees it';
const UNPINNED =
  'the IOMMU mapping holds no page reference (guest_memfd mapped by file handle), so the refcount check cannot see it';

export default defineModel<never, Variant>({
  id: 'qemu-vfio-inplace',
  title:
    'QEMU conversion with VFIO and in-place guest_memfd: unmap before private, map after shared (D5c + D9)',
  summary:
    "One in-place guest_memfd page that QEMU converts at the guest's request while VFIO maps it when shared and a device DMAs to its IOVA. With D9's order (attribute first, then notify VFIO) a conversion to private meets the IOMMU mapping still in place: the refcount check of KVM_SET_MEMORY_ATTRIBUTES2 refuses it for ever when the mapping pins the page, and when it does not, a DMA lands on the page after it turned private (F10). Unmapping first and mapping after the page is shared (INV-15) fixes both. Explored exhaustively.",
  sources: [
    'docs/designs-and-flaws.md D5c, D9, F10',
    'docs/kernel-semantics.md §2.16, §3.2, §5 INV-2, INV-3, INV-15',
    'Chenyi Qiang on the QEMU in-place conversion RFC (unmap before to-private, map after to-shared)',
    'seeds/003 (David Hildenbrand: track pages handed out to IOMMUs inside guest_memfd)',
  ],
  unconfirmed: [
    'F10 is a derived hazard (design obligation), not a reported bug',
    'in-place conversion (KVM_SET_MEMORY_ATTRIBUTES2) is not merged',
    'an IOMMU mapping of guest_memfd by file handle without a page reference is a direction, not merged code',
  ],
  params: {},
  variants: {
    'pinned-attr-first': {
      doc: `D9 order: set the attribute, then notify VFIO; ${PINNED}`,
      flaws: ['F10'],
      fixedBy: 'pinned-unmap-first',
      expect: {
        ...expectFixed,
        'conversion-not-refused': 'violated',
        'conversion-can-complete': 'violated',
        'converts-to-private': 'unreached',
      },
      neverEnabled: {
        'qemu: unmapDma':
          "D9 order: VFIO's unmap follows the attribute change, which kvm_gmem_is_safe_for_conversion() refuses (-EAGAIN) while the VFIO type1 pin that unmap would drop is held, so a conversion to private never gets there (F10)",
      },
    },
    'pinned-unmap-first': {
      doc: `INV-15 order: unmap before the page turns private, map after it turns shared; ${PINNED}`,
      flaws: [],
      expect: expectFixed,
    },
    'unpinned-attr-first': {
      doc: `D9 order: set the attribute, then notify VFIO; ${UNPINNED}`,
      flaws: ['F10'],
      fixedBy: 'unpinned-unmap-first',
      expect: { ...expectFixed, 'no-dma-into-private': 'violated' },
    },
    'unpinned-unmap-first': {
      doc: `INV-15 order: unmap before the page turns private, map after it turns shared; ${UNPINNED}`,
      flaws: [],
      expect: expectFixed,
    },
  },
  properties: [
    never(
      'no-dma-into-private',
      'a device DMA never lands on the page while it is private (P-NoDMAPriv, INV-3)',
      (s) => s.outcome === 'DMA_TO_PRIVATE',
      { premise: (s) => s.type === 'dma' && s.outcome !== 'IOMMU_FAULT' },
    ),
    never(
      'conversion-not-refused',
      "KVM never refuses the conversion to private because QEMU's own DMA mapping still pins the page (L-Convert)",
      (s) => toPrivate(s) && s.outcome === 'EAGAIN',
      { premise: toPrivate },
    ),
    conversionCanComplete(
      'from every reachable state the page can still be converted to private (L-Convert)',
      (w) => w.get(PAGE).matches('private'),
    ),
    sometimesStep(
      'converts-to-private',
      'the page becomes private',
      (s) => toPrivate(s) && s.outcome === 'ok',
    ),
    sometimesStep('device-dma', 'a device DMA is translated', (s) => s.type === 'dma' && s.outcome === 'ok'),
  ],
  build(_params, variant) {
    const unmapFirst = variant.endsWith('unmap-first');
    const toPrivatePhases = unmapFirst ? ['iovaUnmapped', 'attrPrivate'] : ['attrPrivate', 'iovaUnmapped'];
    const events: WorldEventSpec[] = [
      worldEvent(
        QEMU,
        'setAttributes2',
        { to: 'private' },
        [
          ...(unmapFirst ? [] : [{ machine: PAGE, requires: 'shared' }]),
          participant(IO, { type: 'refcount', ...ONE }),
          { machine: PAGE, event: { type: 'convert', to: 'private' }, prior: true },
          actorStep(QEMU, 'attrPrivate', 0, { prior: true }),
        ],
        {
          kernel:
            'KVM_SET_MEMORY_ATTRIBUTES2(PRIVATE) → kvm_gmem_set_attributes(): kvm_gmem_is_safe_for_conversion() (-EAGAIN while the refcount is elevated)',
        },
      ),
      worldEvent(
        QEMU,
        'unmapDma',
        ONE,
        [
          actorStep(QEMU, 'iovaUnmapped', 0),
          ...(unmapFirst ? [{ machine: PAGE, requires: 'shared' }] : []),
          participant(IO, { type: 'unmapV2', ...ONE }),
        ],
        { kernel: 'ram_block_attributes_state_change(to_discard) → notify_discard → VFIO_IOMMU_UNMAP_DMA' },
      ),
      worldEvent(
        QEMU,
        'setAttributes2',
        { to: 'shared' },
        [actorStep(QEMU, 'attrShared', 0), participant(PAGE, { type: 'convert', to: 'shared' })],
        { kernel: 'KVM_SET_MEMORY_ATTRIBUTES2(SHARED) → kvm_gmem_set_attributes() (no refcount check)' },
      ),
      worldEvent(
        QEMU,
        'mapDma',
        ONE,
        [actorStep(QEMU, 'iovaMapped', 0), participant(IO, { type: 'map', ...ONE })],
        { kernel: 'ram_block_attributes_state_change(populate) → notify_populate → VFIO_IOMMU_MAP_DMA' },
      ),
      worldEvent(
        'device',
        'dma',
        { page: 0 },
        [
          participant(IO, { type: 'dma', page: 0 }),
          { machine: PAGE, event: { type: 'dmaLands' }, prior: true },
        ],
        { kernel: "device DMA to the page's IOVA: lands where the IOMMU translates it now, or faults" },
      ),
    ];
    return {
      machines: [
        {
          id: IO,
          machine: ioSpaceMachine,
          input: { pages: 1, layout: 'none', largePages: false, pins: variant.startsWith('pinned') },
        },
        { id: PAGE, machine: inPlacePageMachine('private') },
        {
          id: QEMU,
          machine: routedActor(QEMU, { toPrivate: toPrivatePhases, toShared: ['attrShared', 'iovaMapped'] }),
        },
      ],
      events,
    };
  },
});
