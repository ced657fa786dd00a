// A guest_memfd file as the conformance models see it: one fd slot of the VMM and the file
// in it, with its size, creation flags, owning VM, host mapping and memslot bindings. It
// answers the file-level errnos of docs/kernel-semantics.md §2.1-2.7 and the per-access
// checks of a host fault (§2.4); pages, memslots and the VM react to its answer through
// `prior`.
//
//   closed (no file) → open (fd + file) → orphan (fd closed, a mapping holds the file) → closed
//
// The file lives until its last reference goes (§2.7: "mmaps hold file refs, so an mmapped
// gm is not released until munmap"): close() of a mapped fd leaves the file to its mapping,
// and the munmap() that drops it runs kvm_gmem_release(). The step that releases the file
// reports the outcome `released` (a value, not a refusal: a scenario's `-> ok` matches it),
// which the memslots (slot->gmem.file = NULL), the pages and the VM (kvm_put_kvm()) receive
// as `prior`. The fd slot is reused only after its file is released (a model limit: the
// kernel may hand the same fd number to a new file while the old one lives on in a mapping).
//
// Bindings (§1.3, kvm_gmem_bind()): `owners[i]` is the memslot (a code > 0) that binds page
// index i, as the file's bindings xarray records it; release frees them all (xa_destroy).
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
  readonly pages: number;
  readonly mmap: boolean;
  readonly shared: boolean;
  readonly vm: number;
  /** Length in pages of the host mapping of this file (0: none). */
  readonly map: number;
  /** Bit i: page i holds a GUP pin (INPLACE's refcount check looks here first, so a refused conversion changes no page). */
  readonly pinned: number;
  /** Per page index: the memslot code binding it (0: unbound). */
  readonly owners: readonly number[];
}

export type GmemFileEvent =
  | { type: 'create'; size: number; flags: string; vm: number; prior: string }
  | { type: 'close' }
  | { type: 'fstat'; field: string }
  | { type: 'fileio' }
  | { type: 'mmap'; len: number; map: string }
  | { type: 'munmap' }
  | { type: 'access'; page: number }
  | { type: 'fallocate'; mode: string; off: number; len: number }
  | { type: 'madvise'; advice: string }
  | { type: 'bind'; vm: number; off: number; npages: number; owner: number; prior: string }
  | { type: 'unbind'; owner: number; prior: string }
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

/** kvm_gmem_create(): unsupported flags, or a size that is not a positive multiple of P → EINVAL (§2.1). */
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

/** kvm_gmem_bind() after fget() (§1.3): another VM's file, an unaligned offset or a range past i_size → EINVAL; a range overlapping a binding of this file → EEXIST (ML-B). */
function bindError(c: GmemFileContext, vm: number, off: number, npages: number): string | undefined {
  if (c.vm !== vm) return 'EINVAL';
  if (off % P !== 0 || off + npages * P > c.pages * P) return 'EINVAL';
  const start = off / P;
  if (c.owners.slice(start, start + npages).some((o) => o !== 0)) return 'EEXIST';
  return undefined;
}

const sizeWord = (pages: number): string => (pages === 1 ? 'P' : `${pages}P`);
const MAX_PAGES = 8;
type Args = { context: GmemFileContext; event: GmemFileEvent };

/** The released file's context: nothing but the fd slot's identity. */
function released(c: GmemFileContext): GmemFileContext {
  return {
    ...c,
    pages: 0,
    mmap: false,
    shared: false,
    vm: 0,
    map: 0,
    pinned: 0,
    owners: c.owners.map(() => 0),
  };
}

const EBADF = { actions: outcome('EBADF') };
/** What the fd answers when it is closed (the file is gone, or lives only in a mapping). */
const noFd = {
  close: EBADF,
  fstat: EBADF,
  fileio: EBADF,
  mmap: EBADF,
  fallocate: EBADF,
  bind: [{ guard: ({ event }: Args) => event.type === 'bind' && event.prior === 'ok', ...EBADF }, {}],
  convertCheck: EBADF,
};

/** Operations on the file's mapping and bindings: alike whether or not the fd is still open. */
const mappingOps = {
  access: [
    ...['SIGSEGV', 'SIGBUS'].map((sig) => ({
      guard: ({ context, event }: Args) =>
        event.type === 'access' && accessError(context, event.page) === sig,
      actions: outcome(sig),
    })),
    {},
  ],
  /** MADV_COLLAPSE: thp_vma_allowable_order() fails because file_thp_enabled() is false for anon-inode files (§1.10, §2.19). */
  madvise: [
    {
      guard: ({ context, event }: Args) =>
        event.type === 'madvise' && context.map !== 0 && event.advice === 'COLLAPSE',
      actions: outcome('EINVAL'),
    },
    { guard: ({ context }: Args) => context.map !== 0 },
  ],
  /** mbind() on the mapping: an unknown mode is EINVAL (mm/mempolicy.c). */
  mbindCheck: [
    {
      guard: ({ context, event }: Args) =>
        event.type === 'mbindCheck' && context.map !== 0 && event.policy === '999',
      actions: outcome('EINVAL'),
    },
    { guard: ({ context }: Args) => context.map !== 0 },
  ],
  fork: { guard: ({ context }: Args) => context.map !== 0 },
  pinMark: [
    {
      guard: ({ event }: Args) => event.type === 'pinMark' && event.prior === 'ok',
      actions: 'markPin' as const,
    },
    {},
  ],
  /** kvm_gmem_unbind() of a deleted memslot: its bindings go (§2.8). */
  unbind: [
    {
      guard: ({ event }: Args) => event.type === 'unbind' && event.prior === 'ok',
      actions: 'unbindOwner' as const,
    },
    {},
  ],
};

export const gmemFileMachine = setup({
  types: {
    context: {} as GmemFileContext,
    events: {} as GmemFileEvent,
    input: {} as { slot: number; initSharedOk: boolean; perPage: boolean; pages?: number },
  },
  actions: {
    ...outcomeActions,
    markPin: assign(({ context, event }) =>
      event.type === 'pinMark'
        ? { pinned: event.on ? context.pinned | (1 << event.page) : context.pinned & ~(1 << event.page) }
        : {},
    ),
    unbindOwner: assign(({ context, event }) =>
      event.type === 'unbind' ? { owners: context.owners.map((o) => (o === event.owner ? 0 : o)) } : {},
    ),
  },
}).createMachine({
  id: 'gmemFile',
  context: ({ input }) => ({
    slot: input.slot,
    initSharedOk: input.initSharedOk,
    perPage: input.perPage,
    pages: 0,
    mmap: false,
    shared: false,
    vm: 0,
    map: 0,
    pinned: 0,
    owners: Array.from({ length: Math.min(input.pages ?? MAX_PAGES, MAX_PAGES) }, () => 0),
  }),
  initial: 'closed',
  states: {
    closed: {
      description: 'no file in this fd slot',
      on: {
        create: [
          { guard: ({ event }) => event.prior !== 'ok' },
          {
            guard: ({ context, event }) => createError(context, event.size, event.flags),
            actions: outcome('EINVAL'),
          },
          {
            actions: assign(({ event }) => {
              const f = flagBits(event.flags);
              return { pages: event.size / P, mmap: f.mmap, shared: f.shared, vm: event.vm, map: 0 };
            }),
            target: 'open',
          },
        ],
        ...noFd,
        access: { actions: outcome('SIGSEGV') },
        unbind: {},
      },
    },
    open: {
      description: 'the fd holds the file (and the file holds its VM)',
      on: {
        ...mappingOps,
        /** Last fput without a mapping: kvm_gmem_release(); with one, the mapping keeps the file. */
        close: [
          { guard: ({ context }) => context.map !== 0, target: 'orphan' },
          { target: 'closed', actions: [assign(({ context }) => released(context)), outcome('released')] },
        ],
        fstat: [
          ...Array.from({ length: MAX_PAGES }, (_, k) => k + 1).map((n) => ({
            guard: ({ context, event }: Args) =>
              event.type === 'fstat' && event.field === 'size' && context.pages === n,
            actions: outcome(sizeWord(n)),
          })),
          { guard: ({ event }) => event.field === 'blksize', actions: outcome('P') },
          ...[0, 1, 2, 3].map((s) => ({
            guard: ({ context, event }: Args) =>
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
        fallocate: [
          ...['EOPNOTSUPP', 'EINVAL'].map((errno) => ({
            guard: ({ context, event }: Args) =>
              event.type === 'fallocate' &&
              fallocateError(context, event.mode, event.off, event.len) === errno,
            actions: outcome(errno),
          })),
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
          { guard: ({ event }) => event.prior !== 'ok' },
          ...['EINVAL', 'EEXIST'].map((errno) => ({
            guard: ({ context, event }: Args) =>
              event.type === 'bind' && bindError(context, event.vm, event.off, event.npages) === errno,
            actions: outcome(errno),
          })),
          {
            actions: assign(({ context, event }) => {
              const start = event.off / P;
              return {
                owners: context.owners.map((o, i) =>
                  i >= start && i < start + event.npages ? event.owner : o,
                ),
              };
            }),
          },
        ],
      },
    },
    orphan: {
      description: 'the fd is closed; the host mapping still holds the file',
      on: {
        ...mappingOps,
        ...noFd,
        munmap: {
          target: 'closed',
          actions: [assign(({ context }) => released(context)), outcome('released')],
        },
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
