// guest-memfd-inplace: guest_memfd with mmap and in-place shared↔private conversion
// (docs/designs-and-flaws.md D5c; docs/kernel-semantics.md §3.2, INPLACE v7/v8, not merged).
//
// Sources:
// - "guest_memfd: In-place conversion support" v7 (2026-05-22) / v8 (2026-06-18), Ackerley
//   Tng, Sean Christopherson et al.: __kvm_gmem_set_attributes() takes
//   filemap_invalidate_lock exclusive, unmap_mapping_pages() zaps every user PTE, then
//   kvm_gmem_is_safe_for_conversion() requires refcount == nr_pages + 1 per folio after one
//   lru_add_drain_all(), else -EAGAIN; to-shared has no refcount check; user faults take the
//   lock shared and SIGBUS on private indices (kvm_gmem_fault_user_mapping()).
// - Seed 003 (exclusive GUP thread), David Hildenbrand's rules: A) shared→private must not
//   be GUP-pinned or mapped; B) private→shared: nothing to consider; C) mapping requires shared.
// - VFIO type1 holds FOLL_LONGTERM pins for every IOMMU-mapped page (§1.8).
// UNCONFIRMED: the series is not merged; its final form may differ (docs §0, INPLACE).
//
// Machines: page (models/machines/page.ts) and folio per folio, the inode's invalidate lock,
// actors vmm (fault = check under the shared lock, then map), gup (pin/unpin), vfio
// (dmaMap/dmaUnmap), mm (drains LRU batches) and converters (begin = lock + zap, check,
// commit; to-shared in one step under the lock).
// Variants: fixed (all isolation invariants hold); no-pin-check (F6: the check ignores pins
// and DMA mappings); check-before-unmap (F7: the check runs before taking the lock and
// without zapping, the D5b order, so a fault or a pin slips in before the commit);
// no-lru-drain (F3: transient LRU-batch references are counted without lru_add_drain_all,
// so a batch that never drains refuses the conversion forever; progress, under weak
// fairness of the converter's own retries only).
// Progress properties hold from the moment converter0 holds the lock on page0; in
// check-before-unmap the converter never holds it while checking, so they are vacuous.
// Bound: exhaustive (folios=1, pagesPerFolio=1, converters=1 by default).
// Each world event names the kernel function or lock it stands for (`kernel`), shown by
// replay and the reports.
// Simplification: punch-hole of a pinned or DMA-mapped page is not modelled (the pinned
// folio would leave the file while staying allocated); punch is enabled only when unreferenced.
import { and, assign, setup } from 'xstate';
import {
  defineModel,
  worldEvent,
  participant,
  range,
  sometimesStep,
  type MachineInstance,
  type WorldEventSpec,
} from '../src/index.js';
import { conversionCompletes, conversionCompletesWhilePinned } from '../properties/conversion.js';
import { noDmaOfPrivate, noHostMapOfPrivate, noPinOnPrivate } from '../properties/isolation.js';
import { busy } from './machines/actor.js';
import { folioMachine } from './machines/folio.js';
import { invalidateLockMachine } from './machines/invalidateLock.js';
import { pageMachine } from './machines/page.js';

/** The VMM thread that faults pages in: check under the shared lock, then map. */
export const vmmMachine = setup({
  types: {
    context: {} as { page: number },
    events: {} as { type: 'faultBegin'; page: number; prior: string } | { type: 'faultEnd'; page: number },
  },
}).createMachine({
  id: 'vmm',
  initial: 'idle',
  context: { page: 0 },
  states: {
    idle: {
      description: 'not in a fault',
      on: {
        faultBegin: [
          {
            guard: ({ event }) => event.prior === 'ok',
            target: 'faulting',
            actions: assign({ page: ({ event }) => event.page }),
          },
          {},
        ],
      },
    },
    faulting: {
      description:
        'in kvm_gmem_fault_user_mapping() between the shareability check and the PTE install, holding filemap_invalidate_lock shared',
      on: {
        faultEnd: {
          guard: ({ context, event }) => context.page === event.page,
          target: 'idle',
          actions: assign({ page: 0 }),
        },
      },
    },
  },
});

type ConverterEvent =
  | { type: 'begin'; page: number }
  | { type: 'check'; page: number; prior: string }
  | { type: 'commit'; page: number }
  | { type: 'toShared' };

/**
 * A converter thread. With `checkUnderLock` it begins by taking the lock and zapping
 * (state `zapped`) and checks there; without, it checks from `idle`, holding no lock.
 */
function converterMachine(checkUnderLock: boolean) {
  return setup({
    types: { context: {} as { page: number }, events: {} as ConverterEvent },
    guards: {
      samePage: ({ context, event }) => 'page' in event && context.page === event.page,
      priorOk: ({ event }) => event.type === 'check' && event.prior === 'ok',
      beginsUnderLock: () => checkUnderLock,
      checksWithoutLock: () => !checkUnderLock,
    },
    actions: {
      setPage: assign({ page: ({ event }) => ('page' in event ? event.page : 0) }),
      clearPage: assign({ page: 0 }),
    },
  }).createMachine({
    id: 'converter',
    initial: 'idle',
    context: { page: 0 },
    states: {
      idle: {
        description: 'no conversion in progress',
        on: {
          toShared: {},
          begin: { guard: 'beginsUnderLock', target: 'zapped', actions: 'setPage' },
          check: [
            { guard: and(['checksWithoutLock', 'priorOk']), target: 'checked', actions: 'setPage' },
            { guard: 'checksWithoutLock' },
          ],
        },
      },
      zapped: {
        description:
          'in __kvm_gmem_set_attributes() after unmap_mapping_pages(), holding filemap_invalidate_lock exclusive',
        on: {
          check: [
            { guard: and(['samePage', 'priorOk']), target: 'checked' },
            { guard: 'samePage', target: 'idle', actions: 'clearPage' },
          ],
        },
      },
      checked: {
        description: checkUnderLock
          ? 'the reference check passed; still holding filemap_invalidate_lock exclusive'
          : 'the reference check passed, holding no lock (the D5b order)',
        on: { commit: { guard: 'samePage', target: 'idle', actions: 'clearPage' } },
      },
    },
  });
}

const lockedConverter = converterMachine(true);
const unlockedConverter = converterMachine(false);

type Variant = 'fixed' | 'no-pin-check' | 'check-before-unmap' | 'no-lru-drain';

const pageId = (i: number): string => `page${i}`;
const folioId = (f: number): string => `folio${f}`;
const convId = (k: number): string => `converter${k}`;
const LOCK = 'invalidateLock';

export default defineModel<'folios' | 'pagesPerFolio' | 'converters', Variant>({
  id: 'guest-memfd-inplace',
  title: 'guest_memfd with mmap and in-place shared↔private conversion (D5c)',
  summary:
    'Pages of a guest_memfd grouped in folios, mmap()ed by the VMM, pinned by GUP callers and mapped for DMA by VFIO, converted in place by converter threads that take the invalidate lock exclusive, zap user PTEs, check references (EAGAIN when any remain) and commit. Faults check shareability under the shared lock. The fixed variant keeps private pages unmapped, unpinned and out of the IOMMU; no-pin-check (F6) and check-before-unmap (F7) do not. Explored exhaustively.',
  sources: [
    'docs/designs-and-flaws.md D5c, F6, F7',
    'docs/kernel-semantics.md §3.2 (INPLACE v7/v8: __kvm_gmem_set_attributes, kvm_gmem_is_safe_for_conversion)',
    'seeds/003 (David Hildenbrand rules A/B/C)',
    'docs/kernel-semantics.md §1.8 (VFIO type1 long-term pins)',
  ],
  unconfirmed: ['the in-place conversion series is not merged (INPLACE v8)'],
  params: {
    folios: { default: 1, min: 1, max: 3, doc: 'number of folios' },
    pagesPerFolio: { default: 1, min: 1, max: 2, doc: 'pages per folio (references are checked per folio)' },
    converters: { default: 1, min: 1, max: 2, doc: 'number of converter threads' },
  },
  variants: {
    fixed: {
      doc: 'INPLACE v7/v8: lock exclusive, zap PTEs, drain LRU batches, refuse any pin or DMA mapping, commit',
      flaws: [],
      expect: {
        'no-host-map-of-private': 'holds',
        'no-pin-on-private': 'holds',
        'no-dma-of-private': 'holds',
        'converts-to-private': 'reached',
        'converts-to-shared': 'reached',
        'conversion-refused': 'reached',
        'conversion-completes': 'holds',
        'conversion-completes-while-pinned': 'violated',
      },
    },
    'no-pin-check': {
      doc: 'the reference check ignores GUP pins and DMA mappings (rule A without "must not be GUP-pinned")',
      flaws: ['F6'],
      fixedBy: 'fixed',
      expect: {
        'no-host-map-of-private': 'holds',
        'no-pin-on-private': 'violated',
        'no-dma-of-private': 'violated',
        'converts-to-private': 'reached',
        'converts-to-shared': 'reached',
        'conversion-refused': 'unreached',
        'conversion-completes': 'holds',
        'conversion-completes-while-pinned': 'holds',
      },
    },
    'check-before-unmap': {
      doc: 'check mappings and pins first without the lock, then lock and commit (the D5b order): a TOCTOU window',
      flaws: ['F7'],
      fixedBy: 'fixed',
      expect: {
        'no-host-map-of-private': 'violated',
        'no-pin-on-private': 'violated',
        'no-dma-of-private': 'violated',
        'converts-to-private': 'reached',
        'converts-to-shared': 'reached',
        'conversion-refused': 'reached',
        'conversion-completes': 'vacuous',
        'conversion-completes-while-pinned': 'vacuous',
      },
    },
    'no-lru-drain': {
      doc: 'the reference check counts transient LRU-batch references without draining them first; a batch on another CPU may never drain by itself',
      flaws: ['F3'],
      fixedBy: 'fixed',
      expect: {
        'no-host-map-of-private': 'holds',
        'no-pin-on-private': 'holds',
        'no-dma-of-private': 'holds',
        'converts-to-private': 'reached',
        'converts-to-shared': 'reached',
        'conversion-refused': 'reached',
        'conversion-completes': 'violated',
        'conversion-completes-while-pinned': 'violated',
      },
    },
  },
  properties: [
    noHostMapOfPrivate(),
    noPinOnPrivate(),
    noDmaOfPrivate(),
    conversionCompletes(),
    conversionCompletesWhilePinned(),
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
    sometimesStep(
      'conversion-refused',
      'a conversion is refused with EAGAIN while references remain',
      (s) => s.type === 'convertCheck' && s.outcome === 'EAGAIN',
    ),
  ],
  build({ folios, pagesPerFolio, converters }, variant) {
    const underLock = variant !== 'check-before-unmap';
    const checkPins = variant !== 'no-pin-check';
    const pages = range(folios * pagesPerFolio);
    const folioOf = (i: number): number => Math.floor(i / pagesPerFolio);
    const siblings = (i: number): number[] => pages.filter((j) => j !== i && folioOf(j) === folioOf(i));
    const events: WorldEventSpec[] = [];
    const drain = variant === 'no-lru-drain' ? 'without lru_add_drain_all()' : 'after lru_add_drain_all()';
    for (const i of pages) {
      const page = pageId(i);
      const folio = folioId(folioOf(i));
      events.push(
        worldEvent(
          'vmm',
          'faultCheck',
          { page: i },
          [
            participant(page, { type: 'faultCheck' }),
            participant('vmm', { type: 'faultBegin', page: i }, 'prior'),
            participant(LOCK, { type: 'lockShared' }, 'prior'),
          ],
          {
            kernel:
              'kvm_gmem_fault_user_mapping(): filemap_invalidate_lock_shared(), kvm_gmem_is_shared_mem() (SIGBUS if private)',
          },
        ),
      );
      events.push(
        worldEvent(
          'vmm',
          'faultMap',
          { page: i },
          [
            participant(page, { type: 'mapIn' }),
            participant(folio, { type: 'lruAdd' }),
            participant('vmm', { type: 'faultEnd', page: i }),
            participant(LOCK, { type: 'unlockShared' }),
          ],
          {
            kernel: 'kvm_gmem_fault_user_mapping(): install the user PTE, filemap_invalidate_unlock_shared()',
          },
        ),
      );
      events.push(
        worldEvent('vmm', 'unmap', { page: i }, [participant(page, { type: 'unmap' })], {
          kernel: 'munmap(): zap the user PTE',
        }),
      );
      events.push(
        worldEvent(
          'vmm',
          'punchHole',
          { page: i },
          [participant(page, { type: 'punch' }), participant(LOCK, { type: 'whenFree' })],
          { kernel: 'fallocate(PUNCH_HOLE): kvm_gmem_punch_hole() under filemap_invalidate_lock()' },
        ),
      );
      events.push(
        worldEvent('gup', 'pin', { page: i }, [participant(page, { type: 'pin', longterm: false })], {
          kernel: 'pin_user_pages() on the mmap()ed page (FOLL_PIN)',
        }),
      );
      events.push(
        worldEvent('gup', 'unpin', { page: i }, [participant(page, { type: 'unpin', longterm: false })], {
          kernel: 'unpin_user_page()',
        }),
      );
      events.push(
        worldEvent('vfio', 'dmaMap', { page: i }, [participant(page, { type: 'dmaMap' })], {
          kernel: 'VFIO_IOMMU_MAP_DMA (type1: FOLL_LONGTERM pin, then IOMMU map)',
        }),
      );
      events.push(
        worldEvent('vfio', 'dmaUnmap', { page: i }, [participant(page, { type: 'dmaUnmap' })], {
          kernel: 'VFIO_IOMMU_UNMAP_DMA (IOMMU unmap, then unpin)',
        }),
      );
      for (const k of range(converters)) {
        const conv = convId(k);
        const refChecks = [
          participant(folio, { type: 'checkRefs', drain: variant !== 'no-lru-drain' }),
          participant(page, { type: 'convertCheck', to: 'private', pins: checkPins, mapping: true }),
          ...siblings(i).map((j) =>
            participant(pageId(j), { type: 'refCheck', pins: checkPins, mapping: true }),
          ),
          participant(conv, { type: 'check', page: i }, 'prior'),
        ];
        if (underLock) {
          events.push(
            worldEvent(
              conv,
              'convertBegin',
              { page: i },
              [
                participant(conv, { type: 'begin', page: i }),
                participant(LOCK, { type: 'lockExclusive' }),
                participant(page, { type: 'convertZap', to: 'private' }),
              ],
              {
                kernel:
                  'KVM_SET_MEMORY_ATTRIBUTES2(PRIVATE): __kvm_gmem_set_attributes(): filemap_invalidate_lock(), unmap_mapping_pages()',
              },
            ),
          );
          events.push(
            worldEvent(
              conv,
              'convertCheck',
              { page: i },
              [...refChecks, participant(LOCK, { type: 'unlockIfRefused' }, 'prior')],
              {
                kernel: `kvm_gmem_is_safe_for_conversion(): refcount == nr_pages + 1 ${drain}, else -EAGAIN and filemap_invalidate_unlock()`,
              },
            ),
          );
          events.push(
            worldEvent(
              conv,
              'convertCommit',
              { page: i },
              [
                participant(conv, { type: 'commit', page: i }),
                participant(page, { type: 'convertCommit', to: 'private' }),
                participant(LOCK, { type: 'unlockExclusive' }),
              ],
              {
                kernel:
                  'kvm_gmem_invalidate_begin(), store PRIVATE in the attribute maple tree, invalidate_end, filemap_invalidate_unlock()',
              },
            ),
          );
        } else {
          events.push(
            worldEvent(conv, 'convertCheck', { page: i }, refChecks, {
              kernel: 'refcount and mapping check before filemap_invalidate_lock() (the D5b order)',
            }),
          );
          events.push(
            worldEvent(
              conv,
              'convertCommit',
              { page: i },
              [
                participant(conv, { type: 'commit', page: i }),
                participant(LOCK, { type: 'whenFree' }),
                participant(page, { type: 'convertCommit', to: 'private' }),
              ],
              {
                kernel:
                  'filemap_invalidate_lock(), store PRIVATE in the attribute maple tree, filemap_invalidate_unlock()',
              },
            ),
          );
        }
        events.push(
          worldEvent(
            conv,
            'convertToShared',
            { page: i },
            [
              participant(conv, { type: 'toShared' }),
              participant(LOCK, { type: 'whenFree' }),
              participant(page, { type: 'convertCommit', to: 'shared' }),
            ],
            {
              kernel:
                'KVM_SET_MEMORY_ATTRIBUTES2(SHARED): __kvm_gmem_set_attributes() under filemap_invalidate_lock(), no refcount check',
            },
          ),
        );
      }
    }
    for (const f of range(folios))
      events.push(
        worldEvent('mm', 'lruDrain', { folio: f }, [participant(folioId(f), { type: 'lruDrain' })], {
          kernel: 'the per-CPU LRU folio batch drains (lru_add_drain())',
        }),
      );
    const converter = underLock ? lockedConverter : unlockedConverter;
    const machines: MachineInstance[] = [
      ...range(folios).map((f) => ({ id: folioId(f), machine: folioMachine })),
      ...pages.map((i) => ({ id: pageId(i), machine: pageMachine })),
      { id: LOCK, machine: invalidateLockMachine },
      { id: 'vmm', machine: vmmMachine },
      ...range(converters).map((k) => ({ id: convId(k), machine: converter })),
    ];
    const symmetry =
      pagesPerFolio === 1
        ? [
            {
              name: 'folios',
              slots: range(folios).map((f) => [folioId(f), pageId(f)]),
              refs: [
                { kind: 'vmm', field: 'page', when: busy },
                { kind: 'converter', field: 'page', when: busy },
              ],
            },
            { name: 'converters', slots: range(converters).map((k) => [convId(k)]) },
          ]
        : [{ name: 'converters', slots: range(converters).map((k) => [convId(k)]) }];
    return { machines, events, symmetry };
  },
});
