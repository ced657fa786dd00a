// Machines of the direct-map removal designs (docs/designs-and-flaws.md D8; docs/kernel-semantics.md
// §1.9, §3.4, INV-16): a guest page whose kernel direct-map entry is restored on demand (Patrick
// Roy v1), a secretmem / NO_DIRECT_MAP folio reached by GUP-fast, and a CPU running KVM's vCPU
// thread and interrupts under the KVM-only CR3 or USER=1 kernel-mapping ideas (seed 001).
// A kernel access through an absent direct-map entry completes with outcome '#PF' (the host
// oopses: "unable to handle kernel paging request").
import { and, assign, not, setup, stateIn } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

/**
 * How an accessor restores and zaps the direct-map entry around its access:
 * plain (v1 without serialisation), refcount (restore count; zap at the last unmap),
 * locked (map→access→unmap under the folio lock, the v1 patch's rule).
 */
export type RestoreMode = 'plain' | 'refcount' | 'locked';

export type DmapPageEvent =
  { type: 'restore'; mode: RestoreMode } | { type: 'read' } | { type: 'zap'; mode: RestoreMode };

/** Accessors per page: the restore count never exceeds this. */
export const MAX_ACCESSORS = 2;

/**
 *   dmap  absent | present    the direct-map entry (absent after prepare: zapped)
 *   lock  free | held         the folio lock
 * Context: restores (refcount mode: accessors between restore and zap).
 */
export const dmapPageMachine = setup({
  types: { context: {} as { restores: number }, events: {} as DmapPageEvent },
  actions: { ...outcomeActions },
  guards: {
    plain: ({ event }) => 'mode' in event && event.mode === 'plain',
    refcount: ({ event }) => 'mode' in event && event.mode === 'refcount',
    locked: ({ event }) => 'mode' in event && event.mode === 'locked',
    lockFree: stateIn('#dmapPage.lock.free'),
    lastRestore: ({ context }) => context.restores <= 1,
    roomToRestore: ({ context }) => context.restores < MAX_ACCESSORS,
  },
}).createMachine({
  id: 'dmapPage',
  type: 'parallel',
  context: { restores: 0 },
  on: {
    read: [
      { guard: stateIn('#dmapPage.dmap.present') },
      { guard: stateIn('#dmapPage.dmap.absent'), actions: outcome('#PF') },
    ],
  },
  states: {
    dmap: {
      initial: 'absent',
      states: {
        absent: {
          on: {
            restore: [
              { guard: 'plain', target: 'present' },
              {
                guard: 'refcount',
                target: 'present',
                actions: assign({ restores: 1 }),
              },
              { guard: and(['locked', 'lockFree']), target: 'present' },
            ],
            zap: { guard: 'plain' },
          },
        },
        present: {
          on: {
            restore: [
              { guard: 'plain' },
              {
                guard: and(['refcount', 'roomToRestore']),
                actions: assign({ restores: ({ context }) => context.restores + 1 }),
              },
            ],
            zap: [
              { guard: 'plain', target: 'absent' },
              {
                guard: and(['refcount', 'lastRestore']),
                target: 'absent',
                actions: assign({ restores: 0 }),
              },
              {
                guard: 'refcount',
                actions: assign({ restores: ({ context }) => context.restores - 1 }),
              },
              { guard: 'locked', target: 'absent' },
            ],
          },
        },
      },
    },
    lock: {
      initial: 'free',
      states: {
        free: {
          on: { restore: { guard: and(['locked', 'lockFree']), target: 'held' } },
        },
        held: { on: { zap: { guard: 'locked', target: 'free' } } },
      },
    },
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

export type SecretFolioEvent =
  | { type: 'userFault' }
  | { type: 'truncate' }
  | { type: 'gupGrab' }
  | { type: 'gupCheck'; policy: GupPolicy }
  | { type: 'kernelRead' }
  | { type: 'unpin' };

/**
 * A secretmem (memfd_secret) / NO_DIRECT_MAP folio with one user of its pages:
 *   pte      none | mapped          the user PTE
 *   dmap     present | absent       zapped when faulted in, restored when the folio is freed
 *   mapping  file | null            folio->mapping; truncation clears it
 *   ref      none | grabbed | pinned  GUP-fast: speculative reference, then the pin
 * Refused GUP-fast checks complete with 'EFAULT' (the slow path refuses the VMA).
 */
export const secretFolioMachine = setup({
  types: { events: {} as SecretFolioEvent },
  actions: { ...outcomeActions },
  guards: {
    mapped: stateIn('#secretFolio.pte.mapped'),
    pinned: stateIn('#secretFolio.ref.pinned'),
    dmapPresent: stateIn('#secretFolio.dmap.present'),
    inFile: stateIn('#secretFolio.mapping.file'),
    unreferenced: stateIn('#secretFolio.ref.none'),
    allowed: ({ event }, truncated: boolean) =>
      event.type === 'gupCheck' && (event.policy === 'none' || (truncated && event.policy === 'null-ok')),
  },
}).createMachine({
  id: 'secretFolio',
  type: 'parallel',
  on: {
    kernelRead: [{ guard: and(['pinned', 'dmapPresent']) }, { guard: 'pinned', actions: outcome('#PF') }],
  },
  states: {
    pte: {
      initial: 'none',
      states: {
        none: { on: { userFault: { guard: 'inFile', target: 'mapped' } } },
        mapped: { on: { truncate: 'none' } },
      },
    },
    dmap: {
      initial: 'present',
      states: {
        present: { on: { userFault: { guard: 'inFile', target: 'absent' } } },
        absent: {
          // The folio is freed (and its direct map restored) when the last reference goes
          // after truncation: at truncate when unreferenced, else at unpin or a refused check.
          on: {
            truncate: { guard: 'unreferenced', target: 'present' },
            unpin: { guard: not('inFile'), target: 'present' },
            gupCheck: {
              guard: and([not('inFile'), not({ type: 'allowed', params: true })]),
              target: 'present',
            },
          },
        },
      },
    },
    mapping: {
      initial: 'file',
      states: { file: { on: { truncate: 'null' } }, null: {} },
    },
    ref: {
      initial: 'none',
      states: {
        none: { on: { gupGrab: { guard: 'mapped', target: 'grabbed' } } },
        grabbed: {
          on: {
            gupCheck: [
              { guard: and(['inFile', { type: 'allowed', params: false }]), target: 'pinned' },
              { guard: and([not('inFile'), { type: 'allowed', params: true }]), target: 'pinned' },
              { target: 'none', actions: outcome('EFAULT') },
            ],
          },
        },
        pinned: { on: { unpin: 'none' } },
      },
    },
  },
});
