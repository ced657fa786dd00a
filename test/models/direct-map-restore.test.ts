// direct-map-restore (F19): the patch's race is the shortest counterexample; counting
// restores or holding the folio lock keeps the entry for every read.
import { describe, expect, it } from 'vitest';
import model from '../../models/direct-map-restore.js';
import { byMechanism } from './mechanism.js';
import { run } from './flaw.js';

describe('direct-map-restore', () => {
  it('F19: map(A) read(A) map(B) unmap(A) read(B): the second accessor reads through the zapped entry', () => {
    expect(byMechanism(model, 'on-demand-restore', 'no-access-without-direct-map')).toEqual([
      'accessor0: map()',
      'accessor0: read()',
      'accessor1: map()',
      'accessor0: unmap()',
      'accessor1: read()',
    ]);
  });

  it('the counted restore (the mutant that must pass) and the folio lock hold with reads taking place', () => {
    for (const v of ['refcounted-restore', 'folio-lock-restore']) {
      const r = run(model, v);
      expect(r.properties.find((p) => p.name === 'no-access-without-direct-map')).toMatchObject({
        verdict: 'holds',
        premise: 'met',
      });
    }
  });
});
