// Converting one page of a larger DMA mapping (docs/designs-and-flaws.md F11, F12): the
// flawed variants' counterexamples are the catalogue's interleavings, and they replay; the
// refusals leave the conversion stuck on the complete graph.
import { describe, expect, it } from 'vitest';
import iommuSplit from '../../models/iommu-split.js';
import { checkRun } from '../../src/check.js';
import { counterexample } from './flawTraces.js';

const verdict = (variant: string, property: string, pages = 2): string | undefined =>
  checkRun(iommuSplit, { pages }, variant, {
    engine: 'compiled',
    strategy: 'bfs',
    symmetry: false,
  }).properties.find((p) => p.name === property)?.verdict;

describe('iommu-split', () => {
  it('F11: type1 v2 refuses the bisecting unmap; flipping anyway leaves the private page mapped', async () => {
    expect(await counterexample('iommu-split', 'type1-whole-proceed', 'no-iommu-map-of-private')).toEqual([
      'qemu.unmapDma(page=1)!EINVAL',
      'qemu.setAttr(page=1,to=private)',
    ]);
  });
  it('F11 and F12 (a): when QEMU gives up on the refusal, no conversion ever completes', () => {
    expect(verdict('type1-whole-abort', 'converts-to-private')).toBe('unreached');
    expect(verdict('iommufd-split-refused', 'converts-to-private')).toBe('unreached');
    expect(verdict('type1-per-page', 'converts-to-private')).toBe('reached');
  });
  it('F12 (b): a break-before-make split faults DMA to the neighbour page', async () => {
    expect(await counterexample('iommu-split', 'iommufd-split-bbm', 'no-dma-fault-on-shared')).toEqual([
      'qemu.splitInvalidate(page=1)',
      'device.dma(page=0)!IOMMU_FAULT',
    ]);
  });
  it('the fixes hold with four pages too', () => {
    for (const variant of ['type1-per-page', 'iommufd-split-atomic']) {
      expect(verdict(variant, 'no-iommu-map-of-private', 4)).toBe('holds');
      expect(verdict(variant, 'no-dma-fault-on-shared', 4)).toBe('holds');
    }
    expect(verdict('iommufd-split-bbm', 'no-dma-fault-on-shared', 4)).toBe('violated');
  });
});
