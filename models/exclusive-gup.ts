// exclusive-gup: the exclusive GUP pin (FOLL_EXCLUSIVE) on shmem that pKVM and Gunyah
// proposed instead of guest_memfd (docs/designs-and-flaws.md D6, F13, F24).
//
// Sources:
// - Seed 003: "Re: [PATCH RFC 0/5] mm/gup: Introduce exclusive GUP pinning", 18-21 Jun 2024.
//   Fuad Tabba: "The exclusive pin would be rejected if there's any other pin (exclusive or
//   normal). Normal pins would be rejected if there's an exclusive pin"; it is taken for
//   private guest pages in addition to a normal pin and released when the guest shares the
//   page; the proposal "places no limitations on mapping, only on pinning"; "If the host
//   kernel can't pin the memory, then a misbehaving process can't trick the host into
//   accessing it." The RFC cover letter: "This behavior doesn't affect FOLL_GET or any other
//   folio refcount operations that don't go through the FOLL_PIN path." David Hildenbrand's
//   questions: (2) "Can we deal with speculative short-term PINs from GUP-fast that could
//   introduce errors?"; (4) "How one would deal with other folio references (e.g., simply
//   mmap the shmem file into a different process)" — Fuad: "Other references would crash
//   the userspace process, but the host kernel can handle them".
// - mm/gup.c GUP-fast (gup_fast_pte_range): try_grab_folio_fast() takes the reference
//   first, then re-reads the PTE and drops the reference if it changed; FOLL_PIN adds
//   GUP_PIN_COUNTING_BIAS, which is what an exclusive pin checks (kernel-semantics §1.6).
// - mm/memory.c __access_remote_vm() (/proc/PID/mem, ptrace PEEKDATA):
//   get_user_page_vma_remote() is a FOLL_GET reference, then kmap and copy — a host-kernel
//   access to the page that FOLL_EXCLUSIVE does not refuse.
// - docs/kernel-semantics.md §3.5 (FOLL_EXCLUSIVE rules; direction abandoned), §1.6.
// - docs/designs-and-flaws.md F13 (no fix agreed; David and Jason steer to guest_memfd
//   tracking), F24 (host access through an earlier pin or mapping after donation).
// UNCONFIRMED: the RFC is abandoned; that a host-kernel FOLL_GET access to a donated page
// ends in an unrecoverable stage-2 abort (as a kernel access through a pin does) is this
// model's derivation from F24, not a reported crash.
//
// Machines: the shmem page (`xpage`: attribute; the VMM's and another process's PTEs;
// normal pins, the converter's pin and FOLL_GET references as counts), the converter (pin,
// donate to the guest at EL2, share back), a GUP-fast thread (speculative grab, PTE
// re-check, unpin), a host kernel user of FOLL_PIN (a virtio backend: pin, access, unpin),
// a /proc/PID/mem reader in another process that maps the same shmem file (FOLL_GET, kmap
// access, put), and the two processes' mapping and touching of the page.
// Variants: no-exclusive-pin (pKVM as shipped: the converter's pin is a normal pin; F24),
// exclusive-pin (D6 as posted; F13). The catalogue names no agreed fix for F13, so none is
// modelled; exclusive-pin is the catalogue's attempt at F24 and is judged on every
// property.
// Progress: properties/convertProgress.ts conversionEventuallySucceeds() (F13), judged on
// the explored graph.
// Bound: exhaustive; F24 in 4 events, the F13 lasso in 4 (§3: F24 4, F13 10).
import { and, assign, setup, stateIn } from 'xstate';
import {
  defineModel,
  worldEvent,
  participant,
  alwaysEach,
  sometimesStep,
  outcome,
  outcomeActions,
  type WorldEventSpec,
} from '../src/index.js';
import { HOST_CRASH, noKernelAccessToPrivate } from '../properties/kernelAccess.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { conversionEventuallySucceeds } from '../properties/convertProgress.js';

/** Normal pins a page can hold at once: one GUP-fast pin and one host kernel pin. */
const MAX_PINS = 2;
/** FOLL_GET references at once: the /proc/PID/mem reader's. */
const MAX_REFS = 1;

export interface XPageContext {
  /** Normal FOLL_PIN pins (GUP-fast's speculative grab included, host kernel). */
  readonly pins: number;
  /** The converter's pin: none, a normal pin (pKVM today) or FOLL_EXCLUSIVE. */
  readonly conv: 'none' | 'normal' | 'exclusive';
  /** FOLL_GET references (get_user_pages and friends: not pins). */
  readonly refs: number;
}

type Who = 'vmm' | 'other';

type XPageEvent =
  | { type: 'fault'; who: Who }
  | { type: 'zap'; who: Who }
  | { type: 'userAccess'; who: Who }
  | { type: 'pin' }
  | { type: 'recheck' }
  | { type: 'unpin' }
  | { type: 'convPin'; exclusive: boolean }
  | { type: 'donate' }
  | { type: 'share' }
  | { type: 'getRef' }
  | { type: 'putRef' }
  | { type: 'kernelAccess' };

const isPrivate = stateIn('#xpage.attr.private');
const vmmMapped = stateIn('#xpage.vmm.mapped');
const otherMapped = stateIn('#xpage.other.mapped');

export const xpageMachine = setup({
  types: { context: {} as XPageContext, events: {} as XPageEvent },
  actions: { ...outcomeActions },
  guards: {
    exclusivelyPinned: ({ context }) => context.conv === 'exclusive',
    pinRoom: ({ context }) => context.pins < MAX_PINS,
    pinned: ({ context }) => context.pins > 0,
    referenced: ({ context }) => context.refs > 0,
    refRoom: ({ context }) => context.refs < MAX_REFS,
    exclusiveRequest: ({ event }) => event.type === 'convPin' && event.exclusive,
    byVmm: ({ event }) => 'who' in event && event.who === 'vmm',
  },
}).createMachine({
  id: 'xpage',
  type: 'parallel',
  context: { pins: 0, conv: 'none', refs: 0 },
  on: {
    /**
     * A FOLL_PIN through the VMM's PTE (GUP-fast's speculative grab, or slow GUP):
     * refused while an exclusive pin exists.
     */
    pin: [
      { guard: and([vmmMapped, 'exclusivelyPinned']), actions: outcome('EBUSY') },
      { guard: and([vmmMapped, 'pinRoom']), actions: assign({ pins: ({ context }) => context.pins + 1 }) },
    ],
    /** GUP-fast re-reads the PTE: gone since the grab → the grab is dropped (the fast path fails). */
    recheck: [
      { guard: vmmMapped },
      { guard: 'pinned', actions: [assign({ pins: ({ context }) => context.pins - 1 }), outcome('EAGAIN')] },
    ],
    unpin: { guard: 'pinned', actions: assign({ pins: ({ context }) => context.pins - 1 }) },
    /** FOLL_EXCLUSIVE fails while any other pin exists; FOLL_GET references do not count. */
    convPin: [
      { guard: and(['exclusiveRequest', 'pinned']), actions: outcome('EBUSY') },
      {
        actions: assign({
          conv: ({ event }) => (event.type === 'convPin' && event.exclusive ? 'exclusive' : 'normal'),
        }),
      },
    ],
    /** get_user_page_vma_remote() through the other process's PTE: not affected by FOLL_EXCLUSIVE. */
    getRef: {
      guard: and([otherMapped, 'refRoom']),
      actions: assign({ refs: ({ context }) => context.refs + 1 }),
    },
    putRef: { guard: 'referenced', actions: assign({ refs: ({ context }) => context.refs - 1 }) },
    kernelAccess: [{ guard: isPrivate, actions: outcome(HOST_CRASH.s2Abort) }, {}],
    /** A process touches its mapping: a private page only kills the process (Fuad, seed 003). */
    userAccess: [
      { guard: and(['byVmm', vmmMapped, isPrivate]), actions: outcome('SIGSEGV') },
      { guard: and(['byVmm', vmmMapped]) },
      { guard: and([otherMapped, isPrivate]), actions: outcome('SIGSEGV') },
      { guard: otherMapped },
    ],
  },
  // Transitions that move a region live in that region: a root transition with a target
  // would re-enter the parallel root and reset the other regions.
  states: {
    attr: {
      initial: 'shared',
      states: {
        shared: { on: { donate: 'private' } },
        private: { on: { share: { target: 'shared', actions: assign({ conv: 'none' }) } } },
      },
    },
    vmm: {
      initial: 'mapped',
      states: {
        mapped: { on: { zap: { guard: 'byVmm', target: 'unmapped' } } },
        /** D6 places no limit on mapping: a private page faults in too. */
        unmapped: { on: { fault: { guard: 'byVmm', target: 'mapped' } } },
      },
    },
    other: {
      initial: 'unmapped',
      states: {
        mapped: {
          on: {
            zap: { guard: ({ event }) => event.type === 'zap' && event.who === 'other', target: 'unmapped' },
          },
        },
        unmapped: {
          on: {
            fault: {
              guard: ({ event }) => event.type === 'fault' && event.who === 'other',
              target: 'mapped',
            },
          },
        },
      },
    },
  },
});

type Variant = 'no-exclusive-pin' | 'exclusive-pin';

const PAGE = 'page0';
const who = (w: Who): { who: Who } => ({ who: w });
const CONV = 'converter';

/** The world events of one variant, in exploration order. */
function worldEvents(variant: Variant): WorldEventSpec[] {
  const exclusive = variant === 'exclusive-pin';
  return [
    worldEvent(
      CONV,
      'convertPin',
      {},
      [participant(PAGE, { type: 'convPin', exclusive }), actorStep(CONV, 'pinned', 0, { prior: true })],
      { kernel: exclusive ? 'pin_user_pages(FOLL_PIN | FOLL_EXCLUSIVE)' : 'pin_user_pages(FOLL_PIN)' },
    ),
    worldEvent(
      CONV,
      'convertDonate',
      {},
      [actorStep(CONV, 'donated', 0), participant(PAGE, { type: 'donate' })],
      {
        kernel: 'pKVM host driver: __pkvm_host_donate_guest (the page leaves the host stage 2)',
      },
    ),
    worldEvent(
      CONV,
      'convertShare',
      {},
      [actorStep(CONV, 'sharedBack', 0), participant(PAGE, { type: 'share' })],
      {
        kernel: 'guest shares the page back; the converter unpins (unpin_user_page)',
      },
    ),
    worldEvent(
      'gupfast',
      'fastGrab',
      {},
      [participant(PAGE, { type: 'pin' }), actorStep('gupfast', 'grabbed', 0, { prior: true })],
      {
        kernel:
          'gup_fast_pte_range() → try_grab_folio_fast(FOLL_PIN): the reference is taken before the PTE re-check',
      },
    ),
    worldEvent(
      'gupfast',
      'fastRecheck',
      {},
      [participant(PAGE, { type: 'recheck' }), actorStep('gupfast', 'rechecked', 0, { prior: true })],
      { kernel: 'gup_fast_pte_range(): pte_val(pte) != pte_val(ptep_get(ptep)) → gup_put_folio()' },
    ),
    worldEvent(
      'gupfast',
      'fastUnpin',
      {},
      [actorStep('gupfast', 'unpinned', 0), participant(PAGE, { type: 'unpin' })],
      {
        kernel: 'unpin_user_page()',
      },
    ),
    worldEvent(
      'kernel',
      'kernelPin',
      {},
      [participant(PAGE, { type: 'pin' }), actorStep('kernel', 'pinned', 0, { prior: true })],
      {
        kernel: 'pin_user_pages() by a host-kernel user (a virtio backend)',
      },
    ),
    worldEvent(
      'kernel',
      'kernelAccess',
      {},
      [actorStep('kernel', 'accessed', 0), participant(PAGE, { type: 'kernelAccess' })],
      {
        kernel: 'kmap_local_page() + memcpy through the pin',
      },
    ),
    worldEvent(
      'kernel',
      'kernelUnpin',
      {},
      [actorStep('kernel', 'unpinned', 0), participant(PAGE, { type: 'unpin' })],
      {
        kernel: 'unpin_user_page()',
      },
    ),
    worldEvent(
      'procmem',
      'getRef',
      {},
      [actorStep('procmem', 'referenced', 0), participant(PAGE, { type: 'getRef' })],
      {
        kernel: '/proc/PID/mem read → __access_remote_vm() → get_user_page_vma_remote() (FOLL_GET)',
      },
    ),
    worldEvent(
      'procmem',
      'read',
      {},
      [actorStep('procmem', 'read', 0), participant(PAGE, { type: 'kernelAccess' })],
      {
        kernel: '__access_remote_vm(): kmap_local_page() + copy_from_user_page()',
      },
    ),
    worldEvent(
      'procmem',
      'putRef',
      {},
      [actorStep('procmem', 'released', 0), participant(PAGE, { type: 'putRef' })],
      {
        kernel: 'put_page()',
      },
    ),
    ...(['vmm', 'other'] as const).flatMap((w) => [
      worldEvent(w, 'fault', {}, [participant(PAGE, { type: 'fault', ...who(w) })], {
        kernel: 'shmem_fault() maps the page (D6 allows private pages too)',
      }),
      worldEvent(w, 'zap', {}, [participant(PAGE, { type: 'zap', ...who(w) })], {
        kernel: 'munmap() / madvise(MADV_DONTNEED) of the mapping',
      }),
      worldEvent(w, 'userAccess', {}, [participant(PAGE, { type: 'userAccess', ...who(w) })], {
        kernel: 'a load or store through the mapping (a private page: stage-2 fault, SIGSEGV)',
      }),
    ]),
  ];
}

const isKernelAccess = (s: { type: string }): boolean => s.type === 'kernelAccess' || s.type === 'read';

export default defineModel<never, Variant>({
  id: 'exclusive-gup',
  title: 'Exclusive GUP pin (FOLL_EXCLUSIVE) on shmem for pKVM/Gunyah private memory (D6)',
  summary:
    "One shmem page mapped by the VMM and by another process, converted for the guest by a host driver that pins it and donates it at EL2, while a GUP-fast thread takes speculative pins (grab, re-check the PTE, unpin), a host kernel user pins the page and reads it through its pin, and a /proc/PID/mem reader in the other process takes a FOLL_GET reference and reads it. With a normal pin the donation races with both kernel readers (F24). FOLL_EXCLUSIVE refuses the pinning reader, but not the FOLL_GET one (David Hildenbrand's question 4), it fails whenever a speculative GUP-fast grab is in flight (the F13 livelock; no fix agreed) and leaves private memory mapped by design. Explored exhaustively.",
  sources: [
    'seeds/003 (exclusive GUP pinning RFC thread, Jun 2024: Fuad Tabba, David Hildenbrand)',
    'docs/designs-and-flaws.md D6, F13, F24',
    'docs/kernel-semantics.md §3.5, §1.6',
    'mm/gup.c gup_fast_pte_range(), try_grab_folio_fast(); mm/memory.c __access_remote_vm()',
  ],
  unconfirmed: [
    'FOLL_EXCLUSIVE is an abandoned RFC',
    'a host-kernel FOLL_GET access to a donated page crashing the host is derived from F24, not reported',
  ],
  params: {},
  variants: {
    'no-exclusive-pin': {
      doc: 'pKVM as shipped: the converter takes a normal pin and donates, whatever other pins or references exist',
      flaws: ['F24'],
      fixedBy: 'exclusive-pin',
      expect: {
        'conversion-eventually-succeeds': 'holds',
        'no-host-map-of-private': 'violated',
        'no-kernel-access-to-private': 'violated',
        'conversion-succeeds': 'reached',
        'exclusive-pin-refused': 'unreached',
      },
    },
    'exclusive-pin': {
      doc: 'D6 as posted: FOLL_EXCLUSIVE before donation, normal pins refused meanwhile, FOLL_GET and mappings unrestricted',
      flaws: ['F13'],
      expect: {
        'conversion-eventually-succeeds': 'violated',
        'no-host-map-of-private': 'violated',
        'no-kernel-access-to-private': 'violated',
        'conversion-succeeds': 'reached',
        'exclusive-pin-refused': 'reached',
      },
    },
  },
  properties: [
    conversionEventuallySucceeds(),
    alwaysEach(
      'no-host-map-of-private',
      'no private page is mapped in a host process, the VMM or another one mapping the same file (INV-1, P-NoHostMapPriv)',
      'xpage',
      (s) =>
        !(s.matches({ attr: 'private' }) && (s.matches({ vmm: 'mapped' }) || s.matches({ other: 'mapped' }))),
      { premise: (s) => s.matches({ attr: 'private' }) },
    ),
    noKernelAccessToPrivate({ premise: isKernelAccess }),
    sometimesStep(
      'conversion-succeeds',
      'the page is donated to the guest',
      (s) => s.type === 'convertDonate' && s.outcome === 'ok',
    ),
    sometimesStep(
      'exclusive-pin-refused',
      'the exclusive pin is refused because another pin exists',
      (s) => s.type === 'convertPin' && s.outcome === 'EBUSY',
    ),
  ],
  build(_params, variant) {
    return {
      machines: [
        { id: PAGE, machine: xpageMachine },
        { id: CONV, machine: sequentialActor(CONV, ['pinned', 'donated', 'sharedBack']) },
        { id: 'gupfast', machine: sequentialActor('gupfast', ['grabbed', 'rechecked', 'unpinned']) },
        { id: 'kernel', machine: sequentialActor('kernel', ['pinned', 'accessed', 'unpinned']) },
        { id: 'procmem', machine: sequentialActor('procmem', ['referenced', 'read', 'released']) },
      ],
      events: worldEvents(variant),
    };
  },
});
