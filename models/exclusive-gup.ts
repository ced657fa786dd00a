// exclusive-gup: the exclusive GUP pin (FOLL_EXCLUSIVE) on shmem/anon memory that pKVM and
// Gunyah proposed instead of guest_memfd (docs/designs-and-flaws.md D6, F13, F24).
//
// Sources:
// - Seed 003: "Re: [PATCH RFC 0/5] mm/gup: Introduce exclusive GUP pinning", 18-21 Jun 2024:
//   Fuad Tabba: "The exclusive pin would be rejected if there's any other pin (exclusive or
//   normal). Normal pins would be rejected if there's an exclusive pin"; it is acquired for
//   private guest pages in addition to a normal pin and released when the guest shares the
//   page; the proposal "places no limitations on mapping, only on pinning"; host kernel access
//   to protected memory crashes the system. David Hildenbrand's question (2): "Can we deal with
//   speculative short-term PINs from GUP-fast that could introduce errors?"; rule A) shared →
//   private must not be GUP-pinned nor mapped.
// - docs/kernel-semantics.md §3.5 (FOLL_EXCLUSIVE rules; abandoned), §1.6 (GUP-fast takes its
//   reference before re-checking the PTE).
// - docs/designs-and-flaws.md F13 (GUP-fast livelock; no agreed fix, David and Jason steer to
//   guest_memfd tracking), F24 (host access through an earlier pin after donation).
// UNCONFIRMED: the RFC is abandoned and the catalogue names no F13 fix; zap-then-pin and
// unmap-first apply the guest_memfd rule (D5c: zap user mappings and block faults, then wait
// for references) to this design, the direction the thread converged on, not a posted patch.
//
// Machines: the page (`xpage`: attribute and host mapping as regions; normal pins, the
// converter's pin and a fault block in context), the converter (pin, donate to the guest at
// EL2, share back), a GUP-fast thread (speculative pin, drop), a host kernel accessor (pin,
// access through the pin, unpin; e.g. a virtio backend) and the VMM (touches its mapping).
// Variants: no-exclusive-pin (F24: pKVM donation with a normal pin), exclusive-pin (D6 as
// posted: F24 is closed, but a speculative GUP-fast pin makes the exclusive pin fail, F13),
// zap-then-pin (the F13 fix inside D6: zap the mapping and block faults until the exclusive
// pin is held; mapping is unrestricted again afterwards, so private memory can still be
// mapped, by design), unmap-first (the guest_memfd rule: faults stay blocked and a private
// page is never mapped).
// Progress: properties/convertProgress.ts conversionEventuallySucceeds() (F13), judged on the
// explored graph.
// Bound: exhaustive; F24 in 4 steps, the F13 lasso in 3 (§3: F24 4, F13 10).
import { and, assign, not, or, setup, stateIn } from 'xstate';
import {
  defineModel,
  worldEvent,
  participant,
  sometimesStep,
  outcome,
  outcomeActions,
  type WorldEventSpec,
} from '../src/index.js';
import { noHostMapOfPrivate } from '../properties/isolation.js';
import { HOST_CRASH, noKernelAccessToPrivate } from '../properties/kernelAccess.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { conversionEventuallySucceeds } from '../properties/convertProgress.js';

/** Normal pins a page can hold at once: one GUP-fast pin and one host kernel pin. */
const MAX_PINS = 2;

export interface XPageContext {
  /** Normal FOLL_PIN pins (GUP-fast, host kernel). */
  readonly pins: number;
  /** The converter's pin: none, a normal pin (pKVM today) or FOLL_EXCLUSIVE. */
  readonly conv: 'none' | 'normal' | 'exclusive';
  /** Faults refused while a conversion is in progress (the invalidate lock of guest_memfd). */
  readonly faultsBlocked: boolean;
}

type XPageEvent =
  | { type: 'fault'; privateOk: boolean }
  | { type: 'pin' }
  | { type: 'unpin' }
  | { type: 'zap' }
  | { type: 'convPin'; exclusive: boolean; reopen: boolean }
  | { type: 'donate' }
  | { type: 'share' }
  | { type: 'kernelAccess' }
  | { type: 'userAccess' };

const isPrivate = stateIn('#xpage.attr.private');
const isMapped = stateIn('#xpage.hostMap.mapped');

export const xpageMachine = setup({
  types: { context: {} as XPageContext, events: {} as XPageEvent },
  actions: { ...outcomeActions, blockFaults: assign({ faultsBlocked: true }) },
  guards: {
    faultsOpen: ({ context }) => !context.faultsBlocked,
    privateOk: ({ event }) => event.type === 'fault' && event.privateOk,
    exclusivelyPinned: ({ context }) => context.conv === 'exclusive',
    pinRoom: ({ context }) => context.pins < MAX_PINS,
    pinned: ({ context }) => context.pins > 0,
    exclusiveRequest: ({ event }) => event.type === 'convPin' && event.exclusive,
  },
}).createMachine({
  id: 'xpage',
  type: 'parallel',
  context: { pins: 0, conv: 'none', faultsBlocked: false },
  on: {
    /** FOLL_PIN (GUP-fast or slow) through the host mapping: refused while an exclusive pin exists. */
    pin: [
      { guard: and([isMapped, 'exclusivelyPinned']), actions: outcome('EBUSY') },
      { guard: and([isMapped, 'pinRoom']), actions: assign({ pins: ({ context }) => context.pins + 1 }) },
    ],
    unpin: { guard: 'pinned', actions: assign({ pins: ({ context }) => context.pins - 1 }) },
    /** FOLL_EXCLUSIVE fails while any other pin exists; a normal pin always succeeds. */
    convPin: [
      { guard: and(['exclusiveRequest', 'pinned']), actions: outcome('EBUSY') },
      {
        actions: assign(({ context, event }) =>
          event.type === 'convPin'
            ? {
                conv: event.exclusive ? 'exclusive' : 'normal',
                faultsBlocked: context.faultsBlocked && !event.reopen,
              }
            : {},
        ),
      },
    ],
    kernelAccess: [{ guard: isPrivate, actions: outcome(HOST_CRASH.s2Abort) }, {}],
    /** The VMM touches its mapping: a private page only kills the process (Fuad, seed 003). */
    userAccess: [{ guard: and([isMapped, isPrivate]), actions: outcome('SIGSEGV') }, { guard: isMapped }],
  },
  // Transitions that move a region live in that region: a root transition with a target
  // would re-enter the parallel root and reset the other regions.
  states: {
    attr: {
      initial: 'shared',
      states: {
        shared: { on: { donate: 'private' } },
        private: {
          on: { share: { target: 'shared', actions: assign({ conv: 'none', faultsBlocked: false }) } },
        },
      },
    },
    hostMap: {
      initial: 'mapped',
      states: {
        mapped: { on: { zap: { target: 'unmapped', actions: 'blockFaults' } } },
        unmapped: {
          on: {
            zap: { actions: 'blockFaults' },
            /** D6 places no limit on mapping (privateOk); guest_memfd refuses private pages with SIGBUS. */
            fault: [
              { guard: and(['faultsOpen', or([not(isPrivate), 'privateOk'])]), target: 'mapped' },
              { guard: 'faultsOpen', actions: outcome('SIGBUS') },
            ],
          },
        },
      },
    },
  },
});

type ConverterEvent =
  | { type: 'zap' }
  | { type: 'pin'; zapFirst: boolean; prior: string }
  | { type: 'donate' }
  | { type: 'share' };

/**
 * The host driver converting the page for the guest: (zap,) pin, donate, and later share
 * back. A refused pin leaves it where it was: idle retries later, zapped spins holding the
 * fault block (the guest_memfd converter waits for transient references).
 */
export const xconverterMachine = setup({
  types: { events: {} as ConverterEvent },
  guards: {
    accepted: ({ event }) => event.type === 'pin' && event.prior === 'ok',
    fromIdle: ({ event }) => event.type === 'pin' && !event.zapFirst,
  },
}).createMachine({
  id: 'xconverter',
  initial: 'idle',
  states: {
    idle: {
      on: {
        zap: 'zapped',
        pin: [{ guard: and(['fromIdle', 'accepted']), target: 'pinned' }, { guard: 'fromIdle' }],
      },
    },
    zapped: { on: { pin: [{ guard: 'accepted', target: 'pinned' }, {}] } },
    pinned: { on: { donate: 'donated' } },
    donated: { on: { share: 'idle' } },
  },
});

const gupFastMachine = sequentialActor('gupfast', ['pinned', 'unpinned']);
const kernelMachine = sequentialActor('kernel', ['pinned', 'accessed', 'unpinned']);

type Variant = 'no-exclusive-pin' | 'exclusive-pin' | 'zap-then-pin' | 'unmap-first';

const PAGE = 'page0';
const CONV = 'converter';

/** The world events of one variant, in exploration order. */
function worldEvents(variant: Variant): WorldEventSpec[] {
  const exclusive = variant !== 'no-exclusive-pin';
  const zapFirst = variant === 'zap-then-pin' || variant === 'unmap-first';
  /** D6 places no restriction on mapping: faults reopen once the exclusive pin is held. */
  const d6Mapping = variant !== 'unmap-first';
  return [
    ...(zapFirst
      ? [
          worldEvent(CONV, 'convertZap', {}, [
            participant(CONV, { type: 'zap' }),
            participant(PAGE, { type: 'zap' }),
          ]),
        ]
      : []),
    worldEvent(CONV, 'convertPin', {}, [
      participant(PAGE, { type: 'convPin', exclusive, reopen: d6Mapping }),
      participant(CONV, { type: 'pin', zapFirst }, 'prior'),
    ]),
    worldEvent(CONV, 'convertDonate', {}, [
      participant(CONV, { type: 'donate' }),
      participant(PAGE, { type: 'donate' }),
    ]),
    worldEvent(CONV, 'convertShare', {}, [
      participant(CONV, { type: 'share' }),
      participant(PAGE, { type: 'share' }),
    ]),
    worldEvent('gupfast', 'fastPin', {}, [
      participant(PAGE, { type: 'pin' }),
      actorStep('gupfast', 'pinned', 0, { prior: true }),
    ]),
    worldEvent('gupfast', 'fastUnpin', {}, [
      actorStep('gupfast', 'unpinned', 0),
      participant(PAGE, { type: 'unpin' }),
    ]),
    worldEvent('kernel', 'kernelPin', {}, [
      participant(PAGE, { type: 'pin' }),
      actorStep('kernel', 'pinned', 0, { prior: true }),
    ]),
    worldEvent('kernel', 'kernelAccess', {}, [
      actorStep('kernel', 'accessed', 0),
      participant(PAGE, { type: 'kernelAccess' }),
    ]),
    worldEvent('kernel', 'kernelUnpin', {}, [
      actorStep('kernel', 'unpinned', 0),
      participant(PAGE, { type: 'unpin' }),
    ]),
    worldEvent('vmm', 'fault', {}, [participant(PAGE, { type: 'fault', privateOk: d6Mapping })]),
    worldEvent('vmm', 'userAccess', {}, [participant(PAGE, { type: 'userAccess' })]),
  ];
}

export default defineModel<never, Variant>({
  id: 'exclusive-gup',
  title: 'Exclusive GUP pin (FOLL_EXCLUSIVE) on shmem for pKVM/Gunyah private memory (D6)',
  summary:
    'One shmem page mapped by the VMM, converted for the guest by a host driver that pins it and donates it at EL2, while a GUP-fast thread takes speculative pins and a host kernel accessor pins the page and reads it through its pin. With a normal pin the donation races with the kernel pin and the kernel access crashes the host (F24); FOLL_EXCLUSIVE closes that, but it fails whenever a speculative GUP-fast pin exists (the F13 livelock, a progress property) and leaves private memory mapped by design. Zapping the mapping and blocking faults while waiting for pins fixes F13 (zap-then-pin); keeping faults blocked while the page is private (the guest_memfd rule, unmap-first) also removes the mapping. Explored exhaustively.',
  sources: [
    'seeds/003 (exclusive GUP pinning RFC thread, Jun 2024: Fuad Tabba, David Hildenbrand)',
    'docs/designs-and-flaws.md D6, F13, F24',
    'docs/kernel-semantics.md §3.5, §1.6',
  ],
  unconfirmed: [
    'FOLL_EXCLUSIVE is an abandoned RFC',
    'zap-then-pin and unmap-first apply the guest_memfd rule to D6; no posted patch',
  ],
  params: {},
  variants: {
    'no-exclusive-pin': {
      doc: 'pKVM today: the converter takes a normal pin and donates, whatever other pins exist',
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
      doc: 'D6 as posted: FOLL_EXCLUSIVE before donation, normal pins refused meanwhile, mapping unrestricted',
      flaws: ['F13'],
      fixedBy: 'zap-then-pin',
      expect: {
        'conversion-eventually-succeeds': 'violated',
        'no-host-map-of-private': 'violated',
        'no-kernel-access-to-private': 'holds',
        'conversion-succeeds': 'reached',
        'exclusive-pin-refused': 'reached',
      },
    },
    'zap-then-pin': {
      doc: 'D6 with the F13 fix: zap the mapping and block faults until the exclusive pin is held, then map freely again',
      flaws: [],
      expect: {
        'conversion-eventually-succeeds': 'holds',
        'no-host-map-of-private': 'violated',
        'no-kernel-access-to-private': 'holds',
        'conversion-succeeds': 'reached',
        'exclusive-pin-refused': 'reached',
      },
    },
    'unmap-first': {
      doc: 'zap the host mapping and block faults, then retry the exclusive pin until transient pins drain',
      flaws: [],
      expect: {
        'conversion-eventually-succeeds': 'holds',
        'no-host-map-of-private': 'holds',
        'no-kernel-access-to-private': 'holds',
        'conversion-succeeds': 'reached',
        'exclusive-pin-refused': 'reached',
      },
    },
  },
  properties: [
    conversionEventuallySucceeds(),
    noHostMapOfPrivate('xpage'),
    noKernelAccessToPrivate(),
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
        { id: CONV, machine: xconverterMachine },
        { id: 'gupfast', machine: gupFastMachine },
        { id: 'kernel', machine: kernelMachine },
      ],
      events: worldEvents(variant),
    };
  },
});
