// Huge folio with mixed subpages (D7): F15 both ways, and split-first keeps checks exact.
import { describe, expect, it } from 'vitest';
import model, { refusesConversion, type HFolioContext } from '../../models/huge-folio-mixed.js';
import { expectFlaw, run } from './flaw.js';

const folio = (over: Partial<HFolioContext>): HFolioContext => ({
  attr: ['shared', 'shared'],
  mapped: [false, false],
  pinned: [false, false],
  split: false,
  spurious: false,
  ...over,
});

describe('huge-folio-mixed', () => {
  it('F15: per-folio counts refuse the conversion of a subpage that only its sibling references', () => {
    expect(expectFlaw(model, 'per-folio-check', 'no-spurious-refusal', 4)).toEqual([
      'map:ok',
      'toPrivate:EAGAIN',
    ]);
  });

  it('F15: a per-page guess accepts a subpage pinned through an address that is no longer mapped', () => {
    expect(expectFlaw(model, 'per-page-guess', 'no-dma-of-private', 4)).toEqual([
      'map:ok',
      'pin:ok',
      'unmap:ok',
      'toPrivate:ok',
    ]);
  });

  it('the three checks differ only on a huge folio', () => {
    const siblingPinned = folio({ pinned: [true, false] });
    const ownPinUnmapped = folio({ pinned: [false, true] });
    expect([
      refusesConversion(siblingPinned, 1, 'folio'),
      refusesConversion(siblingPinned, 1, 'guess'),
      refusesConversion({ ...siblingPinned, split: true }, 1, 'folio'),
      refusesConversion(ownPinUnmapped, 1, 'guess'),
      refusesConversion({ ...ownPinUnmapped, split: true }, 1, 'guess'),
    ]).toEqual([true, false, false, false, true]);
  });

  it('split-first never holds a mixed huge folio, and merges back when all private', () => {
    const r = run(model, 'split-first');
    expect(r.properties.find((p) => p.name === 'mixed-huge-folio')?.verdict).toBe('unreached');
    expect(run(model, 'per-folio-check').properties.find((p) => p.name === 'mixed-huge-folio')?.verdict).toBe(
      'reached',
    );
    expect(r.system.events.some((e) => e.type === 'merge')).toBe(true);
  });
});
