// direct-map-gup-fast (F20): the GUP caller reads a page in every variant; only
// gup_fast_folio_allowed()'s rule differs.
import { describe, expect, it } from 'vitest';
import model from '../../models/direct-map-gup-fast.js';
import { shortest } from './counterexamples.js';
import { byMechanism } from './mechanism.js';
import { run, walk } from './flaw.js';

describe('direct-map-gup-fast', () => {
  it('F20: GUP-fast pins the secretmem folio and the caller reads it through the absent direct map', () => {
    expect(byMechanism(model, 'gup-fast-early-exit', 'no-access-without-direct-map')).toEqual([
      'user: userFault()',
      'reader: gupFastGrab(folio=0)',
      'reader: gupFastCheck(folio=0)',
      'reader: read(folio=0)',
    ]);
  });

  it('F20 probe: accepting a NULL mapping pins a just-truncated secretmem folio', () => {
    expect(byMechanism(model, 'gup-fast-null-mapping-ok', 'gup-refuses-no-direct-map')).toEqual([
      'user: userFault()',
      'reader: gupFastGrab(folio=0)',
      'user: truncate()',
      'reader: gupFastCheck(folio=0)',
    ]);
  });

  it('the fix refuses the secretmem folio, and the reader still reads the ordinary buffer', () => {
    const fix = run(model, 'gup-fast-mapping-check');
    expect(walk(fix, ['userFault', 'gupFastGrab', 'gupFastCheck']).outcomes).toEqual(['ok', 'ok', 'EFAULT']);
    expect(shortest(model, 'gup-fast-mapping-check', 'gup-fast-refused').verdict).toBe('reached');
    for (const name of ['no-access-without-direct-map', 'gup-refuses-no-direct-map'])
      expect(fix.properties.find((p) => p.name === name)).toMatchObject({ verdict: 'holds', premise: 'met' });
    // A truncated folio whose last reference was GUP's is freed by the refused check: direct map back.
    const steps = ['userFault', 'gupFastGrab', 'truncate', 'gupFastCheck', 'gupFastGrab'];
    expect(walk(fix, steps).outcomes).toEqual(['ok', 'ok', 'ok', 'EFAULT', 'ok']);
  });
});
