// The page machine shared by the page-level models: one 4 KiB page of guest memory.
// Parallel regions:
//   attr       shared | private              the VM's view (guest_memfd shareability, KVM attributes)
//   residency  absent | present              a folio backs the index in the page cache
//   hostMap    unmapped | mapped             a host userspace PTE maps it (mapcount)
//   pin        unpinned | pinned | exclusive GUP pins (FOLL_PIN; FOLL_EXCLUSIVE for D6)
//   dma        unmapped | mapped             an IOMMU mapping (VFIO holds a long-term pin for it)
//   migration  stable | migrating            isolated by a migration/compaction attempt
// Context: pins (short-term FOLL_PIN count), longterm (FOLL_LONGTERM count), zone
// (movable | normal). pins + longterm never exceeds MAX_PINS.
//
// Sources: docs/kernel-semantics.md §1.5 (user mappings), §1.6 (GUP pins,
// folio_maybe_dma_pinned), §1.8 (VFIO long-term pins), §1.10-1.11 (migration guard
// `refcount == expected && !folio_maybe_dma_pinned`, ZONE_MOVABLE); docs/designs-and-flaws.md
// §0. What a design checks (a conversion's reference check, which faults it allows) is
// chosen by the model's actors and reaches the page as event arguments, so this machine
// is one semantics for every model.
import { and, assign, not, or, setup, stateIn } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

export type Zone = 'movable' | 'normal';

export interface PageContext {
  readonly pins: number;
  readonly longterm: number;
  readonly zone: Zone;
}

export type Attr = 'shared' | 'private';

export type PageEvent =
  | { type: 'userFault' }
  | { type: 'faultCheck' }
  | { type: 'mapIn' }
  | { type: 'convertZap'; to: Attr }
  | { type: 'convertCheck'; to: Attr; pins: boolean; mapping: boolean }
  | { type: 'convertCommit'; to: Attr }
  | { type: 'refCheck'; pins: boolean; mapping: boolean }
  | { type: 'unmap' }
  | { type: 'zap' }
  | { type: 'pin'; longterm: boolean; migrateFirst?: boolean }
  | { type: 'unpin'; longterm: boolean }
  | { type: 'pinExclusive' }
  | { type: 'unpinExclusive' }
  | { type: 'dmaMap' }
  | { type: 'dmaUnmap' }
  | { type: 'punch' }
  | { type: 'isolate' }
  | { type: 'checkMigratable' }
  | { type: 'migrate' };

/** Maximum GUP pins per page: two distinguishable holders are enough for every race modelled. */
export const MAX_PINS = 2;

/** Instance input `{ zone: 'movable' }` allocates the page in ZONE_MOVABLE; default normal. */
function zoneOf(input: unknown): Zone {
  return typeof input === 'object' && input !== null && (input as { zone?: unknown }).zone === 'movable'
    ? 'movable'
    : 'normal';
}

const mapped = stateIn('#page.hostMap.mapped');
const dmaMapped = stateIn('#page.dma.mapped');
const total = (c: PageContext): number => c.pins + c.longterm;
const held = (c: PageContext, longterm: boolean): number => (longterm ? c.longterm : c.pins);

export const pageMachine = setup({
  types: {
    context: {} as PageContext,
    events: {} as PageEvent,
  },
  actions: {
    ...outcomeActions,
    /**
     * FOLL_LONGTERM with `migrateFirst` is mm/gup.c since d1e153fea2a8: a page in ZONE_MOVABLE
     * is migrated to a normal-zone copy before the pin is taken.
     */
    addPin: assign(({ context, event }) => {
      if (event.type !== 'pin' || !event.longterm) return { pins: context.pins + 1 };
      return { longterm: context.longterm + 1, zone: event.migrateFirst === true ? 'normal' : context.zone };
    }),
    dropPin: assign(({ context, event }) =>
      event.type === 'unpin' && event.longterm
        ? { longterm: context.longterm - 1 }
        : { pins: context.pins - 1 },
    ),
  },
  guards: {
    canPin: and([mapped, ({ context }) => total(context) < MAX_PINS]),
    holdsPin: ({ context, event }) => event.type === 'unpin' && held(context, event.longterm) > 0,
    lastPin: ({ context, event }) =>
      event.type === 'unpin' && held(context, event.longterm) > 0 && total(context) === 1,
    canPunch: and([stateIn('#page.residency.present'), stateIn('#page.pin.unpinned'), not(dmaMapped)]),
    /** The conversion moves the page to the other attribute (converting to the current one is not a step). */
    convertible: or([
      and([stateIn('#page.attr.shared'), 'toPrivate']),
      and([stateIn('#page.attr.private'), 'toShared']),
    ]),
    toPrivate: ({ event }) => 'to' in event && event.to === 'private',
    toShared: ({ event }) => 'to' in event && event.to === 'shared',
    /** A conversion check that looks at mappings refuses a mapped page. */
    mappingSeen: and([
      mapped,
      ({ event }) => (event.type === 'convertCheck' || event.type === 'refCheck') && event.mapping,
    ]),
    /** A conversion check that looks at references refuses pinned, exclusively pinned or DMA-mapped pages. */
    referenceSeen: and([
      ({ event }) => (event.type === 'convertCheck' || event.type === 'refCheck') && event.pins,
      or(['referenced', dmaMapped, stateIn('#page.pin.exclusive')]),
    ]),
    referenced: ({ context }) => total(context) > 0,
  },
}).createMachine({
  id: 'page',
  type: 'parallel',
  context: ({ input }) => ({ pins: 0, longterm: 0, zone: zoneOf(input) }),
  on: {
    faultCheck: [
      { guard: and([stateIn('#page.hostMap.unmapped'), stateIn('#page.attr.shared')]) },
      { guard: stateIn('#page.hostMap.unmapped'), actions: outcome('SIGBUS') },
    ],
    convertCheck: [
      { guard: and(['convertible', 'mappingSeen']), actions: outcome('EAGAIN') },
      { guard: and(['convertible', 'referenceSeen']), actions: outcome('EAGAIN') },
      { guard: 'convertible' },
    ],
    refCheck: [
      { guard: 'mappingSeen', actions: outcome('EAGAIN') },
      { guard: 'referenceSeen', actions: outcome('EAGAIN') },
      {},
    ],
  },
  states: {
    attr: {
      initial: 'shared',
      states: {
        shared: { on: { convertCommit: { guard: 'convertible', target: 'private' } } },
        private: { on: { convertCommit: { guard: 'convertible', target: 'shared' } } },
      },
    },
    residency: {
      initial: 'absent',
      states: {
        absent: {
          on: { userFault: { guard: stateIn('#page.attr.shared'), target: 'present' }, mapIn: 'present' },
        },
        present: { on: { punch: { guard: 'canPunch', target: 'absent' } } },
      },
    },
    hostMap: {
      initial: 'unmapped',
      states: {
        unmapped: {
          on: {
            userFault: [
              { guard: stateIn('#page.attr.shared'), target: 'mapped' },
              { actions: outcome('SIGBUS') },
            ],
            mapIn: 'mapped',
            zap: {},
            convertZap: { guard: 'convertible' },
          },
        },
        mapped: {
          on: {
            unmap: 'unmapped',
            zap: 'unmapped',
            mapIn: {},
            convertZap: { guard: 'convertible', target: 'unmapped' },
            punch: { guard: 'canPunch', target: 'unmapped' },
          },
        },
      },
    },
    pin: {
      initial: 'unpinned',
      states: {
        unpinned: {
          on: {
            pin: { guard: 'canPin', target: 'pinned', actions: 'addPin' },
            pinExclusive: { guard: mapped, target: 'exclusive' },
          },
        },
        pinned: {
          on: {
            pin: { guard: 'canPin', actions: 'addPin' },
            unpin: [
              { guard: 'lastPin', target: 'unpinned', actions: 'dropPin' },
              { guard: 'holdsPin', actions: 'dropPin' },
            ],
            pinExclusive: { guard: mapped, actions: outcome('EBUSY') },
          },
        },
        exclusive: {
          on: {
            unpinExclusive: 'unpinned',
            pin: { guard: mapped, actions: outcome('EBUSY') },
          },
        },
      },
    },
    dma: {
      initial: 'unmapped',
      states: {
        unmapped: { on: { dmaMap: { guard: mapped, target: 'mapped' } } },
        mapped: { on: { dmaUnmap: 'unmapped' } },
      },
    },
    migration: {
      initial: 'stable',
      states: {
        stable: { on: { isolate: { guard: stateIn('#page.residency.present'), target: 'migrating' } } },
        migrating: {
          on: {
            checkMigratable: [
              { guard: 'referenced', target: 'stable', actions: outcome('EBUSY') },
              { guard: stateIn('#page.pin.exclusive'), target: 'stable', actions: outcome('EBUSY') },
              { guard: dmaMapped, target: 'stable', actions: outcome('EBUSY') },
              {},
            ],
            migrate: 'stable',
          },
        },
      },
    },
  },
});
