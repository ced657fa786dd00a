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
// - d1e153fea2a8 "mm/gup: migrate pinned pages out of movable zone" (mainline): FOLL_LONGTERM
//   migrates a ZONE_MOVABLE page to a normal-zone copy before pinning (docs §1.6).
// - Migration guard `refcount == expected && !folio_maybe_dma_pinned` (docs §1.10, D12).
//
// Machines: page (models/machines/page.ts, allocated in ZONE_MOVABLE) and its guest stage-2
// mapping per page; actors vmm (touch pages; register/unregister the region), vcpu
// (fault-time sharing: GUP pin, map in stage 2, drop the pin), migrator (isolate, check
// references, migrate; with MMU notifiers, isolation invalidates the stage-2 mapping).
// Variants: longterm-pin (F1: the region pins long-term in ZONE_MOVABLE), longterm-pin-
// migrate-first (the d1e153fea2a8 guard: the pin lands on a normal-zone copy), fault-time-
// share (D2: no long-term pin; notifiers let migration proceed).
// Bound: exhaustive (pages=1 by default).
import {
  defineModel,
  worldEvent,
  range,
  sometimesStep,
  type MachineInstance,
  type WorldEventSpec,
} from '../src/index.js';
import { movableStaysMigratable, noLongtermPinOnMovable, pageMigrates } from '../properties/mobility.js';
import { actorStep, busy, sequentialActor } from './machines/actor.js';
import { pageMachine } from './machines/page.js';
import { stage2Machine } from './machines/stage2.js';

type Variant = 'longterm-pin' | 'longterm-pin-migrate-first' | 'fault-time-share';

/** The VMM's region: registered (pages pinned and shared with the guest) or not. */
const vmmMachine = sequentialActor('vmm', ['registered', 'unregistered']);
/** vCPU fault-time sharing: GUP pin, then map in stage 2 and drop the pin. */
const vcpuMachine = sequentialActor('vcpu', ['pinned', 'mapped']);
/** Migration/compaction: isolate, check references, migrate. */
const migratorMachine = sequentialActor('migrator', ['isolated', 'checked', 'migrated']);

const pageId = (i: number): string => `page${i}`;
const s2Id = (i: number): string => `stage2_${i}`;

export default defineModel<'pages', Variant>({
  id: 'gunyah-longterm-pin',
  title: 'Gunyah v13 long-term pinning vs fault-time sharing, with migration (D1, D2)',
  summary:
    'Pages allocated in ZONE_MOVABLE are given to a VM either by a long-term pin of the whole region at SET_USER_MEM_REGION (Gunyah v13) or shared at guest-fault time with MMU notifiers (D2), while a migrator isolates, checks and migrates pages. The long-term pin leaves a movable page that can never migrate (F1); with the migrate-first guard of d1e153fea2a8 the pin lands on a normal-zone copy; fault-time sharing keeps pages movable. Explored exhaustively.',
  sources: [
    'seeds/000 (Gunyah v13 10/24 thread, Will Deacon and Elliot Berman)',
    'docs/designs-and-flaws.md D1, D2, D12, F1',
    'd1e153fea2a8 mm/gup: migrate pinned pages out of movable zone',
    'docs/kernel-semantics.md §1.6, §1.10-1.11',
  ],
  params: { pages: { default: 1, min: 1, max: 3, doc: 'number of pages in the memory region' } },
  variants: {
    'longterm-pin': {
      doc: 'Gunyah v13: SET_USER_MEM_REGION pins every page with FOLL_LONGTERM where it is (ZONE_MOVABLE)',
      flaws: ['F1'],
      fixedBy: 'longterm-pin-migrate-first',
      expect: {
        'no-longterm-pin-on-movable': 'violated',
        'movable-stays-migratable': 'violated',
        'page-migrates': 'reached',
        'guest-gets-memory': 'reached',
      },
    },
    'longterm-pin-migrate-first': {
      doc: 'as longterm-pin, with core-mm migrating the page out of ZONE_MOVABLE before pinning (d1e153fea2a8)',
      flaws: [],
      expect: {
        'no-longterm-pin-on-movable': 'holds',
        'movable-stays-migratable': 'holds',
        'page-migrates': 'reached',
        'guest-gets-memory': 'reached',
      },
    },
    'fault-time-share': {
      doc: 'D2: share pages at guest-fault time with a transient GUP pin; MMU notifiers unmap stage 2 before migration',
      flaws: [],
      expect: {
        'no-longterm-pin-on-movable': 'holds',
        'movable-stays-migratable': 'holds',
        'page-migrates': 'reached',
        'guest-gets-memory': 'reached',
      },
    },
  },
  properties: [
    noLongtermPinOnMovable(),
    pageMigrates(),
    movableStaysMigratable((s) => s.type === 'removeUserMemRegion'),
    sometimesStep(
      'guest-gets-memory',
      'the guest obtains a stage-2 mapping of its memory (the design is not vacuous)',
      (s) => (s.type === 'setUserMemRegion' || s.type === 'guestMap') && s.outcome === 'ok',
    ),
  ],
  build({ pages }, variant) {
    const events: WorldEventSpec[] = [];
    const longterm = variant !== 'fault-time-share';
    for (const i of range(pages)) {
      events.push(
        worldEvent('vmm', 'touch', { page: i }, [{ machine: pageId(i), event: { type: 'userFault' } }]),
      );
    }
    if (longterm) {
      const migrateFirst = variant === 'longterm-pin-migrate-first';
      events.push(
        worldEvent('vmm', 'setUserMemRegion', {}, [
          actorStep('vmm', 'registered', 0),
          ...range(pages).flatMap((i) => [
            {
              machine: pageId(i),
              event: { type: 'pin', longterm: true, ...(migrateFirst ? { migrateFirst: true } : {}) },
            },
            { machine: s2Id(i), event: { type: 'map' } },
          ]),
        ]),
      );
      events.push(
        worldEvent('vmm', 'removeUserMemRegion', {}, [
          actorStep('vmm', 'unregistered', 0),
          ...range(pages).flatMap((i) => [
            { machine: s2Id(i), event: { type: 'unmap' } },
            { machine: pageId(i), event: { type: 'unpin', longterm: true } },
          ]),
        ]),
      );
    } else {
      for (const i of range(pages)) {
        events.push(
          worldEvent('vcpu', 'guestFault', { page: i }, [
            actorStep('vcpu', 'pinned', i),
            { machine: pageId(i), event: { type: 'pin', longterm: false } },
          ]),
        );
        events.push(
          worldEvent('vcpu', 'guestMap', { page: i }, [
            actorStep('vcpu', 'mapped', i),
            { machine: s2Id(i), event: { type: 'map' } },
            { machine: pageId(i), event: { type: 'unpin', longterm: false } },
          ]),
        );
      }
    }
    for (const i of range(pages)) {
      events.push(
        worldEvent('migrator', 'isolate', { page: i }, [
          actorStep('migrator', 'isolated', i),
          { machine: pageId(i), event: { type: 'isolate' } },
          ...(longterm ? [] : [{ machine: s2Id(i), event: { type: 'invalidate' } }]),
        ]),
      );
      events.push(
        worldEvent('migrator', 'checkMigratable', { page: i }, [
          { machine: pageId(i), event: { type: 'checkMigratable' } },
          actorStep('migrator', 'checked', i, { prior: true }),
        ]),
      );
      events.push(
        worldEvent('migrator', 'migrate', { page: i }, [
          actorStep('migrator', 'migrated', i),
          { machine: pageId(i), event: { type: 'migrate' } },
        ]),
      );
    }
    const machines: MachineInstance[] = [
      ...range(pages).flatMap((i) => [
        { id: pageId(i), machine: pageMachine, input: { zone: 'movable' } },
        { id: s2Id(i), machine: stage2Machine },
      ]),
      { id: 'vmm', machine: vmmMachine },
      ...(longterm ? [] : [{ id: 'vcpu', machine: vcpuMachine }]),
      { id: 'migrator', machine: migratorMachine },
    ];
    return {
      machines,
      events,
      symmetry: [
        {
          name: 'pages',
          slots: range(pages).map((i) => [pageId(i), s2Id(i)]),
          refs: [
            { kind: 'migrator', field: 'page', when: busy },
            ...(longterm ? [] : [{ kind: 'vcpu', field: 'page', when: busy }]),
          ],
        },
      ],
    };
  },
});
