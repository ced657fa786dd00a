// guest-memfd-inplace: references belong to folios. A punch of a pinned folio takes it out of
// the file but leaves it allocated; the next fault gets a new folio, whose conversion the old
// pin neither blocks nor follows; the flaws' shortest counterexamples.
import { describe, expect, it } from 'vitest';
import model from '../../models/guest-memfd-inplace.js';
import type { RefFolioContext } from '../../models/machines/folio.js';
import { at, eventLabel } from '../../src/system.js';
import { initialWorld, stepWorld, worldView, type World } from '../../src/world.js';
import { shortest } from './counterexamples.js';
import { run } from './flaw.js';

/** Steps the named events in turn from the initial world; returns the outcomes and the final view. */
function walk(variant: string, labels: readonly string[]) {
  const r = run(model, variant);
  let world: World = initialWorld(r.system);
  const outcomes = labels.map((label) => {
    const e = r.system.events.find((ev) => eventLabel(ev) === label);
    if (e === undefined) throw new Error(`no event ${label}`);
    const step = stepWorld(r.system, world, e.index);
    if (step === undefined) return 'disabled';
    world = step.world;
    return step.outcome;
  });
  return { outcomes, view: worldView(r.system, world) };
}

const fault = ['vmm: faultCheck(page=0)'];

describe('guest-memfd-inplace', () => {
  it('a punched pinned folio stays allocated; the index converts on its new folio; the unpin frees the old one', () => {
    const { outcomes, view } = walk('fixed', [
      ...fault,
      'vmm: faultAlloc(page=0, frame=a)',
      'gup: pin(page=0, frame=a)',
      'vmm: punchHole(slot=0, frame=a)',
      ...fault,
      'vmm: faultAlloc(page=0, frame=b)',
      'mm: lruDrain(slot=0, frame=b)',
      'converter0: convertBegin(page=0, frame=b)',
      'converter0: convertCheck(page=0, frame=b)',
      'converter0: convertCommit(page=0)',
    ]);
    expect(outcomes.every((o) => o === 'ok')).toBe(true);
    expect(view.get('page0').matches({ attr: 'private', ref: 'none' })).toBe(true);
    const old = view.get('folio0a');
    expect(old.matches('truncated')).toBe(true);
    expect((old.context as RefFolioContext).pins).toBe(1);
    const after = walk('fixed', [
      ...fault,
      'vmm: faultAlloc(page=0, frame=a)',
      'gup: pin(page=0, frame=a)',
      'vmm: punchHole(slot=0, frame=a)',
      'gup: unpin(slot=0, frame=a)',
    ]);
    expect(after.view.get('folio0a').matches('free')).toBe(true);
  });

  it('the check refuses the pinned folio in the file (EAGAIN), not the punched one', () => {
    const { outcomes } = walk('fixed', [
      ...fault,
      'vmm: faultAlloc(page=0, frame=a)',
      'gup: pin(page=0, frame=a)',
      'converter0: convertBegin(page=0, frame=a)',
      'converter0: convertCheck(page=0, frame=a)',
    ]);
    expect(outcomes.at(-1)).toBe('EAGAIN');
  });

  it('F6: without the pin check a pinned page is converted (6 steps)', () => {
    expect(shortest(model, 'no-pin-check', 'no-pin-on-private').path).toEqual([
      'vmm: faultCheck(page=0)',
      'vmm: faultAlloc(page=0, frame=a)',
      'gup: pin(page=0, frame=a)',
      'converter0: convertBegin(page=0, frame=a)',
      'converter0: convertCheck(page=0, frame=a)',
      'converter0: convertCommit(page=0)',
    ]);
  });

  it('F7: a fault that maps its folio after the unlocked check leaves the private page mapped', () => {
    expect(shortest(model, 'check-before-unmap', 'no-host-map-of-private').path).toEqual([
      'vmm: faultCheck(page=0)',
      'converter0: convertCheck(page=0)',
      'vmm: faultAlloc(page=0, frame=a)',
      'converter0: convertCommit(page=0)',
    ]);
  });

  it('every invariant of the fix is about something: its premise is met', () => {
    const fixed = run(model, 'fixed');
    for (const p of fixed.properties.filter((q) => q.kind === 'always')) expect(p.premise).toBe('met');
    expect(at(fixed.properties, 0, 'property').verdict).toBe('holds');
  });
});
