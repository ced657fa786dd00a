// Huge folio with mixed subpages (D7): F15 both ways; split-first splits on the first
// conversion to shared and refuses it while the folio has an extra reference.
import { describe, expect, it } from 'vitest';
import model, { refusesConversion, type HFolioContext } from '../../models/huge-folio-mixed.js';
import { expectFlaw, run, walk } from './flaw.js';

const folio = (over: Partial<HFolioContext>): HFolioContext => ({
  attr: ['shared', 'shared'],
  mapped: [false, false],
  pinned: [false, false],
  split: false,
  refs: 0,
  spurious: false,
  ...over,
});

describe('huge-folio-mixed', () => {
  it('F15: per-folio counts refuse the conversion of a subpage that only its sibling references', () => {
    expect(expectFlaw(model, 'per-folio-check', 'no-spurious-refusal', 4)).toEqual([
      'toShared:ok',
      'map:ok',
      'toShared:ok',
      'toPrivate:EAGAIN',
    ]);
  });

  it('F15: a per-page guess accepts a subpage pinned through an address that is no longer mapped', () => {
    expect(expectFlaw(model, 'per-page-guess', 'no-dma-of-private', 5)).toEqual([
      'toShared:ok',
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

  it('split-first starts huge, splits on the first conversion to shared, and refuses it while a vCPU holds a reference', () => {
    const r = run(model, 'split-first');
    expect(walk(r, ['getPfn', 'toShared', 'mapPfn', 'toShared']).outcomes).toEqual([
      'ok',
      'EAGAIN',
      'ok',
      'ok',
    ]);
    const verdicts = Object.fromEntries(r.properties.map((p) => [p.name, p.verdict]));
    expect(verdicts).toEqual({
      'unreferenced-subpage-convertible': 'holds',
      'no-dma-of-private': 'holds',
      'no-host-map-of-private': 'holds',
      'no-spurious-refusal': 'holds',
      'converts-to-private': 'reached',
      'conversion-refused': 'reached',
      'mixed-huge-folio': 'unreached',
      'split-refused': 'reached',
    });
    expect(r.system.events.some((e) => e.type === 'merge')).toBe(true);
  });

  it('without split-first the conversion to shared never fails and leaves a mixed huge folio', () => {
    const r = run(model, 'per-folio-check');
    expect(walk(r, ['getPfn', 'toShared']).outcomes).toEqual(['ok', 'ok']);
    expect(r.properties.find((p) => p.name === 'mixed-huge-folio')?.verdict).toBe('reached');
  });
});
