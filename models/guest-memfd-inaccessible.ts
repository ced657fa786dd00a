// guest-memfd-inaccessible: AS_INACCESSIBLE and the partial-folio truncate path, for a
// guest_memfd with large folios and for another unevictable file that shares mm/truncate.c
// (docs/designs-and-flaws.md D4, F4, F5; docs/kernel-semantics.md §1.2, INV-5).
//
// Sources:
// - mm/truncate.c truncate_inode_partial_folio() (6.10/6.11): zero the punched part of a
//   large folio unless the mapping is inaccessible, then split_folio(); when the split fails
//   (an extra reference: can_split_folio()) a dirty folio is kept whole, with whatever the
//   zeroing left in the punched part. The zeroing comes before the split attempt ("it avoids
//   doing a complex calculation here, and then doing the zeroing anyway if the page split
//   fails").
// - c72ceafbd12c "mm: Introduce AS_INACCESSIBLE for encrypted/confidential memory" (Michael
//   Roth): `if (!(folio->mapping->flags & AS_INACCESSIBLE)) folio_zero_range(...)`;
//   1d23040caa8b "KVM: guest_memfd: Use AS_INACCESSIBLE when creating guest_memfd inode":
//   `inode->i_mapping->flags |= AS_INACCESSIBLE` next to mapping_set_unmovable().
// - 27e6a24a4cf3 "mm, virt: merge AS_UNMOVABLE and AS_INACCESSIBLE" (Paolo Bonzini, 11 Jul
//   2024): AS_INACCESSIBLE (10) was used as a mask; "its bit representation (1010)
//   corresponded to setting AS_UNEVICTABLE (which is already set) and AS_ENOSPC ... So the
//   AS_INACCESSIBLE flag simply had no effect"; fixed with set_bit/test_bit
//   (mapping_set_inaccessible(), mapping_inaccessible()). Michael Roth re-tested it with
//   Sean's THP-for-guest_memfd patch, "the more problematic case".
// - shmem_lock() (SysV SHM_LOCK) → mapping_set_unevictable(); MADV_REMOVE on a shmem mapping
//   punches a hole through shmem_fallocate() → shmem_truncate_range() →
//   truncate_inode_partial_folio() for a huge folio straddling the range.
// What the mask did, read off the flags: on guest_memfd the mask tests AS_UNEVICTABLE, which
// mapping_set_unmovable() sets, so zeroing was skipped there by accident (guest memory stays
// untouched in both the mask and the bit variant: F5 is benign on guest_memfd, as the fix's
// message says). The mask also matches every other mapping with AS_UNEVICTABLE (or AS_ENOSPC):
// there the partial folio is no longer zeroed, and when a reference makes the split fail the
// punched range keeps its old data (F5's visible effect). Before c72ceafbd12c no guard
// existed and truncate zeroed guest_memfd's private large folio (F4's mechanism on D4; the
// catalogue's F4 row is memfd-seal-guest, on Kirill's 2021 sketch).
// UNCONFIRMED: guest_memfd large folios are not merged (mainline is order-0: THP patch /
// HUGE series); guest_memfd folios are taken to be dirty when a punch finds them (KVM marks a
// writably mapped page dirty when it releases it: kvm_release_page_dirty()), so a failed
// split keeps the folio as for shmem.
//
// Machines: per file (`gmem`: guest_memfd, private, TDX/SNP; `shm`: an SHM_LOCKed shmem
// segment, host data) one order-1 refcounted folio (models/machines/folio.ts) and the data in
// its tail page (`tailData`: zero | written | hole, and whether a punch of it returned).
// Actors act in one step each: the data's writer (the guest's private store through
// kvm_gmem_get_pfn(); a host store), a reference holder (KVM's kvm_gmem_get_pfn() reference
// held while it installs an SPTE; a speculative page-cache lookup or GUP on shmem), and the
// puncher (fallocate(PUNCH_HOLE) on guest_memfd; MADV_REMOVE on the shm mapping) covering the
// tail page only.
// Variants change the AS_INACCESSIBLE rule only: no-inaccessible-guard (6.8-6.10: truncate
// always zeroes), inaccessible-mask (c72ceafbd12c + 1d23040caa8b: set and tested as a mask),
// inaccessible-bit (27e6a24a4cf3: set_bit / test_bit).
// Bound: exhaustive; each file's folio is allocated once and punched at most once.
import { and, assign, setup, type AnyMachineSnapshot } from 'xstate';
import {
  always,
  defineModel,
  outcome,
  outcomeActions,
  participant,
  sometimesStep,
  worldEvent,
  type Participant,
  type StepView,
  type WorldEventSpec,
} from '../src/index.js';
import { HOST_CRASH, noKernelAccessToPrivate } from '../properties/kernelAccess.js';
import { extraRefs, refFolioMachine, type RefFolioContext } from './machines/folio.js';
import {
  AS_INACCESSIBLE,
  inaccessible,
  setFlag,
  testFlag,
  unevictable,
  unmovable,
  type FlagUse,
} from './machines/mapping.js';

/** How truncate reads AS_INACCESSIBLE: not at all (zero always), as a mask, as a bit. */
type Guard = 'none' | FlagUse;

export type TailDataEvent =
  /** A store into the tail page (the guest's private data; host data in shm). */
  | { type: 'write' }
  /** folio_zero_range() of the punched part, unless the guard finds the mapping inaccessible. */
  | { type: 'zero'; flags: number; guard: Guard }
  /** The split succeeded: the tail page left the file (a later read sees a hole: zeros). */
  | { type: 'punchOut' }
  /** The split failed: the tail stays in the folio with whatever the zeroing left. */
  | { type: 'keep' };

const skips = (flags: number, guard: Guard): boolean =>
  guard !== 'none' && testFlag(flags, AS_INACCESSIBLE, guard);

/**
 * The contents of a file's tail page. Input `private`: the page belongs to the guest
 * (guest_memfd on TDX/SNP): a host write to it is a machine check / RMP fault.
 */
export const tailDataMachine = setup({
  types: {
    context: {} as { private: boolean; punched: boolean },
    events: {} as TailDataEvent,
  },
  actions: { ...outcomeActions },
  guards: {
    zeroes: ({ event }) => event.type === 'zero' && !skips(event.flags, event.guard),
    privatePage: ({ context }) => context.private,
  },
}).createMachine({
  id: 'tailData',
  context: ({ input }) => ({
    private: typeof input === 'object' && input !== null && (input as { private?: boolean }).private === true,
    punched: false,
  }),
  initial: 'zero',
  on: {
    zero: [
      { guard: and(['zeroes', 'privatePage']), target: '.zero', actions: outcome(HOST_CRASH.mce) },
      { guard: 'zeroes', target: '.zero' },
      {},
    ],
    keep: { actions: assign({ punched: true }) },
    punchOut: { target: '.hole', actions: assign({ punched: true }) },
  },
  states: {
    zero: { on: { write: { target: 'written', actions: assign({ punched: false }) } } },
    written: { on: { write: { actions: assign({ punched: false }) } } },
    hole: {},
  },
});

type Variant = 'no-inaccessible-guard' | 'inaccessible-mask' | 'inaccessible-bit';
type File = 'gmem' | 'shm';
const FILES: readonly File[] = ['gmem', 'shm'];
const folioId = (f: File): string => `${f}Folio`;
const dataId = (f: File): string => `${f}Tail`;

/** guest_memfd's mapping flags as __kvm_gmem_create() sets them in each variant. */
function gmemFlags(variant: Variant): number {
  if (variant === 'inaccessible-bit') return inaccessible(0);
  if (variant === 'inaccessible-mask') return setFlag(unmovable(0), AS_INACCESSIBLE, 'mask');
  return unmovable(0);
}

const guardOf = (variant: Variant): Guard =>
  variant === 'inaccessible-bit' ? 'bit' : variant === 'inaccessible-mask' ? 'mask' : 'none';

const K = {
  gmem: {
    alloc:
      'fallocate() → kvm_gmem_allocate() → __filemap_get_folio(FGP_CREAT): an order-1 folio (THP patch / HUGE)',
    write: "the guest's private store: kvm_gmem_get_pfn() maps the folio, the vCPU writes the tail page",
    get: 'kvm_gmem_get_pfn(): the folio reference KVM holds until the SPTE is installed',
    put: 'kvm_release_faultin_page(): KVM drops its folio reference',
    punch:
      'fallocate(PUNCH_HOLE, tail page) → kvm_gmem_punch_hole() → truncate_inode_pages_range() → truncate_inode_partial_folio(): zero unless inaccessible, split_folio()',
  },
  shm: {
    alloc: 'shmem_get_folio() on an SHM_LOCKed segment (mapping_set_unevictable) with huge=always',
    write: 'a host store into the tail page',
    get: 'a speculative page-cache reference (filemap_get_entry / GUP-fast) held across the punch',
    put: 'folio_put() of that reference',
    punch:
      'madvise(MADV_REMOVE, tail page) → shmem_fallocate() → shmem_truncate_range() → truncate_inode_partial_folio(): zero unless inaccessible, split_folio()',
  },
} as const;

const whole = (s: AnyMachineSnapshot): boolean => {
  const c = s.context as RefFolioContext;
  return s.matches('cached') && c.pages === c.allocPages;
};
const splitFails = (s: AnyMachineSnapshot): boolean => whole(s) && extraRefs(s.context as RefFolioContext);
const splitSucceeds = (s: AnyMachineSnapshot): boolean =>
  whole(s) && !extraRefs(s.context as RefFolioContext);

const gmemPunch = (s: StepView): boolean => s.type === 'punchTail' && s.args['file'] === 'gmem';

/** After a punch of the shm tail returned, reading it gives zeros: it was zeroed or removed. */
const shmPunchedReadsZero = always(
  'punched-range-reads-zero',
  'after a hole punch of the accessible shmem file returns, the punched page reads zeros (fallocate(2)/madvise(2) MADV_REMOVE contract; F5)',
  (w) => {
    const d = w.get(dataId('shm'));
    return !((d.context as { punched: boolean }).punched && d.matches('written'));
  },
  { premise: (w) => (w.get(dataId('shm')).context as { punched: boolean }).punched },
);

const expectAll = {
  'no-kernel-access-to-private': 'holds',
  'punched-range-reads-zero': 'holds',
  'split-fails-on-reference': 'reached',
  'split-succeeds': 'reached',
} as const;

export default defineModel<never, Variant>({
  id: 'guest-memfd-inaccessible',
  title:
    'AS_INACCESSIBLE: partial punch of large folios in guest_memfd and in an unevictable shmem file (D4, F5)',
  summary:
    "A guest_memfd whose private data sits in an order-1 folio (guest_memfd with large folios, TDX/SNP) and an SHM_LOCKed shmem segment with host data in an order-1 THP both go through truncate_inode_partial_folio() when a punch covers only the tail page: zero it unless the mapping is inaccessible, then split the folio, which fails while another reference is held (KVM's get_pfn reference; a speculative page-cache reference). Variants change how AS_INACCESSIBLE is set and tested: not at all (truncate zeroes guest memory, F4's mechanism), as a mask (c72ceafbd12c: on guest_memfd it happens to test AS_UNEVICTABLE, on the locked shmem file too, which then keeps stale data in a punched range when the split fails: F5), as a bit (27e6a24a4cf3). Explored exhaustively.",
  sources: [
    'docs/designs-and-flaws.md D4, F4, F5',
    'mm/truncate.c truncate_inode_partial_folio(); mm/shmem.c shmem_lock(), shmem_truncate_range()',
    'c72ceafbd12c, 1d23040caa8b, 27e6a24a4cf3 (posting and Michael Roth reply, 11-12 Jul 2024)',
    'docs/kernel-semantics.md §1.2 (mapping_set_inaccessible), §2.5, INV-5',
  ],
  unconfirmed: [
    'guest_memfd large folios are not merged (THP patch, HUGE series): mainline guest_memfd is order-0',
    'guest_memfd folios are dirty when the punch finds them (KVM marks writably mapped pages dirty), so a failed split keeps the folio',
  ],
  params: {},
  variants: {
    'no-inaccessible-guard': {
      doc: 'before c72ceafbd12c (6.8-6.10): truncate zeroes the punched part of every large folio, guest_memfd private memory included',
      flaws: ['F4'],
      fixedBy: 'inaccessible-bit',
      expect: { ...expectAll, 'no-kernel-access-to-private': 'violated' },
    },
    'inaccessible-mask': {
      doc: 'c72ceafbd12c + 1d23040caa8b: `flags |= AS_INACCESSIBLE` and `flags & AS_INACCESSIBLE` use the bit number 10 as a mask (bits 1 and 3: AS_ENOSPC, AS_UNEVICTABLE)',
      flaws: ['F5'],
      fixedBy: 'inaccessible-bit',
      expect: { ...expectAll, 'punched-range-reads-zero': 'violated' },
    },
    'inaccessible-bit': {
      doc: '27e6a24a4cf3: mapping_set_inaccessible() / mapping_inaccessible() set and test bit 10',
      flaws: [],
      expect: expectAll,
    },
  },
  properties: [
    noKernelAccessToPrivate({ premise: gmemPunch }),
    shmPunchedReadsZero,
    sometimesStep(
      'split-fails-on-reference',
      'a partial punch finds the folio referenced and cannot split it',
      (s) => s.type === 'punchTail' && s.args['split'] === 'fails',
    ),
    sometimesStep(
      'split-succeeds',
      'a partial punch splits the folio and removes the tail page',
      (s) => s.type === 'punchTail' && s.args['split'] === 'ok',
    ),
  ],
  build(_params, variant) {
    const guard = guardOf(variant);
    const events: WorldEventSpec[] = [];
    for (const file of FILES) {
      const folio = folioId(file);
      const data = dataId(file);
      const k = K[file];
      const flags = file === 'gmem' ? gmemFlags(variant) : unevictable(0);
      const holder = file === 'gmem' ? 'kvm' : 'lookup';
      const writer = file === 'gmem' ? 'guest' : 'host';
      events.push(
        worldEvent(
          writer,
          'alloc',
          { file },
          [{ machine: folio, event: { type: 'alloc' }, requires: 'free' }],
          {
            kernel: k.alloc,
          },
        ),
      );
      events.push(
        worldEvent(
          writer,
          'write',
          { file },
          [{ machine: folio, requires: whole }, participant(data, { type: 'write' })],
          {
            kernel: k.write,
          },
        ),
      );
      events.push(
        worldEvent(holder, 'get', { file }, [participant(folio, { type: 'get' })], { kernel: k.get }),
      );
      events.push(
        worldEvent(holder, 'put', { file }, [participant(folio, { type: 'put' })], { kernel: k.put }),
      );
      const zero: Participant = participant(data, { type: 'zero', flags, guard });
      events.push(
        worldEvent(
          'puncher',
          'punchTail',
          { file, split: 'ok' },
          [
            { machine: folio, requires: splitSucceeds },
            zero,
            participant(folio, { type: 'split', keepMaps: 0 }),
            participant(data, { type: 'punchOut' }),
          ],
          { kernel: k.punch },
        ),
      );
      events.push(
        worldEvent(
          'puncher',
          'punchTail',
          { file, split: 'fails' },
          [
            { machine: folio, requires: splitFails },
            zero,
            participant(data, { type: 'keep' }),
            participant(folio, { type: 'split', keepMaps: 0 }),
          ],
          { kernel: k.punch },
        ),
      );
    }
    return {
      machines: FILES.flatMap((file) => [
        { id: folioId(file), machine: refFolioMachine, input: { pages: 2 } },
        { id: dataId(file), machine: tailDataMachine, input: { private: file === 'gmem' } },
      ]),
      events,
    };
  },
});
