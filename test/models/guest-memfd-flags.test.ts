// guest-memfd-flags: mainline SIGBUS rules, the D5b NONE_SHARED hand-off through the final
// folio_put(), and the F7 / F6 mutants' shortest counterexamples.
import { describe, expect, it } from 'vitest';
import model from '../../models/guest-memfd-flags.js';
import { noneSharedCompletes } from '../../properties/gmemShare.js';
import { shortest } from './counterexamples.js';
import { cannotReach, reachableGraph } from './graph.js';

const completes = noneSharedCompletes('page0');
if (completes.kind !== 'eventually' || !('state' in completes.goal) || completes.after === undefined)
  throw new Error('none-shared-completes: expected an eventually property with a state goal and trigger');
const noneShared = completes.after;
const leftNoneShared = completes.goal.state;

describe('guest-memfd-flags', () => {
  it('D5a: past i_size every fault SIGBUSes; without INIT_SHARED every fault does', () => {
    expect(shortest(model, 'mainline-init-shared', 'host-fault-sigbus').path).toEqual([
      'vmm: hostFault(page=1)',
    ]);
    expect(shortest(model, 'mainline-private', 'host-maps-page').verdict).toBe('unreached');
    expect(shortest(model, 'mainline-private', 'host-fault-sigbus').path).toEqual(['vmm: hostFault(page=0)']);
  });

  it('D5b: a pinned index waits in NONE_SHARED and the final folio_put() makes it private', () => {
    expect(shortest(model, 'folio-put-callback', 'conversion-deferred').path).toEqual([
      'vmm: hostFault(page=0)',
      'gup: pin(page=0)',
      'vmm: unmap(page=0)',
      'converter: toPrivate(page=0)',
    ]);
    // From every NONE_SHARED state the index can leave it (what the eventually check needs,
    // with the reference holder's unpin weakly fair).
    const g = reachableGraph(model, 'folio-put-callback', { pages: 1 });
    const stuck = cannotReach(g, leftNoneShared);
    expect(g.views.some(noneShared)).toBe(true);
    expect(stuck).toEqual([]);
  });

  it('F7 (a): a fault checked before the conversion installs its PTE after it', () => {
    expect(shortest(model, 'fault-without-lock', 'no-host-map-of-private').path).toEqual([
      'vmm: faultCheck(page=0)',
      'converter: toPrivate(page=0)',
      'vmm: faultMap(page=0)',
    ]);
  });

  it('F6: the guest faults a NONE_SHARED index while the host pin is outstanding', () => {
    expect(shortest(model, 'guest-faults-none-shared', 'no-pin-on-private').path).toEqual([
      'vmm: hostFault(page=0)',
      'gup: pin(page=0)',
      'vmm: unmap(page=0)',
      'converter: toPrivate(page=0)',
      'guest: guestFault(page=0)',
    ]);
    expect(shortest(model, 'folio-put-callback', 'no-pin-on-private').verdict).toBe('holds');
  });
});
