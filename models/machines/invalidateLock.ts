// The guest_memfd inode's filemap invalidate lock (mapping->invalidate_lock), an rw
// semaphore: user faults and kvm_gmem_get_pfn take it shared; conversion, punch-hole and
// release take it exclusive. Sources: docs/kernel-semantics.md §2.4-2.5, §3.2 rules 1, 4, 9.
//   free | shared {readers} | exclusive
import { assign, setup } from 'xstate';
import { outcomeActions } from '../../src/index.js';

/** Concurrent shared holders modelled (one per faulting actor). */
export const MAX_READERS = 3;

export type LockEvent =
  | { type: 'lockShared'; prior?: string }
  | { type: 'unlockShared' }
  | { type: 'lockExclusive' }
  | { type: 'unlockExclusive' }
  /** Releases the exclusive lock when an earlier participant refused (error path). */
  | { type: 'unlockIfRefused'; prior: string }
  /** Enabled only while nobody holds the lock (an operation that locks and unlocks in one step). */
  | { type: 'whenFree' };

export const invalidateLockMachine = setup({
  types: { context: {} as { readers: number }, events: {} as LockEvent },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'invalidateLock',
  initial: 'free',
  context: { readers: 0 },
  states: {
    free: {
      on: {
        lockShared: [
          { guard: ({ event }) => event.prior !== undefined && event.prior !== 'ok' },
          { target: 'shared', actions: assign({ readers: 1 }) },
        ],
        lockExclusive: 'exclusive',
        whenFree: {},
      },
    },
    shared: {
      on: {
        lockShared: [
          { guard: ({ event }) => event.prior !== undefined && event.prior !== 'ok' },
          {
            guard: ({ context }) => context.readers < MAX_READERS,
            actions: assign({ readers: ({ context }) => context.readers + 1 }),
          },
        ],
        unlockShared: [
          { guard: ({ context }) => context.readers === 1, target: 'free', actions: assign({ readers: 0 }) },
          { actions: assign({ readers: ({ context }) => context.readers - 1 }) },
        ],
      },
    },
    exclusive: {
      on: {
        unlockExclusive: 'free',
        unlockIfRefused: [{ guard: ({ event }) => event.prior !== 'ok', target: 'free' }, {}],
      },
    },
  },
});
