// huge-folio-mixed: guest_memfd with a huge folio whose subpages are converted shared↔private
// one at a time (docs/designs-and-flaws.md D7, F15).
//
// Sources:
// - Seed 003 (exclusive GUP thread, David Hildenbrand, 19 Jun 2024): "References/GUP-pins are
//   per folio. What if some shared part of the folio is pinned but another shared part that
//   we want to convert to private is not? Core-mm will not provide the answer to that";
//   "page_mapped() / folio_mapped() only tell us if any part of the folio is mapped ... what
//   always works is unmapping the whole thing, or walking the rmap".
// - docs/kernel-semantics.md §1.6 (folio_maybe_dma_pinned: _pincount per large folio), §3.3
//   (hugetlb/1G guest_memfd, Ackerley Tng: huge folios are split to 4K for conversion and
//   merged back on PUNCH_HOLE; conversion fails on unexpected refcounts).
// - docs/designs-and-flaws.md F15 (fix: split to base pages before any subpage becomes
//   shared; Ackerley's restructuring).
// UNCONFIRMED: the 1G series is not merged. The per-page guess (a subpage counts as pinned
// only while it is mapped, because pins come through user mappings) is this model's choice
// of a plausible wrong heuristic; the catalogue names the class, not a patch.
//
// Machines: the folio (`hfolio`: per-subpage attribute, user mapping and VFIO pin, whether
// it is split, transient references on the folio, and a marker set when a conversion is
// refused for a subpage that holds no reference itself). Actors act in one step each: the
// VMM maps and unmaps shared subpages, VFIO pins and unpins (long-term, through the
// mapping), a vCPU faulting a private subpage holds a folio reference from
// kvm_gmem_get_pfn() until it has mapped the page, the converter converts a subpage to
// private (pin/map check under the invalidate lock, EAGAIN on failure) or to shared, and a
// restructuring worker merges a split folio back when both subpages are private and
// nothing references it. The folio starts huge with both subpages private (guest_memfd's
// default).
// Variants: per-folio-check (F15: folio_maybe_dma_pinned / folio_mapped refuse a conversion
// of an unreferenced subpage), per-page-guess (F15: a per-page guess accepts while the
// subpage is pinned through an unmapped address), split-first (the folio is split to base
// pages before a subpage becomes shared, so every check is per base page; the split needs
// the folio's refcount to be the expected one, so a vCPU's reference makes it fail and the
// conversion to shared is refused with EAGAIN; merged back once all private).
// Progress: properties/convertProgress.ts subpageStaysConvertible() (possibly), judged on the
// explored graph.
// Bound: exhaustive, 1 folio × 2 subpages; counterexamples in 4 and 6 events (§3: 4; the
// subpages start private, so they are shared first).
import { and, assign, setup } from 'xstate';
import {
  defineModel,
  participant,
  range,
  worldEvent,
  alwaysEach,
  sometimesEach,
  sometimesStep,
  outcome,
  outcomeActions,
  type WorldEventSpec,
} from '../src/index.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { subpageStaysConvertible } from '../properties/convertProgress.js';

type Attr = 'shared' | 'private';
/** How a conversion decides whether a subpage is referenced while its folio is huge. */
type Check = 'folio' | 'guess';

/** Per-subpage state as pairs indexed by subpage (0, 1). */
export interface HFolioContext {
  readonly attr: readonly [Attr, Attr];
  readonly mapped: readonly [boolean, boolean];
  readonly pinned: readonly [boolean, boolean];
  readonly split: boolean;
  /** Transient folio references (a vCPU between kvm_gmem_get_pfn() and the put). */
  readonly refs: number;
  /** A conversion was refused for a subpage that was neither mapped nor pinned. */
  readonly spurious: boolean;
}

type HFolioEvent =
  | { type: 'map'; page: number }
  | { type: 'unmap'; page: number }
  | { type: 'pin'; page: number }
  | { type: 'unpin'; page: number }
  | { type: 'toPrivate'; page: number; check: Check }
  | { type: 'toShared'; page: number; splitFirst: boolean }
  | { type: 'getRef'; page: number }
  | { type: 'putRef' }
  | { type: 'merge' };

type Pair<T> = readonly [T, T];
const at = <T>(pair: Pair<T>, i: number): T => (i === 0 ? pair[0] : pair[1]);
const put = <T>(pair: Pair<T>, i: number, v: T): Pair<T> => (i === 0 ? [v, pair[1]] : [pair[0], v]);
const pageOf = (e: HFolioEvent): number => ('page' in e ? e.page : 0);

/** The subpage's own references: what an exact per-page check sees. */
const ownRefs = (c: HFolioContext, i: number): boolean => at(c.mapped, i) || at(c.pinned, i);

/**
 * What the conversion check sees for subpage `i`. A split folio has per-page counts. A huge
 * one has a per-folio pincount and mapcount (folio_maybe_dma_pinned, folio_mapped); the
 * guess walks the rmap for the subpage and counts the folio's pins only if it is mapped.
 */
export function refusesConversion(c: HFolioContext, i: number, check: Check): boolean {
  if (c.split) return ownRefs(c, i);
  const anyPinned = c.pinned[0] || c.pinned[1];
  if (check === 'folio') return anyPinned || c.mapped[0] || c.mapped[1];
  return at(c.mapped, i);
}

const initial: HFolioContext = {
  attr: ['private', 'private'],
  mapped: [false, false],
  pinned: [false, false],
  split: false,
  refs: 0,
  spurious: false,
};

/** Transient references at once: one vCPU fault. */
const MAX_REFS = 1;

type Args = { context: HFolioContext; event: HFolioEvent };
const isShared = ({ context, event }: Args): boolean => at(context.attr, pageOf(event)) === 'shared';
const checkOf = (e: HFolioEvent): Check => (e.type === 'toPrivate' ? e.check : 'folio');

export const hfolioMachine = setup({
  types: { context: {} as HFolioContext, events: {} as HFolioEvent },
  actions: { ...outcomeActions },
  guards: {
    canMap: (a) => isShared(a) && !at(a.context.mapped, pageOf(a.event)),
    isMapped: ({ context, event }) => at(context.mapped, pageOf(event)),
    canPin: ({ context, event }) => at(context.mapped, pageOf(event)) && !at(context.pinned, pageOf(event)),
    isPinned: ({ context, event }) => at(context.pinned, pageOf(event)),
    isShared,
    refused: (a) => isShared(a) && refusesConversion(a.context, pageOf(a.event), checkOf(a.event)),
    isPrivate: (a) => !isShared(a),
    /** A split folio whose subpages are all private and unreferenced can be merged back. */
    canMerge: ({ context: c }) =>
      c.split &&
      c.attr[0] === 'private' &&
      c.attr[1] === 'private' &&
      !ownRefs(c, 0) &&
      !ownRefs(c, 1) &&
      c.refs === 0,
    /** split-first on a huge folio: the split (restructuring) fails while the folio has extra references. */
    splitRefused: ({ context, event }) =>
      event.type === 'toShared' && event.splitFirst && !context.split && context.refs > 0,
    canRef: (a) => !isShared(a) && a.context.refs < MAX_REFS,
    referenced: ({ context }) => context.refs > 0,
  },
}).createMachine({
  id: 'hfolio',
  context: initial,
  on: {
    map: {
      guard: 'canMap',
      actions: assign(({ context, event }) => ({ mapped: put(context.mapped, pageOf(event), true) })),
    },
    unmap: {
      guard: 'isMapped',
      actions: assign(({ context, event }) => ({ mapped: put(context.mapped, pageOf(event), false) })),
    },
    pin: {
      guard: 'canPin',
      actions: assign(({ context, event }) => ({ pinned: put(context.pinned, pageOf(event), true) })),
    },
    unpin: {
      guard: 'isPinned',
      actions: assign(({ context, event }) => ({ pinned: put(context.pinned, pageOf(event), false) })),
    },
    toPrivate: [
      {
        guard: 'refused',
        actions: [
          assign(({ context, event }) => ({
            spurious: context.spurious || !ownRefs(context, pageOf(event)),
          })),
          outcome('EAGAIN'),
        ],
      },
      {
        guard: 'isShared',
        actions: assign(({ context, event }) => ({ attr: put(context.attr, pageOf(event), 'private') })),
      },
    ],
    /**
     * To-shared has no pin/map check; split-first restructures the folio before it, which
     * needs the expected refcount (split_folio: -EAGAIN with extra references).
     */
    toShared: [
      { guard: and(['isPrivate', 'splitRefused']), actions: outcome('EAGAIN') },
      {
        guard: 'isPrivate',
        actions: assign(({ context, event }) => ({
          attr: put(context.attr, pageOf(event), 'shared'),
          split: context.split || (event.type === 'toShared' && event.splitFirst),
        })),
      },
    ],
    getRef: { guard: 'canRef', actions: assign(({ context }) => ({ refs: context.refs + 1 })) },
    putRef: { guard: 'referenced', actions: assign(({ context }) => ({ refs: context.refs - 1 })) },
    merge: { guard: 'canMerge', actions: assign({ split: false }) },
  },
});

type Variant = 'per-folio-check' | 'per-page-guess' | 'split-first';

const FOLIO = 'folio0';
const PAGES = range(2);

/** A one-step world event of `actor` on the folio. */
const one = (actor: string, type: string, page: number, event: HFolioEvent, kernel: string): WorldEventSpec =>
  worldEvent(actor, type, { page }, [participant(FOLIO, event)], { kernel });

/** The world events, in exploration order: per subpage VMM, VFIO, converter, vCPU; then the merge. */
function worldEvents(variant: Variant): WorldEventSpec[] {
  const check: Check = variant === 'per-page-guess' ? 'guess' : 'folio';
  const splitFirst = variant === 'split-first';
  const events = PAGES.flatMap((page) => [
    one('vmm', 'map', page, { type: 'map', page }, 'kvm_gmem_fault_user_mapping() maps the shared subpage'),
    one('vmm', 'unmap', page, { type: 'unmap', page }, 'munmap() / MADV_DONTNEED of the subpage'),
    one(
      'vfio',
      'pin',
      page,
      { type: 'pin', page },
      'VFIO_IOMMU_MAP_DMA → pin_user_pages(FOLL_LONGTERM) through the mapping',
    ),
    one('vfio', 'unpin', page, { type: 'unpin', page }, 'VFIO_IOMMU_UNMAP_DMA → unpin_user_pages()'),
    one(
      'converter',
      'toPrivate',
      page,
      { type: 'toPrivate', page, check },
      check === 'folio'
        ? 'KVM_SET_MEMORY_ATTRIBUTES2(PRIVATE): folio_maybe_dma_pinned() || folio_mapped() → -EAGAIN'
        : 'KVM_SET_MEMORY_ATTRIBUTES2(PRIVATE): rmap walk of the subpage; folio pins counted only while it is mapped',
    ),
    one(
      'converter',
      'toShared',
      page,
      { type: 'toShared', page, splitFirst },
      splitFirst
        ? 'KVM_SET_MEMORY_ATTRIBUTES2(SHARED): split the huge folio first (restructuring; -EAGAIN while it has extra references)'
        : 'KVM_SET_MEMORY_ATTRIBUTES2(SHARED) (no reference check; the folio stays huge)',
    ),
    worldEvent(
      'vcpu',
      'getPfn',
      { page },
      [actorStep('vcpu', 'gotPfn', page), participant(FOLIO, { type: 'getRef', page })],
      { kernel: 'private guest fault → kvm_gmem_get_pfn() returns with a folio reference' },
    ),
    worldEvent(
      'vcpu',
      'mapPfn',
      { page },
      [actorStep('vcpu', 'mapped', page), participant(FOLIO, { type: 'putRef' })],
      {
        kernel: 'the stage-2 mapping is installed, then kvm_release_page_clean() drops the reference',
      },
    ),
  ]);
  if (splitFirst)
    events.push(
      worldEvent('restructure', 'merge', {}, [participant(FOLIO, { type: 'merge' })], {
        kernel: 'guest_memfd restructuring: merge the split folio back (all private, no references)',
      }),
    );
  return events;
}

const isolation = { 'no-dma-of-private': 'holds', 'no-host-map-of-private': 'holds' } as const;
const reachable = { 'converts-to-private': 'reached', 'conversion-refused': 'reached' } as const;

const ctx = (s: { context: unknown }): HFolioContext => s.context as HFolioContext;
const somePrivate = (c: HFolioContext): boolean => c.attr.includes('private');

export default defineModel<never, Variant>({
  id: 'huge-folio-mixed',
  title: 'Huge guest_memfd folio with mixed shared/private subpages: per-folio references (D7)',
  summary:
    'One huge (order-1) guest_memfd folio whose two subpages start private; a converter converts one subpage at a time while the VMM maps shared subpages, VFIO pins them long-term and a vCPU faulting a private subpage holds a folio reference. With per-folio pin and map counts, the conversion of a subpage that is neither pinned nor mapped is refused for as long as its sibling is (F15, a false positive that lasts forever under a long-term pin); a per-page guess accepts while the subpage is pinned through an unmapped address (F15, isolation). Splitting the folio to base pages before a subpage becomes shared makes every check exact; the split itself is refused (EAGAIN) while the vCPU holds its reference. Explored exhaustively.',
  sources: [
    'seeds/003 (David Hildenbrand: references/GUP-pins and mappings are per folio)',
    'docs/designs-and-flaws.md D7, F15',
    'docs/kernel-semantics.md §1.6 (folio_maybe_dma_pinned), §3.3 (1G guest_memfd restructuring: split for conversion, merge on punch)',
  ],
  unconfirmed: [
    'the 1G/hugetlb guest_memfd series is not merged',
    "the per-page guess heuristic is the model's illustration of the class the catalogue names",
    "the split's refcount precondition is modelled after split_folio(); the restructuring series' exact check is not read",
  ],
  params: {},
  variants: {
    'per-folio-check': {
      doc: 'conversion refuses while folio_maybe_dma_pinned() or folio_mapped() holds for the whole huge folio',
      flaws: ['F15'],
      fixedBy: 'split-first',
      expect: {
        'unreferenced-subpage-convertible': 'violated',
        ...isolation,
        'no-spurious-refusal': 'violated',
        ...reachable,
        'mixed-huge-folio': 'reached',
      },
    },
    'per-page-guess': {
      doc: 'conversion walks the rmap for the subpage and attributes the folio pins to it only while it is mapped',
      flaws: ['F15'],
      fixedBy: 'split-first',
      expect: {
        'unreferenced-subpage-convertible': 'holds',
        ...isolation,
        'no-dma-of-private': 'violated',
        'no-spurious-refusal': 'holds',
        ...reachable,
        'mixed-huge-folio': 'reached',
      },
    },
    'split-first': {
      doc: 'the folio is split to base pages before a subpage becomes shared (refused while a vCPU holds a folio reference) and merged back once all private; a huge folio is never mixed',
      flaws: [],
      expect: {
        'unreferenced-subpage-convertible': 'holds',
        ...isolation,
        'no-spurious-refusal': 'holds',
        ...reachable,
        'mixed-huge-folio': 'unreached',
        'split-refused': 'reached',
      },
      properties: [
        sometimesStep(
          'split-refused',
          'a conversion to shared is refused because the huge folio cannot be split while referenced',
          (s) => s.type === 'toShared' && s.outcome === 'EAGAIN',
        ),
      ],
    },
  },
  properties: [
    subpageStaysConvertible(),
    alwaysEach(
      'no-dma-of-private',
      'no IOMMU (DMA) mapping targets a private page (INV-3, P-NoDMAPriv)',
      'hfolio',
      (s) => {
        const c = ctx(s);
        return PAGES.every((i) => !(at(c.attr, i) === 'private' && at(c.pinned, i)));
      },
      { premise: (s) => somePrivate(ctx(s)) && ctx(s).pinned.includes(true) },
    ),
    alwaysEach(
      'no-host-map-of-private',
      'no private page is mapped in host userspace (INV-1, P-NoHostMapPriv)',
      'hfolio',
      (s) => {
        const c = ctx(s);
        return PAGES.every((i) => !(at(c.attr, i) === 'private' && at(c.mapped, i)));
      },
      { premise: (s) => somePrivate(ctx(s)) && ctx(s).mapped.includes(true) },
    ),
    alwaysEach(
      'no-spurious-refusal',
      'a conversion is refused only when the converted subpage itself is pinned or mapped (F15)',
      'hfolio',
      (s) => !ctx(s).spurious,
      {
        // A shared subpage without references of its own next to one that has some.
        premise: (s) => {
          const c = ctx(s);
          return PAGES.some((i) => at(c.attr, i) === 'shared' && !ownRefs(c, i) && ownRefs(c, 1 - i));
        },
      },
    ),
    sometimesStep(
      'converts-to-private',
      'a subpage is converted to private',
      (s) => s.type === 'toPrivate' && s.outcome === 'ok',
    ),
    sometimesStep(
      'conversion-refused',
      'a conversion to private is refused with EAGAIN',
      (s) => s.type === 'toPrivate' && s.outcome === 'EAGAIN',
    ),
    sometimesEach(
      'mixed-huge-folio',
      'a huge (unsplit) folio holds one shared and one private subpage',
      'hfolio',
      (s) => {
        const c = ctx(s);
        return !c.split && c.attr[0] !== c.attr[1];
      },
    ),
  ],
  build(_params, variant) {
    return {
      machines: [
        { id: FOLIO, machine: hfolioMachine },
        { id: 'vcpu', machine: sequentialActor('vcpu', ['gotPfn', 'mapped']) },
      ],
      events: worldEvents(variant),
    };
  },
});
