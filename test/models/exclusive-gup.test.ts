// FOLL_EXCLUSIVE (D6): F24 without the exclusive pin, the exclusive pin's refusals (the F13
// livelock's step), and the mapping D6 leaves open by design.
import { describe, expect, it } from 'vitest';
import model from '../../models/exclusive-gup.js';
import { expectFlaw, run, stepsOf, walk } from './flaw.js';

const verdict = (variant: string, property: string): string | undefined =>
  run(model, variant).properties.find((p) => p.name === property)?.verdict;

describe('exclusive-gup', () => {
  it('F24: with a normal pin the page is donated under a host kernel pin and the access aborts at EL2', () => {
    const steps = expectFlaw(model, 'no-exclusive-pin', 'no-kernel-access-to-private', 4);
    expect(steps.at(-1)).toBe('kernelAccess:#S2-ABORT');
    expect(steps).toContain('kernelPin:ok');
    expect(steps).toContain('convertDonate:ok');
  });

  it('F13: GUP-fast pin, refused exclusive pin, unpin is a loop back to the start (the livelock lasso)', () => {
    const { outcomes, keys } = walk(run(model, 'exclusive-pin'), ['fastPin', 'convertPin', 'fastUnpin']);
    expect(outcomes).toEqual(['ok', 'EBUSY', 'ok']);
    expect(keys.at(-1)).toBe(keys[0]);
  });

  it('F13 fixed: once the converter zapped the mapping, GUP-fast cannot pin again and the pin succeeds', () => {
    const steps = ['fastPin', 'convertZap', 'convertPin', 'fastUnpin', 'fastPin', 'convertPin', 'fault'];
    expect(walk(run(model, 'zap-then-pin'), steps).outcomes).toEqual([
      'ok',
      'ok',
      'EBUSY',
      'ok',
      undefined,
      'ok',
      'ok',
    ]);
    // The guest_memfd rule keeps faults blocked while the conversion holds the page.
    expect(walk(run(model, 'unmap-first'), steps).outcomes.at(-1)).toBeUndefined();
  });

  it('D6 leaves private memory mapped in the VMM: only zapping first removes the mapping', () => {
    expect(stepsOf(run(model, 'exclusive-pin'), 'no-host-map-of-private')).toEqual([
      'convertPin:ok',
      'convertDonate:ok',
    ]);
    expect(verdict('zap-then-pin', 'no-host-map-of-private')).toBe('violated');
    expect(verdict('unmap-first', 'no-host-map-of-private')).toBe('holds');
  });

  it('no variant lets a normal pin in after the exclusive pin: the kernel never reads a donated page', () => {
    expect(verdict('exclusive-pin', 'no-kernel-access-to-private')).toBe('holds');
    expect(verdict('zap-then-pin', 'no-kernel-access-to-private')).toBe('holds');
    expect(verdict('unmap-first', 'no-kernel-access-to-private')).toBe('holds');
  });
});
