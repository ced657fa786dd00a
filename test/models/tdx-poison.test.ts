// tdx-poison (F18): reclaim and the host's read are events of both variants; only KVM's
// MOVDIR64B step between reclaim and free differs.
import { describe, expect, it } from 'vitest';
import model from '../../models/tdx-poison.js';
import { shortest } from './counterexamples.js';
import { byMechanism } from './mechanism.js';
import { run, walk } from './flaw.js';

describe('tdx-poison', () => {
  it('F18: a partial write poisons the private line; reclaimed and freed as is, the host reads it (#MC)', () => {
    expect(byMechanism(model, 'reclaim-no-clear', 'no-host-poison-read')).toEqual([
      'writer: partialWrite()',
      'kvm: reclaim()',
      'kvm: free()',
      'host: hostRead()',
    ]);
  });

  it('MOVDIR64B after reclaim clears the poison before the host gets the page', () => {
    const steps = ['partialWrite', 'reclaim', 'movdir64b', 'free', 'hostRead'];
    expect(walk(run(model, 'reclaim-movdir64b'), steps).outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    // The fix cannot skip the clearing step: free is enabled only after it.
    expect(walk(run(model, 'reclaim-movdir64b'), ['reclaim', 'free']).outcomes).toEqual(['ok', undefined]);
    const r = run(model, 'reclaim-movdir64b');
    expect(r.properties.find((p) => p.name === 'no-host-poison-read')).toMatchObject({
      verdict: 'holds',
      premise: 'met',
    });
  });

  it('a partial write after reclaim does not poison; the TD still consumes poison in both variants', () => {
    expect(walk(run(model, 'reclaim-no-clear'), ['reclaim', 'partialWrite']).outcomes).toEqual([
      'ok',
      undefined,
    ]);
    for (const v of ['reclaim-no-clear', 'reclaim-movdir64b'])
      expect(shortest(model, v, 'guest-consumes-poison').path).toEqual([
        'writer: partialWrite()',
        'guest: guestRead()',
      ]);
  });
});
