// Mobility of movable memory (docs/designs-and-flaws.md F1, D12; docs/kernel-semantics.md
// §1.6 FOLL_LONGTERM, INV-13 LongtermPinPlacement): ZONE_MOVABLE and CMA exist so pages
// stay migratable; a long-term pin there blocks migration, compaction and offlining.
// Frames keep their zone (models/machines/frame.ts): data leaves ZONE_MOVABLE only by
// migrating to another frame.
import {
  always,
  possibly,
  sometimesStep,
  type Property,
  type StateTest,
  type StepTest,
} from '../src/index.js';

const movableFrames = (w: Parameters<StateTest>[0], kind: string): string[] =>
  w.ids(kind).filter((id) => (w.get(id).context as { zone?: string }).zone === 'movable');

/**
 * INV-13: no frame in ZONE_MOVABLE holds a long-term pin. `premise`: the situation the
 * property is about (a long-term pin requested while the data is on a movable frame).
 */
export const noLongtermPinOnMovable = (premise: StateTest, kind = 'frame'): Property =>
  always(
    'no-longterm-pin-on-movable',
    'no frame in ZONE_MOVABLE holds a long-term pin (INV-13; F1: it could never migrate)',
    (w) =>
      movableFrames(w, kind).every(
        (id) => ((w.get(id).context as { longterm?: number }).longterm ?? 0) === 0,
      ),
    { premise },
  );

/** Non-vacuity: migration of some page succeeds somewhere. */
export const pageMigrates = (): Property =>
  sometimesStep(
    'page-migrates',
    'a page is migrated (migration is possible at all)',
    (s) => s.type === 'migrate' && s.outcome === 'ok',
  );

/**
 * L-Migrate (F1): from every reachable state, while the VM lives (no `teardown` step), the
 * data on a ZONE_MOVABLE frame can still be migrated, or no movable frame holds data.
 */
export const movableStaysMigratable = (teardown: StepTest, kind = 'frame'): Property =>
  possibly(
    'movable-stays-migratable',
    'while the VM lives, every page left in ZONE_MOVABLE can still be migrated (L-Migrate; F1: a long-term pin blocks it forever)',
    {
      step: (s) => s.type === 'migrate' && s.outcome === 'ok',
      state: (w) => movableFrames(w, kind).every((id) => w.get(id).matches('free')),
    },
    teardown,
  );
