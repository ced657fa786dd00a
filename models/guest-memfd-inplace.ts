// guest-memfd-inplace: guest_memfd with mmap and in-place shared↔private conversion
// (docs/designs-and-flaws.md D5c, F3, F6, F7; docs/kernel-semantics.md §3.2, INPLACE v7/v8,
// not merged).
//
// Sources:
// - "guest_memfd: In-place conversion support" v7 (2026-05-22) / v8 (2026-06-18), Ackerley
//   Tng, Sean Christopherson et al.: __kvm_gmem_set_attributes() takes
//   filemap_invalidate_lock exclusive, unmap_mapping_pages() zaps every user PTE, then
//   kvm_gmem_is_safe_for_conversion() requires refcount == nr_pages + 1 per folio after one
//   lru_add_drain_all(), else -EAGAIN; to-shared has no refcount check; user faults take the
//   lock shared and SIGBUS on private indices (kvm_gmem_fault_user_mapping()); punch hole and
//   truncation leave the attribute alone (§3.2 rule 7, INV-19).
// - kvm_gmem_punch_hole(): filemap_invalidate_lock (exclusive), kvm_gmem_invalidate_begin(),
//   truncate_inode_pages_range() (unmaps user PTEs and removes the folio from the file),
//   kvm_gmem_invalidate_end() (docs/kernel-semantics.md §2.5): "A folio pinned by GUP/IOMMU
//   is removed from the file but not freed" (INV-4, INV-6); a later fault allocates a new
//   folio, zeroed.
// - Seed 003 (exclusive GUP thread), David Hildenbrand's rules: A) shared→private must not
//   be GUP-pinned or mapped; B) private→shared: nothing to consider; C) mapping requires shared;
//   "References/GUP-pins are per folio".
// - VFIO type1 holds FOLL_LONGTERM pins for every IOMMU-mapped page (§1.8).
// UNCONFIRMED: the series is not merged; its final form may differ (docs §0, INPLACE).
//
// Machines: `page` per file index (attribute, the VMM's user PTE, and the page a GUP pin or
// IOMMU mapping reaches); two physical folios per folio-sized slot of the file
// (models/machines/folio.ts refFolioMachine: pins, mapcount, DMA and the transient LRU-batch
// reference belong to the folio, and the conversion check reads them there); the inode's
// invalidate lock; the VMM fault thread (phases `checked`, `mapped`) and converter threads
// (phases `zapped`, `checked`, `committed`; without the lock `checked`, `committed`).
// Other actors act in one step: gup (FOLL_PIN pin/unpin), vfio (dmaMap/dmaUnmap), mm
// (drains a folio's LRU batch), vmm (unmap, punch hole).
// A fault of an index with no folio in the page cache allocates a free folio of the slot
// (either, as the page allocator may return any); a punch of a referenced folio moves it out of the file (`truncated`): the
// index's next fault allocates the other folio, so the conversion check sees the new folio,
// and the old folio's pin or DMA mapping stays on it, allocated, until its holder drops it
// (then it is freed). With one reference holder per slot, at most one punched folio of a
// slot stays allocated, so a fault always finds the slot's other folio free: allocation
// failure (-ENOMEM → VM_FAULT_OOM) is outside the model.
// Variants change one design rule each: fixed; no-pin-check (F6: the reference check reads
// folio_mapped() only, so pins and DMA mappings pass); check-before-unmap (F7: the check runs
// before taking the lock and without zapping, the D5b order, so a fault or a pin slips in
// before the commit); no-lru-drain (F3: the check counts transient LRU-batch references
// without lru_add_drain_all(), and a batch may never drain by itself).
// Properties: INV-1..3 per index (a pin reaches the page it was taken through; the folio
// counts it), each with the premise that a private index exists; conversion-completes
// (L-Convert for any converter on any index, under weak fairness of the converters' own
// steps only; declared symmetric, so it is judged on the symmetry-reduced run from the
// representatives, src/progressRegion.ts). A conversion refused
// because a pin or DMA mapping is held is documented behaviour (INPLACE rule 10: userspace
// drops its references first; the catalogue's F6 companion), reported by the witness
// conversion-refused rather than as a failure of the design. no-pin-check has instead the
// witness pin-refuses-conversion (unreached: a pin never stops its conversions), since its
// mapcount check still refuses a large folio whose sibling page is mapped. In check-before-unmap the
// converter never holds the lock on a zapped page, so conversion-completes has no trigger
// there (vacuous).
// Symmetry: the two physical folios of a slot, the pages of one folio, the folio slots
// (with their folios and pages) and the converters are interchangeable (the VMM's and the
// converters' `page` fields follow them).
// Bound: exhaustive (folios=1, pagesPerFolio=1, converters=1 by default). The declared
// maxima are what a check finishes: folios=3, pagesPerFolio=2, converters=3 stores 355,234
// representatives and judges conversion-completes from them in under 20 s (unreduced,
// folios=2, pagesPerFolio=2, converters=2 alone has 377,140 states; reports/bench.md).
// One reference holder per folio slot
// (a GUP pinner or a VFIO mapping, on the folio in the file or on one punched out of it);
// FOLL_GET references are not exercised here (the refcount check treats
// them as pins). An LRU-batch reference on a punched folio is not followed (truncate
// `untrackBatch`: it only delays the free). Punch hole is per folio slot (guest_memfd is
// order-0 in mainline; with pagesPerFolio=2 a slot is one large folio, checked per folio).
import {
  defineModel,
  outcome,
  outcomeActions,
  participant,
  range,
  sometimesEach,
  sometimesStep,
  sometimesTransition,
  worldEvent,
  type MachineInstance,
  type Participant,
  type TransitionView,
  type SymmetryGroup,
  type SymmetryRef,
  type WorldEventSpec,
  type WorldView,
} from '../src/index.js';
import { conversionCompletes } from '../properties/conversion.js';
import {
  noDmaOfPrivateIndex,
  noHostMapOfPrivateIndex,
  noPinOnPrivateIndex,
} from '../properties/isolation.js';
import { setup, stateIn, type AnyMachineSnapshot } from 'xstate';
import { actorStep, busy, sequentialActor } from './machines/actor.js';
import { hostRefs, refFolioMachine, type RefFolioContext, type RefCheck } from './machines/folio.js';
import { invalidateLockMachine } from './machines/invalidateLock.js';

type Attr = 'shared' | 'private';

export type IndexEvent =
  /** kvm_gmem_fault_user_mapping(): SIGBUS unless the index is shared. */
  | { type: 'faultCheck' }
  /** The fault's PTE install. */
  | { type: 'mapIn' }
  /** munmap / unmap_mapping_pages(): the user PTE goes. */
  | { type: 'unmap' }
  /**
   * truncate_inode_pages_range(): the user PTE goes if there was one, and a reference taken
   * through this index now refers to the folio punched out of the file, not to the index.
   */
  | { type: 'zap' }
  /** The reference holder pins / DMA-maps the folio through this index, or drops that reference. */
  | { type: 'pin' }
  | { type: 'dmaMap' }
  | { type: 'release' }
  /** The conversion stores the attribute (a no-op when it already has it). */
  | { type: 'convertCommit'; to: Attr };

/** One index of the guest_memfd file: its attribute (maple tree entry) and the VMM's user PTE. */
export const fileIndexMachine = setup({
  types: { events: {} as IndexEvent },
  actions: { ...outcomeActions },
  guards: { mapped: stateIn('#page.hostMap.mapped') },
}).createMachine({
  id: 'page',
  type: 'parallel',
  states: {
    attr: {
      initial: 'shared',
      states: {
        shared: {
          on: {
            faultCheck: { guard: ({ event }) => event.type === 'faultCheck' },
            convertCommit: {
              guard: ({ event }) => event.type === 'convertCommit' && event.to === 'private',
              target: 'private',
            },
          },
        },
        private: {
          on: {
            faultCheck: { actions: outcome('SIGBUS') },
            convertCommit: {
              guard: ({ event }) => event.type === 'convertCommit' && event.to === 'shared',
              target: 'shared',
            },
          },
        },
      },
    },
    hostMap: {
      initial: 'unmapped',
      states: {
        unmapped: { on: { mapIn: 'mapped', zap: {} } },
        mapped: { on: { unmap: 'unmapped', zap: 'unmapped' } },
      },
    },
    // The page a GUP pin or an IOMMU mapping gives access to: GUP returns this index's page
    // (the folio counts the reference; the page says what it reaches).
    ref: {
      initial: 'none',
      states: {
        none: {
          on: {
            pin: { guard: 'mapped', target: 'pinned' },
            dmaMap: { guard: 'mapped', target: 'dma' },
            zap: {},
          },
        },
        pinned: { on: { release: 'none', zap: 'none' } },
        dma: { on: { release: 'none', zap: 'none' } },
      },
    },
  },
});

type Variant = 'fixed' | 'no-pin-check' | 'check-before-unmap' | 'no-lru-drain';

const pageId = (i: number): string => `page${i}`;
/** The two physical folios of folio slot `f`: frame 0 (`a`) and frame 1 (`b`). */
const frameName = (k: number): string => (k === 0 ? 'a' : 'b');
const frameId = (f: number, k: number): string => `folio${f}${frameName(k)}`;
const FRAMES = [0, 1];
const convId = (k: number): string => `converter${k}`;
/** The two frames of the folio slot holding file index `index` (slots hold pages / slots pages each). */
const foliosOfIndex = (w: WorldView, index: number): readonly string[] => {
  const frames = w.ids('refFolio');
  const slots = frames.length / FRAMES.length;
  const f = Math.floor(index / (w.ids('page').length / slots));
  return FRAMES.map((k) => frameId(f, k));
};
const LOCK = 'invalidateLock';
const VMM = 'vmm';

const vmmMachine = sequentialActor(VMM, ['checked', 'mapped']);
const lockedConverter = sequentialActor('converter', ['zapped', 'checked', 'committed']);
const unlockedConverter = sequentialActor('converter', ['checked', 'committed']);

const K = {
  fault:
    'kvm_gmem_fault_user_mapping() under filemap_invalidate_lock_shared(): SIGBUS unless the index is shared',
  faultMap:
    'kvm_gmem_fault_user_mapping(): folio from the page cache, PTE installed (finish_fault), folio_add_lru(); filemap_invalidate_unlock_shared()',
  faultAlloc:
    'kvm_gmem_fault_user_mapping(): __filemap_get_folio(FGP_CREAT) allocates a zeroed folio, PTE installed, folio_add_lru(); filemap_invalidate_unlock_shared()',
  unmap: 'munmap() of the VMM mapping: zap_pte_range() drops the mapcount',
  punch:
    'fallocate(PUNCH_HOLE) → kvm_gmem_punch_hole(): filemap_invalidate_lock, kvm_gmem_invalidate_begin(), truncate_inode_pages_range() (unmap_mapping_range + filemap removal; a referenced folio stays allocated), kvm_gmem_invalidate_end()',
  pin: 'pin_user_pages(FOLL_PIN) through the VMM mapping',
  unpin: 'unpin_user_page()',
  dmaMap: 'VFIO_IOMMU_MAP_DMA → vfio_pin_pages_remote(FOLL_LONGTERM) + iommu_map()',
  dmaUnmap: 'VFIO_IOMMU_UNMAP_DMA → iommu_unmap() + unpin',
  lruDrain: 'lru_add_drain() on the CPU whose per-CPU batch holds the folio',
  begin:
    'KVM_SET_MEMORY_ATTRIBUTES2(PRIVATE) → __kvm_gmem_set_attributes(): filemap_invalidate_lock, unmap_mapping_pages()',
  check: {
    refcount:
      'kvm_gmem_is_safe_for_conversion(): lru_add_drain_all(), then refcount == nr_pages + 1, else -EAGAIN (filemap_invalidate_unlock)',
    undrained:
      'kvm_gmem_is_safe_for_conversion(): refcount == nr_pages + 1 without lru_add_drain_all(), else -EAGAIN (filemap_invalidate_unlock)',
    mapcount: 'the reference check reads folio_mapped() only, else -EAGAIN (filemap_invalidate_unlock)',
  },
  checkUnlocked: 'reference check before taking filemap_invalidate_lock and without unmapping (D5b order)',
  commit:
    '__kvm_gmem_set_attributes(): kvm_gmem_invalidate_begin(), store PRIVATE, invalidate_end, filemap_invalidate_unlock',
  commitUnlocked:
    'filemap_invalidate_lock, store PRIVATE, filemap_invalidate_unlock (after the earlier check)',
  toShared:
    'KVM_SET_MEMORY_ATTRIBUTES2(SHARED) → __kvm_gmem_set_attributes() under filemap_invalidate_lock: kvm_gmem_invalidate(), store SHARED (no refcount check)',
} as const;

const notCached = (s: AnyMachineSnapshot): boolean => !s.matches('cached');
const unreferenced = (s: AnyMachineSnapshot): boolean => !hostRefs(s.context as RefFolioContext);

/**
 * Was the folio a conversion check looked at pinned, GET-referenced or DMA-mapped, and
 * mapped nowhere, before the step (so only a reference can have refused it)? Its id is
 * folio<slot><frame>; a slot spans pagesPerFolio indices (pages / slots).
 */
function onlyReferenceOnCheckedFolio(t: TransitionView): boolean {
  const { page, frame } = t.args;
  if (typeof page !== 'number' || typeof frame !== 'string') return false;
  const slots = t.before.ids('refFolio').length / FRAMES.length;
  const perSlot = t.before.ids('page').length / slots;
  const folio = t.before.get(`folio${Math.floor(page / perSlot)}${frame}`);
  const c = folio.context as RefFolioContext;
  return hostRefs(c) && c.maps === 0;
}

/** The witness of the designs that check references: some conversion is refused (EAGAIN). */
const conversionRefused = sometimesStep(
  'conversion-refused',
  'a conversion is refused with EAGAIN while references remain (for a pinned page: the F6 companion, a stuck conversion attributable to the pin)',
  (s) => s.type === 'convertCheck' && s.outcome === 'EAGAIN',
);

/**
 * F6's witness: no conversion is ever refused because of a pin or DMA mapping (the check
 * reads folio_mapped() only). A refusal of a folio that is also mapped (a sibling page of a
 * large folio) is not one of these: the mapping alone refuses it.
 */
const pinRefusesConversion = sometimesTransition(
  'pin-refuses-conversion',
  'a conversion is refused (EAGAIN) while the folio it checks is pinned, GET-referenced or DMA-mapped and mapped nowhere',
  (t) => t.type === 'convertCheck' && t.outcome === 'EAGAIN' && onlyReferenceOnCheckedFolio(t),
);

/** Expectations: every invariant holds and every witness is reached unless listed. */
function expected(v: Readonly<Record<string, 'holds' | 'vacuous' | 'violated' | 'reached' | 'unreached'>>) {
  return {
    'no-host-map-of-private': 'holds',
    'no-pin-on-private': 'holds',
    'no-dma-of-private': 'holds',
    'conversion-completes': 'holds',
    'converts-to-private': 'reached',
    'converts-to-shared': 'reached',
    'punched-folio-stays-referenced': 'reached',
    ...v,
  } as const;
}

export default defineModel<'folios' | 'pagesPerFolio' | 'converters', Variant>({
  id: 'guest-memfd-inplace',
  title: 'guest_memfd with mmap and in-place shared↔private conversion (D5c)',
  summary:
    'Indices of a guest_memfd backed by refcounted folios (pins, mapcount, DMA and LRU-batch references belong to the folio), mmap()ed by the VMM, pinned by GUP callers, mapped for DMA by VFIO, punched (a referenced folio leaves the file but stays allocated; the next fault gets a new folio), and converted in place by converter threads that take the invalidate lock exclusive, zap user PTEs, check the folio refcount (EAGAIN when references remain) and commit. Faults check shareability under the shared lock. The fixed variant keeps private indices unmapped, unpinned and out of the IOMMU; no-pin-check (F6) and check-before-unmap (F7) do not; no-lru-drain (F3) refuses conversions forever on a transient reference. Explored exhaustively.',
  sources: [
    'docs/designs-and-flaws.md D5c, F3, F6, F7',
    'docs/kernel-semantics.md §3.2 (INPLACE v7/v8: __kvm_gmem_set_attributes, kvm_gmem_is_safe_for_conversion)',
    'docs/kernel-semantics.md §2.5, INV-4, INV-6 (kvm_gmem_punch_hole: a pinned folio leaves the file, stays allocated)',
    'seeds/003 (David Hildenbrand rules A/B/C; references and pins are per folio)',
    'docs/kernel-semantics.md §1.8 (VFIO type1 long-term pins)',
  ],
  unconfirmed: ['the in-place conversion series is not merged (INPLACE v8)'],
  params: {
    folios: { default: 1, min: 1, max: 3, doc: 'number of folio slots of the file' },
    pagesPerFolio: { default: 1, min: 1, max: 2, doc: 'pages per folio (references are checked per folio)' },
    converters: { default: 1, min: 1, max: 3, doc: 'number of converter threads' },
  },
  variants: {
    fixed: {
      doc: 'INPLACE v7/v8: lock exclusive, zap PTEs, drain LRU batches, refuse any reference beyond the page cache, commit',
      flaws: [],
      properties: [conversionRefused],
      expect: expected({ 'conversion-refused': 'reached' }),
    },
    'no-pin-check': {
      doc: 'the reference check reads folio_mapped() only (rule A without "must not be GUP-pinned"): pins and DMA mappings pass',
      flaws: ['F6'],
      fixedBy: 'fixed',
      properties: [pinRefusesConversion],
      expect: expected({
        'no-pin-on-private': 'violated',
        'no-dma-of-private': 'violated',
        'pin-refuses-conversion': 'unreached',
      }),
    },
    'check-before-unmap': {
      doc: 'check mappings and references first without the lock, then lock and commit (the D5b order): a TOCTOU window. The converter never holds the lock on a zapped page, so conversion-completes has no trigger (vacuous)',
      flaws: ['F7'],
      fixedBy: 'fixed',
      properties: [conversionRefused],
      expect: expected({
        'no-host-map-of-private': 'violated',
        'no-pin-on-private': 'violated',
        'no-dma-of-private': 'violated',
        'conversion-completes': 'vacuous',
        'conversion-refused': 'reached',
      }),
    },
    'no-lru-drain': {
      doc: 'the reference check counts transient LRU-batch references without draining them first; a batch on another CPU may never drain by itself',
      flaws: ['F3'],
      fixedBy: 'fixed',
      properties: [conversionRefused],
      expect: expected({ 'conversion-completes': 'violated', 'conversion-refused': 'reached' }),
    },
  },
  properties: [
    noHostMapOfPrivateIndex('page'),
    noPinOnPrivateIndex('page'),
    noDmaOfPrivateIndex('page'),
    conversionCompletes('converter', foliosOfIndex),
    sometimesStep(
      'converts-to-private',
      'a shared→private conversion commits',
      (s) => s.type === 'convertCommit' && s.outcome === 'ok',
    ),
    sometimesStep(
      'converts-to-shared',
      'a private→shared conversion commits',
      (s) => s.type === 'convertToShared' && s.outcome === 'ok',
    ),
    sometimesEach(
      'punched-folio-stays-referenced',
      'a folio punched out of the file while pinned or DMA-mapped stays allocated (INV-6)',
      'refFolio',
      (s) =>
        s.matches('truncated') &&
        ((s.context as RefFolioContext).pins > 0 || (s.context as RefFolioContext).dma),
    ),
  ],
  build({ folios, pagesPerFolio, converters }, variant) {
    const underLock = variant !== 'check-before-unmap';
    const sees: RefCheck = variant === 'no-pin-check' ? 'mapcount' : 'refcount';
    const drain = variant !== 'no-lru-drain';
    const pages = range(folios * pagesPerFolio);
    const slotOf = (i: number): number => Math.floor(i / pagesPerFolio);
    const slotPages = (f: number): number[] => pages.filter((j) => slotOf(j) === f);
    const events: WorldEventSpec[] = [];
    const isCached = { requires: 'cached' } as const;
    for (const i of pages) {
      const page = pageId(i);
      const f = slotOf(i);
      const [a, b] = FRAMES.map((k) => frameId(f, k)) as [string, string];
      events.push(
        worldEvent(
          VMM,
          'faultCheck',
          { page: i },
          [
            participant(page, { type: 'faultCheck' }),
            actorStep(VMM, 'checked', i, { prior: true }),
            participant(LOCK, { type: 'lockShared' }, 'prior'),
          ],
          { kernel: K.fault },
        ),
      );
      const mapped = (folio: string): Participant[] => [
        participant(folio, { type: 'map' }),
        participant(page, { type: 'mapIn' }),
        actorStep(VMM, 'mapped', i),
        participant(LOCK, { type: 'unlockShared' }),
      ];
      for (const k of FRAMES) {
        const folio = frameId(f, k);
        events.push(
          worldEvent(
            VMM,
            'faultMap',
            { page: i, frame: frameName(k) },
            [{ machine: folio, ...isCached }, ...mapped(folio)],
            {
              kernel: K.faultMap,
            },
          ),
        );
      }
      events.push(
        worldEvent(
          VMM,
          'faultAlloc',
          { page: i, frame: 'a' },
          [
            { machine: b, requires: notCached },
            { machine: a, event: { type: 'alloc' }, requires: 'free' },
            participant(a, { type: 'lruAdd' }),
            ...mapped(a),
          ],
          { kernel: K.faultAlloc },
        ),
      );
      events.push(
        worldEvent(
          VMM,
          'faultAlloc',
          { page: i, frame: 'b' },
          [
            { machine: a, requires: notCached },
            { machine: b, event: { type: 'alloc' }, requires: 'free' },
            participant(b, { type: 'lruAdd' }),
            ...mapped(b),
          ],
          { kernel: K.faultAlloc },
        ),
      );
      // One reference holder per folio slot (a GUP pinner or a VFIO mapping): it takes its
      // reference when no index of the slot and no punched folio of it holds one.
      const holderFree: Participant[] = [
        ...slotPages(f).map((j) => ({ machine: pageId(j), requires: { ref: 'none' } })),
        ...FRAMES.map((k) => ({ machine: frameId(f, k), requires: unreferenced })),
      ];
      for (const k of FRAMES) {
        const folio = frameId(f, k);
        events.push(
          worldEvent(
            VMM,
            'unmap',
            { page: i, frame: frameName(k) },
            [participant(page, { type: 'unmap' }), participant(folio, { type: 'unmap' })],
            { kernel: K.unmap },
          ),
        );
        events.push(
          worldEvent(
            'gup',
            'pin',
            { page: i, frame: frameName(k) },
            [...holderFree, participant(page, { type: 'pin' }), participant(folio, { type: 'pin' })],
            { kernel: K.pin },
          ),
        );
        events.push(
          worldEvent(
            'gup',
            'unpin',
            { page: i, frame: frameName(k) },
            [
              { machine: page, event: { type: 'release' }, requires: { ref: 'pinned' } },
              { machine: folio, event: { type: 'unpin' }, requires: 'cached' },
            ],
            { kernel: K.unpin },
          ),
        );
        events.push(
          worldEvent(
            'vfio',
            'dmaMap',
            { page: i, frame: frameName(k) },
            [...holderFree, participant(page, { type: 'dmaMap' }), participant(folio, { type: 'dmaMap' })],
            { kernel: K.dmaMap },
          ),
        );
        events.push(
          worldEvent(
            'vfio',
            'dmaUnmap',
            { page: i, frame: frameName(k) },
            [
              { machine: page, event: { type: 'release' }, requires: { ref: 'dma' } },
              { machine: folio, event: { type: 'dmaUnmap' }, requires: 'cached' },
            ],
            { kernel: K.dmaUnmap },
          ),
        );
      }
      for (const k of range(converters)) {
        const conv = convId(k);
        const check = (folio: string | undefined): Participant[] => [
          ...(folio === undefined
            ? [
                { machine: a, requires: notCached },
                { machine: b, requires: notCached },
              ]
            : [participant(folio, { type: 'checkRefs', drain, sees })]),
          { machine: page, requires: { attr: 'shared' } },
          actorStep(conv, 'checked', i, { prior: true }),
          ...(underLock ? [participant(LOCK, { type: 'unlockIfRefused' }, 'prior')] : []),
        ];
        const kernelCheck = !underLock
          ? K.checkUnlocked
          : sees === 'mapcount'
            ? K.check.mapcount
            : drain
              ? K.check.refcount
              : K.check.undrained;
        if (underLock) {
          const begin = [actorStep(conv, 'zapped', i), participant(LOCK, { type: 'lockExclusive' })];
          events.push(
            worldEvent(
              conv,
              'convertBegin',
              { page: i },
              [...begin, { machine: page, requires: { attr: 'shared', hostMap: 'unmapped' } }],
              { kernel: K.begin },
            ),
          );
          for (const kf of FRAMES) {
            const folio = frameId(f, kf);
            events.push(
              worldEvent(
                conv,
                'convertBegin',
                { page: i, frame: frameName(kf) },
                [
                  ...begin,
                  { machine: page, event: { type: 'unmap' }, requires: { attr: 'shared' } },
                  participant(folio, { type: 'unmap' }),
                ],
                { kernel: K.begin },
              ),
            );
          }
        }
        events.push(worldEvent(conv, 'convertCheck', { page: i }, check(undefined), { kernel: kernelCheck }));
        for (const kf of FRAMES) {
          const folio = frameId(f, kf);
          events.push(
            worldEvent(conv, 'convertCheck', { page: i, frame: frameName(kf) }, check(folio), {
              kernel: kernelCheck,
            }),
          );
        }
        events.push(
          worldEvent(
            conv,
            'convertCommit',
            { page: i },
            [
              actorStep(conv, 'committed', i),
              ...(underLock
                ? [participant(LOCK, { type: 'unlockExclusive' })]
                : [participant(LOCK, { type: 'whenFree' })]),
              participant(page, { type: 'convertCommit', to: 'private' }),
            ],
            { kernel: underLock ? K.commit : K.commitUnlocked },
          ),
        );
        events.push(
          worldEvent(
            conv,
            'convertToShared',
            { page: i },
            [
              { machine: conv, requires: 'idle' },
              participant(LOCK, { type: 'whenFree' }),
              {
                machine: page,
                event: { type: 'convertCommit', to: 'shared' },
                requires: { attr: 'private' },
              },
            ],
            { kernel: K.toShared },
          ),
        );
      }
    }
    for (const f of range(folios)) {
      for (const k of FRAMES) {
        const folio = frameId(f, k);
        events.push(
          worldEvent(
            VMM,
            'punchHole',
            { slot: f, frame: frameName(k) },
            [
              participant(LOCK, { type: 'whenFree' }),
              participant(folio, { type: 'truncate', untrackBatch: true }),
              ...slotPages(f).map((j) => participant(pageId(j), { type: 'zap' })),
            ],
            { kernel: K.punch },
          ),
        );
        events.push(
          worldEvent(
            'gup',
            'unpin',
            { slot: f, frame: frameName(k) },
            [{ machine: folio, event: { type: 'unpin' }, requires: 'truncated' }],
            {
              kernel: K.unpin,
            },
          ),
        );
        events.push(
          worldEvent(
            'vfio',
            'dmaUnmap',
            { slot: f, frame: frameName(k) },
            [{ machine: folio, event: { type: 'dmaUnmap' }, requires: 'truncated' }],
            { kernel: K.dmaUnmap },
          ),
        );
        events.push(
          worldEvent(
            'mm',
            'lruDrain',
            { slot: f, frame: frameName(k) },
            [participant(folio, { type: 'lruDrain' })],
            {
              kernel: K.lruDrain,
            },
          ),
        );
      }
    }
    const converter = underLock ? lockedConverter : unlockedConverter;
    const machines: MachineInstance[] = [
      ...range(folios).flatMap((f) =>
        FRAMES.map((k) => ({ id: frameId(f, k), machine: refFolioMachine, input: { pages: pagesPerFolio } })),
      ),
      ...pages.map((i) => ({ id: pageId(i), machine: fileIndexMachine })),
      { id: LOCK, machine: invalidateLockMachine },
      { id: VMM, machine: vmmMachine },
      ...range(converters).map((k) => ({ id: convId(k), machine: converter })),
    ];
    // Interchangeable: the two physical folios of a slot (which frame a fault allocates
    // first is a naming choice), the pages of one folio, the folio slots with their frames
    // and pages, and the converters. Inner groups are listed first, so they are sorted
    // before the slots that hold them.
    const refs = (per: number, offset: number): SymmetryRef[] => [
      { kind: VMM, field: 'page', when: busy, per, offset },
      { kind: 'converter', field: 'page', when: busy, per, offset },
    ];
    const symmetry: SymmetryGroup[] = [
      ...range(folios).map((f) => ({ name: `frames${f}`, slots: FRAMES.map((k) => [frameId(f, k)]) })),
      ...(pagesPerFolio === 1
        ? []
        : range(folios).map((f) => ({
            name: `pages${f}`,
            slots: slotPages(f).map((j) => [pageId(j)]),
            refs: refs(1, f * pagesPerFolio),
          }))),
      {
        name: 'folios',
        slots: range(folios).map((f) => [...FRAMES.map((k) => frameId(f, k)), ...slotPages(f).map(pageId)]),
        refs: refs(pagesPerFolio, 0),
      },
      { name: 'converters', slots: range(converters).map((k) => [convId(k)]) },
    ];
    return { machines, events, symmetry };
  },
});
