// guest-memfd-conversions: guest_memfd with in-place shared<->private conversion (the
// INPLACE series, v7 2026-05-22 / v8 2026-06-18, NOT MERGED) at the level of its uAPI, for
// conformance with the series' selftest guest_memfd_conversions_test.c. Shareability is
// per page inside guest_memfd; conversion preserves contents (SW-protected VMs); host
// accesses to private pages SIGBUS in every process; a pinned page refuses to-private with
// EAGAIN and no page of the range changes.
//
// Sources (docs/kernel-semantics.md): §3.2 rules 1-11 (maple-tree attributes,
// KVM_SET_MEMORY_ATTRIBUTES2, unmap_mapping_pages + kvm_gmem_is_safe_for_conversion,
// contents preserved, punch keeps status), §4.5 (the selftest), §2.1-2.8 (create, mmap,
// fault, fallocate, release, memslots: shared with mainline), INV-8, INV-18. Rule 11
// follows v8: INIT_SHARED is allowed on a SW_PROTECTED VM with in-place conversion.
// UNCONFIRMED: v8's pin test ("elevated page refcount") is known from the cover letter only;
// that conversions still work after the VM fd is closed is INFERRED.
//
// The VM lifetime and memslot rules are mainline's (models/machines/gmemWorld.ts, see
// guest-memfd-mainline); KVM_SET_MEMORY_ATTRIBUTES2 is a guest_memfd ioctl, so conversions
// still work after the VM fd is closed (the file holds the VM). One memslot by default:
// the rules between memslots (overlap, double binding) are checked in guest-memfd-mainline.
// Machines as in guest-memfd-mainline; the fd slot checks pins for the whole range before
// any page converts.
// Bound: exhaustive at the defaults (1 page, 1 fd, 1 memslot, 1 data tag); `pages` is
// declared up to 3, what a check finishes (pages=4 has 11.6 M states). Scenarios replay one
// path and may use more pages (the selftest's unallocated_folios uses 8; docs/conformance.md).
import { defineModel } from '../src/index.js';
import { gmemParams as mainlineParams } from './guest-memfd-mainline.js';
import { gmemWorld } from './machines/gmemWorld.js';
import {
  bindingWithinFile,
  conversionRefusedWhilePinned,
  gmemReleaseDestroysVm,
  hostReadsGmem,
  initSharedOnlyWhereSupported,
  releasedSlotFaults,
  vmOutlivesGmemFiles,
} from './machines/gmemProperties.js';

/**
 * The mainline parameters; one memslot by default (the memslot rules are checked in
 * guest-memfd-mainline), and at most 3 pages: what a check finishes (pages=3: 583,584
 * states, about 10 s; pages=4: 11.6 M states, over two minutes on a 2-core machine).
 */
const gmemParams = {
  ...mainlineParams,
  pages: { ...mainlineParams.pages, max: 3 },
  slots: { ...mainlineParams.slots, default: 1 },
} as const;

export const CONVERSION_TAGS = ["'A'", "'B'", "'C'", "'D'", "'E'", '0xaa', '0xcc'];

export default defineModel<keyof typeof gmemParams, 'inplace-v8'>({
  id: 'guest-memfd-conversions',
  title: 'guest_memfd in-place conversion (INPLACE v7/v8, not merged): per-page shareability with contents',
  summary:
    'A SW-protected VM whose guest_memfd (MMAP, optionally INIT_SHARED) is bound to a GMEM_ONLY memslot: KVM_SET_MEMORY_ATTRIBUTES2 converts page ranges; to-private zaps host mappings and fails with EAGAIN while a page is pinned; contents survive conversions; host accesses to private pages SIGBUS; punch keeps the status and the next use reads zero; the file holds its VM, and its release leaves the memslot bound-but-dead. Exhaustive at 1 page, 1 fd, 1 memslot, 1 data tag.',
  sources: [
    'docs/kernel-semantics.md §3.2, §4.5, §2.1-2.8, INV-8, INV-18',
    '"guest_memfd: In-place conversion support" v7 (2026-05-22) and v8 (2026-06-18), mailing list',
  ],
  unconfirmed: [
    'v8 "conversion with elevated page refcount" test: known from the cover letter only',
    'KVM_SET_MEMORY_ATTRIBUTES2 works after the VM fd is closed (INFERRED: it is a guest_memfd ioctl and the file holds the VM; no test of the series checks it)',
  ],
  params: gmemParams,
  variants: {
    'inplace-v8': {
      doc: 'the series as of v8: in-place conversion by default, INIT_SHARED allowed on SW_PROTECTED VMs',
      flaws: [],
      expect: {
        'init-shared-only-where-supported': 'holds',
        'vm-outlives-gmem-files': 'holds',
        'binding-within-file': 'holds',
        'host-reads-gmem': 'reached',
        'conversion-refused-while-pinned': 'reached',
        'released-slot-faults': 'reached',
        'gmem-release-destroys-vm': 'reached',
      },
    },
  },
  properties: [
    initSharedOnlyWhereSupported(),
    vmOutlivesGmemFiles(),
    bindingWithinFile(),
    hostReadsGmem(),
    conversionRefusedWhilePinned(),
    releasedSlotFaults(),
    gmemReleaseDestroysVm(),
  ],
  build(p) {
    return gmemWorld({
      pages: p.pages,
      files: p.files,
      vms: p.vms,
      slots: p.slots,
      pmd: p.pmd,
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
