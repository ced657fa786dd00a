// Kernel locks and the threads that take them, for lock-order checks (docs/designs-and-flaws.md
// F30). A thread is a program: numbered states whose tags say which locks it holds
// ('holds:<lock>:<mode>') and which one its next step waits for ('wants:<lock>:<mode>'), so a
// property can build the waits-for graph of any state (properties/lockOrder.ts).
import { assign, setup, type AnyStateMachine } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

/** Readers and queued writers modelled per rw semaphore (one per thread is enough). */
export const MAX_HOLDERS = 3;

export type RwsemEvent =
  | { type: 'readLock' }
  | { type: 'readUnlock' }
  | { type: 'writeRequest' }
  | { type: 'writeLock' }
  | { type: 'writeUnlock' };

/**
 * A kernel rw_semaphore (mmap_lock, mapping->invalidate_lock). A writer queues first
 * (writeRequest) and takes the lock once no reader holds it; a reader does not pass a queued
 * writer (rwsem readers wait behind waiting writers), which is what lets a reader–reader
 * pair deadlock through a third thread's write.
 */
export const rwsemMachine = setup({
  types: {
    context: {} as { readers: number; writer: boolean; waiting: number },
    events: {} as RwsemEvent,
  },
}).createMachine({
  id: 'rwsem',
  context: { readers: 0, writer: false, waiting: 0 },
  on: {
    readLock: {
      guard: ({ context: c }) => !c.writer && c.waiting === 0 && c.readers < MAX_HOLDERS,
      actions: assign({ readers: ({ context }) => context.readers + 1 }),
    },
    readUnlock: {
      guard: ({ context }) => context.readers > 0,
      actions: assign({ readers: ({ context }) => context.readers - 1 }),
    },
    writeRequest: {
      guard: ({ context }) => context.waiting < MAX_HOLDERS,
      actions: assign({ waiting: ({ context }) => context.waiting + 1 }),
    },
    writeLock: {
      guard: ({ context: c }) => c.waiting > 0 && c.readers === 0 && !c.writer,
      actions: assign({ writer: true, waiting: ({ context }) => context.waiting - 1 }),
    },
    writeUnlock: { guard: ({ context }) => context.writer, actions: assign({ writer: false }) },
  },
});

export type SrcuEvent =
  { type: 'readLock' } | { type: 'readUnlock' } | { type: 'syncBegin' } | { type: 'syncEnd' };

/**
 * kvm->srcu with one reader. synchronize_srcu() (syncBegin … syncEnd) waits for the readers
 * that entered before it began ('old'), never for later ones ('new'); readers never block.
 */
export const srcuMachine = setup({
  types: {
    context: {} as { reader: 'none' | 'old' | 'new'; syncing: boolean },
    events: {} as SrcuEvent,
  },
}).createMachine({
  id: 'srcu',
  context: { reader: 'none', syncing: false },
  on: {
    readLock: {
      guard: ({ context }) => context.reader === 'none',
      actions: assign({ reader: ({ context }) => (context.syncing ? 'new' : 'old') }),
    },
    readUnlock: { guard: ({ context }) => context.reader !== 'none', actions: assign({ reader: 'none' }) },
    syncBegin: { guard: ({ context }) => !context.syncing, actions: assign({ syncing: true }) },
    syncEnd: {
      guard: ({ context }) => context.syncing && context.reader !== 'old',
      actions: assign({
        syncing: false,
        reader: ({ context }) => (context.reader === 'new' ? 'old' : 'none'),
      }),
    },
  },
});

export type MemslotEvent =
  | { type: 'markInvalid' }
  | { type: 'remove' }
  | { type: 'create' }
  /** A fault's memslot lookup; the outcome says what it found. */
  | { type: 'lookup'; found: 'valid' | 'invalid' | 'deleted'; code: string };

/**
 * A memslot being deleted: valid → invalid (KVM_MEMSLOT_INVALID, visible to SRCU readers)
 * → deleted (after synchronize_srcu) → valid again (userspace re-creates it). A lookup is
 * enabled in the state it names and completes with its `code`.
 */
export const memslotMachine = setup({
  types: { events: {} as MemslotEvent },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'memslot',
  initial: 'valid',
  states: {
    valid: {
      on: {
        markInvalid: 'invalid',
        lookup: { guard: ({ event }) => event.found === 'valid' },
      },
    },
    invalid: {
      on: {
        remove: 'deleted',
        lookup: [
          {
            guard: ({ event }) => event.found === 'invalid' && event.code === 'RETRY',
            actions: outcome('RETRY'),
          },
          {
            guard: ({ event }) => event.found === 'invalid' && event.code === 'EAGAIN',
            actions: outcome('EAGAIN'),
          },
        ],
      },
    },
    deleted: {
      on: {
        create: 'valid',
        lookup: { guard: ({ event }) => event.found === 'deleted', actions: outcome('ENOENT') },
      },
    },
  },
});

/** One state of a thread program: its name, the locks held there and the lock its next step waits for. */
export interface ProgramState {
  readonly name: string;
  readonly holds: readonly string[];
  readonly wants?: string;
}

export type ProgramEvent = { type: 'op'; from: number; to: number };

/**
 * A thread as a program: states numbered 0 … n-1 (named by `name`, the first is initial);
 * a step event `{ type: 'op', from, to }` moves state `from` to state `to` (the model
 * declares which pairs exist). Tags 'holds:<lock>' and 'wants:<lock>' carry `holds` and
 * `wants` of each state.
 */
export function programMachine(
  id: string,
  states: readonly ProgramState[],
  steps: readonly (readonly [number, number])[],
): AnyStateMachine {
  const config: Record<string, object> = {};
  states.forEach((s, i) => {
    const on = steps
      .filter(([from]) => from === i)
      .map(([, to]) => ({
        guard: ({ event }: { event: ProgramEvent }) => event.to === to && event.from === i,
        target: (states[to] as ProgramState).name,
      }));
    config[s.name] = {
      tags: [...s.holds.map((h) => `holds:${h}`), ...(s.wants === undefined ? [] : [`wants:${s.wants}`])],
      on: { op: on },
    };
  });
  return setup({ types: { events: {} as ProgramEvent } }).createMachine({
    id,
    initial: (states[0] as ProgramState).name,
    states: config,
  });
}
