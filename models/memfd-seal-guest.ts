// memfd-seal-guest: the 2021 fd-based private memory sketch, memfd + F_SEAL_GUEST
// (docs/designs-and-flaws.md D3, F23, F4). F5 (the AS_INACCESSIBLE mask, a guest_memfd bug)
// is in guest-memfd-inaccessible.
//
// Sources:
// - Seed 002: "Re: [RFC] KVM: mm: fd-based approach for supporting KVM guest private memory",
//   Sean Christopherson, 2 Sep 2021, quoting Kirill Shutemov: F_SEAL_GUEST is allowed only
//   with no pages (nrpages) and no mapping; it is protected by inode_lock(), which the read
//   path does not take ("not clear how to serialize read check vs. seal setup"); Sean: "Would
//   requiring the size to be '0' at F_SEAL_GUEST time solve that problem?". Partial
//   truncate/punch of a THP splits it, "But split is allowed to fail. If it happens we zero
//   part of THP" (→ #MCE on TDX); "I guess we may reject truncate if split fails".
// - docs/kernel-semantics.md §5 INV-5 (the host kernel never writes a private page).
// UNCONFIRMED: F23's write variant is derived (the catalogue marks it so).
// Mainline zeroes the partial range before trying the split; this model follows Kirill's
// order (split, zero only when the split fails), where his fix (reject the punch) applies.
// Only the writer is modelled (no reader): here a write is the only way an unsealed file
// gets a size, so the fix's i_size==0 check coincides with nrpages==0; it is kept because the
// catalogue names it, and it is what would close Kirill's read variant.
//
// Machines: the sealed memfd (`memfd`: seal, i_size, inode_lock, the data a host write put in
// the file, one order-1 THP {head, tail} that the guest populates after sealing, and an extra
// reference on it) and the writer thread (check, then write). Sealer, guest, reference holder
// and puncher act in one step each, so their state is the file's.
// Variants: unserialized-seal (F23: the write check does not take inode_lock), zero-on-split-
// failure (F4: a partial punch whose split fails zeroes the tail) and fixed (i_size==0 at seal
// time, the write path serialized with the seal, partial punch rejected when the split fails).
// Properties: seal-excludes-host-writes (premise: the file is sealed),
// no-kernel-access-to-private (premise: a punch of the guest's THP tail).
// Bound: exhaustive; counterexamples are within §3's bound (F23: 3 steps, F4: 4 steps).
import { assign, setup } from 'xstate';
import {
  alwaysEach,
  defineModel,
  outcome,
  outcomeActions,
  participant,
  sometimesStep,
  worldEvent,
  type WorldEventSpec,
} from '../src/index.js';
import { HOST_CRASH, noKernelAccessToPrivate } from '../properties/kernelAccess.js';
import { actorStep, sequentialActor } from './machines/actor.js';

/** What truncate does with a large folio whose split failed. */
type SplitFailure = 'zero' | 'reject';

type MemfdEvent =
  | { type: 'writeCheck'; locked: boolean }
  | { type: 'writeCommit'; locked: boolean }
  | { type: 'seal'; sizeCheck: boolean }
  | { type: 'populate' }
  | { type: 'getRef' }
  | { type: 'putRef' }
  | { type: 'punchTail'; onSplitFailure: SplitFailure };

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
}

const initial: MemfdContext = {
  sealed: false,
  sizeZero: true,
  writerLock: false,
  hostData: 'none',
  thp: 'absent',
  tail: 'present',
  refHeld: false,
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
        actions: assign({ sealed: true }),
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
      { guard: splitFails, actions: [assign({ tail: 'zeroedByHost' }), outcome(HOST_CRASH.mce)] },
      { guard: ({ context }) => tailPresent(context), actions: assign({ thp: 'split', tail: 'punched' }) },
    ],
  },
});

/** The writer thread: a write(2) checks the seal, then allocates a page and copies host data. */
const writerMachine = sequentialActor('writer', ['checked', 'committed']);

type Variant = 'unserialized-seal' | 'zero-on-split-failure' | 'fixed';

interface Rules {
  /** The write path holds inode_lock from its seal check to its commit. */
  readonly serialized: boolean;
  /** F_SEAL_GUEST also requires i_size == 0 (Sean, seed 002). */
  readonly sizeCheck: boolean;
  readonly onSplitFailure: SplitFailure;
}

const rules: Readonly<Record<Variant, Rules>> = {
  'unserialized-seal': { serialized: false, sizeCheck: false, onSplitFailure: 'reject' },
  'zero-on-split-failure': { serialized: true, sizeCheck: true, onSplitFailure: 'zero' },
  fixed: { serialized: true, sizeCheck: true, onSplitFailure: 'reject' },
};

const safe = { 'seal-excludes-host-writes': 'holds', 'no-kernel-access-to-private': 'holds' } as const;
const reachable = { 'seal-succeeds': 'reached', 'guest-populates': 'reached' } as const;

export default defineModel<never, Variant>({
  id: 'memfd-seal-guest',
  title: 'memfd + F_SEAL_GUEST: seal vs write, partial punch of a private THP (D3)',
  summary:
    'A memfd that becomes guest-private when F_SEAL_GUEST is set (allowed only with no pages and no mapping, under inode_lock), a host writer that checks the seal and then writes, a guest that populates an order-1 THP after the seal, a reference holder, and a puncher that removes the tail page (split, or fall back when the split fails). Flawed: the write check outside inode_lock lets host data into a sealed file (F23); zeroing the tail when the split fails writes private memory (F4). Fixed: i_size==0 + serialized writes + reject the partial punch. Explored exhaustively.',
  sources: [
    'seeds/002 (Kirill Shutemov F_SEAL_GUEST sketch, Sean Christopherson reply, 2 Sep 2021)',
    'docs/designs-and-flaws.md D3, F23, F4',
    'mm/truncate.c truncate_inode_partial_folio()',
    'docs/kernel-semantics.md §5 INV-5',
  ],
  unconfirmed: ['F23 write variant is derived, not reported (catalogue)'],
  params: {},
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
      doc: 'a partial punch whose THP split fails zeroes the tail page ("If it happens we zero part of THP")',
      flaws: ['F4'],
      fixedBy: 'fixed',
      expect: {
        ...safe,
        'no-kernel-access-to-private': 'violated',
        ...reachable,
        'partial-punch-refused': 'unreached',
      },
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
      { premise: (s) => (s.context as MemfdContext).sealed },
    ),
    noKernelAccessToPrivate({ premise: (s) => s.type === 'punchTail' }),
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
  build(_params, variant) {
    const r = rules[variant];
    const events: WorldEventSpec[] = [
      worldEvent(
        'writer',
        'writeCheck',
        {},
        [
          participant('memfd', { type: 'writeCheck', locked: r.serialized }),
          actorStep('writer', 'checked', 0, { prior: true }),
        ],
        {
          kernel: r.serialized
            ? 'write(2): inode_lock(), then the F_SEAL_GUEST check'
            : 'write(2): the F_SEAL_GUEST check, without inode_lock()',
        },
      ),
      worldEvent(
        'writer',
        'writeCommit',
        {},
        [
          actorStep('writer', 'committed', 0),
          participant('memfd', { type: 'writeCommit', locked: r.serialized }),
        ],
        {
          kernel:
            'write(2): shmem_write_begin/end allocate a page and copy the data (inode_unlock() if taken)',
        },
      ),
      worldEvent('sealer', 'seal', {}, [participant('memfd', { type: 'seal', sizeCheck: r.sizeCheck })], {
        kernel: r.sizeCheck
          ? 'fcntl(F_SEAL_GUEST) under inode_lock(): refused unless nrpages == 0, no mapping and i_size == 0'
          : 'fcntl(F_SEAL_GUEST) under inode_lock(): refused unless nrpages == 0 and no mapping',
      }),
      worldEvent('guest', 'populate', {}, [participant('memfd', { type: 'populate' })], {
        kernel: "KVM's private fault allocates the guest's order-1 THP in the sealed file (fallocate)",
      }),
      worldEvent('holder', 'getRef', {}, [participant('memfd', { type: 'getRef' })], {
        kernel: 'an extra folio reference (speculative page-cache lookup, KVM get_pfn)',
      }),
      worldEvent('holder', 'putRef', {}, [participant('memfd', { type: 'putRef' })], {
        kernel: 'folio_put()',
      }),
      worldEvent(
        'puncher',
        'punchTail',
        {},
        [participant('memfd', { type: 'punchTail', onSplitFailure: r.onSplitFailure })],
        {
          kernel:
            r.onSplitFailure === 'zero'
              ? 'fallocate(PUNCH_HOLE, tail) → truncate_inode_partial_folio(): split_folio(), and on failure folio_zero_range()'
              : 'fallocate(PUNCH_HOLE, tail): split_folio(), and on failure refuse the punch (-EBUSY)',
        },
      ),
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
