// guest-memfd-flags: guest_memfd host mmap under the mainline flags (D5a) and under Fuad
// Tabba's per-index shareability with a folio_put() callback (D5b)
// (docs/designs-and-flaws.md D5a, D5b, F6, F7; docs/kernel-semantics.md §2.4, §3.1, INV-1, INV-2).
//
// Sources:
// - Mainline (6.18): GUEST_MEMFD_FLAG_MMAP + GUEST_MEMFD_FLAG_INIT_SHARED;
//   kvm_gmem_fault_user_mapping() returns VM_FAULT_SIGBUS when pgoff >= i_size or the file is
//   not INIT_SHARED (the whole inode is private); no per-page conversion (§2.4, §3.1 rules 1-2).
//   INIT_SHARED exists only for VMs without private memory (x86), so the two files are two
//   variants.
// - Fuad Tabba, "KVM: guest_memfd: … folio_put callback" RFC v7 (Mar 2025), cited in seed 003:
//   per-index ALL_SHARED / GUEST_SHARED / NONE_SHARED; host faults only ALL_SHARED; to-private
//   refuses a mapped folio (-EAGAIN), and with other references outstanding marks the index
//   NONE_SHARED and lets the final folio_put() complete it to GUEST_SHARED; the guest may not
//   fault NONE_SHARED indices. Host faults are serialised with conversions by the invalidate
//   lock (modelled as one atomic fault step).
// - F6 (conversion while a GUP pin exists) and F7 mutant (a) (a fault path not serialised with
//   the conversion: check, then install the PTE later).
// UNCONFIRMED: the RFC's exact locking of the fault path (the catalogue gives only the guards);
// the reviewer's note that folio_put() may run in atomic context while the callback takes
// filemap_invalidate_lock is not modelled.
//
// Machines: one gmemIndex per index (models/machines/gmemShare.ts): `pages` indices inside
// i_size and one past it (a mapping longer than the file); a vmm actor for the split fault.
// Actors: vmm (fault, unmap), gup (pin, unpin = the final folio_put), guest (guest fault),
// converter (to private, to shared; D5b only).
// Variants: mainline-init-shared, mainline-private (D5a); folio-put-callback (D5b);
// fault-without-lock (F7), guest-faults-none-shared (F6).
// Bound: exhaustive (pages=1); the shortest counterexamples are 3 (F7) and 5 (F6) steps,
// within docs/designs-and-flaws.md §3 (6, 5).
import {
  defineModel,
  participant,
  range,
  sometimesEach,
  sometimesStep,
  worldEvent,
  type MachineInstance,
  type WorldEventSpec,
} from '../src/index.js';
import { noHostMapOfNonShared, noneSharedCompletes, noPinOnGuestPrivate } from '../properties/gmemShare.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { gmemIndexMachine } from './machines/gmemShare.js';

type Variant =
  | 'mainline-init-shared'
  | 'mainline-private'
  | 'folio-put-callback'
  | 'fault-without-lock'
  | 'guest-faults-none-shared';

type Prop =
  | 'no-host-map-of-private'
  | 'no-pin-on-private'
  | 'host-fault-sigbus'
  | 'host-maps-page'
  | 'conversion-deferred'
  | 'converts-to-private'
  | 'none-shared-completes';
type Expected = 'holds' | 'vacuous' | 'violated' | 'reached' | 'unreached';

/** Expectations: invariants hold and every goal is reached unless listed. */
function expected(v: Partial<Record<Prop, Expected>>): Record<Prop, Expected> {
  return {
    'no-host-map-of-private': 'holds',
    'no-pin-on-private': 'holds',
    'host-fault-sigbus': 'reached',
    'host-maps-page': 'reached',
    'conversion-deferred': 'reached',
    'converts-to-private': 'reached',
    'none-shared-completes': 'holds',
    ...v,
  };
}

// Mainline never parks an index in NONE_SHARED, so its completion obligation is vacuous.
const mainline = {
  'conversion-deferred': 'unreached',
  'converts-to-private': 'unreached',
  'none-shared-completes': 'vacuous',
} as const;

const vmmMachine = sequentialActor('vmm', ['checked', 'mapped']);
const pageId = (i: number): string => `page${i}`;

export default defineModel<'pages', Variant>({
  id: 'guest-memfd-flags',
  title: 'guest_memfd mmap: mainline flags (D5a) and the folio_put-callback RFC (D5b)',
  summary:
    'Indices of a guest_memfd file mapped by the VMM, pinned by GUP, faulted by the guest. Mainline (D5a) shares the whole file or nothing: host faults SIGBUS unless the file is INIT_SHARED, and always past i_size. The folio_put-callback RFC (D5b) converts per index: to-private refuses a mapped folio, and with a reference outstanding parks the index in NONE_SHARED until the final folio_put() makes it GUEST_SHARED; the guest may not fault NONE_SHARED. INV-1 and INV-2 hold in both; an unserialised fault (F7) or a guest fault on NONE_SHARED (F6) breaks them. Explored exhaustively.',
  sources: [
    'docs/designs-and-flaws.md D5a, D5b, F6, F7',
    'docs/kernel-semantics.md §2.4, §3.1, §5 INV-1, INV-2',
    'Fuad Tabba, guest_memfd folio_put callback RFC v7 (Mar 2025), cited in seeds/003',
    'kvm_gmem_fault_user_mapping() (mainline 6.18)',
  ],
  unconfirmed: [
    'the D5b RFC fault-path locking (catalogue gives the guards only)',
    'folio_put() in atomic context vs the callback taking filemap_invalidate_lock: not modelled',
  ],
  params: { pages: { default: 1, min: 1, max: 2, doc: 'indices inside i_size (one more lies past it)' } },
  variants: {
    'mainline-init-shared': {
      doc: 'D5a: GUEST_MEMFD_FLAG_MMAP | INIT_SHARED; the whole file is shared, no conversion (so INV-1 and INV-2 have no private index to be about: vacuous)',
      flaws: [],
      expect: expected({ ...mainline, 'no-host-map-of-private': 'vacuous', 'no-pin-on-private': 'vacuous' }),
    },
    'mainline-private': {
      doc: 'D5a: GUEST_MEMFD_FLAG_MMAP without INIT_SHARED (a VM with private memory); every host fault SIGBUSes',
      flaws: [],
      expect: expected({ ...mainline, 'host-maps-page': 'unreached' }),
      neverEnabled: {
        'vmm: unmap':
          'kvm_gmem_fault_user_mapping() SIGBUSes every fault of a file without INIT_SHARED: nothing maps an index, so nothing unmaps one',
        'gup: pin':
          'GUP pins through a user mapping of the index, and the file has none (every fault SIGBUSes)',
        'gup: unpin': 'no pin is ever taken on a file whose every host fault SIGBUSes',
      },
    },
    'folio-put-callback': {
      doc: 'D5b: per-index shareability, NONE_SHARED until the final folio_put(), faults serialised with conversion',
      flaws: [],
      expect: expected({}),
    },
    'fault-without-lock': {
      doc: 'F7 mutant (a): the host fault checks ALL_SHARED, then installs the PTE in a later step',
      flaws: ['F7'],
      fixedBy: 'folio-put-callback',
      expect: expected({ 'no-host-map-of-private': 'violated', 'no-pin-on-private': 'violated' }),
    },
    'guest-faults-none-shared': {
      doc: 'F6 mutant: the guest may fault a NONE_SHARED index while the host reference is outstanding',
      flaws: ['F6'],
      fixedBy: 'folio-put-callback',
      expect: expected({ 'no-pin-on-private': 'violated' }),
    },
  },
  properties: [
    noneSharedCompletes('page0'),
    noHostMapOfNonShared(),
    noPinOnGuestPrivate(),
    sometimesStep(
      'host-fault-sigbus',
      'a host fault gets SIGBUS',
      (s) => (s.type === 'hostFault' || s.type === 'faultCheck') && s.outcome === 'SIGBUS',
    ),
    sometimesStep(
      'host-maps-page',
      'a host fault maps an index',
      (s) => (s.type === 'hostFault' || s.type === 'faultMap') && s.outcome === 'ok',
    ),
    sometimesEach(
      'conversion-deferred',
      'an index waits in NONE_SHARED for its last reference',
      'gmemIndex',
      (s) => s.matches({ share: 'noneShared' }),
    ),
    sometimesStep(
      'converts-to-private',
      'a to-private conversion is accepted',
      (s) => s.type === 'toPrivate' && s.outcome === 'ok',
    ),
  ],
  build({ pages }, variant) {
    const initShared = variant !== 'mainline-private';
    const converts = !variant.startsWith('mainline');
    const split = variant === 'fault-without-lock';
    const events: WorldEventSpec[] = [];
    const faultKernel = converts
      ? 'host fault on the guest_memfd mapping: SIGBUS unless the index is ALL_SHARED (D5b), PTE installed'
      : 'kvm_gmem_fault_user_mapping(): SIGBUS past i_size or unless the file is INIT_SHARED, PTE installed';
    for (const i of range(pages + 1)) {
      const page = pageId(i);
      if (split) {
        events.push(
          worldEvent(
            'vmm',
            'faultCheck',
            { page: i },
            [participant(page, { type: 'faultCheck' }), actorStep('vmm', 'checked', i, { prior: true })],
            {
              kernel:
                'host fault: the ALL_SHARED check, not serialised with the conversion (no invalidate lock)',
            },
          ),
        );
        // Past i_size the check always SIGBUSes (kvm_gmem_fault_user_mapping()), so the
        // fault never reaches its PTE install there.
        if (i < pages)
          events.push(
            worldEvent(
              'vmm',
              'faultMap',
              { page: i },
              [actorStep('vmm', 'mapped', i), participant(page, { type: 'faultMap' })],
              { kernel: 'host fault: the PTE install, later (finish_fault)' },
            ),
          );
      } else {
        events.push(
          worldEvent('vmm', 'hostFault', { page: i }, [participant(page, { type: 'hostFault' })], {
            kernel: faultKernel,
          }),
        );
      }
      if (i === pages) continue;
      events.push(
        worldEvent('vmm', 'unmap', { page: i }, [participant(page, { type: 'unmap' })], {
          kernel: 'munmap() / zap of the VMM mapping',
        }),
      );
      events.push(
        worldEvent('gup', 'pin', { page: i }, [participant(page, { type: 'pin' })], {
          kernel: 'pin_user_pages(FOLL_PIN) through the VMM mapping',
        }),
      );
      events.push(
        worldEvent('gup', 'unpin', { page: i }, [participant(page, { type: 'unpin' })], {
          kernel:
            'unpin_user_page(); the final folio_put() runs the guest_memfd callback (NONE_SHARED → GUEST_SHARED)',
        }),
      );
      const noneSharedOk = variant === 'guest-faults-none-shared';
      events.push(
        worldEvent(
          'guest',
          'guestFault',
          { page: i },
          [participant(page, { type: 'guestFault', noneSharedOk })],
          {
            kernel: noneSharedOk
              ? 'guest fault → kvm_gmem_get_pfn(), NONE_SHARED not refused'
              : 'guest fault → kvm_gmem_get_pfn(): refused (exit to userspace) while NONE_SHARED',
          },
        ),
      );
      if (converts) {
        events.push(
          worldEvent('converter', 'toPrivate', { page: i }, [participant(page, { type: 'toPrivate' })], {
            kernel:
              'guest_memfd to-private (D5b): -EAGAIN if folio_mapped(); with other references NONE_SHARED, else GUEST_SHARED',
          }),
        );
        events.push(
          worldEvent('converter', 'toShared', { page: i }, [participant(page, { type: 'toShared' })], {
            kernel: 'guest_memfd to-shared (D5b): ALL_SHARED, the guest mapping zapped',
          }),
        );
      }
    }
    const machines: MachineInstance[] = [
      ...range(pages + 1).map((i) => ({
        id: pageId(i),
        machine: gmemIndexMachine,
        input: { initShared, beyond: i === pages },
      })),
      ...(split ? [{ id: 'vmm', machine: vmmMachine }] : []),
    ];
    return { machines, events };
  },
});
