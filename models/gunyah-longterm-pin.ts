// gunyah-longterm-pin: Gunyah v13 long-term pinning of VM memory (docs/designs-and-flaws.md
// D1) against fault-time sharing with MMU notifiers (D2), with a migration/compaction actor.
//
// Sources:
// - Seed 000: "Re: [PATCH v13 10/24] gunyah: vm_mgr: Add/remove user memory regions",
//   Elliot Berman, 18 Jul 2023, quoting Will Deacon: SET_USER_MEM_REGION pins every page
//   with pin_user_pages(FOLL_LONGTERM); "the memory cannot be swapped or migrated";
//   non-protected guests should use MMU notifiers instead (D2).
// - docs/designs-and-flaws.md F1 (long-term pin of movable memory blocks migration,
//   compaction, offline, CMA), D12 (core-mm long-term pinning rules).
// - d1e153fea2a8 "mm/gup: migrate pinned pages out of movable zone" and mm/gup.c
//   __gup_longterm_locked() → check_and_migrate_movable_folios() →
//   migrate_longterm_unpinnable_folios() (read): the pages that are not long-term pinnable
//   are unpinned, migrated to a new page outside ZONE_MOVABLE (the old one is freed) and the
//   pin retried; a failed migration returns -ENOMEM (-EBUSY for device-coherent folios) and
//   the pin fails with every page unpinned (docs §1.6).
// - Migration guard `refcount == expected && !folio_maybe_dma_pinned` (docs §1.10, D12).
//
// Machines per page of the region: the frame in ZONE_MOVABLE that holds the VMM's page when
// it is first touched, a frame in the normal zone a FOLL_LONGTERM migration copies it to
// (models/machines/frame.ts: frames keep their zone), and the guest's stage-2 mapping.
// Actors: vmm (touches its pages; SET_USER_MEM_REGION: the request, [the migration,] the
// pin and stage-2 map; unregister), vcpu (fault-time sharing: GUP pin, map in stage 2,
// drop the pin), migrator (compaction/offlining of ZONE_MOVABLE: isolate, check
// references, migrate; with MMU notifiers isolation invalidates the stage-2 mapping).
// Variants: longterm-pin (F1: the region pins in place, in ZONE_MOVABLE), longterm-pin-
// migrate-first (the d1e153fea2a8 rule: migrate out of ZONE_MOVABLE before pinning; the
// migration may fail, and the pin with it), fault-time-share (D2: no long-term pin).
// Bound: exhaustive (pages=1 by default).
import {
  defineModel,
  worldEvent,
  range,
  sometimesStep,
  type MachineInstance,
  type WorldEventSpec,
  type Participant,
  type WorldView,
} from '../src/index.js';
import { movableStaysMigratable, noLongtermPinOnMovable, pageMigrates } from '../properties/mobility.js';
import { actorStep, busy, sequentialActor } from './machines/actor.js';
import { frameMachine, longtermMigrationMachine } from './machines/frame.js';
import { stage2Machine } from './machines/stage2.js';

type Variant = 'longterm-pin' | 'longterm-pin-migrate-first' | 'fault-time-share';

const movableId = (i: number): string => `movable${i}`;
const normalId = (i: number): string => `normal${i}`;
const s2Id = (i: number): string => `stage2_${i}`;
const MIGRATION = 'longtermMigration';

/** The premise of INV-13 here: the VMM asks for a long-term pin while its data is on a movable frame. */
const longtermPinRequestedOnMovable = (w: WorldView): boolean =>
  w.get('vmm').matches('requested') &&
  w
    .ids('frame')
    .some((id) => (w.get(id).context as { zone: string }).zone === 'movable' && w.get(id).matches('inUse'));

const expectOk = {
  'no-longterm-pin-on-movable': 'holds',
  'page-migrates': 'reached',
  'movable-stays-migratable': 'holds',
  'guest-gets-memory': 'reached',
} as const;

export default defineModel<'pages', Variant>({
  id: 'gunyah-longterm-pin',
  title: 'Gunyah v13 long-term pinning vs fault-time sharing, with migration (D1, D2)',
  summary:
    "The VMM's pages, first touched in ZONE_MOVABLE, are given to a VM either by a long-term pin of the whole region at SET_USER_MEM_REGION (Gunyah v13) or shared at guest-fault time with MMU notifiers (D2), while a migrator compacts ZONE_MOVABLE. A long-term pin in place leaves a movable page that can never migrate (F1). With the d1e153fea2a8 rule the pin first migrates the page to a normal-zone frame and frees the movable one, or fails (-ENOMEM, -EBUSY) and takes no pin; fault-time sharing keeps pages movable. Explored exhaustively.",
  sources: [
    'seeds/000 (Gunyah v13 10/24 thread, Will Deacon and Elliot Berman)',
    'docs/designs-and-flaws.md D1, D2, D12, F1',
    'd1e153fea2a8 mm/gup: migrate pinned pages out of movable zone; mm/gup.c migrate_longterm_unpinnable_folios()',
    'docs/kernel-semantics.md §1.6, §1.10-1.11',
  ],
  params: { pages: { default: 1, min: 1, max: 3, doc: 'number of pages in the memory region' } },
  variants: {
    'longterm-pin': {
      doc: 'Gunyah v13: SET_USER_MEM_REGION pins every page with FOLL_LONGTERM where it is (ZONE_MOVABLE)',
      flaws: ['F1'],
      fixedBy: 'longterm-pin-migrate-first',
      expect: {
        ...expectOk,
        'no-longterm-pin-on-movable': 'violated',
        'movable-stays-migratable': 'violated',
      },
    },
    'longterm-pin-migrate-first': {
      doc: 'as longterm-pin, with core-mm migrating each page to a normal-zone frame before pinning it (d1e153fea2a8); a failed migration fails the pin',
      flaws: [],
      expect: { ...expectOk, 'longterm-migration-fails': 'reached' },
      properties: [
        sometimesStep(
          'longterm-migration-fails',
          'the migration out of ZONE_MOVABLE fails, and the long-term pin with it',
          (s) => s.type === 'migrateLongterm' && s.outcome !== 'ok',
        ),
      ],
    },
    'fault-time-share': {
      doc: 'D2: share pages at guest-fault time with a transient GUP pin; MMU notifiers unmap stage 2 before migration. No long-term pin is ever requested, so no-longterm-pin-on-movable is vacuous here.',
      flaws: [],
      expect: { ...expectOk, 'no-longterm-pin-on-movable': 'vacuous' },
    },
  },
  properties: [
    noLongtermPinOnMovable(longtermPinRequestedOnMovable),
    pageMigrates(),
    movableStaysMigratable((s) => s.type === 'removeUserMemRegion'),
    sometimesStep(
      'guest-gets-memory',
      'the guest obtains a stage-2 mapping of its memory (the design is not vacuous)',
      (s) => (s.type === 'pinAndMap' || s.type === 'guestMap') && s.outcome === 'ok',
    ),
  ],
  build({ pages }, variant) {
    const events: WorldEventSpec[] = [];
    const longterm = variant !== 'fault-time-share';
    const migrateFirst = variant === 'longterm-pin-migrate-first';
    const pagesRange = range(pages);
    const inUse = (id: (i: number) => string): Participant[] =>
      pagesRange.map((i) => ({ machine: id(i), requires: 'inUse' }));
    for (const i of pagesRange) {
      events.push(
        worldEvent(
          'vmm',
          'touch',
          { page: i },
          [
            { machine: normalId(i), requires: 'free' },
            { machine: movableId(i), event: { type: 'fault' } },
          ],
          { kernel: 'do_anonymous_page(): the first touch allocates the page (from ZONE_MOVABLE)' },
        ),
      );
    }
    if (longterm) {
      events.push(
        worldEvent(
          'vmm',
          'setUserMemRegion',
          { data: 'movable' },
          [actorStep('vmm', 'requested', 0), ...inUse(movableId)],
          {
            kernel:
              'GH_VM_SET_USER_MEM_REGION → pin_user_pages(FOLL_LONGTERM) is called on the touched region',
          },
        ),
        // After an unregistration the data may already sit in the normal zone (migrate-first).
        ...(migrateFirst
          ? [
              worldEvent(
                'vmm',
                'setUserMemRegion',
                {},
                [actorStep('vmm', 'requested', 0), ...inUse(normalId)],
                {
                  kernel:
                    'GH_VM_SET_USER_MEM_REGION → pin_user_pages(FOLL_LONGTERM) is called on the touched region',
                },
              ),
            ]
          : []),
      );
      if (migrateFirst) {
        events.push(
          worldEvent(
            'vmm',
            'migrateLongterm',
            {},
            [
              { machine: MIGRATION, event: { type: 'migrate' }, choice: true },
              ...pagesRange.flatMap((i) => [
                { machine: movableId(i), event: { type: 'migrateOut' }, prior: true } as const,
                { machine: normalId(i), event: { type: 'migrateIn' }, prior: true } as const,
              ]),
              actorStep('vmm', 'migrated', 0, { prior: true }),
            ],
            {
              kernel:
                'check_and_migrate_movable_folios() → migrate_longterm_unpinnable_folios(): migrate_pages() to a new page outside ZONE_MOVABLE (the old one is freed); on failure every page is unpinned and the pin fails',
              choices: ['ok', 'ENOMEM', 'EBUSY'],
            },
          ),
          worldEvent('vmm', 'longtermPinnable', {}, [actorStep('vmm', 'migrated', 0), ...inUse(normalId)], {
            kernel:
              'folio_is_longterm_pinnable(): the pages are already outside ZONE_MOVABLE, nothing to migrate',
          }),
        );
      }
      const frame = migrateFirst ? normalId : movableId;
      events.push(
        worldEvent(
          'vmm',
          'pinAndMap',
          {},
          [
            actorStep('vmm', 'registered', 0),
            ...pagesRange.flatMap((i) => [
              { machine: frame(i), event: { type: 'pin', longterm: true } },
              { machine: s2Id(i), event: { type: 'map' } },
            ]),
          ],
          {
            kernel: migrateFirst
              ? 'pin_user_pages(FOLL_LONGTERM) retried on the migrated pages; Gunyah RM memory-parcel share maps them in stage 2'
              : 'pin_user_pages(FOLL_LONGTERM) pins the pages where they are; Gunyah RM memory-parcel share maps them in stage 2',
          },
        ),
        worldEvent(
          'vmm',
          'removeUserMemRegion',
          {},
          [
            actorStep('vmm', 'unregistered', 0),
            ...pagesRange.flatMap((i) => [
              { machine: s2Id(i), event: { type: 'unmap' } },
              { machine: frame(i), event: { type: 'unpin', longterm: true } },
            ]),
          ],
          { kernel: 'RM memory-parcel reclaim, then unpin_user_pages()' },
        ),
      );
    } else {
      for (const i of pagesRange) {
        events.push(
          worldEvent(
            'vcpu',
            'guestFault',
            { page: i },
            [
              actorStep('vcpu', 'pinned', i),
              { machine: movableId(i), event: { type: 'pin', longterm: false } },
            ],
            { kernel: 'guest stage-2 fault → pin_user_pages() (short-term) of the VMM page' },
          ),
          worldEvent(
            'vcpu',
            'guestMap',
            { page: i },
            [
              actorStep('vcpu', 'mapped', i),
              { machine: s2Id(i), event: { type: 'map' } },
              { machine: movableId(i), event: { type: 'unpin', longterm: false } },
            ],
            { kernel: 'map in stage 2 under the MMU notifier sequence, then unpin_user_page()' },
          ),
        );
      }
    }
    for (const i of pagesRange) {
      events.push(
        worldEvent(
          'migrator',
          'isolate',
          { page: i },
          [
            actorStep('migrator', 'isolated', i),
            { machine: movableId(i), event: { type: 'isolate' } },
            ...(longterm ? [] : [{ machine: s2Id(i), event: { type: 'invalidate' } }]),
          ],
          {
            kernel: longterm
              ? 'compaction / offline_pages(): isolate_migratepages_block() on ZONE_MOVABLE'
              : 'isolate_migratepages_block(); try_to_migrate() → mmu_notifier_invalidate_range_start() unmaps stage 2',
          },
        ),
        worldEvent(
          'migrator',
          'checkMigratable',
          { page: i },
          [
            { machine: movableId(i), event: { type: 'checkMigratable' } },
            actorStep('migrator', 'checked', i, { prior: true }),
          ],
          {
            kernel:
              'folio_expected_ref_count() / folio_maybe_dma_pinned(): a pinned page is not migrated (-EBUSY)',
          },
        ),
        worldEvent(
          'migrator',
          'migrate',
          { page: i },
          [actorStep('migrator', 'migrated', i), { machine: movableId(i), event: { type: 'migrate' } }],
          { kernel: 'migrate_pages() within ZONE_MOVABLE' },
        ),
      );
    }
    const vmmPhases = migrateFirst
      ? ['requested', 'migrated', 'registered', 'unregistered']
      : ['requested', 'registered', 'unregistered'];
    const machines: MachineInstance[] = [
      ...pagesRange.flatMap((i) => [
        { id: movableId(i), machine: frameMachine, input: { zone: 'movable' } },
        { id: normalId(i), machine: frameMachine, input: { zone: 'normal' } },
        { id: s2Id(i), machine: stage2Machine },
      ]),
      ...(migrateFirst ? [{ id: MIGRATION, machine: longtermMigrationMachine }] : []),
      { id: 'vmm', machine: sequentialActor('vmm', vmmPhases) },
      ...(longterm ? [] : [{ id: 'vcpu', machine: sequentialActor('vcpu', ['pinned', 'mapped']) }]),
      { id: 'migrator', machine: sequentialActor('migrator', ['isolated', 'checked', 'migrated']) },
    ];
    return {
      machines,
      events,
      symmetry: [
        {
          name: 'pages',
          slots: pagesRange.map((i) => [movableId(i), normalId(i), s2Id(i)]),
          refs: [
            { kind: 'migrator', field: 'page', when: busy },
            ...(longterm ? [] : [{ kind: 'vcpu', field: 'page', when: busy }]),
          ],
        },
      ],
    };
  },
});
