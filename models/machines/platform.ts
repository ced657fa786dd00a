// Confidential-computing platform rules that turn a host access into a crash
// (docs/designs-and-flaws.md D11, F17, F18, F34). Outcomes: 'RMP#PF' (SEV-SNP: a host write
// to a page assigned to the guest or firmware in the RMP, or through a mapping that covers
// one), '#MC' (TDX: the host consumes a poisoned line), 'guest#MC' (the TD consumes it),
// 'FW_ERR' (the firmware refused to reclaim a page).
import { and, not, or, setup, stateIn } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

export type GranuleEvent =
  /** RMPUPDATE of page 1 to guest-assigned; `split` splits the 2 MiB direct map first (661b1c6169e2). */
  | { type: 'rmpAssign'; split: boolean }
  /** RMPUPDATE of page 1 back to host-owned (the direct map is not re-merged). */
  | { type: 'rmpShare' }
  /** A host kernel write to page `page` through the direct map. */
  | { type: 'hostWrite'; page: number };

/**
 * Two 4 KiB pages under one 2 MiB direct-map entry; page 0 is the host's, page 1 may become
 * the guest's.
 *   map    large | split    the direct-map granule covering both pages
 *   page1  host | guest     RMP assignment of page 1
 */
export const granuleMachine = setup({
  types: { events: {} as GranuleEvent },
  actions: { ...outcomeActions },
  guards: {
    splits: ({ event }) => event.type === 'rmpAssign' && event.split,
    large: stateIn('#granule.map.large'),
    p1Guest: stateIn('#granule.page1.guest'),
    writesPage1: ({ event }) => event.type === 'hostWrite' && event.page === 1,
  },
}).createMachine({
  id: 'granule',
  type: 'parallel',
  on: {
    // A write faults when its target is guest-assigned, or when it goes through a large
    // mapping that covers a guest-assigned page (the RMP check is per mapping size).
    hostWrite: [{ guard: and(['p1Guest', or(['large', 'writesPage1'])]), actions: outcome('RMP#PF') }, {}],
  },
  states: {
    map: {
      initial: 'large',
      states: { large: { on: { rmpAssign: { guard: 'splits', target: 'split' } } }, split: {} },
    },
    page1: {
      initial: 'host',
      states: { host: { on: { rmpAssign: 'guest' } }, guest: { on: { rmpShare: 'host' } } },
    },
  },
});

export type TdxPageEvent =
  | { type: 'partialWrite' }
  | { type: 'guestRead' }
  /** TDH.PHYMEM.PAGE.RECLAIM back to the host; `clear` rewrites the page with MOVDIR64B. */
  | { type: 'reclaim'; clear: boolean }
  | { type: 'hostRead' };

/**
 * A TDX private page and its contents.
 *   owner     td | host        private to the TD, or reclaimed to the host allocator
 *   contents  clean | poison   a partial (sub-cacheline) write to a private line poisons it
 */
export const tdxPageMachine = setup({
  types: { events: {} as TdxPageEvent },
  actions: { ...outcomeActions },
  guards: {
    poisoned: stateIn('#tdxPage.contents.poison'),
    clears: ({ event }) => event.type === 'reclaim' && event.clear,
  },
}).createMachine({
  id: 'tdxPage',
  type: 'parallel',
  states: {
    owner: {
      initial: 'td',
      states: {
        td: {
          on: {
            guestRead: [{ guard: 'poisoned', actions: outcome('guest#MC') }, {}],
            reclaim: 'host',
          },
        },
        host: { on: { hostRead: [{ guard: 'poisoned', actions: outcome('#MC') }, {}] } },
      },
    },
    contents: {
      initial: 'clean',
      states: {
        clean: { on: { partialWrite: { guard: stateIn('#tdxPage.owner.td'), target: 'poison' } } },
        poison: { on: { reclaim: { guard: 'clears', target: 'clean' } } },
      },
    },
  },
});

export type SnpPageEvent =
  | { type: 'free' }
  | { type: 'reclaimOk' }
  /** The firmware refused; `leak` parks the page on the leaked list (8dac642999b1). */
  | { type: 'reclaimFail'; leak: boolean }
  | { type: 'hostWrite' };

/**
 * An SNP guest page freed by guest_memfd (.free_folio → RMP reclaim).
 *   rmp    guest | host                               RMP assignment
 *   life   inUse | freeing | allocator | leaked       where the page is
 */
export const snpPageMachine = setup({
  types: { events: {} as SnpPageEvent },
  actions: { ...outcomeActions },
  guards: {
    leaks: ({ event }) => event.type === 'reclaimFail' && event.leak,
    assigned: stateIn('#snpPage.rmp.guest'),
  },
}).createMachine({
  id: 'snpPage',
  type: 'parallel',
  states: {
    rmp: {
      initial: 'guest',
      states: {
        guest: { on: { reclaimOk: { guard: stateIn('#snpPage.life.freeing'), target: 'host' } } },
        host: {},
      },
    },
    life: {
      initial: 'inUse',
      states: {
        inUse: { on: { free: 'freeing' } },
        freeing: {
          on: {
            reclaimOk: 'allocator',
            reclaimFail: [
              { guard: 'leaks', target: 'leaked', actions: outcome('FW_ERR') },
              { guard: not('leaks'), target: 'allocator', actions: outcome('FW_ERR') },
            ],
          },
        },
        allocator: { on: { hostWrite: [{ guard: 'assigned', actions: outcome('RMP#PF') }, {}] } },
        leaked: {},
      },
    },
  },
});
