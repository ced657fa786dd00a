// Properties shared by the guest_memfd conformance models (models/machines/gmemWorld.ts).
// Every invariant states its premise: the situation it is about, so a hold over nothing
// reads `holds (vacuous)`.
import type { AnyMachineSnapshot } from 'xstate';
import {
  always,
  alwaysEach,
  sometimesStep,
  sometimesTransition,
  type Property,
  type StepView,
  type WorldView,
} from '../../src/index.js';
import type { GmemFileContext } from './gmemFile.js';
import { slotCode } from './gmemWorld.js';
import type { MemslotContext } from './kvmVm.js';

const isValue = (outcome: string): boolean =>
  !/^(E[A-Z0-9]+|SIG[A-Z]+|MEMORY_FAULT.*|KVM_EXIT.*|#.*|released)$/.test(outcome);
const hostGmemRead = (s: StepView): boolean =>
  s.actor === 'host' && s.type === 'read' && 'page' in s.args && !('backing' in s.args) && isValue(s.outcome);

/** A file exists in this fd slot: the fd holds it, or a mapping does. */
const alive = (s: AnyMachineSnapshot): boolean => s.matches('open') || s.matches('orphan');

interface FileView {
  readonly fd: number;
  readonly snap: AnyMachineSnapshot;
  readonly c: GmemFileContext;
}
interface SlotView {
  readonly vm: number;
  /** The code the slot's file records in its bindings (gmemWorld's slotCode). */
  readonly code: number;
  readonly c: MemslotContext;
}

function files(w: WorldView): FileView[] {
  return w.ids('gmemFile').map((id) => {
    const snap = w.get(id);
    return { fd: Number(id.slice(2)), snap, c: snap.context as GmemFileContext };
  });
}

/** Memslots of VMs that are not destroyed (kvm_destroy_vm() frees the others). */
function liveSlots(w: WorldView): SlotView[] {
  const vms = w.ids('kvmVm');
  return w
    .ids('memslot')
    .map((id) => ({ vm: id.startsWith('vm') ? Number(/^vm(\d+)/.exec(id)?.[1]) : 0, id }))
    .filter(({ vm }) => !w.get(vms[vm] as string).matches('destroyed'))
    .map(({ vm, id }) => ({
      vm,
      code: slotCode(vm, Number(/slot(\d+)$/.exec(id)?.[1])),
      c: w.get(id).context as MemslotContext,
    }))
    .filter((s) => s.c.kind !== 'none');
}

/** A guest_memfd memslot whose file was not released under it. */
const bound = (s: SlotView): boolean => s.c.kind === 'gmem' && !s.c.dead;
const overlap = (a: number, n: number, b: number, m: number): boolean => a < b + m && b < a + n;
const pairs = <T>(xs: readonly T[]): [T, T][] =>
  xs.flatMap((x, i) => xs.slice(i + 1).map((y): [T, T] => [x, y]));

export const initSharedOnlyWhereSupported = (): Property =>
  alwaysEach(
    'init-shared-only-where-supported',
    'no guest_memfd is INIT_SHARED on a VM whose KVM_CAP_GUEST_MEMFD_FLAGS lacks it (§3.1 rule 3)',
    'gmemFile',
    (s) => {
      const c = s.context as { shared: boolean; initSharedOk: boolean };
      return !c.shared || c.initSharedOk;
    },
    { premise: alive },
  );

/** INV-18: the file pins its VM (kvm_get_kvm() in __kvm_gmem_create(), kvm_put_kvm() in kvm_gmem_release()). */
export const vmOutlivesGmemFiles = (): Property =>
  always(
    'vm-outlives-gmem-files',
    'a VM is not destroyed while a guest_memfd file created on it is open or mapped (INV-18, §1.2, §2.7)',
    (w) => {
      const vms = w.ids('kvmVm');
      return files(w).every((f) => !alive(f.snap) || !w.get(vms[f.c.vm] as string).matches('destroyed'));
    },
    {
      premise: (w) => {
        const vms = w.ids('kvmVm');
        return files(w).some((f) => alive(f.snap) && !w.get(vms[f.c.vm] as string).matches('open'));
      },
    },
  );

/** INV-8 (part): what kvm_gmem_bind() checks and kvm_gmem_release()/kvm_gmem_unbind() undo. */
export const bindingWithinFile = (): Property =>
  always(
    'binding-within-file',
    "every live guest_memfd memslot is bound inside its file's i_size, and the file records the binding (INV-8, §1.3, §2.7)",
    (w) => {
      const fs = files(w);
      return liveSlots(w)
        .filter(bound)
        .every((s) => {
          const f = fs.find((x) => x.fd === s.c.fd);
          if (f === undefined || !alive(f.snap)) return false;
          if (s.c.off + s.c.npages > f.c.pages) return false;
          return f.c.owners.slice(s.c.off, s.c.off + s.c.npages).every((o) => o === s.code);
        });
    },
    { premise: (w) => liveSlots(w).some(bound) },
  );

/** INV-8: per guest_memfd file, each index is bound to at most one memslot. */
export const bindingsDisjoint = (): Property =>
  always(
    'bindings-disjoint',
    'no two live memslots bind the same index of one guest_memfd (INV-8; kvm_gmem_bind() → EEXIST)',
    (w) =>
      pairs(liveSlots(w).filter(bound)).every(
        ([a, b]) => a.c.fd !== b.c.fd || !overlap(a.c.off, a.c.npages, b.c.off, b.c.npages),
      ),
    {
      premise: (w) => {
        const slots = liveSlots(w);
        return slots.some(bound) && pairs(slots).some(([a, b]) => a.vm === b.vm);
      },
    },
  );

/** kvm_check_memslot_overlap(): the memslots of a VM cover disjoint guest-physical ranges. */
export const memslotsDisjoint = (): Property =>
  always(
    'memslots-disjoint',
    'no two live memslots of a VM overlap in guest-physical space (kvm_set_memory_region() → EEXIST)',
    (w) =>
      pairs(liveSlots(w)).every(
        ([a, b]) => a.vm !== b.vm || !overlap(a.c.base, a.c.npages, b.c.base, b.c.npages),
      ),
    { premise: (w) => pairs(liveSlots(w)).some(([a, b]) => a.vm === b.vm) },
  );

export const hostReadsGmem = (): Property =>
  sometimesStep('host-reads-gmem', 'a host load through a guest_memfd mapping returns data', hostGmemRead);

export const memoryFaultExit = (): Property =>
  sometimesStep(
    'memory-fault-exit',
    'a private guest access exits to userspace with KVM_EXIT_MEMORY_FAULT(PRIVATE) (no gmem backing, or its file was released)',
    (s) => s.actor === 'guest' && s.outcome === 'MEMORY_FAULT(PRIVATE)',
  );

export const memslotOverlapRefused = (): Property =>
  sometimesStep(
    'memslot-overlap-refused',
    'a memslot overlapping another (in guest-physical space or in its guest_memfd) is refused with EEXIST',
    (s) => s.type === 'set_memory_region' && s.outcome === 'EEXIST',
  );

export const releasedSlotFaults = (): Property =>
  sometimesTransition(
    'released-slot-faults',
    'a guest access through a memslot whose guest_memfd was released exits with KVM_EXIT_MEMORY_FAULT (kvm_gmem_get_pfn() → -EFAULT)',
    (t) =>
      t.actor === 'guest' &&
      t.outcome.startsWith('MEMORY_FAULT') &&
      (t.before.get(`page${String(t.args['gfn'])}`).context as { route: string }).route === 'dead',
  );

export const gmemReleaseDestroysVm = (): Property =>
  sometimesTransition(
    'gmem-release-destroys-vm',
    "the release of a VM's last guest_memfd, after its fd was closed, destroys the VM (kvm_put_kvm() → kvm_destroy_vm())",
    (t) =>
      (t.type === 'close' || t.type === 'munmap') &&
      t.outcome === 'released' &&
      t.before
        .ids('kvmVm')
        .some((id) => !t.before.get(id).matches('destroyed') && t.after.get(id).matches('destroyed')),
  );

export const conversionRefusedWhilePinned = (): Property =>
  sometimesStep(
    'conversion-refused-while-pinned',
    'a to-private conversion fails with EAGAIN because a page of the range is pinned (§3.2 rule 4)',
    (s) => s.type === 'set_attributes' && s.outcome === 'EAGAIN',
  );
