// QEMU conversion with VFIO (docs/designs-and-flaws.md F9, F10, F32, F35): each flawed
// variant's shortest counterexample is the catalogue's interleaving, and it replays.
import { describe, expect, it } from 'vitest';
import { counterexample } from './flawTraces.js';

const MODEL = 'qemu-vfio-conversion';

describe('qemu-vfio-conversion', () => {
  it("F9: QEMU 852f0048f3ea's six steps end in a DMA through the stale mapping", async () => {
    expect(await counterexample(MODEL, 'uncoordinated-discard', 'no-stale-dma')).toEqual([
      'vfio.attach(pfn=0)',
      'qemu.setAttr(to=private)',
      'qemu.discardShared(to=private)',
      'qemu.setAttr(to=shared)',
      'guest.touchShared()',
      'device.dma(pfn=0,current=1)!STALE_DMA',
    ]);
  });
  it('F35: with discard blocked, the private page joins the shared one', async () => {
    expect(await counterexample(MODEL, 'discard-disabled', 'memory-bound')).toEqual([
      'vfio.attach(pfn=0)',
      'qemu.setAttr(to=private)',
      'qemu.discardShared(to=private)',
      'guest.faultPrivate()',
    ]);
  });
  it('F32: a failed notify_populate without undo leaves the bit populated and VFIO unmapped', async () => {
    const events = await counterexample(MODEL, 'populate-no-undo', 'bitmap-matches-listener');
    expect(events.at(-2)).toBe('qemu.setAttr(to=shared)');
    expect(events.at(-1)).toBe('qemu.notifyPopulateFails(to=shared)!ENOMEM');
    expect(events).toContain('qemu.notifyDiscard(to=private)');
  });
  it('F10: flipping the attribute before notify_discard leaves the private page IOMMU-mapped', async () => {
    expect(await counterexample(MODEL, 'inplace-attr-first', 'no-iommu-map-of-private')).toEqual([
      'vfio.attach(pfn=0)',
      'qemu.setAttr(to=private)',
    ]);
  });
});
