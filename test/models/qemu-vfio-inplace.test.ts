// In-place conversion with VFIO (docs/designs-and-flaws.md F10): with the attribute set
// before VFIO is told, a pinning mapping makes KVM refuse the conversion for ever and a
// mapping without a page reference lets a DMA land on the private page; unmapping first
// fixes both. The counterexamples replay.
import { describe, expect, it } from 'vitest';
import model from '../../models/qemu-vfio-inplace.js';
import { run } from './flaw.js';
import { counterexample } from './flawTraces.js';

const MODEL = 'qemu-vfio-inplace';
const verdict = (variant: string, property: string): string | undefined =>
  run(model, variant).properties.find((p) => p.name === property)?.verdict;

describe('qemu-vfio-inplace', () => {
  it('F10: the page turns private while the IOMMU still translates it, and a DMA lands on it', async () => {
    expect(await counterexample(MODEL, 'unpinned-attr-first', 'no-dma-into-private')).toEqual([
      'qemu.setAttributes2(to=shared)',
      'qemu.mapDma(first=0,last=0)',
      'qemu.setAttributes2(to=private)',
      'device.dma(page=0)!DMA_TO_PRIVATE',
    ]);
  });

  it("F10 with a pinning mapping: KVM's refcount check refuses the conversion, every time", async () => {
    expect(await counterexample(MODEL, 'pinned-attr-first', 'conversion-not-refused')).toEqual([
      'qemu.setAttributes2(to=shared)',
      'qemu.mapDma(first=0,last=0)',
      'qemu.setAttributes2(to=private)!EAGAIN',
    ]);
    expect(verdict('pinned-attr-first', 'no-dma-into-private')).toBe('holds');
    expect(verdict('pinned-attr-first', 'conversion-can-complete')).toBe('violated');
  });

  it('unmapping before the page turns private holds every property, with DMA racing the conversion', () => {
    for (const variant of ['pinned-unmap-first', 'unpinned-unmap-first']) {
      const r = run(model, variant);
      expect(r.properties.map((p) => [p.name, p.verdict])).toEqual([
        ['no-dma-into-private', 'holds'],
        ['conversion-not-refused', 'holds'],
        ['conversion-can-complete', 'holds'],
        ['converts-to-private', 'reached'],
        ['device-dma', 'reached'],
      ]);
    }
  });
});
