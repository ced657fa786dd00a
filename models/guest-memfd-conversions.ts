// guest-memfd-conversions: guest_memfd with in-place shared<->private conversion (the
// INPLACE series, v7 2026-05-22 / v8 2026-06-18, NOT MERGED) at the level of its uAPI, for
// conformance with the series' selftest guest_memfd_conversions_test.c. Shareability is
// per page inside guest_memfd; conversion preserves contents (SW-protected VMs); host
// accesses to private pages SIGBUS in every process; a pinned page refuses to-private with
// EAGAIN and no page of the range changes.
//
// Sources (docs/kernel-semantics.md): §3.2 rules 1-11 (maple-tree attributes,
// KVM_SET_MEMORY_ATTRIBUTES2, unmap_mapping_pages + kvm_gmem_is_safe_for_conversion,
// contents preserved, punch keeps status), §4.5 (the selftest), §2.1-2.5 (create, mmap,
// fault, fallocate, shared with mainline). Rule 11 follows v8: INIT_SHARED is allowed on
// a SW_PROTECTED VM with in-place conversion.
// UNCONFIRMED: v8's pin test ("elevated page refcount") is known from the cover letter only.
//
// Machines as in guest-memfd-mainline (models/machines/gmemWorld.ts); the fd slot checks
// pins for the whole range before any page converts.
// Bound: exhaustive at the defaults (1 page, 1 fd, 1 data tag).
import { defineModel } from '../src/index.js';
import { gmemParams } from './guest-memfd-mainline.js';
import { gmemWorld } from './machines/gmemWorld.js';
import {
  conversionRefusedWhilePinned,
  hostReadsGmem,
  initSharedOnlyWhereSupported,
} from './machines/gmemProperties.js';

export const CONVERSION_TAGS = ["'A'", "'B'", "'C'", "'D'", "'E'", '0xaa', '0xcc'];

export default defineModel<keyof typeof gmemParams, 'inplace-v8'>({
  id: 'guest-memfd-conversions',
  title: 'guest_memfd in-place conversion (INPLACE v7/v8, not merged): per-page shareability with contents',
  summary:
    'A SW-protected VM whose guest_memfd (MMAP, optionally INIT_SHARED) is bound to a GMEM_ONLY memslot: KVM_SET_MEMORY_ATTRIBUTES2 converts page ranges; to-private zaps host mappings and fails with EAGAIN while a page is pinned; contents survive conversions; host accesses to private pages SIGBUS; punch keeps the status and the next use reads zero. Exhaustive at 1 page, 1 fd, 1 data tag.',
  sources: [
    'docs/kernel-semantics.md §3.2, §4.5, §2.1-2.5',
    '"guest_memfd: In-place conversion support" v7 (2026-05-22) and v8 (2026-06-18), mailing list',
  ],
  unconfirmed: ['v8 "conversion with elevated page refcount" test: known from the cover letter only'],
  params: gmemParams,
  variants: {
    'inplace-v8': {
      doc: 'the series as of v8: in-place conversion by default, INIT_SHARED allowed on SW_PROTECTED VMs',
      flaws: [],
      expect: {
        'init-shared-only-where-supported': 'holds',
        'host-reads-gmem': 'reached',
        'conversion-refused-while-pinned': 'reached',
      },
    },
  },
  properties: [initSharedOnlyWhereSupported(), hostReadsGmem(), conversionRefusedWhilePinned()],
  build(p) {
    return gmemWorld({
      pages: p.pages,
      files: p.files,
      vms: p.vms,
      values: CONVERSION_TAGS.slice(0, p.tags),
      flagBits: p.flagBits,
      regionBits: p.regionBits,
      selftest: p.selftest === 1,
      privateMem: true,
      initSharedOk: true,
      inplace: true,
    });
  },
});
