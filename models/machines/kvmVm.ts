// The VM-level objects of the conformance models: `kvmVm` answers capability queries and
// the ioctl argument checks that need no state (flags of KVM_SET_USER_MEMORY_REGION[2],
// attribute support), and `memslot` is one memslot of the VM (empty, a normal slot, or a
// guest_memfd slot, which is immutable: docs/kernel-semantics.md §1.3, §2.8-2.9).
import { assign, setup } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

export interface KvmVmContext {
  /** kvm_arch_has_private_mem(): SW_PROTECTED/SNP/TDX VM types. */
  readonly privateMem: boolean;
  readonly initSharedOk: boolean;
}

export type KvmVmEvent =
  | { type: 'cap'; cap: string }
  | { type: 'regionCheck'; api: string; flags: string; fd: string }
  | { type: 'attrCheck'; to: string };

const KNOWN_REGION_FLAGS = ['0', 'LOG_DIRTY_PAGES', 'READONLY', 'GUEST_MEMFD'];

/** check_memory_region_flags() and the fd-kind checks of kvm_gmem_bind() (§1.3). */
export function regionError(api: string, flags: string, fd: string): boolean {
  const words = flags.split('|');
  if (words.some((w) => !KNOWN_REGION_FLAGS.includes(w))) return true;
  const gmem = words.includes('GUEST_MEMFD');
  if (gmem && api === 'v1') return true;
  if (gmem && (words.includes('LOG_DIRTY_PAGES') || words.includes('READONLY'))) return true;
  if (gmem && !fd.startsWith('gmem')) return true;
  return false;
}

export const kvmVmMachine = setup({
  types: {
    context: {} as KvmVmContext,
    events: {} as KvmVmEvent,
    input: {} as KvmVmContext,
  },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'kvmVm',
  context: ({ input }) => input,
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
      { guard: ({ event }) => regionError(event.api, event.flags, event.fd), actions: outcome('EINVAL') },
      {},
    ],
    attrCheck: [
      {
        guard: ({ context, event }) => event.to === 'private' && !context.privateMem,
        actions: outcome('EINVAL'),
      },
      {},
    ],
  },
});

export type MemslotEvent = { type: 'set'; kind: 'normal' | 'gmem'; prior: string } | { type: 'delete' };

/** One memslot: a guest_memfd slot cannot be modified, only deleted (§1.3, §2.8). */
export const memslotMachine = setup({
  types: { context: {} as { kind: 'none' | 'normal' | 'gmem' }, events: {} as MemslotEvent },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'memslot',
  context: { kind: 'none' },
  on: {
    set: [
      { guard: ({ event }) => event.prior !== 'ok' },
      { guard: ({ context }) => context.kind === 'gmem', actions: outcome('EINVAL') },
      { actions: assign({ kind: ({ event }) => event.kind }) },
    ],
    delete: { guard: ({ context }) => context.kind !== 'none', actions: assign({ kind: 'none' }) },
  },
});
