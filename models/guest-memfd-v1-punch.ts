// guest-memfd-v1-punch: PUNCH_HOLE on mainline guest_memfd v1 racing with private vCPU
// faults (docs/designs-and-flaws.md D4, F27, F28; docs/kernel-semantics.md §1.7, §2.5,
// §2.10).
//
// Sources:
// - virt/kvm/guest_memfd.c kvm_gmem_punch_hole(): filemap_invalidate_lock (exclusive);
//   kvm_gmem_invalidate_begin() (for each binding in range: mmu_lock, invalidate_begin,
//   range add, zap private SPTEs); truncate_inode_pages_range(); kvm_gmem_invalidate_end();
//   kvm_gmem_allocate() (fallocate) takes the lock shared; kvm_gmem_get_pfn() allocates.
// - virt/kvm/kvm_main.c kvm_mmu_invalidate_begin/range_add/end, mmu_invalidate_retry_gfn():
//   the range is reset only when in_progress goes 0 → 1, so a dangling invalidation makes
//   every later range stick and faults in it retry forever.
// - "[PATCH 00/13] KVM: guest_memfd fixes", Sean Christopherson, 21 Sep 2023: 936144404469
//   "Actually truncate the inode when doing PUNCH_HOLE for guest_memfd" (F27, reported by
//   Michael Roth), b25ab9cae30f "Fix MMU invalidation bookkeeping in guest_memfd" (F28,
//   reported by Binbin Wu). kvm-x86 branch ids, squashed before v6.8.
//
// World: 1 gfn, private throughout (the VMM set the attribute at boot), in memslot 0 bound
// to guest_memfd index 0; index 1 has no binding. Actors: one vCPU faulting the gfn as
// private in a loop, a puncher punching index 0 or 1 in a loop, the VMM's fallocate of index 0.
// Abstractions as in guest-memfd-v1 (mmu_seq through `seqBump`; fault = two steps).
// Bound: exhaustive (finite; in_progress is bounded at 2). F27 needs 3 steps, the dangling
// invalidation of F28 3, its livelock a 6-event lasso (a later punch of index 0 begins, then
// the fault retries forever) (catalogue §3: 2 and 4).
// Progress: L-Fault (faultCanProgress in properties/guestMemfd.ts) is the F28 property the
// catalogue names: violated in unbalanced-invalidate, holds elsewhere. invalidations-balanced
// is its safety face (the kernel WARNs on dangling invalidations since the same series).
import { assign, setup } from 'xstate';
import { defineModel, worldEvent, participant, sometimesStep, type WorldEventSpec } from '../src/index.js';
import {
  faultCanProgress,
  invalidationsBalanced,
  punchFrees,
  spteCoherent,
} from '../properties/guestMemfd.js';
import { gmemPageMachine } from './machines/gmemPage.js';
import { kvmMmuMachine, spteMachine, vcpuMachine } from './machines/kvmMmu.js';

type PunchEvent =
  | { type: 'begin'; index: number; inv: boolean }
  | { type: 'truncate'; index: number }
  | { type: 'end'; index: number }
  | { type: 'notPunching' };

/** PUNCH_HOLE of one index, holding the invalidate lock from begin to end; `inv`: it called invalidate_begin. */
const puncherMachine = setup({
  types: { context: {} as { index: number; inv: boolean }, events: {} as PunchEvent },
}).createMachine({
  id: 'puncher',
  context: { index: 0, inv: false },
  initial: 'idle',
  states: {
    idle: {
      on: {
        begin: { target: 'begun', actions: assign(({ event }) => ({ index: event.index, inv: event.inv })) },
        notPunching: {},
      },
    },
    begun: {
      description: 'filemap_invalidate_lock held; kvm_gmem_invalidate_begin() done (if it was called)',
      on: { truncate: { guard: ({ context, event }) => context.index === event.index, target: 'truncated' } },
    },
    truncated: {
      description: 'truncate_inode_pages_range() done (in the fixed order); kvm_gmem_invalidate_end() next',
      on: {
        end: {
          guard: ({ context, event }) => context.index === event.index,
          target: 'idle',
          actions: assign({ index: 0, inv: false }),
        },
      },
    },
  },
});

type Variant = 'fixed' | 'punch-no-truncate' | 'unbalanced-invalidate';

const KVM = 'kvmMmu';
const VCPU = 'vcpu';
const GMEM = 'gmemPage0';
const SPTE = 'spte0';
const PUNCH = 'puncher';

const expectFixed = {
  'spte-coherent': 'holds',
  'punch-frees': 'holds',
  'invalidations-balanced': 'holds',
  'private-fault-installs': 'reached',
  'fault-retries': 'reached',
  'fault-can-progress': 'holds',
} as const;

export default defineModel<never, Variant>({
  id: 'guest-memfd-v1-punch',
  title: 'guest_memfd v1: PUNCH_HOLE vs private vCPU faults (D4, F27, F28)',
  summary:
    'One private gfn bound to guest_memfd index 0 (index 1 unbound). A vCPU faults it in two steps (snapshot mmu_seq and kvm_gmem_get_pfn; then under mmu_lock retry or install) while PUNCH_HOLE of index 0 or 1 invalidates, truncates and ends, and fallocate reallocates. The fixed variant keeps SPTEs on live folios, frees punched folios and balances invalidations; punch-no-truncate (F27) leaves the folio allocated, unbalanced-invalidate (F28) leaves an invalidation in progress after punching an unbound range. Explored exhaustively.',
  sources: [
    'docs/designs-and-flaws.md D4, F27, F28',
    'docs/kernel-semantics.md §1.7, §2.5, §2.10',
    'virt/kvm/guest_memfd.c kvm_gmem_punch_hole, kvm_gmem_invalidate_begin/end, kvm_gmem_get_pfn, kvm_gmem_allocate',
    '[PATCH 00/13] KVM: guest_memfd fixes (Sean Christopherson, 21 Sep 2023): 936144404469, b25ab9cae30f (kvm-x86 branch ids)',
  ],
  params: {},
  variants: {
    fixed: {
      doc: 'mainline v6.8: punch truncates; begin/end only when a binding overlaps',
      flaws: [],
      expect: expectFixed,
    },
    'punch-no-truncate': {
      doc: 'PUNCH_HOLE zaps SPTEs but lost truncate_inode_pages_range() "in a rebase gone bad" (before 936144404469)',
      flaws: ['F27'],
      fixedBy: 'fixed',
      expect: { ...expectFixed, 'punch-frees': 'violated' },
    },
    'unbalanced-invalidate': {
      doc: 'PUNCH_HOLE calls invalidate_begin unconditionally but invalidate_end only when a binding overlaps (before b25ab9cae30f)',
      flaws: ['F28'],
      fixedBy: 'fixed',
      expect: { ...expectFixed, 'invalidations-balanced': 'violated', 'fault-can-progress': 'violated' },
    },
  },
  properties: [
    // Premise: a private fault is in flight while index 0 is being punched (the race).
    spteCoherent({ attr: undefined, sptes: [SPTE], gmemPage: GMEM }, (w) => {
      const punch = w.get(PUNCH);
      return (
        !punch.matches('idle') &&
        (punch.context as { index: number }).index === 0 &&
        w.get(VCPU).matches('resolved')
      );
    }),
    punchFrees('gmemPage'),
    invalidationsBalanced(KVM, (w) => {
      const punch = w.get(PUNCH);
      return !punch.matches('idle') && (punch.context as { inv: boolean }).inv ? 1 : 0;
    }),
    sometimesStep(
      'private-fault-installs',
      'a private fault installs an SPTE for a guest_memfd folio',
      (s) => s.type === 'install' && s.outcome === 'ok',
    ),
    sometimesStep(
      'fault-retries',
      'a fault retries because of an invalidation',
      (s) => s.outcome === 'RETRY',
    ),
    // L-Fault (F28): violated in unbalanced-invalidate (a 6-step prefix, then a retrying fault
    // forever), holds in fixed and punch-no-truncate.
    faultCanProgress(),
  ],
  build(_params, variant) {
    const events: WorldEventSpec[] = [];
    const access = { slot: 0, kind: 'private' } as const;
    events.push(
      worldEvent(
        VCPU,
        'faultIn',
        access,
        [
          participant(GMEM, { type: 'getPfn' }, 'prior'),
          participant(VCPU, { type: 'faultIn', ...access }, 'prior'),
        ],
        {
          kernel:
            'kvm_mmu_page_fault(): snapshot mmu_invalidate_seq, kvm_gmem_get_pfn() (allocates and zeroes a folio when the index has none)',
        },
      ),
    );
    events.push(
      worldEvent(
        VCPU,
        'install',
        access,
        [
          participant(KVM, { type: 'retryCheck' }),
          participant(VCPU, { type: 'install', ...access }, 'prior'),
          participant(SPTE, { type: 'map', kind: 'private' }, 'prior'),
        ],
        {
          kernel: 'under mmu_lock: mmu_invalidate_retry_gfn() → RET_PF_RETRY, else install the private SPTE',
        },
      ),
    );
    for (const index of [0, 1]) {
      const bound = index === 0;
      const inv = bound || variant === 'unbalanced-invalidate';
      const truncates = variant !== 'punch-no-truncate';
      events.push(
        worldEvent(
          PUNCH,
          'punchBegin',
          { index },
          [
            participant(PUNCH, { type: 'begin', index, inv }),
            ...(inv ? [participant(KVM, { type: 'begin', add: bound })] : []),
            ...(bound ? [participant(SPTE, { type: 'zapPrivate' })] : []),
          ],
          {
            kernel: inv
              ? 'fallocate(PUNCH_HOLE) → kvm_gmem_punch_hole(): filemap_invalidate_lock, kvm_gmem_invalidate_begin() (kvm_mmu_invalidate_begin, range add and zap for each binding in range)'
              : 'fallocate(PUNCH_HOLE) → kvm_gmem_punch_hole(): filemap_invalidate_lock; no binding in range, no invalidation begun',
          },
        ),
      );
      events.push(
        worldEvent(
          PUNCH,
          'punchTruncate',
          { index },
          [
            participant(PUNCH, { type: 'truncate', index }),
            ...(bound ? [participant(GMEM, { type: 'truncate', really: truncates })] : []),
          ],
          {
            kernel: truncates
              ? 'kvm_gmem_punch_hole(): truncate_inode_pages_range()'
              : 'kvm_gmem_punch_hole() without truncate_inode_pages_range() (lost "in a rebase gone bad")',
          },
        ),
      );
      events.push(
        worldEvent(
          PUNCH,
          'punchEnd',
          { index },
          [
            participant(PUNCH, { type: 'end', index }),
            ...(bound ? [participant(KVM, { type: 'end' }), participant(VCPU, { type: 'seqBump' })] : []),
          ],
          {
            kernel: bound
              ? 'kvm_gmem_invalidate_end() (kvm_mmu_invalidate_end: mmu_invalidate_seq++, in_progress--), filemap_invalidate_unlock'
              : 'no binding in range: no kvm_gmem_invalidate_end(); filemap_invalidate_unlock',
          },
        ),
      );
    }
    events.push(
      worldEvent(
        'vmm',
        'fallocate',
        { index: 0 },
        [participant(GMEM, { type: 'allocate' }), participant(PUNCH, { type: 'notPunching' })],
        { kernel: 'fallocate(KEEP_SIZE) → kvm_gmem_allocate() under filemap_invalidate_lock_shared' },
      ),
    );
    return {
      machines: [
        { id: KVM, machine: kvmMmuMachine },
        { id: SPTE, machine: spteMachine },
        { id: GMEM, machine: gmemPageMachine },
        { id: VCPU, machine: vcpuMachine },
        { id: PUNCH, machine: puncherMachine },
      ],
      events,
    };
  },
});
