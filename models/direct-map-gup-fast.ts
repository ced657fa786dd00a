// direct-map-gup-fast: a folio removed from the kernel direct map (secretmem, the precedent
// of guest_memfd NO_DIRECT_MAP) reached through GUP-fast and read by the kernel through its
// absent direct-map entry (docs/designs-and-flaws.md D8, F20; docs/kernel-semantics.md §1.6,
// §3.4 rule 5, INV-16).
//
// Sources:
// - 65291dcfcf89 "mm/secretmem: fix GUP-fast succeeding on secretmem folios" (David
//   Hildenbrand, Mar 2024; Fixes: 1507f51255c9): the fast path exited early and never tested
//   for secretmem; the reader was e.g. fuse_copy_do() ("BUG: unable to handle kernel paging
//   request"). Now gup_fast_folio_allowed() refuses secretmem mappings, and for a NULL
//   mapping "The mapping may have been truncated, in any case we cannot determine if this
//   mapping is safe - fall back to slow path"; the slow path refuses the VMA
//   (check_vma_flags()) or finds the PTE gone.
// - "mm/gup: fix GUP-fast fallback for NULL-mapping order-0 folios" (2026 patch, questioned):
//   accept an order-0 folio with a NULL mapping in the fast path; reviewers objected that a
//   just-truncated secretmem folio also has a NULL mapping (the regression probe).
// - secretmem_fault() zaps the direct map (set_direct_map_invalid_noflush() +
//   flush_tlb_kernel_range()); secretmem_free_folio() restores it when the folio is freed
//   (NO_DIRECT_MAP v9 does the same: §3.4 rule 3).
// - gup_fast_pte_range(): try_grab_folio_fast(), then the PTE is re-read (a changed PTE drops
//   the reference), then gup_fast_folio_allowed(); the grab step here includes the re-read,
//   and truncation may land between it and the mapping check, as the comment above says.
// UNCONFIRMED: the 2026 patch's final form.
//
// Machines: two folios (models/machines/directMap.ts): a secretmem folio its user faults in
// and truncates, and an ordinary folio the user has mapped; the GUP caller (an O_DIRECT /
// FUSE path: pin_user_pages_fast(), read through the direct map, unpin) pins either user
// buffer, so the reader reads a page in every variant.
// Variants (the only difference is gup_fast_folio_allowed()'s rule):
// - gup-fast-early-exit (F20): the fast path allows every folio.
// - gup-fast-mapping-check (65291dcfcf89): refuse secretmem; a NULL mapping falls back.
// - gup-fast-null-mapping-ok (F20, the 2026 probe): a NULL mapping is allowed.
// Bound: exhaustive; shortest counterexamples 4 events (F20; docs §3: 4) and 5 (the probe,
// with the truncate).
import { defineModel, sometimesStep, worldEvent, type WorldEventSpec } from '../src/index.js';
import { gupRefusesNoDirectMap, noAccessWithoutDirectMap } from '../properties/directMap.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { gupFolioMachine, type GupPolicy } from './machines/directMap.js';

type Variant = 'gup-fast-early-exit' | 'gup-fast-mapping-check' | 'gup-fast-null-mapping-ok';

const POLICY: Readonly<Record<Variant, GupPolicy>> = {
  'gup-fast-early-exit': 'none',
  'gup-fast-mapping-check': 'mapping',
  'gup-fast-null-mapping-ok': 'null-ok',
};

/** Folio 0: secretmem; folio 1: an ordinary (direct-mapped) user buffer. */
const FOLIOS = [
  { id: 'secret', secret: true },
  { id: 'ordinary', secret: false },
] as const;

const readerMachine = sequentialActor('reader', ['grabbed', 'checked', 'read', 'unpinned']);

/** The GUP caller's four steps on folio `k`; a refused check sends it back to idle. */
function reader(k: number, policy: GupPolicy): WorldEventSpec[] {
  const folio = (FOLIOS[k] ?? FOLIOS[0]).id;
  const args = { folio: k };
  return [
    worldEvent(
      'reader',
      'gupFastGrab',
      args,
      [actorStep('reader', 'grabbed', k), { machine: folio, event: { type: 'gupGrab' } }],
      {
        kernel: 'gup_fast_pte_range(): read the PTE, try_grab_folio_fast(), re-read the PTE',
      },
    ),
    worldEvent(
      'reader',
      'gupFastCheck',
      args,
      [
        { machine: folio, event: { type: 'gupCheck', policy } },
        actorStep('reader', 'checked', k, { prior: true }),
      ],
      { kernel: 'gup_fast_folio_allowed(); refused → slow path → check_vma_flags(): -EFAULT' },
    ),
    worldEvent(
      'reader',
      'read',
      args,
      [actorStep('reader', 'read', k), { machine: folio, event: { type: 'kernelRead' } }],
      {
        kernel: 'the GUP caller reads the page through the direct map (fuse_copy_do(), O_DIRECT)',
      },
    ),
    worldEvent(
      'reader',
      'unpin',
      args,
      [actorStep('reader', 'unpinned', k), { machine: folio, event: { type: 'unpin' } }],
      {
        kernel:
          'unpin_user_page(); the last reference of a truncated secretmem folio frees it (direct map restored)',
      },
    ),
  ];
}

export default defineModel<never, Variant>({
  id: 'direct-map-gup-fast',
  title: 'Direct-map removal: GUP-fast on a secretmem folio, read by the kernel (D8, F20)',
  summary:
    'A secretmem folio, removed from the direct map while its user has it mapped, and an ordinary user buffer; a GUP caller (O_DIRECT, FUSE) pins either through GUP-fast, reads it through the direct map and unpins it; the user may truncate the secretmem file. GUP-fast that never tests for secretmem pins it and the read faults (F20, fixed by 65291dcfcf89); accepting a NULL mapping in the fast path pins a just-truncated secretmem folio (the 2026 probe). Explored exhaustively.',
  sources: [
    'docs/designs-and-flaws.md D8, F20',
    'docs/kernel-semantics.md §1.6, §3.4, INV-16',
    '65291dcfcf89 mm/secretmem: fix GUP-fast succeeding on secretmem folios',
    'mm/gup.c gup_fast_pte_range(), gup_fast_folio_allowed()',
    'mm/gup: fix GUP-fast fallback for NULL-mapping order-0 folios (2026 patch, questioned)',
  ],
  unconfirmed: ['the 2026 NULL-mapping patch is a proposal; its final form is not known'],
  params: {},
  variants: {
    'gup-fast-early-exit': {
      doc: 'GUP-fast exits early for non-LRU folios and never tests for secretmem',
      flaws: ['F20'],
      fixedBy: 'gup-fast-mapping-check',
      expect: {
        'no-access-without-direct-map': 'violated',
        'gup-refuses-no-direct-map': 'violated',
        'gup-fast-refused': 'unreached',
      },
    },
    'gup-fast-mapping-check': {
      doc: '65291dcfcf89: refuse secretmem mappings; a NULL mapping falls back to the slow path',
      flaws: [],
      expect: {
        'no-access-without-direct-map': 'holds',
        'gup-refuses-no-direct-map': 'holds',
        'gup-fast-refused': 'reached',
      },
      neverEnabled: {
        'reader: read(folio=0)':
          '65291dcfcf89: gup_fast_folio_allowed() refuses a secretmem mapping and a NULL mapping falls back to the slow path, which refuses the VMA or finds the PTE gone: the reader never holds the secretmem folio',
        'reader: unpin(folio=0)':
          'the reader never pins the secretmem folio (65291dcfcf89), so it never unpins it',
      },
    },
    'gup-fast-null-mapping-ok': {
      doc: '2026 probe: GUP-fast accepts an order-0 folio with a NULL mapping (truncated secretmem too)',
      flaws: ['F20'],
      fixedBy: 'gup-fast-mapping-check',
      expect: {
        'no-access-without-direct-map': 'violated',
        'gup-refuses-no-direct-map': 'violated',
        'gup-fast-refused': 'reached',
      },
    },
  },
  properties: [
    // About the GUP caller reading a page it pinned (the ordinary buffer in every variant).
    noAccessWithoutDirectMap((s) => s.actor === 'reader' && s.type === 'read'),
    gupRefusesNoDirectMap(),
    sometimesStep(
      'gup-fast-refused',
      'GUP-fast refuses the folio (EFAULT after the slow path)',
      (s) => s.type === 'gupFastCheck' && s.outcome === 'EFAULT',
    ),
  ],
  build(_params, variant) {
    const policy = POLICY[variant];
    const secret = FOLIOS[0].id;
    return {
      machines: [
        ...FOLIOS.map((f) => ({ id: f.id, machine: gupFolioMachine, input: { secret: f.secret } })),
        { id: 'reader', machine: readerMachine },
      ],
      events: [
        worldEvent('user', 'userFault', {}, [{ machine: secret, event: { type: 'userFault' } }], {
          kernel:
            'secretmem_fault(): set_direct_map_invalid_noflush() + flush_tlb_kernel_range(), map the PTE',
        }),
        worldEvent('user', 'truncate', {}, [{ machine: secret, event: { type: 'truncate' } }], {
          kernel:
            'ftruncate() → truncate_inode_pages(): unmap, folio->mapping = NULL; secretmem_free_folio() at the last put',
        }),
        ...reader(0, policy),
        ...reader(1, policy),
      ],
    };
  },
});
