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
// faulting in a loop (shared via slot 0 or 1, private via slot 0) and a converter doing
// SET_MEMORY_ATTRIBUTES over and over, each time to the other attribute (to private, then to
// shared, ...), so both directions race with faults. PUNCH_HOLE is in guest-memfd-v1-punch.
// x86 kvm_arch_pre_set_memory_attributes() zaps every memslot in both directions ("if
// userspace is making memory SHARED ... at least one page within the range was previously
// PRIVATE"): a missing zap of a shared-only slot (F8-B) matters only going private, where
// the shared SPTE stays; a missing range add (F8-A) lets a fault that resolved the old kind
// install it in either direction.
// Abstractions: mmu_seq is not a counter: invalidate_end tells the vCPU that it moved
// (`seqBump`); snapshot, attribute check and pfn resolution are one step; the shared
// backing is always present.
// Properties: no-shared-spte-on-private and no-private-spte-on-shared (P-SPTECoherent, one per
// direction), each with the premise that a fault of the other kind is in flight while the
// attribute has changed (the race it is about).
// Bound: exhaustive (finite). F8-A to private and F8-B need 4 steps; F8-A to shared 7 (a
// conversion to private first) (catalogue §3: 1 gfn, 2 memslots, vCPU + converter, ≤8 steps).
import { assign, setup } from 'xstate';
import { defineModel, participant, sometimesStep, worldEvent, type WorldEventSpec } from '../src/index.js';
import { noPrivateSpteOnShared, noSharedSpteOnPrivate } from '../properties/guestMemfd.js';
import { gmemPageMachine } from './machines/gmemPage.js';
import { kvmMmuMachine, memAttrMachine, spteMachine, vcpuMachine, type Kind } from './machines/kvmMmu.js';

type ConverterEvent =
  { type: 'preSet'; to: Kind } | { type: 'store'; to: Kind } | { type: 'postSet'; to: Kind };

/**
 * SET_MEMORY_ATTRIBUTES, repeatedly: pre_set (begin, range add, zap: `invalidating`), store
 * (`stored`), post_set (end: back to idle). `to` is the attribute this call sets.
 */
const converterMachine = setup({
  types: { context: {} as { to: Kind }, events: {} as ConverterEvent },
}).createMachine({
  id: 'converter',
  context: { to: 'private' },
  initial: 'idle',
  states: {
    idle: { on: { preSet: { target: 'invalidating', actions: assign({ to: ({ event }) => event.to }) } } },
    invalidating: {
      description: 'kvm_mmu_invalidate_begin() + range add + pre_set zap done, under mmu_lock',
      on: { store: { guard: ({ context, event }) => context.to === event.to, target: 'stored' } },
    },
    stored: {
      description: 'the new attribute is in kvm->mem_attr_array',
      on: { postSet: { guard: ({ context, event }) => context.to === event.to, target: 'idle' } },
    },
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
  'no-shared-spte-on-private': 'holds',
  'no-private-spte-on-shared': 'holds',
  'converts-to-private': 'reached',
  'converts-to-shared': 'reached',
  'private-fault-installs': 'reached',
  'fault-retries': 'reached',
} as const;

const K = {
  faultIn: {
    shared:
      'kvm_mmu_page_fault(): snapshot mmu_invalidate_seq, kvm_mem_is_private() check (else KVM_EXIT_MEMORY_FAULT), GUP of the shared backing',
    private:
      'kvm_mmu_page_fault(): snapshot mmu_invalidate_seq, kvm_mem_is_private() check (else KVM_EXIT_MEMORY_FAULT), kvm_gmem_get_pfn()',
  },
  install: 'under mmu_lock: mmu_invalidate_retry_gfn() → RET_PF_RETRY, else install the SPTE',
  preSet:
    'KVM_SET_MEMORY_ATTRIBUTES → kvm_vm_set_mem_attributes(): kvm_mmu_invalidate_begin(), kvm_mmu_invalidate_range_add(), kvm_arch_pre_set_memory_attributes() (zap SPTEs)',
  preSetNoAdd:
    'KVM_SET_MEMORY_ATTRIBUTES → kvm_vm_set_mem_attributes(): kvm_mmu_invalidate_begin() without kvm_mmu_invalidate_range_add(), kvm_arch_pre_set_memory_attributes() (zap SPTEs)',
  store: 'kvm_vm_set_mem_attributes(): xa_store() of the attribute into kvm->mem_attr_array',
  postSet: 'kvm_arch_post_set_memory_attributes(), kvm_mmu_invalidate_end() (mmu_invalidate_seq++)',
} as const;

export default defineModel<never, Variant>({
  id: 'guest-memfd-v1',
  title: 'guest_memfd v1: vCPU faults vs KVM_SET_MEMORY_ATTRIBUTES and the invalidation bookkeeping (D4, F8)',
  summary:
    'One gfn with a per-VM memory attribute, mapped through a guest_memfd-bound memslot and a shared-only (SMM) memslot. A vCPU faults in two steps (snapshot mmu_seq, check the attribute and resolve the pfn; then under mmu_lock retry or install the SPTE) while a converter flips the attribute, to private and back to shared (begin + range add + zap, store, end). The fixed variant keeps SPTEs coherent with the attribute in both directions; no-range-add (F8-A) lets a fault install the old kind inside the invalidation (a shared SPTE on a private gfn, a private SPTE on a shared one), no-shared-slot-zap (F8-B) leaves a shared SPTE in the SMM slot after a conversion to private. Explored exhaustively.',
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
      expect: {
        ...expectFixed,
        'no-shared-spte-on-private': 'violated',
        'no-private-spte-on-shared': 'violated',
      },
    },
    'no-shared-slot-zap': {
      doc: 'F8 interleaving B: pre_set zaps only memslots that can be private, leaving shared SPTEs in shared-only slots (before fb6f779719ca)',
      flaws: ['F8'],
      fixedBy: 'fixed',
      expect: { ...expectFixed, 'no-shared-spte-on-private': 'violated' },
    },
  },
  properties: [
    noSharedSpteOnPrivate({ attr: ATTR, sptes: SLOTS.map(spte), vcpu: VCPU }),
    noPrivateSpteOnShared({ attr: ATTR, sptes: SLOTS.map(spte), vcpu: VCPU }),
    sometimesStep(
      'converts-to-private',
      'SET_MEMORY_ATTRIBUTES to private completes',
      (s) => s.type === 'postSet' && s.args['to'] === 'private',
    ),
    sometimesStep(
      'converts-to-shared',
      'SET_MEMORY_ATTRIBUTES to shared completes',
      (s) => s.type === 'postSet' && s.args['to'] === 'shared',
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
        worldEvent(
          VCPU,
          'faultIn',
          { slot, kind },
          [
            participant(ATTR, { type: 'check', kind }),
            ...(kind === 'private' ? [participant(GMEM, { type: 'getPfn' }, 'prior')] : []),
            participant(VCPU, { type: 'faultIn', slot, kind }, 'prior'),
          ],
          { kernel: K.faultIn[kind] },
        ),
      );
      events.push(
        worldEvent(
          VCPU,
          'install',
          { slot, kind },
          [
            participant(KVM, { type: 'retryCheck' }),
            participant(VCPU, { type: 'install', slot, kind }, 'prior'),
            participant(spte(slot), { type: 'map', kind }, 'prior'),
          ],
          { kernel: K.install },
        ),
      );
    }
    const zapped = variant === 'no-shared-slot-zap' ? [0] : SLOTS;
    for (const to of ['private', 'shared'] as const) {
      const from: Kind = to === 'private' ? 'shared' : 'private';
      events.push(
        worldEvent(
          CONV,
          'preSet',
          { to },
          [
            { machine: ATTR, requires: from },
            participant(CONV, { type: 'preSet', to }),
            participant(KVM, { type: 'begin', add: variant !== 'no-range-add' }),
            ...zapped.map((slot) => participant(spte(slot), { type: 'zap' })),
          ],
          { kernel: variant === 'no-range-add' ? K.preSetNoAdd : K.preSet },
        ),
      );
      events.push(
        worldEvent(
          CONV,
          'store',
          { to },
          [participant(CONV, { type: 'store', to }), participant(ATTR, { type: 'store', to })],
          { kernel: K.store },
        ),
      );
      events.push(
        worldEvent(
          CONV,
          'postSet',
          { to },
          [
            participant(CONV, { type: 'postSet', to }),
            participant(KVM, { type: 'end' }),
            participant(VCPU, { type: 'seqBump' }),
          ],
          { kernel: K.postSet },
        ),
      );
    }
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
