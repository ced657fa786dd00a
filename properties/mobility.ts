// Mobility of movable memory (docs/designs-and-flaws.md F1, D12; docs/kernel-semantics.md
// §1.6 FOLL_LONGTERM, INV-13 LongtermPinPlacement): ZONE_MOVABLE and CMA exist so pages
// stay migratable; a long-term pin there blocks migration, compaction and offlining.
import { alwaysEach, possibly, sometimesStep, type Property, type StepTest } from '../src/index.js';

/** INV-13: no FOLL_LONGTERM pin on a page in ZONE_MOVABLE. */
export const noLongtermPinOnMovable = (kind = 'page'): Property =>
  alwaysEach(
    'no-longterm-pin-on-movable',
    'no page in ZONE_MOVABLE holds a long-term pin (INV-13; F1: it could never migrate)',
    kind,
    (s) => {
      const c = s.context as { zone?: string; longterm?: number };
      return !(c.zone === 'movable' && (c.longterm ?? 0) > 0);
    },
  );

/** Non-vacuity: migration of some page succeeds somewhere. */
export const pageMigrates = (): Property =>
  sometimesStep(
    'page-migrates',
    'a page is migrated (migration is possible at all)',
    (s) => s.type === 'migrate' && s.outcome === 'ok',
  );

/**
 * L-Migrate (F1): from every reachable state, while the VM lives (no `teardown` step), a
 * page still in ZONE_MOVABLE can be migrated — or none is left there.
 */
export const movableStaysMigratable = (teardown: StepTest, kind = 'page'): Property =>
  possibly(
    'movable-stays-migratable',
    'while the VM lives, every page left in ZONE_MOVABLE can still be migrated (L-Migrate; F1: a long-term pin blocks it forever)',
    {
      step: (s) => s.type === 'migrate' && s.outcome === 'ok',
      state: (w) => w.ids(kind).every((id) => (w.get(id).context as { zone?: string }).zone !== 'movable'),
    },
    teardown,
  );
