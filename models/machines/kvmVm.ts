// The VM-level objects of the conformance models (docs/kernel-semantics.md §1.2-1.3, §2.1,
// §2.7-2.9):
//
// - `kvmVm`: one VM (struct kvm) and its fd. It answers capability queries and the ioctl
//   argument checks that need no other state, and counts its users: the VM fd and every
//   guest_memfd file created on it (__kvm_gmem_create() takes kvm_get_kvm(), and
//   kvm_gmem_release() drops it with kvm_put_kvm(); "The file pins KVM, not the other way
//   'round"). Closing the VM fd (kvm_vm_release(); the selftests' kvm_vm_free(), which also
//   closes the vCPU fds) puts the fd's reference; the VM is destroyed (kvm_destroy_vm())
//   when the last reference goes, so a VM whose fd is closed lives on while a guest_memfd
//   file of it is open or still mapped. After its fd is closed every VM ioctl fails with
//   EBADF (the fd number is gone) and no vCPU runs.
//     open → closed (fd closed, a guest_memfd still holds it) → destroyed
// - `memslot`: one memslot id of a VM: empty, a normal slot, or a guest_memfd slot with its
//   guest-physical range (base gfn, pages), its guest_memfd (fd slot, offset in pages) and
//   whether that file was released under it (kvm_gmem_release() sets slot->gmem.file =
//   NULL: the slot stays, bound-but-dead, §2.7). A guest_memfd slot is immutable: it can
//   only be deleted (§1.3, §2.8).
//
// Sources: virt/kvm/kvm_main.c kvm_set_memory_region() (the checks in order: flags, offset
// alignment, delete of a missing slot → EINVAL, modify of a guest_memfd slot → EINVAL,
// changed size → EINVAL, GPA overlap with another slot → EEXIST, then kvm_gmem_bind()),
// kvm_vm_release(), kvm_put_kvm(), kvm_destroy_vm(); virt/kvm/guest_memfd.c
// (torvalds/linux 01f492e1) __kvm_gmem_create(), kvm_gmem_release().
import { assign, setup } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

export interface KvmVmContext {
  /** kvm_arch_has_private_mem(): SW_PROTECTED/SNP/TDX VM types. */
  readonly privateMem: boolean;
  readonly initSharedOk: boolean;
  /** Bit f: the guest_memfd in fd slot f was created on this VM and holds a reference to it. */
  readonly refs: number;
}

export type KvmVmEvent =
  | { type: 'cap'; cap: string }
  | { type: 'regionCheck'; api: string; flags: string; fd: string; off: number }
  | { type: 'attrCheck'; to: string }
  /** A VM ioctl that needs only the VM fd (KVM_CREATE_GUEST_MEMFD's first step). */
  | { type: 'ioctl' }
  /** __kvm_gmem_create() succeeded: the new file in fd slot `fd` takes kvm_get_kvm(). */
  | { type: 'getRef'; fd: number; prior: string }
  /** kvm_gmem_release() of the file in fd slot `fd` (prior 'released'): kvm_put_kvm(). */
  | { type: 'putRef'; fd: number; prior: string }
  /** close() of the VM fd: kvm_vm_release() → kvm_put_kvm(). */
  | { type: 'closeFd' };

const KNOWN_REGION_FLAGS = ['0', 'LOG_DIRTY_PAGES', 'READONLY', 'GUEST_MEMFD'];
const P = 4096;

/** check_memory_region_flags(), the guest_memfd_offset alignment check and the fd-kind checks of kvm_gmem_bind() (§1.3). */
export function regionError(api: string, flags: string, fd: string, off = 0): boolean {
  const words = flags.split('|');
  if (words.some((w) => !KNOWN_REGION_FLAGS.includes(w))) return true;
  const gmem = words.includes('GUEST_MEMFD');
  if (gmem && api === 'v1') return true;
  if (gmem && (words.includes('LOG_DIRTY_PAGES') || words.includes('READONLY'))) return true;
  if (gmem && off % P !== 0) return true;
  if (gmem && !fd.startsWith('gmem')) return true;
  return false;
}

const EBADF = { actions: outcome('EBADF') };

/** What every VM ioctl answers once the VM fd is closed. */
const vmFdClosed = {
  cap: EBADF,
  regionCheck: EBADF,
  attrCheck: EBADF,
  ioctl: EBADF,
  closeFd: EBADF,
};

export const kvmVmMachine = setup({
  types: {
    context: {} as KvmVmContext,
    events: {} as KvmVmEvent,
    input: {} as { privateMem: boolean; initSharedOk: boolean },
  },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'kvmVm',
  context: ({ input }) => ({ ...input, refs: 0 }),
  initial: 'open',
  on: {
    getRef: [
      {
        guard: ({ event }) => event.prior === 'ok',
        actions: assign({ refs: ({ context, event }) => context.refs | (1 << event.fd) }),
      },
      {},
    ],
    // Another file's step, or a VM the file does not belong to: nothing to put.
    putRef: {},
  },
  states: {
    open: {
      description: 'the VM fd is open: ioctls and vCPUs run',
      on: {
        cap: [
          {
            guard: ({ context, event }) => event.cap === 'GUEST_MEMFD_FLAGS' && context.initSharedOk,
            actions: outcome('MMAP|INIT_SHARED'),
          },
          { guard: ({ event }) => event.cap === 'GUEST_MEMFD_FLAGS', actions: outcome('MMAP') },
          {
            guard: ({ context, event }) => event.cap === 'MEMORY_ATTRIBUTES' && context.privateMem,
            actions: outcome('PRIVATE'),
          },
          { actions: outcome('0x00') },
        ],
        regionCheck: [
          {
            guard: ({ event }) => regionError(event.api, event.flags, event.fd, event.off),
            actions: outcome('EINVAL'),
          },
          {},
        ],
        attrCheck: [
          {
            guard: ({ context, event }) => event.to === 'private' && !context.privateMem,
            actions: outcome('EINVAL'),
          },
          {},
        ],
        ioctl: {},
        putRef: [
          {
            guard: ({ event }) => event.prior === 'released',
            actions: assign({ refs: ({ context, event }) => context.refs & ~(1 << event.fd) }),
          },
          {},
        ],
        closeFd: [{ guard: ({ context }) => context.refs === 0, target: 'destroyed' }, { target: 'closed' }],
      },
    },
    closed: {
      description: 'the VM fd is closed; guest_memfd files still hold the VM (kvm_get_kvm)',
      on: {
        ...vmFdClosed,
        putRef: [
          {
            guard: ({ context, event }) =>
              event.prior === 'released' && (context.refs & ~(1 << event.fd)) === 0,
            target: 'destroyed',
            actions: assign({ refs: 0 }),
          },
          {
            guard: ({ event }) => event.prior === 'released',
            actions: assign({ refs: ({ context, event }) => context.refs & ~(1 << event.fd) }),
          },
          {},
        ],
      },
    },
    destroyed: {
      description: 'kvm_destroy_vm(): the last reference is gone; memslots are freed',
      on: vmFdClosed,
    },
  },
});

export type SlotKind = 'none' | 'normal' | 'gmem';

export interface MemslotContext {
  readonly kind: SlotKind;
  /** Guest-physical range in pages: [base, base + npages). */
  readonly base: number;
  readonly npages: number;
  /** guest_memfd slots: the fd slot of the file and the offset into it, in pages. */
  readonly fd: number;
  readonly off: number;
  /** kvm_gmem_release() ran under this slot: slot->gmem.file = NULL (bound-but-dead, §2.7). */
  readonly dead: boolean;
}

export type MemslotEvent =
  /** kvm_set_memory_region() on this slot id: the checks against the existing slot. */
  | { type: 'modify'; gmem: boolean; npages: number; prior: string }
  /** kvm_check_memslot_overlap(): another slot id is being created or moved over [base, base + npages). */
  | { type: 'overlap'; base: number; npages: number; prior: string }
  /** Install the new slot (kvm_set_memslot(KVM_MR_CREATE / MOVE)) after every check passed. */
  | {
      type: 'set';
      kind: 'normal' | 'gmem';
      base: number;
      npages: number;
      fd: number;
      off: number;
      prior: string;
    }
  /** memory_size 0: kvm_set_memslot(KVM_MR_DELETE); a missing slot is EINVAL. */
  | { type: 'delete'; prior: string }
  /** kvm_gmem_release() of the file in fd slot `fd` (prior 'released'): slot->gmem.file = NULL. */
  | { type: 'fileReleased'; fd: number; prior: string };

const ok = ({ event }: { event: { prior: string } }): boolean => event.prior === 'ok';
const overlaps = (a: number, n: number, b: number, m: number): boolean => a < b + m && b < a + n;

/** One memslot id; the guest_memfd fields are meaningful for kind 'gmem' only. */
export const memslotMachine = setup({
  types: { context: {} as MemslotContext, events: {} as MemslotEvent },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'memslot',
  context: { kind: 'none', base: 0, npages: 0, fd: -1, off: 0, dead: false },
  on: {
    modify: [
      { guard: ({ context, event }) => ok({ event }) && context.kind === 'gmem', actions: outcome('EINVAL') },
      {
        guard: ({ context, event }) => ok({ event }) && context.kind === 'normal' && event.gmem,
        actions: outcome('EINVAL'),
      },
      {
        guard: ({ context, event }) =>
          ok({ event }) && context.kind === 'normal' && event.npages !== context.npages,
        actions: outcome('EINVAL'),
      },
      {},
    ],
    overlap: [
      {
        guard: ({ context, event }) =>
          ok({ event }) &&
          context.kind !== 'none' &&
          overlaps(context.base, context.npages, event.base, event.npages),
        actions: outcome('EEXIST'),
      },
      {},
    ],
    set: [
      {
        guard: ok,
        actions: assign(({ event }) => ({
          kind: event.kind,
          base: event.base,
          npages: event.npages,
          fd: event.kind === 'gmem' ? event.fd : -1,
          off: event.kind === 'gmem' ? event.off : 0,
          dead: false,
        })),
      },
      {},
    ],
    delete: [
      { guard: ({ context, event }) => ok({ event }) && context.kind === 'none', actions: outcome('EINVAL') },
      {
        guard: ok,
        actions: assign({ kind: 'none' as SlotKind, base: 0, npages: 0, fd: -1, off: 0, dead: false }),
      },
      {},
    ],
    fileReleased: [
      {
        guard: ({ context, event }) =>
          event.prior === 'released' && context.kind === 'gmem' && !context.dead && context.fd === event.fd,
        actions: assign({ dead: true }),
      },
      {},
    ],
  },
});
