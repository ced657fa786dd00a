// snp-directmap (F17): the write to p0 is an event of both variants; only the converter's
// split before RMPUPDATE differs, and it keeps every write to p0 clear of the RMP check.
import { describe, expect, it } from 'vitest';
import model from '../../models/snp-directmap.js';
import { shortest } from './counterexamples.js';
import { byMechanism } from './mechanism.js';
import { run, walk } from './flaw.js';

describe('snp-directmap', () => {
  it('F17: RMPUPDATE under the 2 MiB entry, then a write to p0 through it: an RMP #PF (race of 2 actors)', () => {
    expect(byMechanism(model, 'rmpupdate-only', 'no-rmp-fault')).toEqual([
      'converter: rmpMakePrivate()',
      'kernel: hostWriteP0()',
    ]);
  });

  it('the fix splits first, so the same write lands on a 4 KiB entry while p1 is assigned', () => {
    const steps = ['splitDirectMap', 'rmpMakePrivate', 'hostWriteP0', 'rmpMakeShared', 'hostWriteP0'];
    expect(walk(run(model, 'split-before-rmpupdate'), steps).outcomes).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
    ]);
    // Writes to p0 before RMPUPDATE, or after p1 is shared again, never faulted in either variant.
    expect(
      walk(run(model, 'rmpupdate-only'), ['hostWriteP0', 'rmpMakePrivate', 'rmpMakeShared', 'hostWriteP0'])
        .outcomes,
    ).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it("the fix's hold is about writes to p0 while p1 is assigned (not vacuous)", () => {
    expect(shortest(model, 'split-before-rmpupdate', 'page-assigned')).toEqual({
      verdict: 'reached',
      path: ['converter: splitDirectMap()', 'converter: rmpMakePrivate()'],
    });
    const r = run(model, 'split-before-rmpupdate');
    expect(r.properties.find((p) => p.name === 'no-rmp-fault')).toMatchObject({
      verdict: 'holds',
      premise: 'met',
    });
  });
});
