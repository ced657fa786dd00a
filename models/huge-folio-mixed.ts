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
// it is split, and a marker set when a conversion is refused for a subpage that holds no
// reference itself). Actors act in one step each: the VMM maps and unmaps, VFIO pins and
// unpins (long-term), the converter converts a subpage to private (refcount/mapcount check
// under the invalidate lock, EAGAIN on failure) or to shared, and a restructuring worker
// merges a split folio back when both subpages are private and unreferenced.
// Variants: per-folio-check (F15: folio_maybe_dma_pinned / folio_mapped refuse a conversion
// of an unreferenced subpage), per-page-guess (F15: a per-page guess accepts while the
// subpage is pinned), split-first (the folio is split before a subpage becomes shared, so
// every check is per base page; merged back once all private).
// Progress: properties/convertProgress.ts subpageStaysConvertible() (possibly), judged on the
// explored graph.
// Bound: exhaustive, 1 folio × 2 subpages; counterexamples in 2 and 4 steps (§3: 4).
import { assign, setup } from 'xstate';
import {
  defineModel,
  participant,
  range,
  alwaysEach,
  sometimesEach,
  sometimesStep,
  outcome,
  outcomeActions,
  type WorldEventSpec,
} from '../src/index.js';
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

const initial = (split: boolean): HFolioContext => ({
  attr: ['shared', 'shared'],
  mapped: [false, false],
  pinned: [false, false],
  split,
  spurious: false,
});

type Args = { context: HFolioContext; event: HFolioEvent };
const isShared = ({ context, event }: Args): boolean => at(context.attr, pageOf(event)) === 'shared';
const checkOf = (e: HFolioEvent): Check => (e.type === 'toPrivate' ? e.check : 'folio');

export const hfolioMachine = setup({
  types: { context: {} as HFolioContext, events: {} as HFolioEvent, input: {} as { split: boolean } },
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
      c.split && c.attr[0] === 'private' && c.attr[1] === 'private' && !ownRefs(c, 0) && !ownRefs(c, 1),
  },
}).createMachine({
  id: 'hfolio',
  context: ({ input }) => initial(input.split),
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
    /** To-shared has no reference check; split-first restructures the folio before it. */
    toShared: {
      guard: 'isPrivate',
      actions: assign(({ context, event }) => ({
        attr: put(context.attr, pageOf(event), 'shared'),
        split: context.split || (event.type === 'toShared' && event.splitFirst),
      })),
    },
    merge: { guard: 'canMerge', actions: assign({ split: false }) },
  },
});

type Variant = 'per-folio-check' | 'per-page-guess' | 'split-first';

const FOLIO = 'folio0';
const PAGES = range(2);

/** A one-step world event of `actor` on the folio. */
const one = (actor: string, type: string, page: number, event: HFolioEvent): WorldEventSpec => ({
  actor,
  type,
  args: { page },
  sync: [participant(FOLIO, event)],
});

/** The world events, in exploration order: per subpage VMM, VFIO, converter; then the merge. */
function worldEvents(variant: Variant): WorldEventSpec[] {
  const check: Check = variant === 'per-page-guess' ? 'guess' : 'folio';
  const splitFirst = variant === 'split-first';
  const events = PAGES.flatMap((page) => [
    one('vmm', 'map', page, { type: 'map', page }),
    one('vmm', 'unmap', page, { type: 'unmap', page }),
    one('vfio', 'pin', page, { type: 'pin', page }),
    one('vfio', 'unpin', page, { type: 'unpin', page }),
    one('converter', 'toPrivate', page, { type: 'toPrivate', page, check }),
    one('converter', 'toShared', page, { type: 'toShared', page, splitFirst }),
  ]);
  if (splitFirst)
    events.push({
      actor: 'restructure',
      type: 'merge',
      args: {},
      sync: [participant(FOLIO, { type: 'merge' })],
    });
  return events;
}

const isolation = { 'no-dma-of-private': 'holds', 'no-host-map-of-private': 'holds' } as const;
const reachable = { 'converts-to-private': 'reached', 'conversion-refused': 'reached' } as const;

export default defineModel<never, Variant>({
  id: 'huge-folio-mixed',
  title: 'Huge guest_memfd folio with mixed shared/private subpages: per-folio references (D7)',
  summary:
    'One order-1 folio of guest_memfd whose two subpages start shared; the VMM maps them, VFIO pins them long-term, and a converter converts one subpage at a time. With per-folio pin and map counts, the conversion of a subpage that is neither pinned nor mapped is refused for as long as its sibling is (F15, a false positive that lasts forever under a long-term pin); a per-page guess accepts while the subpage is pinned through an unmapped address (F15, isolation). Splitting the folio to base pages before a subpage becomes shared makes every check exact. Explored exhaustively.',
  sources: [
    'seeds/003 (David Hildenbrand: references/GUP-pins and mappings are per folio)',
    'docs/designs-and-flaws.md D7, F15',
    'docs/kernel-semantics.md §1.6 (folio_maybe_dma_pinned), §3.3 (1G guest_memfd restructuring)',
  ],
  unconfirmed: [
    'the 1G/hugetlb guest_memfd series is not merged',
    "the per-page guess heuristic is the model's illustration of the class the catalogue names",
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
      doc: 'the folio is split to base pages before a subpage becomes shared and merged back once all private',
      flaws: [],
      expect: {
        'unreferenced-subpage-convertible': 'holds',
        ...isolation,
        'no-spurious-refusal': 'holds',
        ...reachable,
        'mixed-huge-folio': 'unreached',
      },
    },
  },
  properties: [
    subpageStaysConvertible(),
    alwaysEach(
      'no-dma-of-private',
      'no IOMMU (DMA) mapping targets a private page (INV-3, P-NoDMAPriv)',
      'hfolio',
      (s) => {
        const c = s.context as HFolioContext;
        return PAGES.every((i) => !(at(c.attr, i) === 'private' && at(c.pinned, i)));
      },
    ),
    alwaysEach(
      'no-host-map-of-private',
      'no private page is mapped in host userspace (INV-1, P-NoHostMapPriv)',
      'hfolio',
      (s) => {
        const c = s.context as HFolioContext;
        return PAGES.every((i) => !(at(c.attr, i) === 'private' && at(c.mapped, i)));
      },
    ),
    alwaysEach(
      'no-spurious-refusal',
      'a conversion is refused only when the converted subpage itself is pinned or mapped (F15)',
      'hfolio',
      (s) => !(s.context as HFolioContext).spurious,
    ),
    sometimesStep(
      'converts-to-private',
      'a subpage is converted to private',
      (s) => s.type === 'toPrivate' && s.outcome === 'ok',
    ),
    sometimesStep(
      'conversion-refused',
      'a conversion is refused with EAGAIN',
      (s) => s.type === 'toPrivate' && s.outcome === 'EAGAIN',
    ),
    sometimesEach(
      'mixed-huge-folio',
      'a huge (unsplit) folio holds one shared and one private subpage',
      'hfolio',
      (s) => {
        const c = s.context as HFolioContext;
        return !c.split && c.attr[0] !== c.attr[1];
      },
    ),
  ],
  build(_params, variant) {
    return {
      machines: [{ id: FOLIO, machine: hfolioMachine, input: { split: variant === 'split-first' } }],
      events: worldEvents(variant),
    };
  },
});
