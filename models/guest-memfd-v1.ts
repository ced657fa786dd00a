// guest-memfd-v1: mainline guest_memfd v1 (private-only fd, per-VM memory attributes):
// vCPU faults racing with KVM_SET_MEMORY_ATTRIBUTES through KVM's invalidation bookkeeping
// (docs/designs-and-flaws.md D4, F8; docs/kernel-semantics.md §1.4, §1.7, §2.9, §2.12).
//
// Sources:
// - virt/kvm/kvm_main.c kvm_vm_set_mem_attributes(): under mmu_lock invalidate_begin,
//   invalidate_range_add, arch pre_set (x86: zap SPTEs of every memslot in the range);
//   store the attributes; post_set + invalidate_end (mmu_seq++).
// - arch/x86/kvm/mmu/mmu.c: a fault snapshots mmu_seq, refuses a private/shared mismatch
//   with KVM_EXIT_MEMORY_FAULT, resolves the pfn (kvm_gmem_get_pfn for private, GUP of the
//   shared backing for shared), then under mmu_lock retries if mmu_invalidate_retry_gfn().
// - "[PATCH 00/13] KVM: guest_memfd fixes", Sean Christopherson, 21 Sep 2023:
//   69c7916df569 "Always add relevant ranges to invalidation set when changing attributes"
//   (F8-A), fb6f779719ca "x86/mmu: Zap shared-only memslots when private attribute changes"
//   (F8-B). kvm-x86 branch ids, squashed before v6.8 (no mainline ids of their own).
//
// World: 1 gfn, attribute initially shared; memslot 0 (address space 0) is bound to
// guest_memfd index 0, memslot 1 (the SMM address space) is shared-only. Actors: one vCPU
// faulting in a loop (shared via slot 0 or 1, private via slot 0) and a converter doing one
// SET_MEMORY_ATTRIBUTES to private. PUNCH_HOLE is in guest-memfd-v1-punch.
// Abstractions: mmu_seq is not a counter: invalidate_end tells the vCPU that it moved
// (`seqBump`); snapshot, attribute check and pfn resolution are one step; the shared
// backing is always present.
// Bound: exhaustive (finite: the converter acts once). F8-A and F8-B need 4 steps
// (catalogue §3: 1 gfn, 2 memslots, vCPU + converter, ≤8 steps).
import { setup } from 'xstate';
import { defineModel, worldEvent, participant, sometimesStep, type WorldEventSpec } from '../src/index.js';
import { spteCoherent } from '../properties/guestMemfd.js';
import { gmemPageMachine } from './machines/gmemPage.js';
import { kvmMmuMachine, memAttrMachine, spteMachine, vcpuMachine, type Kind } from './machines/kvmMmu.js';

/** SET_MEMORY_ATTRIBUTES once: pre_set (begin, range add, zap), store, post_set (end). */
const converterMachine = setup({ types: { events: {} as { type: 'step'; phase: number } } }).createMachine({
  id: 'converter',
  initial: 'idle',
  states: {
    idle: { on: { step: { guard: ({ event }) => event.phase === 0, target: 'preSet' } } },
    preSet: { on: { step: { guard: ({ event }) => event.phase === 1, target: 'stored' } } },
    stored: { on: { step: { guard: ({ event }) => event.phase === 2, target: 'done' } } },
    done: {},
  },
});

type Variant = 'fixed' | 'no-range-add' | 'no-shared-slot-zap';

const ATTR = 'attr';
const KVM = 'kvmMmu';
const VCPU = 'vcpu';
const GMEM = 'gmemPage0';
const CONV = 'converter';
const spte = (slot: number): string => `spte${slot}`;
const SLOTS = [0, 1];
/** The accesses a vCPU makes: slot 1 (SMM) cannot be private, so a private access uses slot 0. */
const ACCESSES: readonly (readonly [number, Kind])[] = [
  [0, 'shared'],
  [0, 'private'],
  [1, 'shared'],
];

const expectFixed = {
  'spte-coherent': 'holds',
  'converts-to-private': 'reached',
  'private-fault-installs': 'reached',
  'fault-retries': 'reached',
} as const;

export default defineModel<never, Variant>({
  id: 'guest-memfd-v1',
  title: 'guest_memfd v1: vCPU faults vs KVM_SET_MEMORY_ATTRIBUTES and the invalidation bookkeeping (D4, F8)',
  summary:
    'One gfn with a per-VM memory attribute, mapped through a guest_memfd-bound memslot and a shared-only (SMM) memslot. A vCPU faults in two steps (snapshot mmu_seq, check the attribute and resolve the pfn; then under mmu_lock retry or install the SPTE) while a converter sets the attribute to private (begin + range add + zap, store, end). The fixed variant keeps SPTEs coherent with the attribute; no-range-add (F8-A) lets a fault install a shared SPTE inside the invalidation, no-shared-slot-zap (F8-B) leaves a shared SPTE in the SMM slot. Explored exhaustively.',
  sources: [
    'docs/designs-and-flaws.md D4, F8',
    'docs/kernel-semantics.md §1.4, §1.7, §2.9, §2.12',
    'virt/kvm/kvm_main.c kvm_vm_set_mem_attributes, kvm_mmu_invalidate_begin/range_add/end; mmu_invalidate_retry_gfn',
    '[PATCH 00/13] KVM: guest_memfd fixes (Sean Christopherson, 21 Sep 2023): 69c7916df569, fb6f779719ca (kvm-x86 branch ids)',
  ],
  unconfirmed: [
    'F8-A is the catalogue mutant: x86 already added the range when zapping, so the trace is for "a skipped slot or another arch"',
  ],
  params: {},
  variants: {
    fixed: {
      doc: 'mainline v6.8: range added unconditionally, every memslot zapped',
      flaws: [],
      expect: expectFixed,
    },
    'no-range-add': {
      doc: 'F8 interleaving A: SET_MEMORY_ATTRIBUTES begins an invalidation without adding the gfn to its range (before 69c7916df569)',
      flaws: ['F8'],
      fixedBy: 'fixed',
      expect: { ...expectFixed, 'spte-coherent': 'violated' },
    },
    'no-shared-slot-zap': {
      doc: 'F8 interleaving B: pre_set zaps only memslots that can be private, leaving shared SPTEs in shared-only slots (before fb6f779719ca)',
      flaws: ['F8'],
      fixedBy: 'fixed',
      expect: { ...expectFixed, 'spte-coherent': 'violated' },
    },
  },
  properties: [
    spteCoherent({ attr: ATTR, sptes: SLOTS.map(spte), gmemPage: GMEM }),
    sometimesStep(
      'converts-to-private',
      'SET_MEMORY_ATTRIBUTES to private completes',
      (s) => s.type === 'postSet',
    ),
    sometimesStep(
      'private-fault-installs',
      'a private fault installs an SPTE for a guest_memfd folio',
      (s) => s.type === 'install' && s.args['kind'] === 'private' && s.outcome === 'ok',
    ),
    sometimesStep(
      'fault-retries',
      'a fault retries because of an invalidation',
      (s) => s.outcome === 'RETRY',
    ),
  ],
  build(_params, variant) {
    const events: WorldEventSpec[] = [];
    for (const [slot, kind] of ACCESSES) {
      events.push(
        worldEvent(VCPU, 'faultIn', { slot, kind }, [
          participant(ATTR, { type: 'check', kind }),
          ...(kind === 'private' ? [participant(GMEM, { type: 'getPfn' }, 'prior')] : []),
          participant(VCPU, { type: 'faultIn', slot, kind }, 'prior'),
        ]),
      );
      events.push(
        worldEvent(VCPU, 'install', { slot, kind }, [
          participant(KVM, { type: 'retryCheck' }),
          participant(VCPU, { type: 'install', slot, kind }, 'prior'),
          participant(spte(slot), { type: 'map', kind }, 'prior'),
        ]),
      );
    }
    const zapped = variant === 'no-shared-slot-zap' ? [0] : SLOTS;
    events.push(
      worldEvent(CONV, 'preSet', { to: 'private' }, [
        participant(CONV, { type: 'step', phase: 0 }),
        participant(KVM, { type: 'begin', add: variant !== 'no-range-add' }),
        ...zapped.map((slot) => participant(spte(slot), { type: 'zap' })),
      ]),
    );
    events.push(
      worldEvent(CONV, 'store', { to: 'private' }, [
        participant(CONV, { type: 'step', phase: 1 }),
        participant(ATTR, { type: 'store', to: 'private' }),
      ]),
    );
    events.push(
      worldEvent(CONV, 'postSet', { to: 'private' }, [
        participant(CONV, { type: 'step', phase: 2 }),
        participant(KVM, { type: 'end' }),
        participant(VCPU, { type: 'seqBump' }),
      ]),
    );
    return {
      machines: [
        { id: ATTR, machine: memAttrMachine },
        { id: KVM, machine: kvmMmuMachine },
        ...SLOTS.map((slot) => ({ id: spte(slot), machine: spteMachine })),
        { id: GMEM, machine: gmemPageMachine },
        { id: VCPU, machine: vcpuMachine },
        { id: CONV, machine: converterMachine },
      ],
      events,
    };
  },
});
