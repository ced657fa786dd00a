// pKVM/Gunyah fault-time sharing (D2): F24, F25 and F26 within §3's bounds, fixed together.
import { describe, expect, it } from 'vitest';
import model from '../../models/pkvm-share.js';
import { expectFlaw, run, walk } from './flaw.js';

describe('pkvm-share', () => {
  it('F24: the kernel reads a donated page through its pin: a stage-2 abort at EL2', () => {
    expect(expectFlaw(model, 'unchecked-donation', 'no-kernel-access-to-private', 4)).toEqual([
      'donate:ok',
      'kernelPin:ok',
      'kernelAccess:#S2-ABORT',
    ]);
  });

  it('F24 as the catalogue orders it: a pin taken while host-owned or shared, then donate or unshare', () => {
    const donateUnderPin = ['kernelPin', 'donate', 'kernelAccess'];
    const unshareUnderPin = ['donate', 'share', 'kernelPin', 'unshare', 'kernelAccess'];
    expect(walk(run(model, 'unchecked-donation'), donateUnderPin).outcomes).toEqual([
      'ok',
      'ok',
      '#S2-ABORT',
    ]);
    expect(walk(run(model, 'unchecked-donation'), unshareUnderPin).outcomes.at(-1)).toBe('#S2-ABORT');
    expect(walk(run(model, 'fixed'), donateUnderPin).outcomes).toEqual(['ok', 'EBUSY', 'ok']);
    expect(walk(run(model, 'fixed'), unshareUnderPin).outcomes).toEqual(['ok', 'ok', 'ok', 'EBUSY', 'ok']);
  });

  it('F25: a notifier that ignores the refused reclaim frees a page still in guest stage 2', () => {
    expect(expectFlaw(model, 'notifier-ignores-failure', 'no-free-while-in-stage2', 3)).toEqual([
      'donate:ok',
      'migStart:ok',
      'migCommit:ok',
    ]);
  });

  it('F25: a notifier that retries the refused reclaim spins in place while the guest runs', () => {
    const { outcomes, keys } = walk(run(model, 'notifier-retries'), [
      'donate',
      'migStart',
      'migRetry',
      'migRetry',
    ]);
    expect(outcomes).toEqual(['ok', 'EBUSY', 'EBUSY', 'EBUSY']);
    expect(keys[3]).toBe(keys[2]);
    expect(walk(run(model, 'fixed'), ['donate', 'migStart', 'migRetry']).outcomes).toEqual([
      'ok',
      'EINVAL',
      undefined,
    ]);
  });

  it('F26: reclaim after the hypervisor broke the block leaks the folio or unpins it twice', () => {
    const trace = ['donate:ok', 'relinquish:ok', 'vmDie:ok'];
    expect(expectFlaw(model, 'reclaim-leaks', 'no-leak-after-teardown', 5)).toEqual([
      ...trace,
      'reclaim:E2BIG',
    ]);
    expect(expectFlaw(model, 'reclaim-double-unpin', 'no-double-unpin', 5)).toEqual([...trace, 'reclaim:ok']);
  });
});
