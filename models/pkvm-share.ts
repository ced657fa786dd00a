// pkvm-share: pKVM / Gunyah fault-time donation and sharing of protected guest memory, with
// MMU-notifier driven migration and huge-page reclaim at teardown (docs/designs-and-flaws.md
// D2, F24, F25, F26).
//
// Sources:
// - Seed 000 (Will Deacon in the Gunyah v13 thread): guests must be managed through MMU
//   notifiers rather than long-term pins.
// - Seed 003 (Fuad Tabba, Jun 2024): host kernel access to protected memory is a stage-2
//   abort the host cannot recover from; FOLL_EXCLUSIVE was proposed to keep host pins away
//   from private pages (docs/kernel-semantics.md §3.5: an exclusive pin fails while another
//   pin exists, a normal pin fails while an exclusive one is held).
// - android-kvm "KVM: arm64: Huge page support for pKVM guest memory reclaim" (Vincent
//   Donnefort): the host tracks a donated huge folio as one kvm_pinned_pages entry (one pin);
//   the hypervisor may break the block mapping and unmap part of it without telling the host;
//   reclaim of the entry then gets -E2BIG and must handle partially unmapped fragments.
// - docs/designs-and-flaws.md D2, F24 (fix: FOLL_EXCLUSIVE / guest_memfd), F25 (fix: protected
//   memory unmovable, guest_memfd semantics), F26 (fix: reclaim handles -E2BIG per fragment).
// UNCONFIRMED: the android-kvm commit ids, hypercall and helper names, and the exact shape of
// the -E2BIG fix (modelled as: reclaim page by page, a page already unmapped counting as
// reclaimed, then drop the entry's one pin); the pKVM relinquish flow (page 1 returns to the
// host when the guest relinquishes it); the pKVM 6.4 donation fix id (docs §5). Migration of
// a donated folio is modelled only while the VM runs.
//
// Machines: the donated folio (`pfolio`: the hypervisor's owner per page, the guest stage-2
// mapping — none, a block over both pages, a table after the hypervisor broke the block —,
// the host's pin count on the folio and its kvm_pinned_pages record, a host kernel pin on
// page 0, VM life, migration), the host kernel accessor (pin, access, unpin; a virtio
// backend) and the migrator (invalidate, then copy and free). Guest, hypervisor, VM death
// and teardown act in one step each. Leaks and double unpins are read off the pin counter:
// each unpin is its own step and decrements it once.
// Variants (each differs from `fixed` by one rule):
// - fixed: donation and unshare take FOLL_EXCLUSIVE; donated folios are unmovable; teardown
//   reclaims page by page on -E2BIG and drops the entry's pin once.
// - unchecked-donation (F24): donation and unshare ignore existing host pins.
// - notifier-retries (F25): the notifier retries the refused reclaim (a progress property).
// - notifier-ignores-failure (F25): the notifier goes on as if the reclaim succeeded.
// - reclaim-leaks (F26): on -E2BIG teardown gives up on the entry.
// - reclaim-double-unpin (F26): on -E2BIG teardown unpins once per reclaimed page.
// Progress: properties/reclaim.ts migrationAttemptEnds(), judged on the explored graph.
// Bound: exhaustive; shortest counterexamples F24 3 events, F25 3 (and a retry lasso),
// F26 5 (leak) and 6 (double unpin) (docs §3: 4, 3, 5).
import { and, assign, setup } from 'xstate';
import {
  alwaysEach,
  defineModel,
  outcome,
  outcomeActions,
  participant,
  sometimesStep,
  worldEvent,
  type LocalTest,
  type Participant,
  type WorldEventSpec,
} from '../src/index.js';
import { HOST_CRASH, noKernelAccessToPrivateWhere } from '../properties/kernelAccess.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { migrationAttemptEnds } from '../properties/reclaim.js';

export type Owner = 'host' | 'guest' | 'shared';
/** What the MMU notifier does when the hypervisor refuses to give a donated folio back. */
export type Migration = 'retry' | 'ignore' | 'unmovable';
/** What teardown does when reclaiming the whole entry answers -E2BIG. */
export type OnE2big = 'give-up' | 'per-page';
/** How teardown drops the pin of an entry it reclaimed page by page. */
export type Unpin = 'per-entry' | 'per-page';

export interface PFolioContext {
  /** The hypervisor's owner of each page. */
  readonly owner: readonly [Owner, Owner];
  /** Guest stage 2: none, a block over both pages, a table (the hypervisor broke the block). */
  readonly s2: 'none' | 'block' | 'table';
  /** The hypervisor broke the block mapping at some point (never reset). */
  readonly broken: boolean;
  /** The host's FOLL_PIN count on the folio from donation (one pin per kvm_pinned_pages entry); below 0 is an underflow. */
  readonly pins: number;
  /** The host's kvm_pinned_pages record: none yet, one order-1 entry, split into pages after -E2BIG, dropped. */
  readonly entry: 'none' | 'whole' | 'pages' | 'gone';
  /** Pages of a split entry teardown has not reclaimed yet (page 2 - pending is next). */
  readonly pending: number;
  /** A host kernel pin on page 0 (a virtio backend). */
  readonly kpin: boolean;
  readonly vm: 'alive' | 'dead';
  /** Between a migration's invalidation and its commit (migration entries block GUP). */
  readonly migrating: boolean;
  /** Migration of the donated folio was attempted (the situation F25 is about). */
  readonly migrationTried: boolean;
  /** Core-mm freed the folio after migrating it. */
  readonly freed: boolean;
}

type PFolioEvent =
  | { type: 'donate'; exclusive: boolean }
  | { type: 'share' }
  | { type: 'unshare'; exclusive: boolean }
  | { type: 'kernelPin'; exclusive: boolean }
  | { type: 'kernelAccess' }
  | { type: 'kernelUnpin' }
  | { type: 'relinquish' }
  | { type: 'migInvalidate'; mode: Migration }
  | { type: 'migCommit' }
  | { type: 'whenDead' }
  | { type: 'vmDie' }
  | { type: 'reclaimEntry'; onE2big: OnE2big }
  | { type: 'reclaimPage'; unpin: Unpin };

const initial: PFolioContext = {
  owner: ['host', 'host'],
  s2: 'none',
  broken: false,
  pins: 0,
  entry: 'none',
  pending: 0,
  kpin: false,
  vm: 'alive',
  migrating: false,
  migrationTried: false,
  freed: false,
};

type Args = { context: PFolioContext; event: PFolioEvent };
const live = (c: PFolioContext): boolean => c.vm === 'alive' && !c.freed;
const exclusive = (e: PFolioEvent): boolean =>
  (e.type === 'donate' || e.type === 'unshare' || e.type === 'kernelPin') && e.exclusive;
const migMode = (e: PFolioEvent): Migration => (e.type === 'migInvalidate' ? e.mode : 'retry');
/** Teardown has no entry of this folio left to reclaim. */
export const tornDown = (c: PFolioContext): boolean =>
  c.vm === 'dead' && (c.entry === 'none' || c.entry === 'gone');

/** Teardown's hypercall on page k of a split entry, and the unpin that follows per `unpin`. */
function pageReclaimed(c: PFolioContext, unpin: Unpin): Partial<PFolioContext> {
  const k = 2 - c.pending;
  const owner: [Owner, Owner] = [c.owner[0], c.owner[1]];
  owner[k] = 'host';
  const pending = c.pending - 1;
  const drop = unpin === 'per-page' || pending === 0;
  return {
    owner,
    pending,
    s2: owner[0] === 'host' && owner[1] === 'host' ? 'none' : c.s2,
    pins: drop ? c.pins - 1 : c.pins,
    entry: pending === 0 ? 'gone' : 'pages',
  };
}

export const pfolioMachine = setup({
  types: { context: {} as PFolioContext, events: {} as PFolioEvent },
  actions: { ...outcomeActions },
  guards: {
    canDonate: ({ context: c }: Args) => live(c) && c.entry === 'none' && !c.migrating,
    /** FOLL_EXCLUSIVE (D6) fails while another pin exists; normal pins fail while it is held. */
    exclusiveRefused: ({ context, event }: Args) => exclusive(event) && context.kpin,
    canShare: ({ context: c }: Args) => live(c) && c.owner[0] === 'guest',
    canUnshare: ({ context: c }: Args) => live(c) && c.owner[0] === 'shared',
    canKernelPin: ({ context: c }: Args) => !c.kpin && !c.freed && !c.migrating,
    /** A normal pin is refused while page 0 is guest-owned under an exclusive pin. */
    kernelPinRefused: ({ context: c, event }: Args) => exclusive(event) && c.owner[0] === 'guest',
    kernelPinned: ({ context: c }: Args) => c.kpin,
    guestOwned: ({ context: c }: Args) => c.owner[0] === 'guest',
    canRelinquish: ({ context: c }: Args) => live(c) && c.s2 === 'block' && c.owner[1] === 'guest',
    canMigrate: ({ context: c }: Args) => live(c) && !c.migrating,
    donated: ({ context: c }: Args) => c.entry === 'whole',
    unmovable: ({ event }: Args) => migMode(event) === 'unmovable',
    ignores: ({ event }: Args) => migMode(event) === 'ignore',
    migrating: ({ context: c }: Args) => c.migrating,
    dead: ({ context: c }: Args) => c.vm !== 'alive',
    canDie: ({ context: c }: Args) => live(c),
    wholeEntry: ({ context: c }: Args) => c.vm === 'dead' && c.entry === 'whole',
    block: ({ context: c }: Args) => c.s2 === 'block',
    givesUp: ({ event }: Args) => event.type === 'reclaimEntry' && event.onE2big === 'give-up',
    nextPage: ({ context: c }: Args) => c.vm === 'dead' && c.entry === 'pages' && c.pending > 0,
    nextPageUnmapped: ({ context: c }: Args) => c.owner[2 - c.pending] === 'host',
  },
}).createMachine({
  id: 'pfolio',
  context: initial,
  on: {
    /** Fault-time donation of the whole folio as a block: the host pins it once (one entry). */
    donate: [
      { guard: and(['canDonate', 'exclusiveRefused']), actions: outcome('EBUSY') },
      {
        guard: 'canDonate',
        actions: assign(({ context }) => ({
          owner: ['guest', 'guest'] as const,
          s2: 'block' as const,
          pins: context.pins + 1,
          entry: 'whole' as const,
        })),
      },
    ],
    share: {
      guard: 'canShare',
      actions: assign(({ context }) => ({ owner: ['shared', context.owner[1]] as const })),
    },
    unshare: [
      { guard: and(['canUnshare', 'exclusiveRefused']), actions: outcome('EBUSY') },
      {
        guard: 'canUnshare',
        actions: assign(({ context }) => ({ owner: ['guest', context.owner[1]] as const })),
      },
    ],
    kernelPin: [
      { guard: and(['canKernelPin', 'kernelPinRefused']), actions: outcome('EBUSY') },
      { guard: 'canKernelPin', actions: assign({ kpin: true }) },
    ],
    /** The host kernel reads page 0 through its pin: a stage-2 abort at EL2 if the guest owns it. */
    kernelAccess: [{ guard: 'guestOwned', actions: outcome(HOST_CRASH.s2Abort) }, {}],
    kernelUnpin: { guard: 'kernelPinned', actions: assign({ kpin: false }) },
    /** The hypervisor breaks the block and gives page 1 back to the host without telling it. */
    relinquish: {
      guard: 'canRelinquish',
      actions: assign(({ context }) => ({
        s2: 'table' as const,
        broken: true,
        owner: [context.owner[0], 'host'] as const,
      })),
    },
    /**
     * invalidate_range_start: the notifier asks the hypervisor to reclaim a donated folio, which
     * it refuses while the guest runs. Unmovable folios are refused before that (guest_memfd).
     * A notifier that ignores the refusal drops the host's record and pin as if it had worked.
     */
    migInvalidate: [
      {
        guard: and(['canMigrate', 'donated', 'unmovable']),
        actions: [assign({ migrationTried: true }), outcome('EINVAL')],
      },
      {
        guard: and(['canMigrate', 'donated', 'ignores']),
        actions: assign(({ context }) => ({
          entry: 'gone' as const,
          pins: context.pins - 1,
          migrating: true,
          migrationTried: true,
        })),
      },
      {
        guard: and(['canMigrate', 'donated']),
        actions: [assign({ migrationTried: true }), outcome('EBUSY')],
      },
      { guard: 'canMigrate', actions: assign({ migrating: true }) },
    ],
    /** Copy and free: the refcount check fails on a kernel pin; else the old folio is freed. */
    migCommit: [
      {
        guard: and(['migrating', 'kernelPinned']),
        actions: [assign({ migrating: false }), outcome('EBUSY')],
      },
      { guard: 'migrating', actions: assign({ migrating: false, freed: true }) },
    ],
    whenDead: { guard: 'dead' },
    vmDie: { guard: 'canDie', actions: assign({ vm: 'dead' as const }) },
    /** The reclaim hypercall on the whole entry; a block comes back whole, a table answers -E2BIG. */
    reclaimEntry: [
      {
        guard: and(['wholeEntry', 'block']),
        actions: assign(({ context }) => ({
          owner: ['host', 'host'] as const,
          s2: 'none' as const,
          pins: context.pins - 1,
          entry: 'gone' as const,
        })),
      },
      {
        guard: and(['wholeEntry', 'givesUp']),
        actions: [assign({ entry: 'gone' as const }), outcome('E2BIG')],
      },
      { guard: 'wholeEntry', actions: [assign({ entry: 'pages' as const, pending: 2 }), outcome('E2BIG')] },
    ],
    /** The reclaim hypercall on one page of a split entry; a page already unmapped answers -ENOENT. */
    reclaimPage: [
      {
        guard: and(['nextPage', 'nextPageUnmapped']),
        actions: [
          assign(({ context, event }) =>
            pageReclaimed(context, event.type === 'reclaimPage' ? event.unpin : 'per-entry'),
          ),
          outcome('ENOENT'),
        ],
      },
      {
        guard: 'nextPage',
        actions: assign(({ context, event }) =>
          pageReclaimed(context, event.type === 'reclaimPage' ? event.unpin : 'per-entry'),
        ),
      },
    ],
  },
});

type MigratorEvent =
  | { type: 'start'; prior: string }
  | { type: 'retry'; prior: string }
  | { type: 'commit' }
  | { type: 'abort' };

/**
 * The migration (compaction) thread on the folio: invalidate, then copy and free. A refused
 * invalidation (EBUSY) leaves it retrying; EINVAL (unmovable) ends the attempt; once the VM
 * is dead, teardown owns the memory and a retrying migration gives up.
 */
export const migratorMachine = setup({
  types: { events: {} as MigratorEvent },
  guards: {
    ok: ({ event }) => 'prior' in event && event.prior === 'ok',
    busy: ({ event }) => 'prior' in event && event.prior === 'EBUSY',
  },
}).createMachine({
  id: 'migrator',
  initial: 'idle',
  states: {
    idle: {
      on: { start: [{ guard: 'ok', target: 'invalidated' }, { guard: 'busy', target: 'retrying' }, {}] },
    },
    retrying: { on: { retry: [{ guard: 'ok', target: 'invalidated' }, {}], abort: 'idle' } },
    invalidated: { on: { commit: 'idle' } },
  },
});

const kernelMachine = sequentialActor('kernel', ['pinned', 'accessed', 'unpinned']);

type Variant =
  | 'fixed'
  | 'unchecked-donation'
  | 'notifier-retries'
  | 'notifier-ignores-failure'
  | 'reclaim-leaks'
  | 'reclaim-double-unpin';

interface Rules {
  /** Donation, unshare and host pins follow FOLL_EXCLUSIVE (D6) on page 0. */
  readonly exclusive: boolean;
  readonly migration: Migration;
  readonly onE2big: OnE2big;
  readonly unpin: Unpin;
}

const FIXED: Rules = { exclusive: true, migration: 'unmovable', onE2big: 'per-page', unpin: 'per-entry' };
const rules: Readonly<Record<Variant, Rules>> = {
  fixed: FIXED,
  'unchecked-donation': { ...FIXED, exclusive: false },
  'notifier-retries': { ...FIXED, migration: 'retry' },
  'notifier-ignores-failure': { ...FIXED, migration: 'ignore' },
  'reclaim-leaks': { ...FIXED, onE2big: 'give-up' },
  'reclaim-double-unpin': { ...FIXED, unpin: 'per-page' },
};

const FOLIO = 'folio0';
const on = (event: PFolioEvent): Participant => participant(FOLIO, event);

const MIGRATE_KERNEL =
  'invalidate_range_start() → kvm_unmap_gfn_range(): pKVM asks the hypervisor to reclaim the donated folio (refused while the guest runs)';

/** The world events of one variant, in exploration order. */
function worldEvents(r: Rules): WorldEventSpec[] {
  return [
    worldEvent('vcpu', 'donate', {}, [on({ type: 'donate', exclusive: r.exclusive })], {
      kernel:
        'pKVM guest fault: pin_user_pages() of the folio (one kvm_pinned_pages entry), donate hypercall maps it as a stage-2 block',
    }),
    worldEvent('guest', 'share', {}, [on({ type: 'share' })], {
      kernel: 'guest MEM_SHARE hypercall on page 0',
    }),
    worldEvent('guest', 'unshare', {}, [on({ type: 'unshare', exclusive: r.exclusive })], {
      kernel: 'guest MEM_UNSHARE hypercall on page 0 (FOLL_EXCLUSIVE re-taken: reexc_user_page())',
    }),
    worldEvent(
      'kernel',
      'kernelPin',
      {},
      [on({ type: 'kernelPin', exclusive: r.exclusive }), actorStep('kernel', 'pinned', 0, { prior: true })],
      { kernel: 'a virtio backend pins page 0: pin_user_pages_fast() (FOLL_PIN)' },
    ),
    worldEvent(
      'kernel',
      'kernelAccess',
      {},
      [actorStep('kernel', 'accessed', 0), on({ type: 'kernelAccess' })],
      {
        kernel: 'the backend reads page 0 through its pin (kmap_local_page())',
      },
    ),
    worldEvent(
      'kernel',
      'kernelUnpin',
      {},
      [actorStep('kernel', 'unpinned', 0), on({ type: 'kernelUnpin' })],
      {
        kernel: 'unpin_user_page()',
      },
    ),
    worldEvent('hypervisor', 'relinquish', {}, [on({ type: 'relinquish' })], {
      kernel:
        'guest MEM_RELINQUISH of page 1: the hypervisor breaks the block into a table and unmaps page 1, unreported',
    }),
    worldEvent(
      'migrator',
      'migStart',
      {},
      [on({ type: 'migInvalidate', mode: r.migration }), participant('migrator', { type: 'start' }, 'prior')],
      { kernel: MIGRATE_KERNEL },
    ),
    worldEvent(
      'migrator',
      'migRetry',
      {},
      [on({ type: 'migInvalidate', mode: r.migration }), participant('migrator', { type: 'retry' }, 'prior')],
      { kernel: `${MIGRATE_KERNEL}, retried` },
    ),
    worldEvent(
      'migrator',
      'migCommit',
      {},
      [participant('migrator', { type: 'commit' }), on({ type: 'migCommit' })],
      {
        kernel: 'migrate_folio(): refcount check, copy, free the old folio',
      },
    ),
    worldEvent(
      'migrator',
      'migAbort',
      {},
      [participant('migrator', { type: 'abort' }), on({ type: 'whenDead' })],
      {
        kernel: 'migration gives up: the VM is dead and teardown owns the memory',
      },
    ),
    worldEvent('vm', 'vmDie', {}, [on({ type: 'vmDie' })], {
      kernel: 'the VM dies: kvm_destroy_vm() starts teardown',
    }),
    worldEvent('teardown', 'reclaimEntry', {}, [on({ type: 'reclaimEntry', onE2big: r.onE2big })], {
      kernel:
        'teardown: reclaim hypercall on the kvm_pinned_pages entry (order 1); on success unpin_user_pages_dirty_lock() once',
    }),
    worldEvent('teardown', 'reclaimPage', {}, [on({ type: 'reclaimPage', unpin: r.unpin })], {
      kernel:
        'teardown after -E2BIG: reclaim hypercall on the next 4 KiB page (order 0), then unpin per the rule',
    }),
  ];
}

const folioTest =
  (test: (c: PFolioContext) => boolean): LocalTest =>
  (s) =>
    test(s.context as PFolioContext);

const pfolioOf = (w: { get(id: string): { context: unknown } }): PFolioContext =>
  w.get(FOLIO).context as PFolioContext;

// The migrator waits to retry only after the notifier's reclaim answers EBUSY (the
// notifier-retries rule); under the other rules that never happens.
const unmovableNeverRetries = {
  'migrator: migRetry':
    'donated folios are unmovable (guest_memfd semantics, the F25 fix): the notifier refuses with EINVAL and the attempt ends, so no migration waits to retry',
  'migrator: migAbort': 'no migration is ever left retrying (donated folios are unmovable), so none gives up',
} as const;

const safe = {
  'no-kernel-access-to-private': 'holds',
  'no-free-while-in-stage2': 'holds',
  'no-leak-after-teardown': 'holds',
  'no-double-unpin': 'holds',
} as const;
const reachable = {
  'guest-gets-memory': 'reached',
  'migration-succeeds': 'reached',
  'teardown-reclaims': 'reached',
  'reclaim-answers-e2big': 'reached',
} as const;

export default defineModel<never, Variant>({
  id: 'pkvm-share',
  title: 'pKVM/Gunyah fault-time donation and sharing of protected memory, migration and huge reclaim (D2)',
  summary:
    'An order-1 folio donated to a protected guest at fault time as a stage-2 block, with one host pin recorded in one kvm_pinned_pages entry; the guest shares and unshares page 0, a host kernel accessor pins and reads page 0, the hypervisor may break the block and give page 1 back unreported, core-mm migrates through an MMU notifier that needs the hypervisor to give the folio back, and teardown reclaims the entry, page by page after -E2BIG. Flawed: donation while the kernel holds a pin crashes the host on access (F24); the notifier retries a refused reclaim forever (F25, progress) or ignores the refusal and frees a page still in guest stage 2 (F25); after -E2BIG teardown gives up and leaks the pinned folio, or unpins once per page and takes the pin count below zero (F26). Fixed: FOLL_EXCLUSIVE at donation and unshare, unmovable donated folios, page-by-page reclaim with one unpin per entry. Explored exhaustively.',
  sources: [
    'seeds/000 (Will Deacon: MMU notifiers, not long-term pins)',
    'seeds/003 (Fuad Tabba: host access to protected memory crashes the host)',
    'android-kvm: KVM: arm64: Huge page support for pKVM guest memory reclaim (Vincent Donnefort)',
    'Gunyah v17: virt: gunyah: Add interfaces to map memory into guest address space (Feb 2024)',
    'docs/designs-and-flaws.md D2, F24, F25, F26; docs/kernel-semantics.md §3.5',
  ],
  unconfirmed: [
    'android-kvm commit ids, hypercall names and the exact -E2BIG handling of the fix; the pKVM 6.4 donation check id',
    'page 1 is returned to the host when the guest relinquishes it (relinquish flow)',
  ],
  params: {},
  variants: {
    fixed: {
      doc: 'FOLL_EXCLUSIVE on donation and unshare, donated folios unmovable, page-by-page reclaim on -E2BIG with one unpin per entry',
      flaws: [],
      expect: { 'migration-attempt-ends': 'holds', ...safe, ...reachable },
      neverEnabled: unmovableNeverRetries,
    },
    'unchecked-donation': {
      doc: 'pKVM donates and unshares whatever host pins exist; the kernel then reads through its pin',
      flaws: ['F24'],
      fixedBy: 'fixed',
      expect: {
        'migration-attempt-ends': 'holds',
        ...safe,
        'no-kernel-access-to-private': 'violated',
        ...reachable,
      },
      neverEnabled: unmovableNeverRetries,
    },
    'notifier-retries': {
      doc: 'the MMU notifier retries the refused reclaim of a donated folio: migration never completes',
      flaws: ['F25'],
      fixedBy: 'fixed',
      expect: { 'migration-attempt-ends': 'violated', ...safe, ...reachable },
    },
    'notifier-ignores-failure': {
      doc: 'the MMU notifier ignores the refused reclaim: the host drops its pin and record, migration frees a page still mapped in guest stage 2 (and teardown no longer knows the page)',
      flaws: ['F25'],
      fixedBy: 'fixed',
      expect: {
        'migration-attempt-ends': 'holds',
        ...safe,
        'no-free-while-in-stage2': 'violated',
        'no-leak-after-teardown': 'violated',
        ...reachable,
      },
      neverEnabled: {
        'migrator: migRetry':
          'the notifier goes on as if the refused reclaim had succeeded (F25): no migration waits to retry',
        'migrator: migAbort': 'no migration is ever left retrying, so none gives up',
      },
    },
    'reclaim-leaks': {
      doc: 'teardown gives up on the entry when reclaim answers -E2BIG: the folio stays pinned and page 0 guest-owned',
      flaws: ['F26'],
      fixedBy: 'fixed',
      expect: {
        'migration-attempt-ends': 'holds',
        ...safe,
        'no-leak-after-teardown': 'violated',
        ...reachable,
      },
      neverEnabled: {
        ...unmovableNeverRetries,
        'teardown: reclaimPage':
          'on -E2BIG teardown gives up on the whole entry (F26): it never reclaims page by page',
      },
    },
    'reclaim-double-unpin': {
      doc: 'on -E2BIG teardown reclaims page by page and unpins after each page, though the entry held one pin',
      flaws: ['F26'],
      fixedBy: 'fixed',
      expect: { 'migration-attempt-ends': 'holds', ...safe, 'no-double-unpin': 'violated', ...reachable },
      neverEnabled: unmovableNeverRetries,
    },
  },
  properties: [
    migrationAttemptEnds(),
    // About a host kernel access to page 0 while the folio is donated (guest-owned or shared).
    noKernelAccessToPrivateWhere((t) => t.type === 'kernelAccess' && pfolioOf(t.before).owner[0] !== 'host'),
    alwaysEach(
      'no-free-while-in-stage2',
      'no folio is freed while guest stage 2 still maps it (P-NoUAF)',
      'pfolio',
      folioTest((c) => !(c.freed && c.s2 !== 'none')),
      { premise: folioTest((c) => c.migrationTried) },
    ),
    alwaysEach(
      'no-leak-after-teardown',
      'once teardown is done with a folio, no donation pin is left on it and the hypervisor has given every page back (L-NoLeak)',
      'pfolio',
      folioTest((c) => !tornDown(c) || (c.pins <= 0 && c.owner.every((o) => o === 'host'))),
      { premise: folioTest((c) => tornDown(c) && c.broken) },
    ),
    alwaysEach(
      'no-double-unpin',
      'the host never drops more pins on a folio than it took (P-NoUAF: a refcount underflow frees the folio under a holder)',
      'pfolio',
      folioTest((c) => c.pins >= 0),
      { premise: folioTest((c) => c.entry !== 'none' && c.pins <= 0) },
    ),
    sometimesStep(
      'guest-gets-memory',
      'a folio is donated to the guest',
      (s) => s.type === 'donate' && s.outcome === 'ok',
    ),
    sometimesStep(
      'migration-succeeds',
      'a migration completes',
      (s) => s.type === 'migCommit' && s.outcome === 'ok',
    ),
    sometimesStep(
      'teardown-reclaims',
      'teardown reclaims the whole entry in one hypercall',
      (s) => s.type === 'reclaimEntry' && s.outcome === 'ok',
    ),
    sometimesStep(
      'reclaim-answers-e2big',
      'reclaim of the entry answers -E2BIG (the hypervisor broke the block)',
      (s) => s.type === 'reclaimEntry' && s.outcome === 'E2BIG',
    ),
  ],
  build(_params, variant) {
    return {
      machines: [
        { id: FOLIO, machine: pfolioMachine },
        { id: 'kernel', machine: kernelMachine },
        { id: 'migrator', machine: migratorMachine },
      ],
      events: worldEvents(rules[variant]),
    };
  },
});
