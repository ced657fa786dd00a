// Machines of the direct-map removal designs (docs/designs-and-flaws.md D8; docs/kernel-semantics.md
// §1.9, §3.4, INV-16): a guest page whose kernel direct-map entry is restored on demand
// (Patrick Roy v1), and a folio reached by GUP-fast (secretmem / NO_DIRECT_MAP, or an
// ordinary one). A kernel access through an absent direct-map entry completes with outcome
// '#PF' (the host oopses: "unable to handle kernel paging request").
import { and, assign, not, setup } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

/**
 * How accessors bracket their access to a page whose direct-map entry is removed:
 * plain (v1 without serialisation: restore, access, zap), refcount (restores are counted,
 * the last accessor zaps), locked (map→access→unmap under the folio lock, the v1 patch's rule).
 */
export type RestoreMode = 'plain' | 'refcount' | 'locked';

export type DmapPageEvent =
  { type: 'restore'; mode: RestoreMode } | { type: 'read' } | { type: 'zap'; mode: RestoreMode };

/** Accessors per page: the restore count never exceeds this. */
export const MAX_ACCESSORS = 2;

export interface DmapPageContext {
  /** The page's direct-map entry (absent after prepare: zapped). */
  readonly dmap: 'absent' | 'present';
  /** refcount mode: accessors between their restore and their zap. */
  readonly restores: number;
  /** locked mode: the folio lock. */
  readonly lock: 'free' | 'held';
}

type DmapArgs = { context: DmapPageContext; event: DmapPageEvent };
const mode = (e: DmapPageEvent): RestoreMode | undefined => ('mode' in e ? e.mode : undefined);

export const dmapPageMachine = setup({
  types: { context: {} as DmapPageContext, events: {} as DmapPageEvent },
  actions: { ...outcomeActions },
  guards: {
    plain: ({ event }: DmapArgs) => mode(event) === 'plain',
    refcount: ({ event }: DmapArgs) => mode(event) === 'refcount',
    locked: ({ event }: DmapArgs) => mode(event) === 'locked',
    present: ({ context }: DmapArgs) => context.dmap === 'present',
    lockFree: ({ context }: DmapArgs) => context.lock === 'free',
    lastRestore: ({ context }: DmapArgs) => context.restores <= 1,
    roomToRestore: ({ context }: DmapArgs) => context.restores < MAX_ACCESSORS,
  },
}).createMachine({
  id: 'dmapPage',
  context: { dmap: 'absent', restores: 0, lock: 'free' },
  on: {
    // set_direct_map_default_noflush(), after folio_lock() in locked mode.
    restore: [
      { guard: 'plain', actions: assign({ dmap: 'present' as const }) },
      {
        guard: and(['refcount', 'roomToRestore']),
        actions: assign({ dmap: 'present' as const, restores: ({ context }) => context.restores + 1 }),
      },
      {
        guard: and(['locked', 'lockFree']),
        actions: assign({ dmap: 'present' as const, lock: 'held' as const }),
      },
    ],
    read: [{ guard: 'present' }, { actions: outcome('#PF') }],
    // set_direct_map_invalid_noflush() + flush_tlb_kernel_range(); folio_unlock() in locked mode.
    zap: [
      { guard: 'plain', actions: assign({ dmap: 'absent' as const }) },
      {
        guard: and(['refcount', 'lastRestore']),
        actions: assign({ dmap: 'absent' as const, restores: 0 }),
      },
      { guard: 'refcount', actions: assign({ restores: ({ context }) => context.restores - 1 }) },
      { guard: 'locked', actions: assign({ dmap: 'absent' as const, lock: 'free' as const }) },
    ],
  },
});

/**
 * What GUP-fast accepts after grabbing a folio reference (gup_fast_folio_allowed()):
 * none (F20: the early exit for non-LRU folios skipped the secretmem test), mapping
 * (65291dcfcf89: a NULL mapping falls back to the slow path, a secretmem / NO_DIRECT_MAP
 * mapping is refused), null-ok (the 2026 proposal: an order-0 folio with a NULL mapping
 * is accepted in the fast path).
 */
export type GupPolicy = 'none' | 'mapping' | 'null-ok';

export type GupFolioEvent =
  | { type: 'userFault' }
  | { type: 'truncate' }
  | { type: 'gupGrab' }
  | { type: 'gupCheck'; policy: GupPolicy }
  | { type: 'kernelRead' }
  | { type: 'unpin' };

export interface GupFolioContext {
  /** A memfd_secret / NO_DIRECT_MAP folio (its direct map is removed while it is mapped), or an ordinary one. */
  readonly secret: boolean;
  /** The user PTE. */
  readonly pte: 'none' | 'mapped';
  /** The folio's direct-map entry: zapped when a secretmem folio is faulted in, restored when it is freed. */
  readonly dmap: 'present' | 'absent';
  /** folio->mapping: truncation clears it. */
  readonly mapping: 'file' | 'null';
  /** GUP-fast: none, a speculative reference (try_grab_folio_fast), the pin. */
  readonly ref: 'none' | 'grabbed' | 'pinned';
}

/** Input of a folio instance: secret or ordinary; an ordinary folio starts mapped by its user. */
export interface GupFolioInput {
  readonly secret: boolean;
}

type GupArgs = { context: GupFolioContext; event: GupFolioEvent };

/** Whether gup_fast_folio_allowed() lets the pin through, per policy (a refusal falls back to the slow path). */
function fastPathAllows(c: GupFolioContext, policy: GupPolicy): boolean {
  if (!c.secret || policy === 'none') return true;
  // A NULL mapping (truncated) "cannot determine if this mapping is safe - fall back to slow path".
  if (c.mapping === 'null') return policy === 'null-ok';
  return false; // secretmem_mapping(mapping)
}

/**
 * A folio reached by GUP-fast. Refused GUP-fast checks complete with 'EFAULT': the slow
 * path refuses the secretmem VMA (check_vma_flags()) or finds the PTE gone. A secretmem
 * folio is freed, and its direct map restored (secretmem_free_folio()), when the last
 * reference goes after truncation: at truncate when GUP holds none, else at unpin or a
 * refused check.
 */
export const gupFolioMachine = setup({
  types: {
    context: {} as GupFolioContext,
    events: {} as GupFolioEvent,
    input: {} as GupFolioInput,
  },
  actions: { ...outcomeActions },
  guards: {
    unmapped: ({ context }: GupArgs) => context.pte === 'none' && context.mapping === 'file',
    mapped: ({ context }: GupArgs) => context.pte === 'mapped',
    inFile: ({ context }: GupArgs) => context.mapping === 'file',
    grabbed: ({ context }: GupArgs) => context.ref === 'grabbed',
    pinned: ({ context }: GupArgs) => context.ref === 'pinned',
    noRef: ({ context }: GupArgs) => context.ref === 'none',
    dmapPresent: ({ context }: GupArgs) => context.dmap === 'present',
    allowed: ({ context, event }: GupArgs) =>
      event.type === 'gupCheck' && fastPathAllows(context, event.policy),
  },
}).createMachine({
  id: 'gupFolio',
  context: ({ input }) => ({
    secret: input.secret,
    pte: input.secret ? 'none' : 'mapped',
    dmap: 'present',
    mapping: 'file',
    ref: 'none',
  }),
  on: {
    // secretmem_fault(): set_direct_map_invalid_noflush() + flush_tlb_kernel_range(), then map.
    userFault: {
      guard: 'unmapped',
      actions: assign(({ context }) => ({
        pte: 'mapped' as const,
        dmap: context.secret ? 'absent' : context.dmap,
      })),
    },
    // truncate_inode_pages(): unmap, folio->mapping = NULL; freed now if GUP holds no reference.
    truncate: [
      {
        guard: and(['inFile', 'noRef']),
        actions: assign({ pte: 'none' as const, mapping: 'null' as const, dmap: 'present' as const }),
      },
      { guard: 'inFile', actions: assign({ pte: 'none' as const, mapping: 'null' as const }) },
    ],
    gupGrab: { guard: and(['mapped', 'noRef']), actions: assign({ ref: 'grabbed' as const }) },
    gupCheck: [
      { guard: and(['grabbed', 'allowed']), actions: assign({ ref: 'pinned' as const }) },
      {
        guard: and(['grabbed', not('inFile')]),
        actions: [assign({ ref: 'none' as const, dmap: 'present' as const }), outcome('EFAULT')],
      },
      { guard: 'grabbed', actions: [assign({ ref: 'none' as const }), outcome('EFAULT')] },
    ],
    kernelRead: [{ guard: and(['pinned', 'dmapPresent']) }, { guard: 'pinned', actions: outcome('#PF') }],
    unpin: [
      {
        guard: and(['pinned', not('inFile')]),
        actions: assign({ ref: 'none' as const, dmap: 'present' as const }),
      },
      { guard: 'pinned', actions: assign({ ref: 'none' as const }) },
    ],
  },
});
