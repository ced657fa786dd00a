// pKVM/Gunyah fault-time sharing (D2): F24, F25 and F26 from events every variant has, each
// flawed variant one rule away from `fixed`; F26's leak and underflow read off the pin counter.
import { describe, expect, it } from 'vitest';
import model, { type PFolioContext } from '../../models/pkvm-share.js';
import { byMechanism } from './mechanism.js';
import { run, walk } from './flaw.js';
import { initialWorld, stepWorld, worldView, type World } from '../../src/world.js';
import type { RunResult } from '../../src/check.js';

/** The folio's context after firing the first enabled event of each type in turn. */
function folioAfter(r: RunResult, types: readonly string[]): PFolioContext {
  let world: World = initialWorld(r.system);
  for (const type of types) {
    const next = r.system.events
      .filter((e) => e.type === type)
      .map((e) => stepWorld(r.system, world, e.index))
      .find((s) => s !== undefined);
    if (next === undefined) throw new Error(`${type} is not enabled`);
    world = next.world;
  }
  return worldView(r.system, world).get('folio0').context as PFolioContext;
}

const brokenThenDead = ['donate', 'relinquish', 'vmDie'];

describe('pkvm-share', () => {
  it('F24: the kernel reads a donated page through its pin: a stage-2 abort at EL2', () => {
    expect(byMechanism(model, 'unchecked-donation', 'no-kernel-access-to-private')).toEqual([
      'vcpu: donate()',
      'kernel: kernelPin()',
      'kernel: kernelAccess()',
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
    expect(byMechanism(model, 'notifier-ignores-failure', 'no-free-while-in-stage2')).toEqual([
      'vcpu: donate()',
      'migrator: migStart()',
      'migrator: migCommit()',
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

  it('F26: after -E2BIG, giving up leaves the pin counter at 1 and page 0 with the dead guest', () => {
    expect(byMechanism(model, 'reclaim-leaks', 'no-leak-after-teardown')).toEqual([
      'vcpu: donate()',
      'hypervisor: relinquish()',
      'vm: vmDie()',
      'teardown: reclaimEntry()',
    ]);
    const c = folioAfter(run(model, 'reclaim-leaks'), [...brokenThenDead, 'reclaimEntry']);
    expect({ pins: c.pins, entry: c.entry, owner: c.owner }).toEqual({
      pins: 1,
      entry: 'gone',
      owner: ['guest', 'host'],
    });
  });

  it('F26: unpinning once per reclaimed page decrements the one pin twice: 1, 0, -1', () => {
    expect(byMechanism(model, 'reclaim-double-unpin', 'no-double-unpin')).toEqual([
      'vcpu: donate()',
      'hypervisor: relinquish()',
      'vm: vmDie()',
      'teardown: reclaimEntry()',
      'teardown: reclaimPage()',
      'teardown: reclaimPage()',
    ]);
    const r = run(model, 'reclaim-double-unpin');
    const pins = [0, 1, 2].map(
      (k) => folioAfter(r, [...brokenThenDead, 'reclaimEntry', ...Array<string>(k).fill('reclaimPage')]).pins,
    );
    expect(pins).toEqual([1, 0, -1]);
    // The page the hypervisor already unmapped answers -ENOENT; both variants count it reclaimed.
    expect(
      walk(r, [...brokenThenDead, 'reclaimEntry', 'reclaimPage', 'reclaimPage']).outcomes.slice(3),
    ).toEqual(['E2BIG', 'ok', 'ENOENT']);
  });

  it('the fix reclaims page by page after -E2BIG and drops the one pin once', () => {
    const r = run(model, 'fixed');
    const c = folioAfter(r, [...brokenThenDead, 'reclaimEntry', 'reclaimPage', 'reclaimPage']);
    expect({ pins: c.pins, entry: c.entry, owner: c.owner }).toEqual({
      pins: 0,
      entry: 'gone',
      owner: ['host', 'host'],
    });
    for (const name of [
      'no-kernel-access-to-private',
      'no-free-while-in-stage2',
      'no-leak-after-teardown',
      'no-double-unpin',
    ])
      expect(r.properties.find((p) => p.name === name)).toMatchObject({ verdict: 'holds', premise: 'met' });
  });
});
