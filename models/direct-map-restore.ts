// direct-map-restore: guest memory removed from the kernel direct map and restored on demand
// around each kernel access (docs/designs-and-flaws.md D8, F19; docs/kernel-semantics.md
// §1.9, §3.4).
//
// Sources:
// - Patrick Roy, "unmapping guest_memfd from direct map" v1 (Jul 2024): on-demand restore,
//   access, zap; the patch's rules "Only a single gfn_to_pfn_cache can exist for any given
//   pfn" and "All non-gfn_to_pfn_cache code paths … complete the entire map->access->unmap
//   critical section while holding the folio lock", and its race
//   "map(A)->map(B)->read(A)->unmap(A)->read(B) [BOOM]" (F19).
// - Restore and zap are set_direct_map_default_noflush() and set_direct_map_invalid_noflush()
//   followed by flush_tlb_kernel_range() (as secretmem does); the flush is part of the zap
//   step here (no stale TLB entry is modelled).
// UNCONFIRMED: none beyond the v1 patch text; later versions (v9+) restore only at free.
//
// Machines: the page (models/machines/directMap.ts: direct-map entry, restore count, folio
// lock) and two kernel accessors (map, read, unmap).
// Variants (the only difference is how an accessor brackets its access):
// - on-demand-restore (F19): restore, read, zap, with no count and no lock.
// - refcounted-restore: restores are counted, the last accessor zaps (the mutant the
//   catalogue says must pass).
// - folio-lock-restore: map→access→unmap under the folio lock (the v1 patch's rule).
// No symmetry group for the two accessors: BFS paths through canonical states do not replay
// as concrete event sequences (the engine keeps no permutation per state).
// Bound: exhaustive; shortest counterexample 5 events (docs §3: 6 steps).
import { defineModel, sometimesStep, worldEvent, type WorldEventSpec } from '../src/index.js';
import { noAccessWithoutDirectMap } from '../properties/directMap.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { dmapPageMachine, type RestoreMode } from './machines/directMap.js';

type Variant = 'on-demand-restore' | 'refcounted-restore' | 'folio-lock-restore';

const MODE: Readonly<Record<Variant, RestoreMode>> = {
  'on-demand-restore': 'plain',
  'refcounted-restore': 'refcount',
  'folio-lock-restore': 'locked',
};

const PAGE = 'page';
const accessorMachine = sequentialActor('accessor', ['mapped', 'read', 'unmapped']);
const accId = (k: number): string => `accessor${k}`;

const KERNEL: Readonly<Record<RestoreMode, { map: string; unmap: string }>> = {
  plain: {
    map: 'set_direct_map_default_noflush(): restore the direct-map entry',
    unmap: 'set_direct_map_invalid_noflush() + flush_tlb_kernel_range(): zap the entry',
  },
  refcount: {
    map: 'count the restore; set_direct_map_default_noflush() on the first',
    unmap: 'drop the count; the last one zaps (set_direct_map_invalid_noflush() + flush_tlb_kernel_range())',
  },
  locked: {
    map: 'folio_lock(), then set_direct_map_default_noflush()',
    unmap: 'set_direct_map_invalid_noflush() + flush_tlb_kernel_range(), then folio_unlock()',
  },
};

/** One accessor's three steps on the page. */
function accessor(k: number, mode: RestoreMode): WorldEventSpec[] {
  const acc = accId(k);
  return [
    worldEvent(
      acc,
      'map',
      {},
      [actorStep(acc, 'mapped', 0), { machine: PAGE, event: { type: 'restore', mode } }],
      {
        kernel: KERNEL[mode].map,
      },
    ),
    worldEvent(acc, 'read', {}, [actorStep(acc, 'read', 0), { machine: PAGE, event: { type: 'read' } }], {
      kernel: 'a kernel read of guest memory through the direct map (kvm_read_guest(), gfn_to_pfn_cache)',
    }),
    worldEvent(
      acc,
      'unmap',
      {},
      [actorStep(acc, 'unmapped', 0), { machine: PAGE, event: { type: 'zap', mode } }],
      {
        kernel: KERNEL[mode].unmap,
      },
    ),
  ];
}

const reads = { 'no-access-without-direct-map': 'holds', 'accessor-reads': 'reached' } as const;

export default defineModel<never, Variant>({
  id: 'direct-map-restore',
  title: 'Direct-map removal with on-demand restore by two kernel accessors (D8, F19)',
  summary:
    "A guest page's direct-map entry is zapped; two kernel accessors each restore it, read, and zap it again. Without serialisation the first to finish zaps the entry under the other's read (F19, the v1 patch's map(A)->map(B)->read(A)->unmap(A)->read(B)); counting restores, or holding the folio lock across map→access→unmap (the patch's rule), keeps the entry present for every read. Explored exhaustively.",
  sources: [
    'docs/designs-and-flaws.md D8, F19',
    'docs/kernel-semantics.md §1.9, §3.4',
    'Patrick Roy, unmapping guest_memfd from direct map v1 (Jul 2024)',
  ],
  params: {},
  variants: {
    'on-demand-restore': {
      doc: 'v1: each accessor restores the entry, reads, zaps it, with no count and no lock',
      flaws: ['F19'],
      fixedBy: 'folio-lock-restore',
      expect: { ...reads, 'no-access-without-direct-map': 'violated' },
    },
    'refcounted-restore': {
      doc: 'mutant: restores are counted and only the last accessor zaps the entry',
      flaws: [],
      expect: reads,
    },
    'folio-lock-restore': {
      doc: 'v1 rule: map→access→unmap under the folio lock (one gfn_to_pfn_cache per pfn)',
      flaws: [],
      expect: reads,
    },
  },
  properties: [
    // About an accessor's read of the page.
    noAccessWithoutDirectMap((s) => s.actor.startsWith('accessor') && s.type === 'read'),
    sometimesStep(
      'accessor-reads',
      'a kernel accessor reads the page through its restored direct-map entry',
      (s) => s.actor.startsWith('accessor') && s.type === 'read' && s.outcome === 'ok',
    ),
  ],
  build(_params, variant) {
    const mode = MODE[variant];
    return {
      machines: [
        { id: PAGE, machine: dmapPageMachine },
        { id: accId(0), machine: accessorMachine },
        { id: accId(1), machine: accessorMachine },
      ],
      events: [...accessor(0, mode), ...accessor(1, mode)],
    };
  },
});
