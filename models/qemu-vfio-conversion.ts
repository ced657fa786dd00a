// qemu-vfio-conversion: QEMU kvm_convert_memory() with VFIO type1 attached and a separate
// shared backing, from the uncoordinated discard of guest_memfd v1 to RamDiscardManager
// notifications (docs/designs-and-flaws.md D4, D9, F9, F32, F35; docs/kernel-semantics.md
// §1.8, §1.12, §2.14, §2.16, INV-3, INV-4). The in-place counterpart (F10) is
// models/qemu-vfio-inplace.ts.
//
// Sources:
// - QEMU 852f0048f3ea "RAMBlock: make guest_memfd require uncoordinated discard" (Apr 2024):
//   the stale-mapping trace (F9) and "guests … consume twice the memory if they use VFIO"
//   (F35).
// - QEMU system/ram-block-attributes.c (qemu/qemu master, read): the bitmap starts all-zero
//   (discarded = private); ram_block_attributes_state_change() returns early when the range
//   already has the wanted state, sets the bits (bitmap_set) *before* notify_populate and
//   returns the listener's error without clearing them; notify_discard is void.
// - QEMU accel/kvm/kvm-all.c kvm_convert_memory(): KVM_SET_MEMORY_ATTRIBUTES, then
//   state_change, then discard the unused side; an error returns early (the attribute stays
//   set). hw/vfio/listener.c vfio_ram_discard_notify_populate() maps with
//   VFIO_IOMMU_MAP_DMA, which pins (FOLL_LONGTERM) and can fail.
// - target/i386/kvm/tdx.c tdx_handle_map_gpa(): a failed kvm_convert_memory() is returned to
//   the guest as TDG_VP_VMCALL_INVALID_OPERAND and the VM keeps running.
// - Seed 004 (Chenyi Qiang, Alexey Kardashevskiy): notify VFIO of conversions at 4 KiB; the
//   bitmap "from default shared to default private"; v3 of the series "add the undo support
//   if state_change() failed" (physmem patch changelog).
//
// World: one gfn = one 4 KiB RamBlockAttributes block, private at start (KVM attribute and
// bitmap). Machines: the KVM attribute, the shared backing (two physical pages, so a page a
// stale VFIO pin keeps and its replacement differ), the guest_memfd page, VFIO's mapping of
// the gfn's IOVA (one RamDiscardListener), the RamBlockAttributes bit (D9 variants), the
// guest's view, and QEMU (routedActor: the phases of each direction). Actors: the guest
// asks for conversions (TDX MapGPA; the direction is the other of what it believes) and
// touches its shared page or faults its private one; QEMU converts; VFIO attaches; a device
// DMAs to the IOVA whatever the attribute says (the IOMMU decides where it lands).
// Variants change one design rule each: whether QEMU tells VFIO about conversions (D9) or
// discards behind its back (F9) or may not discard at all (F35), and whether a failed
// notify_populate is undone (F32).
// Bound: exhaustive (finite). Counterexamples: F9 8 events (catalogue 8: the attribute
// starts private, so a to-shared conversion comes first), F35 2, F32 4 (bitmap) and 8 (a
// retried conversion succeeds and the device cannot reach the page).
// UNCONFIRMED: the extent of v3's undo (modelled: clear the bit the failed notify left);
// merged QEMU as read has no undo, so populate-no-undo is today's code; the
// KVM_EXIT_MEMORY_FAULT path stops the VM on a failed conversion instead (only TDX MapGPA
// keeps it running); F35 models the alternative 852f0048f3ea rejected (discard blocked);
// VFIO listener chunking taken as the 4 KiB block.
import {
  defineModel,
  participant,
  worldEvent,
  always,
  neverTransition,
  sometimesStep,
  type WorldEventSpec,
  type TransitionTest,
  type WorldView,
} from '../src/index.js';
import { gmemPageMachine } from './machines/gmemPage.js';
import {
  attachEvents,
  notifies,
  qemuEvents,
  qemuIds,
  qemuRoutes,
  type QemuVariant,
} from './machines/qemuConversion.js';
import { routedActor } from './machines/routedActor.js';
import {
  backingPages,
  guestViewMachine,
  pinsCurrentPage,
  kvmAttrMachine,
  rdmBitMachine,
  sharedBackingMachine,
  vfioMappingMachine,
} from './machines/vfioDma.js';

const { attr: ATTR, backing: BACKING, vfio: VFIO, rdm: RDM, guest: GUEST, gmem: GMEM, qemu: QEMU } = qemuIds;

const qemuIdle = (w: WorldView): boolean => w.get(QEMU).matches('idle');

/** Pages allocated for the gfn: the shared backing's (stale pins included) and guest_memfd's. */
function allocatedPages(w: WorldView): number {
  return backingPages(w.get(BACKING)) + (w.get(GMEM).matches('present') ? 1 : 0);
}

/** A device DMA while the guest believes the page shared (it programs the device with it). */
const dmaToShared: TransitionTest = (t) => t.type === 'dma' && t.before.get(GUEST).matches('shared');

/** A DMA through the mapping lands on the page the shared backing holds now. */
const landsOnCurrent = (w: WorldView): boolean => pinsCurrentPage(w.get(BACKING));

const d9Properties = [
  always(
    'bitmap-matches-listener',
    'between conversions, while VFIO listens, the RamBlockAttributes bit is populated exactly when VFIO maps the block (F32)',
    (w) =>
      !qemuIdle(w) ||
      w.get(VFIO).matches('detached') ||
      w.get(RDM).matches('populated') === w.get(VFIO).matches('mapped'),
    { premise: (w) => qemuIdle(w) && !w.get(VFIO).matches('detached') },
  ),
  sometimesStep('populate-fails', 'a VFIO notify_populate fails', (s) => s.outcome === 'ENOMEM'),
];

const expectD9 = {
  'no-stale-dma': 'holds',
  'shared-page-reachable': 'holds',
  'memory-bound': 'holds',
  'converts-to-private': 'reached',
  'converts-to-shared': 'reached',
  'device-dma': 'reached',
  'bitmap-matches-listener': 'holds',
  'populate-fails': 'reached',
} as const;

const expectPreD9 = {
  'no-stale-dma': 'holds',
  'shared-page-reachable': 'holds',
  'memory-bound': 'holds',
  'converts-to-private': 'reached',
  'converts-to-shared': 'reached',
  'device-dma': 'reached',
} as const;

export default defineModel<never, QemuVariant>({
  id: 'qemu-vfio-conversion',
  title:
    'QEMU shared↔private conversion with VFIO type1 and a separate shared backing: uncoordinated discard to RamDiscardManager (D4, D9)',
  summary:
    "One private gfn of a confidential VM, converted by QEMU at the guest's request while VFIO maps (and pins) its shared page and a device DMAs to it. Discarding the shared backing without telling VFIO leaves a stale IOMMU mapping (F9); blocking discard keeps both halves allocated (F35); RamDiscardManager notifications (D9) fix both, provided a failed notify_populate is undone (F32: without the undo the bit says populated while VFIO maps nothing, and a retried conversion succeeds with the device unable to reach the page). Explored exhaustively.",
  sources: [
    'docs/designs-and-flaws.md D4, D9, F9, F32, F35',
    'docs/kernel-semantics.md §1.8, §1.12, §2.14, §2.16, §5 INV-3, INV-4',
    'QEMU 852f0048f3ea RAMBlock: make guest_memfd require uncoordinated discard',
    'QEMU system/ram-block-attributes.c ram_block_attributes_state_change(); accel/kvm/kvm-all.c kvm_convert_memory(); target/i386/kvm/tdx.c tdx_handle_map_gpa()',
    'seeds/004 (Enable shared device assignment: bitmap default private; v3 undo support)',
  ],
  unconfirmed: [
    'F32: the extent of the v3 undo (modelled: clear the bit a failed notify_populate left set); merged QEMU as read has none',
    'a failed conversion keeps the VM running only on the TDX MapGPA path; KVM_EXIT_MEMORY_FAULT stops it',
    '852f0048f3ea refuses VFIO with guest_memfd; F35 models the rejected alternative (discard blocked)',
    'VFIO RamDiscardListener chunking taken as the 4 KiB block',
  ],
  params: {},
  variants: {
    'rdm-notify': {
      doc: 'D9 with the v3 undo: notify_discard before discarding, notify_populate after setting shared, and a failed notify_populate clears the bit it set',
      flaws: [],
      expect: expectD9,
      properties: d9Properties,
      neverEnabled: {
        'qemu: stateUnchanged':
          "the v3 undo clears the bit a failed notify_populate set, so a to-shared conversion always finds the block discarded: ram_block_attributes_state_change()'s early return on a populated block is reached only through F32's stale bit (populate-no-undo)",
      },
    },
    'populate-no-undo': {
      doc: 'D9 as merged: bitmap_set() before notify_populate, and a failure returns without clearing the bit',
      flaws: ['F32'],
      fixedBy: 'rdm-notify',
      expect: { ...expectD9, 'bitmap-matches-listener': 'violated', 'shared-page-reachable': 'violated' },
      properties: d9Properties,
    },
    'uncoordinated-discard': {
      doc: 'before 852f0048f3ea: VFIO maps the whole RAM section at attach and QEMU discards the shared backing without telling it',
      flaws: ['F9'],
      fixedBy: 'rdm-notify',
      expect: { ...expectPreD9, 'no-stale-dma': 'violated', 'memory-bound': 'violated' },
    },
    'discard-disabled': {
      doc: 'VFIO maps the whole RAM section and RAM discard is blocked while it is attached: no stale mapping, but both halves stay allocated',
      flaws: ['F35'],
      fixedBy: 'rdm-notify',
      expect: { ...expectPreD9, 'memory-bound': 'violated' },
    },
  },
  properties: [
    neverTransition(
      'no-stale-dma',
      'a DMA to a page the guest has shared lands on the page that backs the gfn now (P-NoStaleIOMMU, INV-4; F9)',
      (t) => dmaToShared(t) && t.outcome === 'ok' && !landsOnCurrent(t.before),
      { premise: dmaToShared },
    ),
    neverTransition(
      'shared-page-reachable',
      'a DMA to a page the guest has shared is translated: the listener mapped it (F32)',
      (t) => dmaToShared(t) && t.outcome === 'IOMMU_FAULT',
      { premise: dmaToShared },
    ),
    always(
      'memory-bound',
      'between conversions the gfn holds at most one page (F35: allocated_pages ≤ guest_pages)',
      (w) => !qemuIdle(w) || allocatedPages(w) <= 1,
      { premise: (w) => qemuIdle(w) && allocatedPages(w) >= 1 },
    ),
    sometimesStep(
      'converts-to-private',
      'QEMU sets the attribute to private',
      (s) => s.type === 'setAttributes' && s.args['to'] === 'private',
    ),
    sometimesStep(
      'converts-to-shared',
      'a conversion to shared completes',
      (s) => s.type === 'punchGmem' && s.outcome === 'ok',
    ),
    sometimesStep('device-dma', 'a device DMA is translated', (s) => s.type === 'dma' && s.outcome === 'ok'),
  ],
  build(_params, variant) {
    const { routes, shortcuts } = qemuRoutes(variant);
    const events: WorldEventSpec[] = [
      ...qemuEvents(variant),
      ...attachEvents(variant),
      worldEvent(
        'guest',
        'touchShared',
        {},
        [
          { machine: GUEST, requires: 'shared' },
          { machine: ATTR, requires: 'shared' },
          participant(BACKING, { type: 'touch' }),
        ],
        { kernel: 'guest store to the shared GPA → fault on the shared backing (page allocation)' },
      ),
      worldEvent(
        'guest',
        'faultPrivate',
        {},
        [
          { machine: GUEST, requires: 'private' },
          { machine: ATTR, requires: 'private' },
          participant(GMEM, { type: 'getPfn' }, 'prior'),
        ],
        { kernel: 'private guest fault → kvm_gmem_get_pfn() allocates the guest_memfd page' },
      ),
      worldEvent('device', 'dma', {}, [participant(VFIO, { type: 'dma' })], {
        kernel: 'device DMA through the IOMMU: lands where the IOVA is mapped now, or faults',
      }),
    ];
    return {
      machines: [
        { id: ATTR, machine: kvmAttrMachine },
        { id: BACKING, machine: sharedBackingMachine },
        { id: VFIO, machine: vfioMappingMachine },
        ...(notifies(variant) ? [{ id: RDM, machine: rdmBitMachine }] : []),
        { id: GUEST, machine: guestViewMachine },
        { id: GMEM, machine: gmemPageMachine },
        { id: QEMU, machine: routedActor(QEMU, routes, shortcuts) },
      ],
      events,
    };
  },
});
