// pkvm-share: pKVM / Gunyah fault-time donation and sharing of protected guest memory, with
// MMU-notifier driven migration and huge-page reclaim at teardown (docs/designs-and-flaws.md
// D2, F24, F25, F26).
//
// Sources:
// - Seed 000 (Will Deacon in the Gunyah v13 thread): guests must be managed through MMU
//   notifiers rather than long-term pins.
// - Seed 003 (Fuad Tabba, Jun 2024): host kernel access to protected memory is a stage-2
//   abort the host cannot recover from; FOLL_EXCLUSIVE was proposed to keep host pins away
//   from private pages.
// - android-kvm "KVM: arm64: Huge page support for pKVM guest memory reclaim" (Vincent
//   Donnefort): the host tracks a donated huge folio as one kvm_pinned_pages entry; the
//   hypervisor may break the block mapping and unmap part of it without telling the host;
//   reclaim of the entry then gets -E2BIG and must handle partially unmapped fragments.
// - docs/designs-and-flaws.md D2, F24 (fix: FOLL_EXCLUSIVE / guest_memfd), F25 (fix: protected
//   memory unmovable, guest_memfd semantics), F26 (fix: reclaim handles -E2BIG per fragment).
// UNCONFIRMED: the android-kvm commit ids and the exact pKVM relinquish flow; the pKVM 6.4
// donation fix id (docs §5). Migration of a donated folio is modelled only while the VM runs.
//
// Machines: the donated folio (`pfolio`: hypervisor owner per page, guest stage-2 mapping
// (none, a block over both pages, a table over page 0 after the hypervisor unmapped page 1),
// the host's kvm_pinned_pages entry, a host kernel pin on page 0, VM life, whether core-mm
// freed it), the host kernel accessor (pin, access, unpin; a virtio backend) and the migrator
// (invalidate with the hypervisor's reclaim, then copy and free). Guest, hypervisor and
// teardown act in one step each.
// Variants: fixed (donation and unshare take FOLL_EXCLUSIVE, donated folios are unmovable,
// reclaim splits the entry on -E2BIG); unchecked-donation (F24); notifier-retries (F25: the
// notifier retries the refused reclaim forever, a progress property); notifier-ignores-failure
// (F25: migration frees a page still in guest stage 2); reclaim-leaks and reclaim-double-unpin
// (F26).
// Progress: properties/reclaim.ts migrationAttemptEnds(), judged on the explored graph.
// Bound: exhaustive; counterexamples: F24 3 steps, F25 3, F26 4 (§3: 4, 3, 5).
import { and, assign, setup } from 'xstate';
import {
  defineModel,
  worldEvent,
  participant,
  alwaysEach,
  sometimesStep,
  outcome,
  outcomeActions,
  type Participant,
  type WorldEventSpec,
} from '../src/index.js';
import { HOST_CRASH, noKernelAccessToPrivate } from '../properties/kernelAccess.js';
import { actorStep, sequentialActor } from './machines/actor.js';
import { migrationAttemptEnds } from '../properties/reclaim.js';

export type Owner = 'host' | 'guest' | 'shared';
/** What migration does when the hypervisor refuses to give a donated folio back. */
export type Migration = 'retry' | 'ignore' | 'unmovable';
/** What teardown does when reclaiming the huge entry fails with -E2BIG. */
export type Reclaim = 'leak' | 'unpinTwice' | 'splitEntry';

export interface PFolioContext {
  readonly owner: readonly [Owner, Owner];
  /** Guest stage 2: none, a block over both pages, a table mapping page 0 only. */
  readonly s2: 'none' | 'block' | 'table';
  /** The host's kvm_pinned_pages entry (order 1): its pins, released, leaked or unpinned twice. */
  readonly entry: 'none' | 'pinned' | 'released' | 'leaked' | 'underflow';
  /** A host kernel pin on page 0 (a virtio backend). */
  readonly kpin: boolean;
  readonly vm: 'alive' | 'dead' | 'torn';
  /** Between a migration's invalidation and its commit (migration entries block GUP). */
  readonly migrating: boolean;
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
  | { type: 'reclaim'; mode: Reclaim };

const initial: PFolioContext = {
  owner: ['host', 'host'],
  s2: 'none',
  entry: 'none',
  kpin: false,
  vm: 'alive',
  migrating: false,
  freed: false,
};

type Args = { context: PFolioContext; event: PFolioEvent };
const live = (c: PFolioContext): boolean => c.vm === 'alive' && !c.freed;
const exclusive = (e: PFolioEvent): boolean =>
  (e.type === 'donate' || e.type === 'unshare' || e.type === 'kernelPin') && e.exclusive;
/** FOLL_EXCLUSIVE (D6) fails while another pin exists; normal pins fail while it is held. */
const exclusiveRefused = ({ context, event }: Args): boolean => exclusive(event) && context.kpin;
const migMode = (e: PFolioEvent): Migration => (e.type === 'migInvalidate' ? e.mode : 'retry');
const reclaimMode = (e: PFolioEvent): Reclaim => (e.type === 'reclaim' ? e.mode : 'splitEntry');

/** Teardown's reclaim of the donated entry, as each variant handles -E2BIG. */
function reclaimed(c: PFolioContext, mode: Reclaim): Partial<PFolioContext> {
  const back: Partial<PFolioContext> = { s2: 'none', owner: ['host', 'host'], vm: 'torn' };
  if (c.entry !== 'pinned' || c.s2 === 'block')
    return { ...back, entry: c.entry === 'pinned' ? 'released' : c.entry };
  return { ...back, entry: mode === 'unpinTwice' ? 'underflow' : 'released' };
}

export const pfolioMachine = setup({
  types: { context: {} as PFolioContext, events: {} as PFolioEvent },
  actions: { ...outcomeActions },
  guards: {
    canDonate: ({ context: c }) => live(c) && c.entry === 'none' && !c.migrating,
    exclusiveRefused,
    canShare: ({ context: c }) => live(c) && c.owner[0] === 'guest',
    canUnshare: ({ context: c }) => live(c) && c.owner[0] === 'shared',
    canKernelPin: ({ context: c }) => !c.kpin && !c.freed && !c.migrating,
    /** A normal pin is refused while page 0 is guest-owned under an exclusive pin. */
    kernelPinRefused: ({ context: c, event }) => exclusive(event) && c.owner[0] === 'guest',
    kernelPinned: ({ context: c }) => c.kpin,
    guestOwned: ({ context: c }) => c.owner[0] === 'guest',
    canRelinquish: ({ context: c }) => live(c) && c.s2 === 'block',
    canMigrate: ({ context: c }) => live(c) && !c.migrating,
    donated: ({ context: c }) => c.entry === 'pinned',
    unmovable: ({ event }) => migMode(event) === 'unmovable',
    ignores: ({ event }) => migMode(event) === 'ignore',
    dead: ({ context: c }) => c.vm !== 'alive',
    canDie: ({ context: c }) => live(c),
    canReclaim: ({ context: c }) => c.vm === 'dead',
    e2big: ({ context: c }) => c.entry === 'pinned' && c.s2 === 'table',
    leaks: ({ event }) => reclaimMode(event) === 'leak',
  },
}).createMachine({
  id: 'pfolio',
  context: initial,
  on: {
    /** Fault-time donation of the whole folio as a block: the host pins both pages (one entry). */
    donate: [
      { guard: and(['canDonate', 'exclusiveRefused']), actions: outcome('EBUSY') },
      { guard: 'canDonate', actions: assign({ owner: ['guest', 'guest'], s2: 'block', entry: 'pinned' }) },
    ],
    share: { guard: 'canShare', actions: assign(({ context }) => ({ owner: ['shared', context.owner[1]] })) },
    unshare: [
      { guard: and(['canUnshare', 'exclusiveRefused']), actions: outcome('EBUSY') },
      { guard: 'canUnshare', actions: assign(({ context }) => ({ owner: ['guest', context.owner[1]] })) },
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
      actions: assign(({ context }) => ({ s2: 'table', owner: [context.owner[0], 'host'] })),
    },
    /**
     * invalidate_range_start: the notifier asks the hypervisor to reclaim a donated folio, which
     * it refuses while the guest runs. Unmovable folios are refused before that (guest_memfd).
     */
    migInvalidate: [
      { guard: and(['canMigrate', 'donated', 'unmovable']), actions: outcome('EINVAL') },
      {
        guard: and(['canMigrate', 'donated', 'ignores']),
        actions: assign({ entry: 'released', migrating: true }),
      },
      { guard: and(['canMigrate', 'donated']), actions: outcome('EBUSY') },
      { guard: 'canMigrate', actions: assign({ migrating: true }) },
    ],
    /** Copy and free: the refcount check fails on a kernel pin; the old folio is freed. */
    migCommit: [
      { guard: 'kernelPinned', actions: [assign({ migrating: false }), outcome('EBUSY')] },
      { actions: assign(({ context }) => ({ migrating: false, freed: context.s2 !== 'none' })) },
    ],
    whenDead: { guard: 'dead' },
    vmDie: { guard: 'canDie', actions: assign({ vm: 'dead' }) },
    reclaim: [
      {
        guard: and(['canReclaim', 'e2big', 'leaks']),
        actions: [assign({ vm: 'torn', entry: 'leaked' }), outcome('E2BIG')],
      },
      {
        guard: 'canReclaim',
        actions: assign(({ context, event }) => reclaimed(context, reclaimMode(event))),
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
  /** Donation and unshare take FOLL_EXCLUSIVE (D6) on page 0. */
  readonly exclusive: boolean;
  readonly migration: Migration;
  readonly reclaim: Reclaim;
}

const FIXED: Rules = { exclusive: true, migration: 'unmovable', reclaim: 'splitEntry' };
const rules: Readonly<Record<Variant, Rules>> = {
  fixed: FIXED,
  'unchecked-donation': { ...FIXED, exclusive: false },
  'notifier-retries': { ...FIXED, migration: 'retry' },
  'notifier-ignores-failure': { ...FIXED, migration: 'ignore' },
  'reclaim-leaks': { ...FIXED, reclaim: 'leak' },
  'reclaim-double-unpin': { ...FIXED, reclaim: 'unpinTwice' },
};

const FOLIO = 'folio0';
const on = (event: PFolioEvent): Participant => participant(FOLIO, event);

/** The world events of one variant, in exploration order. */
function worldEvents(r: Rules): WorldEventSpec[] {
  return [
    worldEvent('vcpu', 'donate', {}, [on({ type: 'donate', exclusive: r.exclusive })]),
    worldEvent('guest', 'share', {}, [on({ type: 'share' })]),
    worldEvent('guest', 'unshare', {}, [on({ type: 'unshare', exclusive: r.exclusive })]),
    worldEvent('kernel', 'kernelPin', {}, [
      on({ type: 'kernelPin', exclusive: r.exclusive }),
      actorStep('kernel', 'pinned', 0, { prior: true }),
    ]),
    worldEvent('kernel', 'kernelAccess', {}, [
      actorStep('kernel', 'accessed', 0),
      on({ type: 'kernelAccess' }),
    ]),
    worldEvent('kernel', 'kernelUnpin', {}, [
      actorStep('kernel', 'unpinned', 0),
      on({ type: 'kernelUnpin' }),
    ]),
    worldEvent('hypervisor', 'relinquish', {}, [on({ type: 'relinquish' })]),
    worldEvent('migrator', 'migStart', {}, [
      on({ type: 'migInvalidate', mode: r.migration }),
      participant('migrator', { type: 'start' }, 'prior'),
    ]),
    worldEvent('migrator', 'migRetry', {}, [
      on({ type: 'migInvalidate', mode: r.migration }),
      participant('migrator', { type: 'retry' }, 'prior'),
    ]),
    worldEvent('migrator', 'migCommit', {}, [
      participant('migrator', { type: 'commit' }),
      on({ type: 'migCommit' }),
    ]),
    worldEvent('migrator', 'migAbort', {}, [
      participant('migrator', { type: 'abort' }),
      on({ type: 'whenDead' }),
    ]),
    worldEvent('vm', 'vmDie', {}, [on({ type: 'vmDie' })]),
    worldEvent('teardown', 'reclaim', {}, [on({ type: 'reclaim', mode: r.reclaim })]),
  ];
}

const folioTest =
  (test: (c: PFolioContext) => boolean) =>
  (s: { context: unknown }): boolean =>
    test(s.context as PFolioContext);

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
} as const;

export default defineModel<never, Variant>({
  id: 'pkvm-share',
  title: 'pKVM/Gunyah fault-time donation and sharing of protected memory, migration and huge reclaim (D2)',
  summary:
    'An order-1 folio donated to a protected guest at fault time as a stage-2 block and tracked by the host as one kvm_pinned_pages entry; the guest shares and unshares page 0, a host kernel accessor pins and reads page 0, the hypervisor may break the block and give page 1 back unreported, core-mm migrates through an MMU notifier that needs the hypervisor to give the folio back, and teardown reclaims the entry. Flawed: donation while the kernel holds a pin crashes the host on access (F24); the notifier retries a refused reclaim forever (F25, progress) or ignores the refusal and frees a page still in guest stage 2 (F25); reclaim after the block was broken leaks the folio or unpins it twice (F26). Fixed: FOLL_EXCLUSIVE at donation and unshare, unmovable donated folios, an entry split on -E2BIG. Explored exhaustively.',
  sources: [
    'seeds/000 (Will Deacon: MMU notifiers, not long-term pins)',
    'seeds/003 (Fuad Tabba: host access to protected memory crashes the host)',
    'android-kvm: KVM: arm64: Huge page support for pKVM guest memory reclaim (Vincent Donnefort)',
    'Gunyah v17: virt: gunyah: Add interfaces to map memory into guest address space (Feb 2024)',
    'docs/designs-and-flaws.md D2, F24, F25, F26',
  ],
  unconfirmed: [
    'android-kvm commit ids; the pKVM 6.4 donation check id',
    'page 1 is returned to the host when the hypervisor unmaps it (relinquish flow)',
  ],
  params: {},
  variants: {
    fixed: {
      doc: 'FOLL_EXCLUSIVE on donation and unshare, donated folios unmovable, the entry split on -E2BIG',
      flaws: [],
      expect: { 'migration-attempt-ends': 'holds', ...safe, ...reachable },
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
    },
    'notifier-retries': {
      doc: 'the MMU notifier retries the refused reclaim of a donated folio: migration never completes',
      flaws: ['F25'],
      fixedBy: 'fixed',
      expect: { 'migration-attempt-ends': 'violated', ...safe, ...reachable },
    },
    'notifier-ignores-failure': {
      doc: 'the MMU notifier ignores the refused reclaim: migration frees a page still mapped in guest stage 2',
      flaws: ['F25'],
      fixedBy: 'fixed',
      expect: {
        'migration-attempt-ends': 'holds',
        ...safe,
        'no-free-while-in-stage2': 'violated',
        ...reachable,
      },
    },
    'reclaim-leaks': {
      doc: 'teardown gives up on the entry when reclaim answers -E2BIG: the folio stays pinned',
      flaws: ['F26'],
      fixedBy: 'fixed',
      expect: {
        'migration-attempt-ends': 'holds',
        ...safe,
        'no-leak-after-teardown': 'violated',
        ...reachable,
      },
    },
    'reclaim-double-unpin': {
      doc: 'on -E2BIG teardown reclaims per 4 KiB fragment but unpins the whole entry for each fragment',
      flaws: ['F26'],
      fixedBy: 'fixed',
      expect: { 'migration-attempt-ends': 'holds', ...safe, 'no-double-unpin': 'violated', ...reachable },
    },
  },
  properties: [
    migrationAttemptEnds(),
    noKernelAccessToPrivate(),
    alwaysEach(
      'no-free-while-in-stage2',
      'no folio is freed while guest stage 2 still maps it (P-NoUAF)',
      'pfolio',
      folioTest((c) => !(c.freed && c.s2 !== 'none')),
    ),
    alwaysEach(
      'no-leak-after-teardown',
      'once the VM is torn down, every donated folio is unpinned (L-NoLeak)',
      'pfolio',
      folioTest((c) => c.entry !== 'leaked'),
    ),
    alwaysEach(
      'no-double-unpin',
      'no donated folio is unpinned more often than it was pinned (P-NoUAF: the refcount would free it under a holder)',
      'pfolio',
      folioTest((c) => c.entry !== 'underflow'),
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
      'teardown reclaims the memory',
      (s) => s.type === 'reclaim' && s.outcome === 'ok',
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
