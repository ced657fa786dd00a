// memfd-seal-guest: the 2021 fd-based private memory sketch, memfd + F_SEAL_GUEST
// (docs/designs-and-flaws.md D3, F23, F4, F5).
//
// Sources:
// - Seed 002: "Re: [RFC] KVM: mm: fd-based approach for supporting KVM guest private memory",
//   Sean Christopherson, 2 Sep 2021, quoting Kirill Shutemov: F_SEAL_GUEST is allowed only
//   with no pages (nrpages) and no mapping; it is protected by inode_lock(), which the read
//   path does not take ("not clear how to serialize read check vs. seal setup"); Sean: "Would
//   requiring the size to be '0' at F_SEAL_GUEST time solve that problem?". Partial
//   truncate/punch of a THP splits it, "But split is allowed to fail. If it happens we zero
//   part of THP" (→ #MCE on TDX); "I guess we may reject truncate if split fails".
// - mm/truncate.c truncate_inode_partial_folio(): c72ceafbd12c added the guard
//   `if (!(folio->mapping->flags & AS_INACCESSIBLE)) folio_zero_range(...)`; AS_INACCESSIBLE
//   is a bit index (10), so the mask tests bits 1 and 3 (AS_ENOSPC, AS_UNEVICTABLE). Fixed by
//   27e6a24a4cf3 "mm, virt: merge AS_UNMOVABLE and AS_INACCESSIBLE" (mapping_inaccessible()).
// - docs/kernel-semantics.md §5 INV-5 (the host kernel never writes a private page).
// UNCONFIRMED: F23's write variant is derived (the catalogue marks it so); 27e6a24a4cf3 says
// the mask was "mostly benign" on guest_memfd because AS_UNEVICTABLE is set there: the
// parameter `unevictable` sets it and the mask mutant then holds (pinned as a config).
// Mainline zeroes the partial range before trying the split; this model follows Kirill's
// order (split, zero only when the split fails), which is where both fixes apply.
// Only the writer is modelled (no reader): here a write is the only way an unsealed file
// gets a size, so the fix's i_size==0 check coincides with nrpages==0; it is kept because the
// catalogue names it, and it is what would close Kirill's read variant.
//
// Machines: the sealed memfd (`memfd`: seal, i_size, inode_lock, the data a host write put in
// the file, one order-1 THP {head, tail} that the guest populates after sealing, and an extra
// reference on it) and the writer thread (check, then write). Sealer, guest, reference holder
// and puncher act in one step each, so their state is the file's.
// Variants: unserialized-seal (F23: the write check does not take inode_lock), zero-on-split-
// failure (F4), inaccessible-mask (F5: the AS_INACCESSIBLE guard tested as a mask),
// inaccessible (27e6a24a4cf3: the guard tests the bit) and fixed (i_size==0 at seal time, the
// write path serialized with the seal, partial punch rejected when the split fails).
// Bound: exhaustive; counterexamples are within §3's bound (F23, F4, F5: 4 steps).
import { assign, setup } from 'xstate';
import {
  defineModel,
  participant,
  alwaysEach,
  sometimesStep,
  outcome,
  outcomeActions,
  type WorldEventSpec,
} from '../src/index.js';
import { HOST_CRASH, noKernelAccessToPrivate } from '../properties/kernelAccess.js';
import { actorStep, sequentialActor } from './machines/actor.js';

/** Bit indices of enum mapping_flags (include/linux/pagemap.h, 6.11). */
export const AS_UNEVICTABLE = 3;
export const AS_INACCESSIBLE = 10;

/** What truncate does with a large folio whose split failed. */
type SplitFailure = 'zero' | 'reject';
/** How the zeroing guard reads AS_INACCESSIBLE: absent, as a mask (c72ceafbd12c), as a bit. */
type Guard = 'none' | 'mask' | 'bit';

type MemfdEvent =
  | { type: 'writeCheck'; locked: boolean }
  | { type: 'writeCommit'; locked: boolean }
  | { type: 'seal'; sizeCheck: boolean; flags: number }
  | { type: 'populate' }
  | { type: 'getRef' }
  | { type: 'putRef' }
  | { type: 'punchTail'; onSplitFailure: SplitFailure; guard: Guard };

/** True when the truncate guard skips zeroing for a mapping with `flags`. */
export function skipsZeroing(guard: Guard, flags: number): boolean {
  if (guard === 'bit') return (flags & (1 << AS_INACCESSIBLE)) !== 0;
  if (guard === 'mask') return (flags & AS_INACCESSIBLE) !== 0;
  return false;
}

/**
 * The file's state. hostData: what host writes put in the file (none, before the seal, after
 * it). thp: the guest's order-1 folio {head, tail} (absent, huge, split); tail: its second
 * page (present, punched, zeroedByHost). refs: an extra reference (speculative lookup, KVM).
 */
export interface MemfdContext {
  readonly sealed: boolean;
  readonly sizeZero: boolean;
  readonly writerLock: boolean;
  readonly hostData: 'none' | 'beforeSeal' | 'afterSeal';
  readonly thp: 'absent' | 'huge' | 'split';
  readonly tail: 'present' | 'punched' | 'zeroedByHost';
  readonly refHeld: boolean;
  readonly flags: number;
}

const initial: MemfdContext = {
  sealed: false,
  sizeZero: true,
  writerLock: false,
  hostData: 'none',
  thp: 'absent',
  tail: 'present',
  refHeld: false,
  flags: 0,
};

type Ctx = { context: MemfdContext };
type PunchEvent = Extract<MemfdEvent, { type: 'punchTail' }>;
type Punch = { context: MemfdContext; event: PunchEvent };

/** A punch of the tail that needs a split and finds the folio referenced: the split fails. */
const splitFails = ({ context }: Ctx): boolean =>
  context.thp === 'huge' && context.refHeld && tailPresent(context);
const tailPresent = (c: MemfdContext): boolean => c.thp !== 'absent' && c.tail === 'present';
/** F_SEAL_GUEST runs under inode_lock: it waits while a serialized writer holds the lock. */
const canSeal = (c: MemfdContext): boolean => !c.sealed && !c.writerLock;

export const memfdMachine = setup({
  types: { context: {} as MemfdContext, events: {} as MemfdEvent },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'memfd',
  context: initial,
  on: {
    writeCheck: [
      { guard: ({ context }) => context.sealed, actions: outcome('EPERM') },
      { guard: ({ event }) => event.locked, actions: assign({ writerLock: true }) },
      {},
    ],
    writeCommit: {
      actions: assign(({ context }) => ({
        writerLock: false,
        sizeZero: false,
        hostData: context.sealed
          ? 'afterSeal'
          : context.hostData === 'none'
            ? 'beforeSeal'
            : context.hostData,
      })),
    },
    seal: [
      {
        guard: ({ context, event }) =>
          canSeal(context) && (context.hostData !== 'none' || (event.sizeCheck && !context.sizeZero)),
        actions: outcome('EBUSY'),
      },
      {
        guard: ({ context }) => canSeal(context),
        actions: assign(({ event }) => ({ sealed: true, flags: event.flags })),
      },
    ],
    /** The guest (KVM) allocates its private THP in the sealed file (fallocate extends i_size). */
    populate: {
      guard: ({ context }) => context.sealed && context.thp === 'absent',
      actions: assign({ thp: 'huge', sizeZero: false }),
    },
    getRef: {
      guard: ({ context }) => context.thp !== 'absent' && !context.refHeld,
      actions: assign({ refHeld: true }),
    },
    putRef: { guard: ({ context }) => context.refHeld, actions: assign({ refHeld: false }) },
    punchTail: [
      {
        guard: (a: Punch) => splitFails(a) && a.event.onSplitFailure === 'reject',
        actions: outcome('EBUSY'),
      },
      { guard: (a: Punch) => splitFails(a) && skipsZeroing(a.event.guard, a.context.flags) },
      { guard: splitFails, actions: [assign({ tail: 'zeroedByHost' }), outcome(HOST_CRASH.mce)] },
      { guard: ({ context }) => tailPresent(context), actions: assign({ thp: 'split', tail: 'punched' }) },
    ],
  },
});

/** The writer thread: a write(2) checks the seal, then allocates a page and copies host data. */
const writerMachine = sequentialActor('writer', ['checked', 'committed']);

type Variant = 'unserialized-seal' | 'zero-on-split-failure' | 'inaccessible-mask' | 'inaccessible' | 'fixed';

interface Rules {
  /** The write path holds inode_lock from its seal check to its commit. */
  readonly serialized: boolean;
  /** F_SEAL_GUEST also requires i_size == 0 (Sean, seed 002). */
  readonly sizeCheck: boolean;
  readonly onSplitFailure: SplitFailure;
  readonly guard: Guard;
}

const rules: Readonly<Record<Variant, Rules>> = {
  'unserialized-seal': { serialized: false, sizeCheck: false, onSplitFailure: 'reject', guard: 'none' },
  'zero-on-split-failure': { serialized: true, sizeCheck: true, onSplitFailure: 'zero', guard: 'none' },
  'inaccessible-mask': { serialized: true, sizeCheck: true, onSplitFailure: 'zero', guard: 'mask' },
  inaccessible: { serialized: true, sizeCheck: true, onSplitFailure: 'zero', guard: 'bit' },
  fixed: { serialized: true, sizeCheck: true, onSplitFailure: 'reject', guard: 'none' },
};

const safe = { 'seal-excludes-host-writes': 'holds', 'no-kernel-access-to-private': 'holds' } as const;
const reachable = { 'seal-succeeds': 'reached', 'guest-populates': 'reached' } as const;

export default defineModel<'unevictable', Variant>({
  id: 'memfd-seal-guest',
  title: 'memfd + F_SEAL_GUEST: seal vs write, partial punch of a private THP (D3)',
  summary:
    'A memfd that becomes guest-private when F_SEAL_GUEST is set (allowed only with no pages and no mapping, under inode_lock), a host writer that checks the seal and then writes, a guest that populates an order-1 THP after the seal, a reference holder, and a puncher that removes the tail page (split, or fall back when the split fails). Flawed: the write check outside inode_lock lets host data into a sealed file (F23); zeroing the tail when the split fails writes private memory (F4); the AS_INACCESSIBLE guard tested as a mask skips nothing (F5). Fixed: i_size==0 + serialized writes + reject the partial punch; or the guard testing the bit (27e6a24a4cf3). Explored exhaustively.',
  sources: [
    'seeds/002 (Kirill Shutemov F_SEAL_GUEST sketch, Sean Christopherson reply, 2 Sep 2021)',
    'docs/designs-and-flaws.md D3, F23, F4, F5',
    'mm/truncate.c truncate_inode_partial_folio(); c72ceafbd12c, 1d23040caa8b, 27e6a24a4cf3',
    'docs/kernel-semantics.md §5 INV-5',
  ],
  unconfirmed: [
    'F23 write variant is derived, not reported (catalogue)',
    '27e6a24a4cf3 calls the mask bug mostly benign on guest_memfd (AS_UNEVICTABLE set): see parameter unevictable',
  ],
  params: {
    unevictable: {
      default: 0,
      min: 0,
      max: 1,
      doc: '1: the sealed mapping is also AS_UNEVICTABLE (as guest_memfd), which the mask happens to test',
    },
  },
  variants: {
    'unserialized-seal': {
      doc: "Kirill's sketch: the write path checks the seal without inode_lock, the seal checks nrpages only",
      flaws: ['F23'],
      fixedBy: 'fixed',
      expect: {
        ...safe,
        'seal-excludes-host-writes': 'violated',
        ...reachable,
        'partial-punch-refused': 'reached',
      },
    },
    'zero-on-split-failure': {
      doc: 'a partial punch whose THP split fails zeroes the tail page (no AS_INACCESSIBLE guard)',
      flaws: ['F4'],
      fixedBy: 'fixed',
      expect: {
        ...safe,
        'no-kernel-access-to-private': 'violated',
        ...reachable,
        'partial-punch-refused': 'unreached',
      },
    },
    'inaccessible-mask': {
      doc: 'c72ceafbd12c: zeroing guarded by `!(mapping->flags & AS_INACCESSIBLE)`, a bit index used as a mask',
      flaws: ['F5'],
      fixedBy: 'inaccessible',
      expect: {
        ...safe,
        'no-kernel-access-to-private': 'violated',
        ...reachable,
        'partial-punch-refused': 'unreached',
      },
    },
    inaccessible: {
      doc: '27e6a24a4cf3: the guard is mapping_inaccessible(), zeroing is skipped for the sealed file',
      flaws: [],
      expect: { ...safe, ...reachable, 'partial-punch-refused': 'unreached' },
    },
    fixed: {
      doc: 'seal requires i_size==0 and serializes with the write path; a partial punch is rejected when the split fails',
      flaws: [],
      expect: { ...safe, ...reachable, 'partial-punch-refused': 'reached' },
    },
  },
  properties: [
    alwaysEach(
      'seal-excludes-host-writes',
      'after F_SEAL_GUEST is set, no host write reaches the file (F23)',
      'memfd',
      (s) => (s.context as MemfdContext).hostData !== 'afterSeal',
    ),
    noKernelAccessToPrivate(),
    sometimesStep('seal-succeeds', 'F_SEAL_GUEST succeeds', (s) => s.type === 'seal' && s.outcome === 'ok'),
    sometimesStep(
      'guest-populates',
      'the guest allocates its private THP',
      (s) => s.type === 'populate' && s.outcome === 'ok',
    ),
    sometimesStep(
      'partial-punch-refused',
      'a partial punch is refused because the THP split failed',
      (s) => s.type === 'punchTail' && s.outcome === 'EBUSY',
    ),
  ],
  build({ unevictable }, variant) {
    const r = rules[variant];
    const flags = (1 << AS_INACCESSIBLE) | (unevictable === 1 ? 1 << AS_UNEVICTABLE : 0);
    const events: WorldEventSpec[] = [
      {
        actor: 'writer',
        type: 'writeCheck',
        args: {},
        sync: [
          participant('memfd', { type: 'writeCheck', locked: r.serialized }),
          actorStep('writer', 'checked', 0, { prior: true }),
        ],
      },
      {
        actor: 'writer',
        type: 'writeCommit',
        args: {},
        sync: [
          actorStep('writer', 'committed', 0),
          participant('memfd', { type: 'writeCommit', locked: r.serialized }),
        ],
      },
      {
        actor: 'sealer',
        type: 'seal',
        args: {},
        sync: [participant('memfd', { type: 'seal', sizeCheck: r.sizeCheck, flags })],
      },
      { actor: 'guest', type: 'populate', args: {}, sync: [participant('memfd', { type: 'populate' })] },
      { actor: 'holder', type: 'getRef', args: {}, sync: [participant('memfd', { type: 'getRef' })] },
      { actor: 'holder', type: 'putRef', args: {}, sync: [participant('memfd', { type: 'putRef' })] },
      {
        actor: 'puncher',
        type: 'punchTail',
        args: {},
        sync: [participant('memfd', { type: 'punchTail', onSplitFailure: r.onSplitFailure, guard: r.guard })],
      },
    ];
    return {
      machines: [
        { id: 'memfd', machine: memfdMachine },
        { id: 'writer', machine: writerMachine },
      ],
      events,
    };
  },
});
