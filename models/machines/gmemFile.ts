// A guest_memfd file as the conformance models see it: one fd slot of the VMM holding a
// guest_memfd (or nothing), with its size, creation flags, owning VM and host mapping.
// It answers the file-level errnos of docs/kernel-semantics.md §2.1-2.7 and the
// per-access checks of a host fault (§2.4); pages react to its answer through `prior`.
//
// Sizes and offsets arrive in bytes with P = 4096 (the models' page size).
import { assign, setup } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

export const P = 4096;

export interface GmemFileContext {
  readonly slot: number;
  /** Flags this VM accepts at create (KVM_CAP_GUEST_MEMFD_FLAGS). */
  readonly initSharedOk: boolean;
  /** Per-page shareability (INPLACE): the page, not the file, decides host faults. */
  readonly perPage: boolean;
  readonly open: boolean;
  readonly pages: number;
  readonly mmap: boolean;
  readonly shared: boolean;
  readonly vm: number;
  /** Length in pages of the host mapping of this fd (0: none). */
  readonly map: number;
  /** Bit i: page i holds a GUP pin (INPLACE's refcount check looks here first, so a refused conversion changes no page). */
  readonly pinned: number;
}

export type GmemFileEvent =
  | { type: 'create'; size: number; flags: string; vm: number }
  | { type: 'close' }
  | { type: 'fstat'; field: string }
  | { type: 'fileio' }
  | { type: 'mmap'; len: number; map: string }
  | { type: 'munmap' }
  | { type: 'access'; page: number }
  | { type: 'fallocate'; mode: string; off: number; len: number }
  | { type: 'madvise'; advice: string }
  | { type: 'bind'; vm: number; off: number }
  | { type: 'fork' }
  | { type: 'mbindCheck'; policy: string }
  | { type: 'pinMark'; page: number; on: boolean; prior: string }
  | { type: 'convertCheck'; mask: number; to: string };

/** Flag words of a create: MMAP = 1<<0, INIT_SHARED = 1<<1 (include/uapi/linux/kvm.h). */
const flagName = (w: string): string => (w === '1<<0' ? 'MMAP' : w === '1<<1' ? 'INIT_SHARED' : w);

function flagBits(flags: string): { mmap: boolean; shared: boolean; unknown: boolean } {
  const words = flags === '0' ? [] : flags.split('|');
  const names = words.map(flagName);
  return {
    mmap: names.includes('MMAP'),
    shared: names.includes('INIT_SHARED'),
    unknown: names.some((n) => n !== 'MMAP' && n !== 'INIT_SHARED'),
  };
}

function createError(c: GmemFileContext, size: number, flags: string): boolean {
  const f = flagBits(flags);
  return f.unknown || (f.shared && !c.initSharedOk) || size <= 0 || size % P !== 0;
}

/** kvm_gmem_fallocate() checks, in order (§2.5). */
function fallocateError(c: GmemFileContext, mode: string, off: number, len: number): string | undefined {
  const words = mode.split('|');
  if (!words.includes('KEEP_SIZE')) return 'EOPNOTSUPP';
  if (words.some((w) => w !== 'KEEP_SIZE' && w !== 'PUNCH_HOLE')) return 'EOPNOTSUPP';
  if (off % P !== 0 || len % P !== 0) return 'EINVAL';
  if (!words.includes('PUNCH_HOLE') && off + len > c.pages * P) return 'EINVAL';
  return undefined;
}

/** Host fault on page `page` of the mapping (§2.4): SIGSEGV outside the VMA, SIGBUS past EOF or private. */
function accessError(c: GmemFileContext, page: number): string | undefined {
  if (c.map === 0 || page >= c.map) return 'SIGSEGV';
  if (page >= c.pages) return 'SIGBUS';
  if (!c.perPage && !c.shared) return 'SIGBUS';
  return undefined;
}

const sizeWord = (pages: number): string => (pages === 1 ? 'P' : `${pages}P`);

export const gmemFileMachine = setup({
  types: {
    context: {} as GmemFileContext,
    events: {} as GmemFileEvent,
    input: {} as { slot: number; initSharedOk: boolean; perPage: boolean },
  },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'gmemFile',
  context: ({ input }) => ({
    slot: input.slot,
    initSharedOk: input.initSharedOk,
    perPage: input.perPage,
    open: false,
    pages: 0,
    mmap: false,
    shared: false,
    vm: 0,
    map: 0,
    pinned: 0,
  }),
  initial: 'closed',
  states: {
    closed: {
      on: {
        create: [
          {
            guard: ({ context, event }) => createError(context, event.size, event.flags),
            actions: outcome('EINVAL'),
          },
          {
            actions: assign(({ event }) => {
              const f = flagBits(event.flags);
              return {
                open: true,
                pages: event.size / P,
                mmap: f.mmap,
                shared: f.shared,
                vm: event.vm,
                map: 0,
              };
            }),
            target: 'open',
          },
        ],
      },
    },
    open: {
      on: {
        close: {
          target: 'closed',
          actions: assign({ open: false, pages: 0, mmap: false, shared: false, vm: 0, map: 0, pinned: 0 }),
        },
        fstat: [
          ...[1, 2, 3, 4].map((n) => ({
            guard: ({ context, event }: { context: GmemFileContext; event: GmemFileEvent }) =>
              event.type === 'fstat' && event.field === 'size' && context.pages === n,
            actions: outcome(sizeWord(n)),
          })),
          { guard: ({ event }) => event.field === 'blksize', actions: outcome('P') },
          ...[0, 1, 2, 3].map((s) => ({
            guard: ({ context, event }: { context: GmemFileContext; event: GmemFileEvent }) =>
              event.type === 'fstat' && event.field === 'ino' && context.slot === s,
            actions: outcome(`ino${s}`),
          })),
        ],
        fileio: [{ actions: outcome('EINVAL') }],
        mmap: [
          { guard: ({ context }) => context.map === 0 && !context.mmap, actions: outcome('ENODEV') },
          {
            guard: ({ context, event }) => context.map === 0 && event.map !== 'shared',
            actions: outcome('EINVAL'),
          },
          { guard: ({ context }) => context.map === 0, actions: assign({ map: ({ event }) => event.len }) },
        ],
        munmap: { guard: ({ context }) => context.map !== 0, actions: assign({ map: 0 }) },
        access: [
          ...['SIGSEGV', 'SIGBUS'].map((sig) => ({
            guard: ({ context, event }: { context: GmemFileContext; event: GmemFileEvent }) =>
              event.type === 'access' && accessError(context, event.page) === sig,
            actions: outcome(sig),
          })),
          {},
        ],
        fallocate: [
          ...['EOPNOTSUPP', 'EINVAL'].map((errno) => ({
            guard: ({ context, event }: { context: GmemFileContext; event: GmemFileEvent }) =>
              event.type === 'fallocate' &&
              fallocateError(context, event.mode, event.off, event.len) === errno,
            actions: outcome(errno),
          })),
          {},
        ],
        madvise: [
          {
            guard: ({ context, event }) => context.map !== 0 && event.advice === 'COLLAPSE',
            actions: outcome('EINVAL'),
          },
          { guard: ({ context }) => context.map !== 0 },
        ],
        /** mbind() on the mapping: an unknown mode is EINVAL (mm/mempolicy.c). */
        mbindCheck: [
          {
            guard: ({ context, event }) => context.map !== 0 && event.policy === '999',
            actions: outcome('EINVAL'),
          },
          { guard: ({ context }) => context.map !== 0 },
        ],
        fork: { guard: ({ context }) => context.map !== 0 },
        pinMark: [
          {
            guard: ({ event }) => event.prior === 'ok',
            actions: assign(({ context, event }) => ({
              pinned: event.on ? context.pinned | (1 << event.page) : context.pinned & ~(1 << event.page),
            })),
          },
          {},
        ],
        /** kvm_gmem_is_safe_for_conversion(): to-private refuses while a page of the range is pinned (§3.2 rule 4). */
        convertCheck: [
          {
            guard: ({ context, event }) => event.to === 'private' && (context.pinned & event.mask) !== 0,
            actions: outcome('EAGAIN'),
          },
          {},
        ],
        bind: [
          { guard: ({ context, event }) => context.vm !== event.vm, actions: outcome('EINVAL') },
          {
            guard: ({ context, event }) => event.off % P !== 0 || event.off >= context.pages * P,
            actions: outcome('EINVAL'),
          },
          {},
        ],
      },
    },
  },
});

/** Bytes of a size/offset word: an integer, or kP, P+m, kP-m (P = 4096). */
export function bytesOf(word: string): number {
  if (/^\d+$/.test(word)) return Number(word);
  const m = /^(\d*)P([+-]\d+)?$/.exec(word);
  if (m === null) throw new Error(`size word '${word}'`);
  return (m[1] === '' ? 1 : Number(m[1])) * P + Number(m[2] ?? 0);
}
