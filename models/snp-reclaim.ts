// snp-reclaim: an SEV-SNP guest page freed by guest_memfd whose RMPUPDATE back to
// hypervisor-owned fails (docs/designs-and-flaws.md D11, F34; docs/kernel-semantics.md INV-5).
//
// Sources:
// - 8dac642999b1 "x86/sev: Introduce an SNP leaked pages list" (SNP host series, tip
//   x86/sev; mainline id assumed equal, docs §4 row 14): a page the host cannot take back
//   is leaked (snp_leak_pages()), never freed.
// - arch/x86/kvm/svm/sev.c (torvalds/linux 0097f9df996f): kvm_rmp_make_shared() — "leak the
//   page should that happen since it will no longer be usable by the host due to RMP
//   protections" — and snp_page_reclaim() leak on failure; sev_gmem_invalidate(), the
//   guest_memfd .free_folio path, only WARNs when rmp_make_shared() fails and goes on, after
//   which the folio is freed: the pattern of the flawed variant. Whether that failure is
//   reachable for a guest_memfd page is UNCONFIRMED.
// UNCONFIRMED (docs/kernel-semantics.md §6 item 5): SNP hook names beyond the tree read.
//
// Machines: the page (models/machines/platform.ts: RMP entry, where the page is, and the
// RMPUPDATE's answer). Actors: guest_memfd freeing the page (.free_folio: RMPUPDATE, whose
// answer is a nondeterministic choice in every variant; then the release) and the next host
// user of the page, which writes it.
// Variants (the only difference is the release after a failed RMPUPDATE):
// - reclaim-fail-freed (F34): the page goes to the page allocator anyway.
// - reclaim-fail-leaked (8dac642999b1): the page goes on the SNP leaked pages list.
// Bound: exhaustive; shortest counterexample 3 events (docs §3: 3).
import { defineModel, worldEvent } from '../src/index.js';
import {
  freedPageAccounted,
  noAssignedPageInAllocator,
  noRmpFaultStep,
  pageLeaked,
} from '../properties/platform.js';
import { snpPageMachine, type OnReclaimFailure } from './machines/platform.js';

type Variant = 'reclaim-fail-freed' | 'reclaim-fail-leaked';

const PAGE = 'page';
const ON_FAILURE: Readonly<Record<Variant, OnReclaimFailure>> = {
  'reclaim-fail-freed': 'free',
  'reclaim-fail-leaked': 'leak',
};

export default defineModel<never, Variant>({
  id: 'snp-reclaim',
  title: 'SEV-SNP: a freed guest page whose RMPUPDATE to hypervisor-owned fails (D11, F34)',
  summary:
    "guest_memfd frees an SNP guest page: its .free_folio hook makes the RMP entry hypervisor-owned again (RMPUPDATE, which may fail: a nondeterministic choice), then the page leaves guest_memfd; the page allocator's next user writes the page. A page whose RMPUPDATE failed is still assigned: returned to the allocator, the next write raises an RMP #PF (F34); 8dac642999b1 keeps it on the SNP leaked pages list instead. Explored exhaustively.",
  sources: [
    'docs/designs-and-flaws.md D11, F34, §4 row 14',
    'docs/kernel-semantics.md INV-5',
    '8dac642999b1 x86/sev: Introduce an SNP leaked pages list',
    'arch/x86/kvm/svm/sev.c kvm_rmp_make_shared(), snp_page_reclaim(), sev_gmem_invalidate() (torvalds/linux 0097f9df996f)',
  ],
  unconfirmed: [
    'mainline id of 8dac642999b1 assumed equal to the tip x86/sev one (docs §4 row 14)',
    'whether rmp_make_shared() can fail in the guest_memfd .free_folio path (sev_gmem_invalidate() WARNs and frees)',
  ],
  params: {},
  variants: {
    'reclaim-fail-freed': {
      doc: 'a page whose RMPUPDATE failed is returned to the page allocator anyway (sev_gmem_invalidate() WARNs and goes on)',
      flaws: ['F34'],
      fixedBy: 'reclaim-fail-leaked',
      expect: {
        'no-rmp-fault': 'violated',
        'no-assigned-page-in-allocator': 'violated',
        'freed-page-accounted': 'holds',
        'page-leaked': 'unreached',
      },
    },
    'reclaim-fail-leaked': {
      doc: '8dac642999b1: a page whose RMPUPDATE failed goes on the SNP leaked pages list (snp_leak_pages())',
      flaws: [],
      expect: {
        'no-rmp-fault': 'holds',
        'no-assigned-page-in-allocator': 'holds',
        'freed-page-accounted': 'holds',
        'page-leaked': 'reached',
      },
    },
  },
  properties: [
    // About the next host user's write of a page guest_memfd freed.
    noRmpFaultStep((s) => s.type === 'hostWrite'),
    noAssignedPageInAllocator(),
    freedPageAccounted(),
    pageLeaked(),
  ],
  build(_params, variant) {
    const on = (event: { type: string; [k: string]: string }) => ({ machine: PAGE, event });
    return {
      machines: [{ id: PAGE, machine: snpPageMachine }],
      events: [
        worldEvent('gmem', 'invalidate', {}, [{ ...on({ type: 'invalidate' }), choice: true }], {
          kernel:
            'kvm_gmem_free_folio() → kvm_arch_gmem_invalidate() → sev_gmem_invalidate() → rmp_make_shared(): RMPUPDATE to hypervisor-owned',
          choices: ['ok', 'fails'],
        }),
        worldEvent('gmem', 'release', {}, [on({ type: 'release', onFailure: ON_FAILURE[variant] })], {
          kernel:
            'filemap_free_folio() after .free_folio: the folio goes back to the page allocator, unless snp_leak_pages() keeps it',
        }),
        worldEvent('host', 'hostWrite', {}, [on({ type: 'hostWrite' })], {
          kernel: 'alloc_pages() hands the page to a new host user, which writes it through the direct map',
        }),
      ],
    };
  },
});
