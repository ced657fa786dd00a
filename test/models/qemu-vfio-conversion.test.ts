// QEMU conversion with VFIO and a separate shared backing (docs/designs-and-flaws.md F9,
// F32, F35): each flawed variant's shortest counterexample is the interleaving of events
// that exist in its fix too, and it replays.
import { describe, expect, it } from 'vitest';
import model from '../../models/qemu-vfio-conversion.js';
import { run, walk } from './flaw.js';
import { counterexample } from './flawTraces.js';

const MODEL = 'qemu-vfio-conversion';

describe('qemu-vfio-conversion', () => {
  it("F9: QEMU 852f0048f3ea's trace: the shared page discarded behind VFIO's back, re-shared, and a DMA lands on the page VFIO still pins", async () => {
    expect(await counterexample(MODEL, 'uncoordinated-discard', 'no-stale-dma')).toEqual([
      'qemu.setAttributes(to=shared)',
      'qemu.punchGmem(to=shared)',
      'qemu.setAttributes(to=private)',
      'vfio.attach()',
      'qemu.discardShared(to=private)',
      'qemu.setAttributes(to=shared)',
      'qemu.punchGmem(to=shared)',
      'device.dma()',
    ]);
  });

  it('F35: VFIO pins the shared half at attach while the private half is allocated', async () => {
    expect(await counterexample(MODEL, 'discard-disabled', 'memory-bound')).toEqual([
      'vfio.attach()',
      'guest.faultPrivate()',
    ]);
  });

  it('F32: the bit is set, notify_populate fails, and without the undo the bit stays populated while the VM runs', async () => {
    expect(await counterexample(MODEL, 'populate-no-undo', 'bitmap-matches-listener')).toEqual([
      'vfio.attach(populated=0)',
      'qemu.setAttributes(to=shared)',
      'qemu.bitmapSet(to=shared)',
      'qemu.notifyPopulate(to=shared,listeners=1,choice=ENOMEM)!ENOMEM',
    ]);
  });

  it("F32: the guest's retry finds the bit populated, skips the notify, succeeds, and the device cannot reach the page", async () => {
    expect(await counterexample(MODEL, 'populate-no-undo', 'shared-page-reachable')).toEqual([
      'vfio.attach(populated=0)',
      'qemu.setAttributes(to=shared)',
      'qemu.bitmapSet(to=shared)',
      'qemu.notifyPopulate(to=shared,listeners=1,choice=ENOMEM)!ENOMEM',
      'qemu.setAttributes(to=shared)',
      'qemu.stateUnchanged(to=shared)',
      'qemu.punchGmem(to=shared)',
      'device.dma()!IOMMU_FAULT',
    ]);
  });

  it('F32 fixed: the same failure with the undo leaves the bit discarded, and the retry maps the page', () => {
    const failed = ['attach', 'setAttributes', 'bitmapSet', 'notifyPopulate[ENOMEM]'];
    const retry = ['setAttributes', 'bitmapSet', 'notifyPopulate[ok]', 'punchGmem', 'dma'];
    expect(walk(run(model, 'rdm-notify'), [...failed, ...retry]).outcomes).toEqual([
      'ok',
      'ok',
      'ok',
      'ENOMEM',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
    ]);
    // Without the undo the retry has no bitmapSet to take: the bit is still populated.
    expect(walk(run(model, 'populate-no-undo'), [...failed, ...retry]).outcomes.slice(4, 6)).toEqual([
      'ok',
      undefined,
    ]);
  });

  it('the bitmap starts private: a VFIO container attached before any conversion maps nothing', () => {
    const r = run(model, 'rdm-notify');
    const { outcomes } = walk(r, ['attach', 'dma']);
    expect(outcomes).toEqual(['ok', 'IOMMU_FAULT']);
  });
});
