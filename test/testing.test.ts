// expectVerdicts (foliocheck/testing): passes when every variant's verdicts are its declared
// expectations and its figures its pins; otherwise one AssertionError listing every difference.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineModel } from '../src/model.js';
import { expectVerdicts } from '../src/testing.js';
import model from './fixtures/project/models/convert.js';

/** The fixture's figures, as a pins file records them (a change is a review event). */
const PINS = {
  atomic: { states: 3, transitions: 4, depth: 1, reduced: 3 },
  recheck: { states: 6, transitions: 7, depth: 3, reduced: 6 },
  'check-then-commit': { states: 6, transitions: 8, depth: 3, reduced: 6 },
  unchecked: { states: 4, transitions: 5, depth: 2, reduced: 4 },
};

describe('expectVerdicts', () => {
  it('returns what each variant gave when verdicts and inline pins match', () => {
    const out = expectVerdicts(model, { variants: PINS });
    expect(out['recheck']?.verdicts).toEqual({
      'no-pin-on-private': 'holds',
      'no-refused-commit': 'violated',
      'conversion-completes': 'reached',
    });
    expect(out['atomic']?.states).toBe(PINS.atomic.states);
  });

  it('lists every difference: a state count, a missing pin, a pin of no variant', () => {
    const { unchecked: _, ...rest } = PINS;
    const wrong = { ...rest, atomic: { states: 4 }, gone: { states: 1 } };
    expect(() => expectVerdicts(model, { variants: wrong })).toThrow(
      /3 difference\(s\)[^]*atomic: states 3, pinned 4[^]*unchecked: no pin in the inline pins[^]*a pin for 'gone', which is not a variant/,
    );
  });

  it('a verdict other than the declared one, or a property without expectation, fails', () => {
    const variants = {
      ...model.variants,
      recheck: { ...model.variants.recheck, expect: { 'no-pin-on-private': 'violated' as const } },
    };
    const changed = defineModel({ ...model, variants });
    expect(() => expectVerdicts(changed)).toThrow(
      /recheck: property 'no-pin-on-private' is holds, expected violated[^]*recheck: property 'no-refused-commit' has no expectation/,
    );
  });

  it('a pins file: missing is a failure that says how to write it; update mode writes it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'foliocheck-pins-')), 'convert.pins.json');
    expect(() => expectVerdicts(model, { pins: file })).toThrow(
      /does not exist; write it .*FOLIOCHECK_UPDATE_PINS=1/,
    );
    expect(existsSync(file)).toBe(false);
    expectVerdicts(model, { pins: file, update: true });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ variants: PINS });
    expect(() => expectVerdicts(model, { pins: file })).not.toThrow();
  });
});
