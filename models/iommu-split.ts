// iommu-split: converting one page of a larger DMA mapping to private, with VFIO type1 and
// with iommufd area split (docs/designs-and-flaws.md D10, F11, F12; docs/kernel-semantics.md
// §2.14, §2.15, INV-14).
//
// Sources:
// - drivers/vfio/vfio_iommu_type1.c vfio_dma_do_unmap(): "Unmap requests must fully cover
//   previous mappings … there must not be any previous mappings bisected by the range. An
//   error will be returned" (-EINVAL for type1 v2).
// - drivers/iommu/iommufd/io_pagetable.c iopt_area_split(): -EINVAL when the area is stored
//   in a domain that may use large pages (or has in-kernel accesses); reachable only through
//   the VFIO compat path with large pages disabled.
// - Jason Gunthorpe in seed 004 (10 and 15 Jan 2025): map 1 GiB, split around a private
//   chunk, "atomically cut the 1G PTEs into smaller PTEs"; "Hitless requires HW support, it
//   is incompatible with HW requiring break-before-make." Mapping per 4 KiB (D9) works but is
//   "outrageously inefficient" through the uAPI.
//
// World: `pages` guest pages (default 2) mapped for DMA; QEMU converts page 1 to private
// once: first remove its IOMMU mapping (per variant), then flip the attribute. A device DMAs
// to any page the guest has shared (the guest stops using page 1 when it asks for the
// conversion, so a fault there during the conversion is expected). A refused unmap or
// split makes QEMU give up and retry later (abort variants) or flip anyway (proceed variant).
// Bound: exhaustive (finite). F11: 2 steps (catalogue: 3 with the initial map); F12 (a) is
// the exhaustive absence of a successful conversion; F12 (b): 2 steps (catalogue: 5).
// Progress: conversionCanComplete (properties/iommuConversion.ts) states L-Convert as AG EF;
// violated where the refused first step can only repeat.
import {
  defineModel,
  worldEvent,
  participant,
  range,
  always,
  never,
  sometimesStep,
  type MachineEvent,
  type WorldEventSpec,
} from '../src/index.js';
import { conversionCanComplete } from '../properties/iommuConversion.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { iommuAreaMachine, translates } from './machines/iommuArea.js';
import { memAttrMachine } from './machines/kvmMmu.js';

type Variant =
  | 'type1-per-page'
  | 'type1-whole-proceed'
  | 'type1-whole-abort'
  | 'iommufd-split-atomic'
  | 'iommufd-split-refused'
  | 'iommufd-split-bbm';

const AREA = 'iommuArea';
const ATTR = 'attr1';
const QEMU = 'qemu';
/** The page QEMU converts (the catalogue's p1). */
const CONVERTED = 1;

/**
 * A step of the conversion: the area event, what QEMU has done once it succeeds (the name of
 * its phase), and whether QEMU aborts when the area refuses.
 */
interface Step {
  readonly type: string;
  readonly done: string;
  readonly area: MachineEvent;
  readonly abortOnRefusal: boolean;
}

/** VFIO_IOMMU_UNMAP_DMA of the page; QEMU aborts on a refusal unless `abortOnRefusal` is false. */
const type1 = (abortOnRefusal: boolean): Step => ({
  type: 'unmapDma',
  done: 'dmaUnmapped',
  area: { type: 'type1Unmap', page: CONVERTED },
  abortOnRefusal,
});
/** An iommufd split of the area at the page. */
const split = (area: MachineEvent): Step => ({ type: 'split', done: 'split', area, abortOnRefusal: true });
/** Unmap of the page once it is its own mapping. */
const unmap: Step = {
  type: 'unmap',
  done: 'unmapped',
  area: { type: 'unmap', page: CONVERTED },
  abortOnRefusal: true,
};

/** The IOMMU steps before the attribute flip, per variant. */
function unmapSteps(variant: Variant, pages: number): Step[] {
  const steps: Record<Variant, Step[]> = {
    'type1-per-page': [type1(true)],
    'type1-whole-abort': [type1(true)],
    'type1-whole-proceed': [type1(false)],
    'iommufd-split-atomic': [split({ type: 'splitAtomic', pages }), unmap],
    'iommufd-split-refused': [split({ type: 'splitRefused' }), unmap],
    'iommufd-split-bbm': [
      { type: 'splitInvalidate', done: 'invalidated', area: { type: 'bbmInvalidate' }, abortOnRefusal: true },
      { type: 'splitInstall', done: 'installed', area: { type: 'bbmInstall', pages }, abortOnRefusal: true },
      unmap,
    ],
  };
  return steps[variant];
}

const expectFixed = {
  'no-iommu-map-of-private': 'holds',
  'no-dma-fault-on-shared': 'holds',
  'converts-to-private': 'reached',
  'device-dma': 'reached',
  'conversion-can-complete': 'holds',
} as const;

export default defineModel<'pages', Variant>({
  id: 'iommu-split',
  title: 'Converting one page of a larger DMA mapping: VFIO type1 v2 and iommufd area split (D10)',
  summary:
    'Guest pages mapped for DMA as one large mapping, or per 4 KiB page; QEMU converts page 1 to private by removing its IOMMU mapping and flipping the attribute while a device DMAs to shared pages. Type1 v2 refuses to unmap a bisected vfio_dma (F11: the conversion is stuck, or proceeds with the private page still mapped); iommufd refuses to split an area that may use large IOPTEs (F12a) or, on break-before-make hardware, faults DMA to the neighbours during the split (F12b). Per-page mapping (D9) and an atomic split are the fixes. Explored exhaustively.',
  sources: [
    'docs/designs-and-flaws.md D10, F11, F12',
    'docs/kernel-semantics.md §2.14, §2.15, §5 INV-14',
    'drivers/vfio/vfio_iommu_type1.c vfio_dma_do_unmap; drivers/iommu/iommufd/io_pagetable.c iopt_area_split',
    'seeds/004 (Jason Gunthorpe, 10 and 15 Jan 2025)',
  ],
  unconfirmed: ['the native iommufd split ioctl with an atomic cut is a proposal (Jan 2025), not merged'],
  params: { pages: { default: 2, min: 2, max: 4, doc: 'pages in the DMA mapping (page 1 is converted)' } },
  variants: {
    'type1-per-page': {
      doc: 'D9: VFIO maps each 4 KiB page as its own vfio_dma',
      flaws: [],
      expect: expectFixed,
    },
    'type1-whole-proceed': {
      doc: 'one vfio_dma over all pages; after -EINVAL QEMU flips the attribute anyway',
      flaws: ['F11'],
      fixedBy: 'type1-per-page',
      expect: { ...expectFixed, 'no-iommu-map-of-private': 'violated' },
    },
    'type1-whole-abort': {
      doc: 'one vfio_dma over all pages; after -EINVAL QEMU aborts the conversion, which never succeeds',
      flaws: ['F11'],
      fixedBy: 'type1-per-page',
      expect: { ...expectFixed, 'converts-to-private': 'unreached', 'conversion-can-complete': 'violated' },
    },
    'iommufd-split-atomic': {
      doc: 'iommufd area split that the IOMMU performs atomically (hitless), then unmap the page',
      flaws: [],
      expect: expectFixed,
    },
    'iommufd-split-refused': {
      doc: 'iopt_area_split refused (-EINVAL) because the domain may use large pages: the conversion never succeeds',
      flaws: ['F12'],
      fixedBy: 'iommufd-split-atomic',
      expect: { ...expectFixed, 'converts-to-private': 'unreached', 'conversion-can-complete': 'violated' },
    },
    'iommufd-split-bbm': {
      doc: 'split on break-before-make hardware: the large IOPTE is invalidated before small ones are installed',
      flaws: ['F12'],
      fixedBy: 'iommufd-split-atomic',
      expect: { ...expectFixed, 'no-dma-fault-on-shared': 'violated' },
    },
  },
  properties: [
    always(
      'no-iommu-map-of-private',
      'no IOMMU translation reaches the page once it is private (P-NoDMAPriv, P-NoStaleIOMMU)',
      (w) => !(w.get(ATTR).matches('private') && translates(w.get(AREA), CONVERTED)),
    ),
    never(
      'no-dma-fault-on-shared',
      'a DMA to a shared page that is not being converted is never faulted by the IOMMU (hitless conversion)',
      (s) => s.type === 'dma' && s.args['page'] !== CONVERTED && s.outcome === 'IOMMU_FAULT',
    ),
    sometimesStep(
      'converts-to-private',
      'the conversion of page 1 completes',
      (s) => s.type === 'setAttr' && s.outcome === 'ok',
    ),
    sometimesStep('device-dma', 'a device DMA is translated', (s) => s.type === 'dma' && s.outcome === 'ok'),
    // L-Convert: violated in type1-whole-abort and iommufd-split-refused (the refused first
    // step repeats forever), holds in the others.
    conversionCanComplete(ATTR),
  ],
  build({ pages }, variant) {
    const events: WorldEventSpec[] = [];
    const steps = unmapSteps(variant, pages);
    steps.forEach((s, k) => {
      const self = actorStep(QEMU, s.done, CONVERTED, { prior: s.abortOnRefusal });
      const gate = k === 0 ? [participant(ATTR, { type: 'is', kind: 'shared' })] : [];
      events.push(worldEvent(QEMU, s.type, { page: CONVERTED }, [...gate, participant(AREA, s.area), self]));
    });
    events.push(
      worldEvent(QEMU, 'setAttr', { page: CONVERTED, to: 'private' }, [
        actorStep(QEMU, 'attrSet', CONVERTED),
        participant(ATTR, { type: 'flip', to: 'private' }),
      ]),
    );
    for (const page of range(pages)) {
      events.push(
        worldEvent('device', 'dma', { page }, [
          ...(page === CONVERTED ? [participant(ATTR, { type: 'is', kind: 'shared' })] : []),
          participant(AREA, { type: 'dma', page }),
        ]),
      );
    }
    return {
      machines: [
        {
          id: AREA,
          machine: iommuAreaMachine(variant === 'type1-per-page' ? 'split' : 'whole'),
          input: { pages },
        },
        { id: ATTR, machine: memAttrMachine },
        { id: QEMU, machine: sequentialActor(QEMU, [...steps.map((s) => s.done), 'attrSet']) },
      ],
      events,
    };
  },
});
