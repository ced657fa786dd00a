// lock-order: lock-order deadlocks in guest_memfd populate and KVM prefault paths
// (docs/designs-and-flaws.md F30, L-Fault; docs/kernel-semantics.md §2.11).
//
// Sources:
// - kvm_gmem_populate() (SNP_LAUNCH_UPDATE / TDX INIT_MEM_REGION) runs under
//   filemap_invalidate_lock and GUPs the source page (get_user_pages_fast, whose slow path
//   takes mmap_lock for read) (docs/kernel-semantics.md §2.11). With in-place conversion the
//   user fault on a guest_memfd mapping runs under mmap_lock and takes the invalidate lock
//   shared (§3.2). "KVM guest_memfd changes for 6.20" (merge 9123c5f956b1, description): GUP
//   the source page in common code before taking the invalidate lock, to avoid the
//   mmap_lock / filemap_invalidate_lock AB-BA.
// - "KVM x86 MMU changes for 6.18" (merge 5b0d0d85422d, description): KVM_PRE_FAULT_MEMORY
//   retrying while a memslot is being deleted or moved deadlocks with the deletion, which
//   waits in synchronize_srcu() for the faulting SRCU reader; fixed by returning -EAGAIN.
//   The TDX anti-zero-step retry loop vs an invalid memslot has the same shape.
// UNCONFIRMED: the individual commit ids (docs §5); which thread takes mmap_lock for write in
// the populate deadlock. Both locks are rw semaphores and both orders take mmap_lock for read,
// so the cycle needs a queued writer (munmap, mprotect, …): readers wait behind it. With
// mmapWriters=0 the flawed order has no cycle.
//
// Threads are programs (models/machines/locks.ts) whose states say what they hold and wait for.
// Variants: populate-gup-under-lock (F30), populate-gup-first (9123c5f956b1); prefault-retry
// (F30), prefault-eagain (5b0d0d85422d).
// Bound: exhaustive; the shortest cycles are 4 steps (populate) and 3 steps (prefault), within
// docs/designs-and-flaws.md §3 (6).
import {
  defineModel,
  participant,
  sometimesStep,
  worldEvent,
  type MachineInstance,
  type Participant,
  type WorldEventSpec,
} from '../src/index.js';
import { canReachStep, lockOrderDeadlockFree, noLockCycle } from '../properties/lockOrder.js';
import {
  memslotMachine,
  programMachine,
  rwsemMachine,
  srcuMachine,
  type MemslotEvent,
  type ProgramState,
} from './machines/locks.js';

type Variant = 'populate-gup-under-lock' | 'populate-gup-first' | 'prefault-retry' | 'prefault-eagain';

const MMAP = 'mmapLock';
const INV = 'invalidateLock';
const SRCU = 'kvmSrcu';
const SLOT = 'memslot';
/** Thread machine kinds, for the waits-for property. */
const THREADS = ['populate', 'faulter', 'munmap', 'prefault', 'deleter'];

/** One step of a thread: from state, to state, event type, lock participants, what it stands for in the kernel. */
type Step = readonly [number, number, string, readonly Participant[], string];

interface Thread {
  readonly id: string;
  readonly states: readonly ProgramState[];
  readonly steps: readonly Step[];
}

const lock = (id: string, type: string): Participant => participant(id, { type });

const INV_REQUEST =
  'kvm_gmem_populate(): filemap_invalidate_lock() queues for mapping->invalidate_lock (write)';
const INV_LOCK = 'filemap_invalidate_lock() acquired';
const INV_UNLOCK = 'populated: filemap_invalidate_unlock()';
const GUP_SOURCE = 'get_user_pages_fast(src) slow path: mmap_read_lock()';
const GUP_DONE = 'source page pinned: mmap_read_unlock()';

/** kvm_gmem_populate: before the fix it GUPs the source page under the invalidate lock. */
function populate(gupFirst: boolean): Thread {
  const gup: Step[] = [
    [0, 1, 'gupSource', [lock(MMAP, 'readLock')], GUP_SOURCE],
    [1, 2, 'gupDone', [lock(MMAP, 'readUnlock')], GUP_DONE],
  ];
  const populateUnderLock: Step[] = [
    [0, 1, 'lockRequest', [lock(INV, 'writeRequest')], INV_REQUEST],
    [1, 2, 'lock', [lock(INV, 'writeLock')], INV_LOCK],
  ];
  if (gupFirst) {
    return {
      id: 'populate',
      states: [
        { name: 'idle', holds: [], wants: `${MMAP}:r` },
        { name: 'gupSource', holds: [`${MMAP}:r`] },
        { name: 'sourcePinned', holds: [] },
        { name: 'queued', holds: [], wants: `${INV}:w` },
        { name: 'populating', holds: [`${INV}:w`] },
      ],
      steps: [
        ...gup,
        [2, 3, 'lockRequest', [lock(INV, 'writeRequest')], INV_REQUEST],
        [3, 4, 'lock', [lock(INV, 'writeLock')], INV_LOCK],
        [4, 0, 'unlock', [lock(INV, 'writeUnlock')], INV_UNLOCK],
      ],
    };
  }
  return {
    id: 'populate',
    states: [
      { name: 'idle', holds: [] },
      { name: 'queued', holds: [], wants: `${INV}:w` },
      { name: 'locked', holds: [`${INV}:w`], wants: `${MMAP}:r` },
      { name: 'gupSource', holds: [`${INV}:w`, `${MMAP}:r`] },
      { name: 'populating', holds: [`${INV}:w`] },
    ],
    steps: [
      ...populateUnderLock,
      [2, 3, 'gupSource', [lock(MMAP, 'readLock')], GUP_SOURCE],
      [3, 4, 'gupDone', [lock(MMAP, 'readUnlock')], GUP_DONE],
      [4, 0, 'unlock', [lock(INV, 'writeUnlock')], INV_UNLOCK],
    ],
  };
}

/** A user fault on the guest_memfd mapping (in-place): mmap_lock, then the invalidate lock shared. */
const faulter: Thread = {
  id: 'faulter',
  states: [
    { name: 'idle', holds: [], wants: `${MMAP}:r` },
    { name: 'inFault', holds: [`${MMAP}:r`], wants: `${INV}:r` },
    { name: 'faultLocked', holds: [`${MMAP}:r`, `${INV}:r`] },
    { name: 'faultDone', holds: [`${MMAP}:r`] },
  ],
  steps: [
    [
      0,
      1,
      'fault',
      [lock(MMAP, 'readLock')],
      'user fault on the guest_memfd mapping: lock_mm_and_find_vma() takes mmap_lock (read)',
    ],
    [
      1,
      2,
      'faultLock',
      [lock(INV, 'readLock')],
      'kvm_gmem_fault_user_mapping(): filemap_invalidate_lock_shared()',
    ],
    [2, 3, 'faultUnlock', [lock(INV, 'readUnlock')], 'filemap_invalidate_unlock_shared()'],
    [3, 0, 'faultEnd', [lock(MMAP, 'readUnlock')], 'mmap_read_unlock()'],
  ],
};

/** A thread that changes the address space (munmap, mprotect): mmap_lock for write. */
const munmap: Thread = {
  id: 'munmap',
  states: [
    { name: 'idle', holds: [] },
    { name: 'queued', holds: [], wants: `${MMAP}:w` },
    { name: 'writing', holds: [`${MMAP}:w`] },
  ],
  steps: [
    [
      0,
      1,
      'mmapRequest',
      [lock(MMAP, 'writeRequest')],
      'munmap(): mmap_write_lock() queues; later readers wait behind it',
    ],
    [1, 2, 'mmapLock', [lock(MMAP, 'writeLock')], 'mmap_write_lock() acquired'],
    [2, 0, 'mmapUnlock', [lock(MMAP, 'writeUnlock')], 'mmap_write_unlock()'],
  ],
};

const lookup = (found: MemslotEvent & { type: 'lookup' }): Participant => participant(SLOT, found);

/** KVM_PRE_FAULT_MEMORY inside kvm->srcu: before the fix it retries while the slot is invalid. */
function prefault(eagain: boolean): Thread {
  const invalid: Step = eagain
    ? [
        1,
        2,
        'faultEagain',
        [lookup({ type: 'lookup', found: 'invalid', code: 'EAGAIN' })],
        'kvm_tdp_map_page(): the memslot is KVM_MEMSLOT_INVALID, return -EAGAIN (5b0d0d85422d)',
      ]
    : [
        1,
        1,
        'faultRetry',
        [lookup({ type: 'lookup', found: 'invalid', code: 'RETRY' })],
        'kvm_tdp_map_page(): the memslot is KVM_MEMSLOT_INVALID, RET_PF_RETRY inside the SRCU read side',
      ];
  return {
    id: 'prefault',
    states: [
      { name: 'idle', holds: [] },
      eagain
        ? { name: 'inSrcu', holds: [`${SRCU}:r`] }
        : { name: 'inSrcu', holds: [`${SRCU}:r`], wants: `${SLOT}:valid` },
      { name: 'faulted', holds: [`${SRCU}:r`] },
    ],
    steps: [
      [0, 1, 'srcuLock', [lock(SRCU, 'readLock')], 'KVM_PRE_FAULT_MEMORY: srcu_read_lock(&kvm->srcu)'],
      [
        1,
        2,
        'fault',
        [lookup({ type: 'lookup', found: 'valid', code: 'ok' })],
        'kvm_tdp_map_page(): the memslot is valid',
      ],
      invalid,
      [
        1,
        2,
        'faultGone',
        [lookup({ type: 'lookup', found: 'deleted', code: 'ENOENT' })],
        'the memslot is gone: -ENOENT',
      ],
      [2, 0, 'srcuUnlock', [lock(SRCU, 'readUnlock')], 'srcu_read_unlock(&kvm->srcu)'],
    ],
  };
}

/** Memslot deletion: mark invalid, synchronize_srcu, remove; userspace re-creates the slot. */
const deleter: Thread = {
  id: 'deleter',
  states: [
    { name: 'idle', holds: [] },
    { name: 'invalid', holds: [`${SLOT}:invalid`] },
    { name: 'syncing', holds: [`${SLOT}:invalid`], wants: `${SRCU}:sync` },
    { name: 'synced', holds: [`${SLOT}:invalid`] },
    { name: 'deleted', holds: [] },
  ],
  steps: [
    [
      0,
      1,
      'markInvalid',
      [lock(SLOT, 'markInvalid')],
      'KVM_SET_USER_MEMORY_REGION (delete): the slot becomes KVM_MEMSLOT_INVALID',
    ],
    [
      1,
      2,
      'syncBegin',
      [lock(SRCU, 'syncBegin')],
      'kvm_swap_active_memslots() → synchronize_srcu_expedited(&kvm->srcu) waits for readers',
    ],
    [2, 3, 'syncEnd', [lock(SRCU, 'syncEnd')], 'synchronize_srcu_expedited() returns'],
    [3, 4, 'delete', [lock(SLOT, 'remove')], 'the slot is removed'],
    [4, 0, 'recreate', [lock(SLOT, 'create')], 'userspace re-creates the memslot'],
  ],
};

function system(
  threads: readonly Thread[],
  locks: readonly MachineInstance[],
): {
  machines: MachineInstance[];
  events: WorldEventSpec[];
} {
  const machines = [
    ...locks,
    ...threads.map((t) => ({
      id: t.id,
      machine: programMachine(
        t.id,
        t.states,
        t.steps.map(([from, to]) => [from, to] as const),
      ),
    })),
  ];
  const events = threads.flatMap((t) =>
    t.steps.map(([from, to, type, sync, kernel]): WorldEventSpec =>
      worldEvent(t.id, type, {}, [participant(t.id, { type: 'op', from, to }), ...sync], { kernel }),
    ),
  );
  return { machines, events };
}

/** Progress and reachability of the populate scenario: judged in its variants only. */
const populateProperties = [
  canReachStep('populate-can-complete', 'populate', 'populating', 'populate finishing'),
  sometimesStep(
    'populate-completes',
    'kvm_gmem_populate completes and drops the invalidate lock',
    (s) => s.actor === 'populate' && s.type === 'unlock' && s.outcome === 'ok',
  ),
];
/** Progress and reachability of the prefault scenario: judged in its variants only. */
const prefaultProperties = [
  canReachStep('delete-can-complete', 'deleter', 'synced', 'the memslot deletion finishing'),
  sometimesStep(
    'memslot-deleted',
    'the memslot deletion completes',
    (s) => s.actor === 'deleter' && s.type === 'delete' && s.outcome === 'ok',
  ),
];

export default defineModel<'mmapWriters', Variant>({
  id: 'lock-order',
  title: 'Lock-order deadlocks: populate vs user fault, prefault vs memslot delete (F30)',
  summary:
    'Threads as lock programs. kvm_gmem_populate GUPs its source page (mmap_lock) under the guest_memfd invalidate lock while a user fault on the in-place mapping takes them in the other order; with a queued mmap_lock writer the three wait in a cycle (F30) unless the source is GUPed first (9123c5f956b1). KVM_PRE_FAULT_MEMORY retries inside SRCU while a deleted memslot is invalid, and the deletion waits in synchronize_srcu for it (F30) unless the fault returns -EAGAIN (5b0d0d85422d). Explored exhaustively.',
  sources: [
    'docs/designs-and-flaws.md F30, §4 rows 19-20',
    'docs/kernel-semantics.md §2.11 (kvm_gmem_populate), §3.2 (in-place user fault under the invalidate lock)',
    'merge 9123c5f956b1 "KVM guest_memfd changes for 6.20" (description)',
    'merge 5b0d0d85422d "KVM x86 MMU changes for 6.18" (description)',
  ],
  unconfirmed: [
    'individual commit ids of both fixes',
    'the thread that queues for mmap_lock write in the populate deadlock',
  ],
  params: {
    mmapWriters: {
      default: 1,
      min: 0,
      max: 1,
      doc: 'threads taking mmap_lock for write (munmap) in the populate variants',
    },
  },
  variants: {
    'populate-gup-under-lock': {
      doc: 'populate takes the invalidate lock, then GUPs the source page (mmap_lock read)',
      flaws: ['F30'],
      fixedBy: 'populate-gup-first',
      properties: populateProperties,
      expect: {
        'no-lock-cycle': 'violated',
        'deadlock-free': 'violated',
        'populate-can-complete': 'violated',
        'populate-completes': 'reached',
      },
    },
    'populate-gup-first': {
      doc: '9123c5f956b1: GUP the source page in common code before taking the invalidate lock',
      flaws: [],
      properties: populateProperties,
      expect: {
        'no-lock-cycle': 'holds',
        'deadlock-free': 'holds',
        'populate-can-complete': 'holds',
        'populate-completes': 'reached',
      },
    },
    'prefault-retry': {
      doc: 'the prefault retries inside SRCU while the memslot is invalid',
      flaws: ['F30'],
      fixedBy: 'prefault-eagain',
      properties: prefaultProperties,
      expect: {
        'no-lock-cycle': 'violated',
        'deadlock-free': 'violated',
        'delete-can-complete': 'violated',
        'memslot-deleted': 'reached',
      },
    },
    'prefault-eagain': {
      doc: '5b0d0d85422d: the prefault returns -EAGAIN on an invalid memslot and leaves SRCU',
      flaws: [],
      properties: prefaultProperties,
      expect: {
        'no-lock-cycle': 'holds',
        'deadlock-free': 'holds',
        'delete-can-complete': 'holds',
        'memslot-deleted': 'reached',
      },
    },
  },
  properties: [noLockCycle(THREADS), lockOrderDeadlockFree()],
  build({ mmapWriters }, variant) {
    if (variant === 'populate-gup-under-lock' || variant === 'populate-gup-first') {
      const threads = [
        populate(variant === 'populate-gup-first'),
        faulter,
        ...(mmapWriters > 0 ? [munmap] : []),
      ];
      return system(threads, [
        { id: MMAP, machine: rwsemMachine },
        { id: INV, machine: rwsemMachine },
      ]);
    }
    return system(
      [prefault(variant === 'prefault-eagain'), deleter],
      [
        { id: SRCU, machine: srcuMachine },
        { id: SLOT, machine: memslotMachine },
      ],
    );
  },
});
