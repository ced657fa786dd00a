// FOLL_EXCLUSIVE (D6): F24 without the exclusive pin; with it, the kernel's pinning reader
// is refused but a FOLL_GET reader is not (David Hildenbrand's question 4), a speculative
// GUP-fast grab makes the exclusive pin fail (the F13 lasso; no fix agreed), and private
// memory stays mapped by design.
import { describe, expect, it } from 'vitest';
import model from '../../models/exclusive-gup.js';
import { run, stepsOf, walk } from './flaw.js';

const verdict = (variant: string, property: string): string | undefined =>
  run(model, variant).properties.find((p) => p.name === property)?.verdict;

describe('exclusive-gup', () => {
  it('F24: with a normal pin the page is donated under a host kernel pin and the access aborts at EL2', () => {
    expect(stepsOf(run(model, 'no-exclusive-pin'), 'no-kernel-access-to-private')).toEqual([
      'convertPin:ok',
      'convertDonate:ok',
      'kernelPin:ok',
      'kernelAccess:#S2-ABORT',
    ]);
  });

  it('FOLL_EXCLUSIVE refuses the pinning reader, but a FOLL_GET reader in another process still reads the donated page', () => {
    const after = ['convertPin', 'convertDonate'];
    expect(walk(run(model, 'exclusive-pin'), [...after, 'kernelPin']).outcomes).toEqual([
      'ok',
      'ok',
      'EBUSY',
    ]);
    expect(stepsOf(run(model, 'exclusive-pin'), 'no-kernel-access-to-private')).toEqual([
      'convertPin:ok',
      'convertDonate:ok',
      'fault:ok',
      'getRef:ok',
      'read:#S2-ABORT',
    ]);
  });

  it('F13: a GUP-fast grab taken before its PTE re-check makes the exclusive pin fail, and the loop returns to the start', () => {
    const { outcomes, keys } = walk(run(model, 'exclusive-pin'), [
      'fastGrab',
      'convertPin',
      'fastRecheck',
      'fastUnpin',
    ]);
    expect(outcomes).toEqual(['ok', 'EBUSY', 'ok', 'ok']);
    expect(keys.at(-1)).toBe(keys[0]);
    expect(verdict('exclusive-pin', 'conversion-eventually-succeeds')).toBe('violated');
    expect(verdict('no-exclusive-pin', 'conversion-eventually-succeeds')).toBe('holds');
  });

  it('GUP-fast drops its grab when the PTE changed before the re-check', () => {
    expect(
      walk(run(model, 'exclusive-pin'), ['fastGrab', 'zap', 'fastRecheck', 'convertPin']).outcomes,
    ).toEqual(['ok', 'ok', 'EAGAIN', 'ok']);
  });

  it('F13 has no agreed fix: no variant claims to fix it', () => {
    expect(model.variants['exclusive-pin'].fixedBy).toBeUndefined();
    expect(Object.keys(model.variants)).toEqual(['no-exclusive-pin', 'exclusive-pin']);
  });

  it('D6 leaves private memory mapped in the VMM', () => {
    for (const variant of ['no-exclusive-pin', 'exclusive-pin'])
      expect(stepsOf(run(model, variant), 'no-host-map-of-private')).toEqual([
        'convertPin:ok',
        'convertDonate:ok',
      ]);
  });
});
