// Confidential-computing platform rules that turn a host access into a crash
// (docs/designs-and-flaws.md D11, F17, F18, F34). Each machine holds only hardware and
// kernel state; the design rules of the models (split the direct map before RMPUPDATE,
// clear a reclaimed TDX page, leak a page the RMP still assigns) are steps of the actors
// that use them, so a flawed variant differs from its fix by the step it leaves out or by
// the rule its step follows, never by a state written here.
// Outcomes: 'RMP#PF' (SEV-SNP: a host write that the RMP check refuses), '#MC' (TDX: the
// host consumes a poisoned line), 'guest#MC' (the TD consumes it), 'EIO' (RMPUPDATE to
// hypervisor-owned failed: kvm_rmp_make_shared() returns -EIO).
import { and, assign, setup } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

// ---------------------------------------------------------------------------------------
// F17: two 4 KiB pages under one 2 MiB direct-map entry (models/snp-directmap.ts).

export interface GranuleContext {
  /** The kernel direct map over p0 and p1: one 2 MiB entry, or 4 KiB entries after a split. */
  readonly map: 'large' | 'split';
  /** RMP entry of p1: hypervisor-owned, or assigned to the guest. p0 is always the host's. */
  readonly p1: 'host' | 'guest';
}

export type GranuleEvent =
  /** set_memory_4k() on the range (661b1c6169e2's adjust_direct_map()); a no-op once split. */
  | { type: 'splitDirectMap' }
  /** RMPUPDATE of p1 to guest-assigned (rmp_make_private()). */
  | { type: 'rmpMakePrivate' }
  /** RMPUPDATE of p1 back to hypervisor-owned (rmp_make_shared()); the direct map is not re-merged. */
  | { type: 'rmpMakeShared' }
  /** A host kernel write to p0 through the direct map. */
  | { type: 'hostWriteP0' };

/**
 * The RMP check is made at the size of the mapping used: a write through a 2 MiB mapping
 * faults when any 4 KiB page it covers is assigned (an RMP #PF, fatal in the host kernel),
 * though the page written, p0, is the host's.
 */
export const granuleMachine = setup({
  types: { context: {} as GranuleContext, events: {} as GranuleEvent },
  actions: { ...outcomeActions },
  guards: {
    large: ({ context }) => context.map === 'large',
    p1Host: ({ context }) => context.p1 === 'host',
    p1Guest: ({ context }) => context.p1 === 'guest',
  },
}).createMachine({
  id: 'granule',
  context: { map: 'large', p1: 'host' },
  on: {
    splitDirectMap: { actions: assign({ map: 'split' as const }) },
    rmpMakePrivate: { guard: 'p1Host', actions: assign({ p1: 'guest' as const }) },
    rmpMakeShared: { guard: 'p1Guest', actions: assign({ p1: 'host' as const }) },
    hostWriteP0: [{ guard: and(['large', 'p1Guest']), actions: outcome('RMP#PF') }, {}],
  },
});

// ---------------------------------------------------------------------------------------
// F18: one TDX private page, its cache lines, and its way back to the host (models/tdx-poison.ts).

export interface TdxPageContext {
  /** Private to the TD; reclaimed from the TDX module (not yet freed); in the host's hands. */
  readonly owner: 'td' | 'reclaimed' | 'host';
  /**
   * clean; poisoned (a partial write hit a private line: "silently 'poison' the line");
   * rewritten (the poisoned lines were rewritten whole with MOVDIR64B, which clears poison).
   */
  readonly lines: 'clean' | 'poisoned' | 'rewritten';
}

export type TdxPageEvent =
  | { type: 'partialWrite' }
  | { type: 'guestRead' }
  | { type: 'reclaim' }
  | { type: 'movdir64b' }
  | { type: 'free' }
  | { type: 'hostRead' };

export const tdxPageMachine = setup({
  types: { context: {} as TdxPageContext, events: {} as TdxPageEvent },
  actions: { ...outcomeActions },
  guards: {
    private: ({ context }) => context.owner === 'td',
    reclaimed: ({ context }) => context.owner === 'reclaimed',
    host: ({ context }) => context.owner === 'host',
    clean: ({ context }) => context.lines === 'clean',
    poisoned: ({ context }) => context.lines === 'poisoned',
  },
}).createMachine({
  id: 'tdxPage',
  context: { owner: 'td', lines: 'clean' },
  on: {
    /** A sub-cacheline write to a private line poisons it (seed 002); lines of a page no longer private do not. */
    partialWrite: { guard: and(['private', 'clean']), actions: assign({ lines: 'poisoned' as const }) },
    guestRead: [{ guard: and(['private', 'poisoned']), actions: outcome('guest#MC') }, { guard: 'private' }],
    reclaim: { guard: 'private', actions: assign({ owner: 'reclaimed' as const }) },
    /** Full-line direct stores over the page: poisoned lines become clean; clean ones stay so. */
    movdir64b: [
      { guard: and(['reclaimed', 'poisoned']), actions: assign({ lines: 'rewritten' as const }) },
      { guard: 'reclaimed' },
    ],
    free: { guard: 'reclaimed', actions: assign({ owner: 'host' as const }) },
    hostRead: [{ guard: and(['host', 'poisoned']), actions: outcome('#MC') }, { guard: 'host' }],
  },
});

// ---------------------------------------------------------------------------------------
// F34: one SNP guest page freed by guest_memfd (models/snp-reclaim.ts).

/** What the host does with a freed page whose RMPUPDATE to hypervisor-owned failed. */
export type OnReclaimFailure = 'free' | 'leak';

export interface SnpPageContext {
  /** RMP entry: still assigned to the guest, or hypervisor-owned again. */
  readonly rmp: 'guest' | 'host';
  /** In guest_memfd; being freed (.free_folio ran); in the page allocator; leaked; reused by a host user. */
  readonly life: 'inUse' | 'freeing' | 'allocator' | 'leaked' | 'reused';
  /** The answer of the RMPUPDATE made while freeing. */
  readonly reclaim: 'none' | 'ok' | 'failed';
}

export type SnpPageEvent =
  /** .free_folio → sev_gmem_invalidate() → rmp_make_shared(): RMPUPDATE, whose answer is `choice`. */
  | { type: 'invalidate'; choice: string }
  /** The folio leaves guest_memfd: to the page allocator, or onto the leaked list per `onFailure`. */
  | { type: 'release'; onFailure: OnReclaimFailure }
  /** The page allocator hands the page to a new host user, which writes it through the direct map. */
  | { type: 'hostWrite' };

export const snpPageMachine = setup({
  types: { context: {} as SnpPageContext, events: {} as SnpPageEvent },
  actions: { ...outcomeActions },
  guards: {
    inUse: ({ context }) => context.life === 'inUse',
    freeing: ({ context }) => context.life === 'freeing',
    inAllocator: ({ context }) => context.life === 'allocator',
    assigned: ({ context }) => context.rmp === 'guest',
    rmpOk: ({ event }) => event.type === 'invalidate' && event.choice === 'ok',
    failed: ({ context }) => context.reclaim === 'failed',
    leaks: ({ event }) => event.type === 'release' && event.onFailure === 'leak',
  },
}).createMachine({
  id: 'snpPage',
  context: { rmp: 'guest', life: 'inUse', reclaim: 'none' },
  on: {
    invalidate: [
      {
        guard: and(['inUse', 'rmpOk']),
        actions: assign({ life: 'freeing' as const, rmp: 'host' as const, reclaim: 'ok' as const }),
      },
      {
        guard: 'inUse',
        actions: [assign({ life: 'freeing' as const, reclaim: 'failed' as const }), outcome('EIO')],
      },
    ],
    release: [
      { guard: and(['freeing', 'failed', 'leaks']), actions: assign({ life: 'leaked' as const }) },
      { guard: 'freeing', actions: assign({ life: 'allocator' as const }) },
    ],
    hostWrite: [
      {
        guard: and(['inAllocator', 'assigned']),
        actions: [assign({ life: 'reused' as const }), outcome('RMP#PF')],
      },
      { guard: 'inAllocator', actions: assign({ life: 'reused' as const }) },
    ],
  },
});
