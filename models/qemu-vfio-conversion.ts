// qemu-vfio-conversion: QEMU kvm_convert_memory() with VFIO type1 attached, from the
// uncoordinated discard of guest_memfd v1's separate shared backing to RamDiscardManager
// notifications (docs/designs-and-flaws.md D4, D9, F9, F10, F32, F35; docs/kernel-semantics.md
// §1.8, §2.14, §2.16, INV-3, INV-4, INV-15).
//
// Sources:
// - QEMU 852f0048f3ea "RAMBlock: make guest_memfd require uncoordinated discard" (Apr 2024):
//   the 6-step stale-mapping trace (F9) and "guests … consume twice the memory if they use
//   VFIO" (F35).
// - QEMU 5d6483edaa92 "ram-block-attributes: Introduce RamBlockAttributes …" and the
//   "Enable shared device assignment" series (seed 004, Chenyi Qiang, Alexey Kardashevskiy):
//   kvm_convert_memory() = KVM_SET_MEMORY_ATTRIBUTES, then
//   ram_block_attributes_state_change() (notify_discard → VFIO unmap; notify_populate → VFIO
//   map, may fail), then discard the unused side (to-private: the shared backing; to-shared:
//   punch guest_memfd). v3 notes: "add the undo support if state_change() failed" (F32).
// - Chenyi Qiang on the QEMU in-place RFC: with in-place conversion, unmap before
//   converting to private and map after converting to shared (INV-15, F10).
// - VFIO type1 pins every mapped page FOLL_LONGTERM (kernel-semantics §1.8), so a discarded
//   page stays allocated while mapped.
//
// World: 1 gfn = 1 RamBlockAttributes block, attribute initially shared. Separate-backing
// variants: a shared backing page (two pfns, so a stale pin and its replacement differ) and a
// guest_memfd page; in-place variants: one page that is shared or private. Actors: QEMU
// converting in a loop (the direction is the other attribute), VFIO attaching (maps and pins
// the page), the guest touching its shared page or faulting it private, a device DMAing to a
// shared page the guest uses. notify_populate may fail (ENOMEM) at any call; the failed
// conversion stops the VM.
// Bound: exhaustive (finite). F9: the catalogue's 6 steps; F35: 4; F10: 2; F32: 6 (catalogue:
// 4; the block starts shared, so a to-private round comes first).
// UNCONFIRMED: F10 is a derived hazard, not a reported bug; whether every populate path undoes
// on failure (F32); 852f0048f3ea in fact refuses VFIO with guest_memfd, and F35 models the
// alternative it rejects (discard simply blocked); VFIO listener chunking is taken as 4 KiB.
import {
  defineModel,
  worldEvent,
  participant,
  always,
  never,
  sometimesStep,
  type WorldEventSpec,
} from '../src/index.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { gmemPageMachine } from './machines/gmemPage.js';
import { memAttrMachine, type Kind } from './machines/kvmMmu.js';
import { backingMachine, iommuMachine, rdmBitMachine, vmMachine } from './machines/vfioDma.js';
import { conversionSteps, phaseNames, type QemuVariant } from './machines/qemuConversion.js';

const ATTR = 'attr';
const BACKING = 'backing';
const IOMMU = 'iommu';
const RDM = 'rdmBit';
const GMEM = 'gmemPage0';
const QEMU = 'qemu';
const VM = 'vm';
const PFNS = [0, 1];

const expectFixed = {
  'no-stale-dma': 'holds',
  'memory-bound': 'holds',
  'bitmap-matches-listener': 'holds',
  'no-iommu-map-of-private': 'holds',
  'attr-flips-to-private': 'reached',
  'attr-flips-to-shared': 'reached',
  'device-dma': 'reached',
  'populate-fails': 'reached',
} as const;
const noRdm = { 'populate-fails': 'unreached' } as const;

/** Pages allocated for the gfn: the backing page, a pinned page it no longer holds, the guest_memfd page. */
function allocatedPages(w: Parameters<Parameters<typeof always>[2]>[0]): number {
  const backing = w.get(BACKING);
  const iommu = w.get(IOMMU);
  const pfns = new Set<number>();
  if (backing.matches('present')) pfns.add((backing.context as { pfn: number }).pfn);
  if (iommu.matches('mapped')) pfns.add((iommu.context as { pfn: number }).pfn);
  const gmem = w.ids('gmemPage').some((id) => w.get(id).matches('present')) ? 1 : 0;
  return pfns.size + gmem;
}

export default defineModel<never, QemuVariant>({
  id: 'qemu-vfio-conversion',
  title:
    'QEMU shared↔private conversion with VFIO type1: uncoordinated discard to RamDiscardManager (D4, D9)',
  summary:
    'QEMU converts one gfn in a loop while VFIO maps (and pins) its shared page, the guest uses it and a device DMAs to it. Discarding the shared backing without telling VFIO leaves a stale IOMMU mapping (F9); blocking discard doubles memory (F35); RamDiscardManager notifications (D9) fix both, provided a failed notify_populate is undone (F32). With in-place conversion the IOMMU mapping must go before the page turns private (F10). Explored exhaustively.',
  sources: [
    'docs/designs-and-flaws.md D4, D9, F9, F10, F32, F35',
    'docs/kernel-semantics.md §1.8, §2.14, §2.16, §5 INV-3, INV-4, INV-15',
    'QEMU 852f0048f3ea RAMBlock: make guest_memfd require uncoordinated discard',
    'QEMU 5d6483edaa92 ram-block-attributes: Introduce RamBlockAttributes; seeds/004 (Enable shared device assignment)',
  ],
  unconfirmed: [
    'F10 is a derived hazard (design obligation), not a reported bug',
    'F32: whether every populate path rolls back on failure',
    '852f0048f3ea refuses VFIO with guest_memfd; F35 models the rejected alternative (discard blocked)',
    'VFIO RamDiscardListener chunking taken as the 4 KiB block',
    'a failed conversion stops the VM (kvm_cpu_exec on a KVM_EXIT_MEMORY_FAULT error; TDX MapGPA may instead return the error to the guest)',
  ],
  params: {},
  variants: {
    'rdm-notify': {
      doc: 'D9: notify_discard before discarding, notify_populate after setting shared, undo on failure',
      flaws: [],
      expect: expectFixed,
    },
    'uncoordinated-discard': {
      doc: 'before 852f0048f3ea: discard the shared backing without telling VFIO, which keeps the old page mapped',
      flaws: ['F9'],
      fixedBy: 'rdm-notify',
      expect: { ...expectFixed, ...noRdm, 'no-stale-dma': 'violated', 'memory-bound': 'violated' },
    },
    'discard-disabled': {
      doc: 'discard blocked while VFIO is attached: no stale mapping, but both sides stay allocated',
      flaws: ['F35'],
      fixedBy: 'rdm-notify',
      expect: { ...expectFixed, ...noRdm, 'memory-bound': 'violated' },
    },
    'populate-no-undo': {
      doc: 'D9 before the v3 undo: a failed notify_populate leaves the bitmap populated without a VFIO mapping',
      flaws: ['F32'],
      fixedBy: 'rdm-notify',
      expect: { ...expectFixed, 'bitmap-matches-listener': 'violated' },
    },
    'inplace-attr-first': {
      doc: 'in-place conversion with the D9 order: flip the attribute, then notify VFIO',
      flaws: ['F10'],
      fixedBy: 'inplace-unmap-first',
      expect: { ...expectFixed, 'no-iommu-map-of-private': 'violated' },
    },
    'inplace-unmap-first': {
      doc: 'in-place conversion: unmap before flipping to private, map after flipping to shared (INV-15)',
      flaws: [],
      expect: expectFixed,
    },
  },
  properties: [
    never(
      'no-stale-dma',
      'a device DMA lands on the page the gfn is backed by now (P-NoStaleIOMMU, INV-4)',
      (s) => s.outcome === 'STALE_DMA',
    ),
    always(
      'memory-bound',
      'while the VM runs, between conversions the gfn holds at most one page (F35: allocated_pages ≤ guest_pages)',
      (w) => !w.get(QEMU).matches('idle') || w.get(VM).matches('stopped') || allocatedPages(w) <= 1,
    ),
    always(
      'bitmap-matches-listener',
      'between conversions the RamBlockAttributes bit is populated exactly when VFIO maps the block (F32)',
      (w) =>
        !w.get(QEMU).matches('idle') ||
        w.get(IOMMU).matches('detached') ||
        w.get(RDM).matches('populated') === w.get(IOMMU).matches('mapped'),
    ),
    always(
      'no-iommu-map-of-private',
      'with in-place conversion no IOMMU mapping targets the page while it is private (P-NoDMAPriv, INV-3)',
      (w) =>
        w.ids('gmemPage').length > 0 || !(w.get(IOMMU).matches('mapped') && w.get(ATTR).matches('private')),
    ),
    sometimesStep(
      'attr-flips-to-private',
      'QEMU sets the attribute to private',
      (s) => s.type === 'setAttr' && s.args['to'] === 'private',
    ),
    sometimesStep(
      'attr-flips-to-shared',
      'QEMU sets the attribute back to shared',
      (s) => s.type === 'setAttr' && s.args['to'] === 'shared',
    ),
    sometimesStep(
      'device-dma',
      'a device DMA reaches the current shared page',
      (s) => s.type === 'dma' && s.outcome === 'ok',
    ),
    sometimesStep('populate-fails', 'a VFIO notify_populate fails', (s) => s.outcome === 'ENOMEM'),
  ],
  build(_params, variant) {
    const events: WorldEventSpec[] = [];
    const inplace = variant.startsWith('inplace');
    const steps = conversionSteps(variant);
    const phases = phaseNames(steps);
    for (const to of ['private', 'shared'] as const satisfies readonly Kind[]) {
      const direction = to === 'private' ? 0 : 1;
      steps[to].forEach((alternatives, k) => {
        for (const alt of alternatives) {
          const self = actorStep(QEMU, phases[k] as string, direction, { prior: alt.prior });
          events.push(
            worldEvent(
              QEMU,
              alt.type,
              { to, ...alt.args },
              alt.prior ? [...alt.sync, self] : [self, ...alt.sync],
            ),
          );
        }
      });
    }
    for (const pfn of PFNS) {
      events.push(
        worldEvent('vfio', 'attach', { pfn }, [
          participant(BACKING, { type: 'pinAs', pfn }),
          participant(IOMMU, { type: 'attach', pfn }),
        ]),
      );
    }
    const running = participant(VM, { type: 'running' });
    events.push(
      worldEvent('guest', 'touchShared', {}, [
        running,
        participant(ATTR, { type: 'is', kind: 'shared' }),
        participant(BACKING, { type: 'touch' }),
      ]),
    );
    if (!inplace) {
      events.push(
        worldEvent('guest', 'faultPrivate', {}, [
          running,
          participant(ATTR, { type: 'is', kind: 'private' }),
          participant(GMEM, { type: 'getPfn' }, 'prior'),
        ]),
      );
    }
    for (const pfn of PFNS) {
      for (const current of PFNS) {
        events.push(
          worldEvent('device', 'dma', { pfn, current }, [
            running,
            participant(ATTR, { type: 'is', kind: 'shared' }),
            participant(BACKING, { type: 'current', pfn: current }),
            participant(IOMMU, { type: 'dma', pfn, current }),
          ]),
        );
      }
    }
    return {
      machines: [
        { id: ATTR, machine: memAttrMachine },
        { id: BACKING, machine: backingMachine },
        { id: IOMMU, machine: iommuMachine },
        { id: RDM, machine: rdmBitMachine },
        { id: VM, machine: vmMachine },
        ...(inplace ? [] : [{ id: GMEM, machine: gmemPageMachine }]),
        { id: QEMU, machine: sequentialActor(QEMU, phases) },
      ],
      events,
    };
  },
});
