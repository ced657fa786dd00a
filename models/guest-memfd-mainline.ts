// guest-memfd-mainline: mainline guest_memfd (ML-A/ML-B, with the 6.18 MMAP and INIT_SHARED
// flags) at the level of its uAPI, for conformance with the kernel selftests
// (scenarios/guest_memfd_test, private_mem_conversions_test, private_mem_kvm_exits_test,
// set_memory_region_test). Contents are abstract (zero, data tags) so a scenario can
// check what a read returns.
//
// Sources (docs/kernel-semantics.md): §1.2-1.4 (file, flags, memslot binding, per-VM
// attributes), §2.1-2.12 (create, read/write, mmap, host fault, fallocate, setattr,
// release, memslots, KVM_SET_MEMORY_ATTRIBUTES, get_pfn, x86 guest fault), §3.1
// (mmap/INIT_SHARED rules); virt/kvm/guest_memfd.c kvm_gmem_create/mmap/fault_user_mapping/
// fallocate/bind at torvalds/linux 01f492e1 (ML-A) and f8479adb (ML-B).
// UNCONFIRMED (flagged in `unconfirmed`): the errno of read/write on a gmem fd (EINVAL).
//
// Machines: kvm (capabilities, stateless ioctl checks), slot0 (one memslot), fd0.. (fd
// slots holding a guest_memfd), page0.. (per index: gmem contents, shared backing,
// attribute, routing). Variants: default-vm (no private memory; INIT_SHARED allowed) and
// sw-protected (KVM_X86_SW_PROTECTED_VM: attributes may be private; no INIT_SHARED).
// Bound: exhaustive at the defaults (1 page, 1 fd, 1 data tag); scenarios raise them.
import { defineModel } from '../src/index.js';
import { gmemWorld } from './machines/gmemWorld.js';
import { hostReadsGmem, initSharedOnlyWhereSupported, memoryFaultExit } from './machines/gmemProperties.js';

export const MAINLINE_TAGS = ['0xaa', '0xff', '0xcc', '0x11', '0x22', '0x33', '0x44'];

type Variant = 'default-vm' | 'sw-protected';

export const gmemParams = {
  pages: {
    default: 1,
    min: 1,
    max: 8,
    doc: 'pages per guest_memfd (T = pages*P); page index `pages` lies past EOF',
  },
  files: { default: 1, min: 1, max: 2, doc: 'fd slots that can hold a guest_memfd' },
  vms: { default: 1, min: 1, max: 2, doc: 'VMs (the second only owns guest_memfds, for binding checks)' },
  tags: { default: 1, min: 1, max: 7, doc: 'data tags writers may store, besides zero' },
  flagBits: { default: 0, min: 0, max: 64, doc: 'raw create flag bits 1<<0 .. tried (selftest loops)' },
  regionBits: { default: 0, min: 0, max: 29, doc: 'unsupported memslot flag bits 1<<3 .. tried' },
  selftest: {
    default: 0,
    min: 0,
    max: 1,
    doc: "1: the selftests' full alphabet (malformed arguments, fstat, caps, read/write, madvise, a forked child)",
  },
} as const;

export default defineModel<keyof typeof gmemParams, Variant>({
  id: 'guest-memfd-mainline',
  title: 'Mainline guest_memfd uAPI with abstract contents (conformance model, ML-A/ML-B + MMAP/INIT_SHARED)',
  summary:
    'guest_memfd as the selftests see it: KVM_CREATE_GUEST_MEMFD with flag and size checks, fstat, read/write refused, mmap only with MMAP and MAP_SHARED, host faults SIGBUS unless INIT_SHARED and inside i_size, fallocate allocate/punch with its errnos (punch drops contents; the next use reads zero), memslot binding checks, per-VM memory attributes, and guest accesses routed to guest_memfd (private or GMEM_ONLY) or to the separate shared backing, with KVM_EXIT_MEMORY_FAULT for private accesses without a gmem slot. Exhaustive at 1 page, 1 fd, 1 data tag.',
  sources: [
    'docs/kernel-semantics.md §1.2-1.4, §2.1-2.12, §3.1, §4.1-4.4',
    'virt/kvm/guest_memfd.c at torvalds/linux 01f492e1817e (ML-A) and f8479adb280a (ML-B)',
    'tools/testing/selftests/kvm/guest_memfd_test.c (ML-A)',
  ],
  unconfirmed: ['read/write on a guest_memfd fail with EINVAL (the selftest asserts only < 0; §2.2)'],
  params: gmemParams,
  variants: {
    'default-vm': {
      doc: 'the default VM type: no private memory, KVM_CAP_GUEST_MEMFD_FLAGS = MMAP|INIT_SHARED',
      flaws: [],
      expect: {
        'init-shared-only-where-supported': 'holds',
        'host-reads-gmem': 'reached',
        'memory-fault-exit': 'unreached',
      },
    },
    'sw-protected': {
      doc: 'KVM_X86_SW_PROTECTED_VM: PRIVATE attribute supported, INIT_SHARED not (kvm_arch_supports_gmem_init_shared)',
      flaws: [],
      expect: {
        'init-shared-only-where-supported': 'holds',
        'host-reads-gmem': 'unreached',
        'memory-fault-exit': 'reached',
      },
    },
  },
  properties: [initSharedOnlyWhereSupported(), hostReadsGmem(), memoryFaultExit()],
  build(p, variant) {
    const privateMem = variant === 'sw-protected';
    return gmemWorld({
      pages: p.pages,
      files: p.files,
      vms: p.vms,
      values: MAINLINE_TAGS.slice(0, p.tags),
      flagBits: p.flagBits,
      regionBits: p.regionBits,
      selftest: p.selftest === 1,
      privateMem,
      initSharedOk: !privateMem,
      inplace: false,
    });
  },
});
