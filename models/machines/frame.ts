// A physical page frame of a zone (docs/kernel-semantics.md §1.6 FOLL_LONGTERM, §1.10-1.11;
// docs/designs-and-flaws.md D12, F1): free, or in use holding one page of the VMM's memory,
// with its GUP pins (short-term and FOLL_LONGTERM) and whether migration has isolated it.
// The zone never changes: moving data out of ZONE_MOVABLE is a migration to another frame
// (the source frame is freed), as migrate_longterm_unpinnable_folios() does.
//   free ⇄ inUse
// Context: zone, pins (short-term), longterm (FOLL_LONGTERM), isolated.
import { and, assign, not, setup } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

export type FrameZone = 'movable' | 'normal';

export interface FrameContext {
  readonly zone: FrameZone;
  readonly pins: number;
  readonly longterm: number;
  readonly isolated: boolean;
}

type FrameEvent =
  /** A fault or an allocation puts the VMM's page here. */
  | { type: 'fault' }
  /** migrate_pages() succeeded (`prior` ok): the data left this frame, which is freed. */
  | { type: 'migrateOut'; prior: string }
  /** migrate_pages() succeeded (`prior` ok): the data was copied into this frame. */
  | { type: 'migrateIn'; prior: string }
  | { type: 'pin'; longterm: boolean }
  | { type: 'unpin'; longterm: boolean }
  /** Compaction / offlining isolates the page, checks its references, migrates it. */
  | { type: 'isolate' }
  | { type: 'checkMigratable' }
  | { type: 'migrate' };

/** Pins of each kind a frame may hold (one registration, one fault-time pin). */
const MAX_PINS = 1;

const ok = (e: FrameEvent): boolean => !('prior' in e) || e.prior === 'ok';
const count = (c: FrameContext, e: FrameEvent): number =>
  e.type === 'pin' || e.type === 'unpin' ? (e.longterm ? c.longterm : c.pins) : 0;

type Guard = { context: FrameContext; event: FrameEvent };
const held = ({ context }: Guard): number => context.pins + context.longterm;

/** Input `{ zone }`. */
export const frameMachine = setup({
  types: { context: {} as FrameContext, events: {} as FrameEvent, input: {} as { zone: FrameZone } },
  actions: { ...outcomeActions },
  guards: {
    /** The migration this event belongs to succeeded (`prior` ok). */
    migrated: ({ event }) => ok(event),
    /** Nothing pins the frame: migrate_pages() can move it (folio_ref_freeze at the expected count). */
    unpinned: (g) => held(g) === 0,
    pinRoom: ({ context, event }) => count(context, event) < MAX_PINS,
    holdsPin: ({ context, event }) => count(context, event) > 0,
    isolated: ({ context }) => context.isolated,
  },
}).createMachine({
  id: 'frame',
  context: ({ input }) => ({ zone: input.zone, pins: 0, longterm: 0, isolated: false }),
  initial: 'free',
  states: {
    free: {
      on: {
        fault: 'inUse',
        migrateIn: [{ guard: 'migrated', target: 'inUse' }, {}],
      },
    },
    inUse: {
      on: {
        migrateOut: [
          { guard: not('migrated') },
          { guard: 'unpinned', target: 'free', actions: assign({ isolated: false }) },
        ],
        pin: {
          guard: 'pinRoom',
          actions: assign(({ context, event }) =>
            event.type === 'pin' && event.longterm
              ? { longterm: context.longterm + 1 }
              : { pins: context.pins + 1 },
          ),
        },
        unpin: {
          guard: 'holdsPin',
          actions: assign(({ context, event }) =>
            event.type === 'unpin' && event.longterm
              ? { longterm: context.longterm - 1 }
              : { pins: context.pins - 1 },
          ),
        },
        isolate: { guard: not('isolated'), actions: assign({ isolated: true }) },
        /** The migration guard: refcount == expected && !folio_maybe_dma_pinned. */
        checkMigratable: [
          {
            guard: and(['isolated', not('unpinned')]),
            actions: [assign({ isolated: false }), outcome('EBUSY')],
          },
          { guard: 'isolated' },
        ],
        /**
         * Compaction moves the data to another frame of the same zone (frame identity
         * abstracted). migrate_pages() freezes the refcount at the expected value first, so a
         * pin taken since the check fails it (-EAGAIN) and the page is put back.
         */
        migrate: [
          {
            guard: and(['isolated', not('unpinned')]),
            actions: [assign({ isolated: false }), outcome('EAGAIN')],
          },
          { guard: 'isolated', actions: assign({ isolated: false }) },
        ],
      },
    },
  },
});

/**
 * The result of migrate_longterm_unpinnable_folios() for one FOLL_LONGTERM call: `choice`
 * ok, or ENOMEM (migrate_pages() failed) / EBUSY (a device-coherent folio could not move),
 * after which __gup_longterm_locked() unpins everything and fails. Stateless: the outcome
 * is the nondeterministic choice.
 */
export const longtermMigrationMachine = setup({
  types: { events: {} as { type: 'migrate'; choice: string } },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'longtermMigration',
  initial: 'ready',
  states: {
    ready: {
      on: {
        migrate: [
          { guard: ({ event }) => event.choice === 'ENOMEM', actions: outcome('ENOMEM') },
          { guard: ({ event }) => event.choice === 'EBUSY', actions: outcome('EBUSY') },
          {},
        ],
      },
    },
  },
});
