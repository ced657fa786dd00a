// guest-memfd-mainline: mainline guest_memfd (ML-A/ML-B, with the 6.18 MMAP and INIT_SHARED
// flags) at the level of its uAPI, for conformance with the kernel selftests
// (scenarios/guest_memfd_test, private_mem_conversions_test, private_mem_kvm_exits_test,
// set_memory_region_test) and the kernel rules of scenarios/kernel_semantics. Contents are
// abstract (zero, data tags) so a scenario can check what a read returns.
//
// Sources (docs/kernel-semantics.md): §1.2-1.4 (file, flags, memslot binding, per-VM
// attributes), §2.1-2.12 (create, read/write, mmap, host fault, fallocate, setattr,
// release, memslots, KVM_SET_MEMORY_ATTRIBUTES, get_pfn, x86 guest fault), §3.1
// (mmap/INIT_SHARED rules), INV-8, INV-18; virt/kvm/guest_memfd.c kvm_gmem_create/mmap/
// fault_user_mapping/fallocate/bind/unbind/release/get_pfn at torvalds/linux 01f492e1
// (ML-A) and f8479adb (ML-B); virt/kvm/kvm_main.c kvm_set_memory_region() (checks in order,
// kvm_check_memslot_overlap → EEXIST); arch/x86/kvm/mmu/mmu.c kvm_mmu_faultin_pfn_gmem()
// (a failed kvm_gmem_get_pfn() → KVM_EXIT_MEMORY_FAULT); set_memory_region_test.c at
// 4db102dc (test_add_overlapping_private_memory_regions).
//
// Rules the model states as the kernel does:
// - VM lifetime: every guest_memfd file holds a reference on its VM; closing the VM fd
//   (kvm_vm_free) leaves the VM alive while a file of it is open or mapped, and every VM
//   ioctl then fails with EBADF; the release of the last file destroys the VM. close() of a
//   mapped guest_memfd defers kvm_gmem_release() to the munmap().
// - Memslots: several per VM, each a guest-physical range with a size; overlapping ranges
//   → EEXIST; a guest_memfd slot is immutable (modify → EINVAL); kvm_gmem_bind() refuses
//   another VM's file, an unaligned offset or a range past i_size (EINVAL) and a range
//   overlapping a binding of the same file (EEXIST, ML-B; ML-A answered EINVAL); deleting
//   a memslot unbinds it; releasing the file leaves its slots bound-but-dead, and a guest
//   access through them exits with KVM_EXIT_MEMORY_FAULT.
// - PMD-sized guest_memfd (`PMD` = `pmd` pages, a 2 MiB PMD scaled down): MADV_COLLAPSE is
//   refused (file_thp_enabled() is false for anon inodes), so folios stay order-0; the
//   model has no large-folio state because no mainline path creates one (INV-10).
//
// UNCONFIRMED (flagged in `unconfirmed`): the errno of read/write on a gmem fd (EINVAL); that
// a change of a guest_memfd memslot that drops KVM_MEM_GUEST_MEMFD is refused like any other.
//
// Machines: vm0 (vm1) — VM and fd with its user references; slot0.. — VM 0's memslots;
// fd0.. — fd slots holding a guest_memfd; page0.. — GFN i = index i of fd 0's file
// (contents, shared backing, attribute, routing). Variants: default-vm (no private memory;
// INIT_SHARED allowed) and sw-protected (KVM_X86_SW_PROTECTED_VM: attributes may be
// private; no INIT_SHARED).
// Bound: exhaustive at the defaults (1 page, 1 fd, 2 memslots, 1 data tag; the design
// alphabet: memslots of the whole file at GFN 0 or above the file, offset 0 or P);
// scenarios raise them and take the selftests' alphabet (selftest=1). The declared
// maximum of `pages` is 4, what a check finishes (about half a minute; pages=5 did not
// finish in 100 s on a 2-core machine); scenarios replay one path, so they may use up to
// 8 (replayMax; docs/conformance.md).
import { defineModel } from '../src/index.js';
import { gmemWorld } from './machines/gmemWorld.js';
import {
  bindingsDisjoint,
  bindingWithinFile,
  gmemReleaseDestroysVm,
  hostReadsGmem,
  initSharedOnlyWhereSupported,
  memoryFaultExit,
  memslotOverlapRefused,
  memslotsDisjoint,
  releasedSlotFaults,
  vmOutlivesGmemFiles,
} from './machines/gmemProperties.js';

export const MAINLINE_TAGS = ['0xaa', '0xff', '0xcc', '0x11', '0x22', '0x33', '0x44'];

type Variant = 'default-vm' | 'sw-protected';

export const gmemParams = {
  pages: {
    default: 1,
    min: 1,
    max: 4,
    // The fd machine records bindings of up to 8 pages (models/machines/gmemFile.ts).
    replayMax: 8,
    doc: 'pages per guest_memfd (T = pages*P); page index `pages` lies past EOF',
  },
  files: { default: 1, min: 1, max: 2, doc: 'fd slots that can hold a guest_memfd' },
  vms: {
    default: 1,
    min: 1,
    max: 2,
    doc: 'VMs (the second only owns guest_memfds and one memslot, for binding checks)',
  },
  slots: {
    default: 2,
    min: 1,
    max: 3,
    doc: 'memslot ids of VM 0 (each a guest-physical range with an optional guest_memfd binding)',
  },
  pmd: {
    default: 2,
    min: 2,
    max: 8,
    doc: 'pages of a PMD (the size word PMD: a 2 MiB PMD scaled down to a few pages); offered when pmd <= pages',
  },
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
    'guest_memfd as the selftests see it: KVM_CREATE_GUEST_MEMFD with flag and size checks, fstat, read/write refused, mmap only with MMAP and MAP_SHARED, host faults SIGBUS unless INIT_SHARED and inside i_size, fallocate allocate/punch with its errnos (punch drops contents; the next use reads zero), memslots with guest-physical ranges (overlap → EEXIST) and kvm_gmem_bind() checks (past i_size → EINVAL, bound range → EEXIST), per-VM memory attributes, guest accesses routed to guest_memfd (private or GMEM_ONLY) or to the separate shared backing, KVM_EXIT_MEMORY_FAULT for private accesses without a gmem slot or through a slot whose file was released, and the VM lifetime: each guest_memfd file holds its VM, which is destroyed with the last reference. Exhaustive at 1 page, 1 fd, 2 memslots, 1 data tag.',
  sources: [
    'docs/kernel-semantics.md §1.2-1.4, §2.1-2.12, §3.1, §4.1-4.4, INV-8, INV-18',
    'virt/kvm/guest_memfd.c at torvalds/linux 01f492e1817e (ML-A) and f8479adb280a (ML-B)',
    'virt/kvm/kvm_main.c kvm_set_memory_region(), kvm_vm_release(), kvm_destroy_vm()',
    'arch/x86/kvm/mmu/mmu.c kvm_mmu_faultin_pfn_gmem()',
    'tools/testing/selftests/kvm/guest_memfd_test.c (ML-A)',
    'tools/testing/selftests/kvm/set_memory_region_test.c (4db102dc)',
  ],
  unconfirmed: [
    'read/write on a guest_memfd fail with EINVAL (the selftest asserts only < 0; §2.2)',
    'any change of an existing guest_memfd memslot is EINVAL, also one that drops KVM_MEM_GUEST_MEMFD (§2.8 says so for move and flags-only changes; the kvm_main.c check read tests only the new flags)',
  ],
  params: gmemParams,
  variants: {
    'default-vm': {
      doc: 'the default VM type: no private memory, KVM_CAP_GUEST_MEMFD_FLAGS = MMAP|INIT_SHARED. memory-fault-exit is unreached: the VM refuses the PRIVATE attribute, so no access is private',
      flaws: [],
      expect: {
        'init-shared-only-where-supported': 'holds',
        'vm-outlives-gmem-files': 'holds',
        'binding-within-file': 'holds',
        'bindings-disjoint': 'holds',
        'memslots-disjoint': 'holds',
        'host-reads-gmem': 'reached',
        'memory-fault-exit': 'unreached',
        'memslot-overlap-refused': 'reached',
        'released-slot-faults': 'reached',
        'gmem-release-destroys-vm': 'reached',
      },
    },
    'sw-protected': {
      doc: 'KVM_X86_SW_PROTECTED_VM: PRIVATE attribute supported, INIT_SHARED not (kvm_arch_supports_gmem_init_shared). host-reads-gmem is unreached: without INIT_SHARED every host fault on guest_memfd is SIGBUS',
      flaws: [],
      expect: {
        'init-shared-only-where-supported': 'holds',
        'vm-outlives-gmem-files': 'holds',
        'binding-within-file': 'holds',
        'bindings-disjoint': 'holds',
        'memslots-disjoint': 'holds',
        'host-reads-gmem': 'unreached',
        'memory-fault-exit': 'reached',
        'memslot-overlap-refused': 'reached',
        'released-slot-faults': 'reached',
        'gmem-release-destroys-vm': 'reached',
      },
    },
  },
  properties: [
    initSharedOnlyWhereSupported(),
    vmOutlivesGmemFiles(),
    bindingWithinFile(),
    bindingsDisjoint(),
    memslotsDisjoint(),
    hostReadsGmem(),
    memoryFaultExit(),
    memslotOverlapRefused(),
    releasedSlotFaults(),
    gmemReleaseDestroysVm(),
  ],
  build(p, variant) {
    const privateMem = variant === 'sw-protected';
    return gmemWorld({
      pages: p.pages,
      files: p.files,
      vms: p.vms,
      slots: p.slots,
      pmd: p.pmd,
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
