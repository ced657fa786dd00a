// guest-memfd-inaccessible: the AS_INACCESSIBLE mask (F5) is benign on guest_memfd, whose
// mapping has AS_UNEVICTABLE, and leaves stale data in a punched range of another
// unevictable file when a reference makes the split fail; the bit test (27e6a24a4cf3) keeps
// both right; without the guard truncate zeroes guest memory.
import { describe, expect, it } from 'vitest';
import model from '../../models/guest-memfd-inaccessible.js';
import {
  AS_ENOSPC,
  AS_INACCESSIBLE,
  AS_UNEVICTABLE,
  inaccessible,
  setFlag,
  testFlag,
  unevictable,
  unmovable,
} from '../../models/machines/mapping.js';
import { shortest } from './counterexamples.js';
import { run } from './flaw.js';

describe('guest-memfd-inaccessible', () => {
  it('the mask sets and tests bits 1 and 3 (AS_ENOSPC, AS_UNEVICTABLE), never bit 10', () => {
    const masked = setFlag(unmovable(0), AS_INACCESSIBLE, 'mask');
    expect(masked & (1 << AS_INACCESSIBLE)).toBe(0);
    expect(masked & ((1 << AS_ENOSPC) | (1 << AS_UNEVICTABLE))).toBe(
      (1 << AS_ENOSPC) | (1 << AS_UNEVICTABLE),
    );
    // guest_memfd's mapping passes the masked test through AS_UNEVICTABLE (benign there) ...
    expect(testFlag(masked, AS_INACCESSIBLE, 'mask')).toBe(true);
    expect(testFlag(unmovable(0), AS_INACCESSIBLE, 'mask')).toBe(true);
    // ... and so does every other unevictable mapping, which the bit test tells apart.
    expect(testFlag(unevictable(0), AS_INACCESSIBLE, 'mask')).toBe(true);
    expect(testFlag(unevictable(0), AS_INACCESSIBLE, 'bit')).toBe(false);
    expect(testFlag(inaccessible(0), AS_INACCESSIBLE, 'bit')).toBe(true);
  });

  it('F5: a punch racing a reference keeps stale data in the locked shmem file', () => {
    expect(shortest(model, 'inaccessible-mask', 'punched-range-reads-zero').path).toEqual([
      'host: alloc(file=shm)',
      'host: write(file=shm)',
      'lookup: get(file=shm)',
      'puncher: punchTail(file=shm, split=fails)',
    ]);
    // Without the reference the split succeeds and the tail leaves the file: nothing stale.
    const fix = run(model, 'inaccessible-bit');
    expect(fix.properties.map((p) => [p.name, p.verdict])).toEqual([
      ['no-kernel-access-to-private', 'holds'],
      ['punched-range-reads-zero', 'holds'],
      ['split-fails-on-reference', 'reached'],
      ['split-succeeds', 'reached'],
    ]);
    expect(fix.properties.every((p) => p.premise !== 'unmet')).toBe(true);
  });

  it('F5 is benign on guest_memfd: the mask variant never zeroes the private folio', () => {
    const masked = run(model, 'inaccessible-mask');
    const p = masked.properties.find((q) => q.name === 'no-kernel-access-to-private');
    expect(p?.verdict).toBe('holds');
    expect(p?.premise).toBe('met');
  });

  it('without the guard (before c72ceafbd12c) a partial punch zeroes private guest memory', () => {
    expect(shortest(model, 'no-inaccessible-guard', 'no-kernel-access-to-private').path).toEqual([
      'guest: alloc(file=gmem)',
      'puncher: punchTail(file=gmem, split=ok)',
    ]);
  });
});
