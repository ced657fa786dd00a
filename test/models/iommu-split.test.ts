// Converting one page of a larger DMA mapping (docs/designs-and-flaws.md F11, F12): the
// refusals and faults come from the kernel's own unmap and split rules meeting a
// conversion of a sub-range; converting the whole range, or mapping per page, works.
import { describe, expect, it } from 'vitest';
import iommuSplit from '../../models/iommu-split.js';
import {
  compatUnmap,
  cutLarge,
  ioasUnmap,
  unmapV1,
  unmapV2,
  type IoSpaceContext,
} from '../../models/machines/iommuArea.js';
import { run, walk } from './flaw.js';
import { counterexample } from './flawTraces.js';

const verdict = (variant: string, property: string, pages = 2): string | undefined =>
  run(iommuSplit, variant, { pages }).properties.find((p) => p.name === property)?.verdict;

/** Two pages in one mapping (`whole`) or two, none pinned by an access. */
const space = (first: number, extra: Partial<IoSpaceContext> = {}): IoSpaceContext => ({
  pages: 2,
  pins: true,
  mapped: 3,
  first,
  translated: 3,
  pending: 0,
  large: 0,
  access: 0,
  ...extra,
});
const WHOLE = space(1);
const PER_PAGE = space(3);

describe('the I/O space operations (vfio_dma_do_unmap, iopt_unmap_iova, iopt_area_split)', () => {
  it('type1 v2 refuses a bisecting request and removes whole mappings', () => {
    expect(unmapV2(WHOLE, 1, 1)[1]).toBe('EINVAL');
    expect(unmapV2(WHOLE, 0, 1)).toEqual([{ ...WHOLE, mapped: 0, first: 0, translated: 0 }, 'ok']);
    expect(unmapV2(PER_PAGE, 1, 1)[0].mapped).toBe(1);
  });
  it('legacy type1 unmaps 0 bytes from the middle and the whole mapping from its start', () => {
    expect(unmapV1(WHOLE, 1, 1)).toEqual([WHOLE, 'ok']);
    expect(unmapV1(WHOLE, 0, 0)[0].mapped).toBe(0);
  });
  it('iommufd refuses a sub-range with ENOENT; the compat cut splits unless an access pins the area', () => {
    expect(ioasUnmap(WHOLE, 1, 1)[1]).toBe('ENOENT');
    expect(compatUnmap(WHOLE, 1, 1)[0].mapped).toBe(1);
    expect(compatUnmap({ ...WHOLE, access: 1 }, 1, 1)[1]).toBe('EINVAL');
  });
  it('a break-before-make cut of a large IOPTE leaves both pages untranslated until the install', () => {
    const [after, code] = cutLarge({ ...WHOLE, large: 1 }, 1, 1, true);
    expect(code).toBe('ok');
    expect([after.first, after.translated, after.pending]).toEqual([3, 0, 3]);
    expect(cutLarge({ ...WHOLE, large: 1 }, 1, 1, false)[0].translated).toBe(3);
  });
});

describe('iommu-split', () => {
  it('F11: type1 v2 refuses the bisecting unmap and KVM then refuses the conversion (the pin is still there)', async () => {
    expect(await counterexample('iommu-split', 'type1-whole', 'conversion-not-refused')).toEqual([
      'qemu.unmapDma(first=0,last=0)!EINVAL',
      'qemu.setAttributes2(first=0,last=0,to=private)!EAGAIN',
    ]);
  });

  it('converting the whole range works with the whole mapping; only the sub-range is refused', () => {
    const r = run(iommuSplit, 'type1-whole');
    const whole = r.system.events.filter((e) => e.args['first'] === 0 && e.args['last'] === 1);
    expect(whole.map((e) => e.type)).toContain('unmapDma');
    expect(r.properties.find((p) => p.name === 'converts-to-private')?.verdict).toBe('reached');
    expect(verdict('type1-whole', 'conversion-can-complete')).toBe('violated');
  });

  it("F11 with legacy type1: unmapping the first page removes its neighbour's translation", async () => {
    expect(await counterexample('iommu-split', 'type1v1-whole', 'no-dma-fault-on-shared')).toEqual([
      'qemu.unmapDma(first=0,last=0)',
      'device.dma(page=1)!IOMMU_FAULT',
    ]);
  });

  it('F12 (a): the compat cut is refused while an in-kernel access pins the area', async () => {
    expect(await counterexample('iommu-split', 'compat-whole', 'conversion-not-refused')).toEqual([
      'mdev.accessPin(page=0)',
      'qemu.unmapDma(first=0,last=0)!EINVAL',
      'qemu.setAttributes2(first=0,last=0,to=private)!EAGAIN',
    ]);
    // Without the access the same cut splits the area and the conversion goes through.
    expect(walk(run(iommuSplit, 'compat-whole'), ['unmapDma', 'setAttributes2']).outcomes).toEqual([
      'ok',
      'ok',
    ]);
  });

  it('F12 (b): a break-before-make split faults DMA to the neighbour page', async () => {
    expect(await counterexample('iommu-split', 'split-bbm', 'no-dma-fault-on-shared')).toEqual([
      'qemu.splitArea(first=0,last=0)',
      'device.dma(page=1)!IOMMU_FAULT',
    ]);
  });

  it('the fixes hold every property with three pages too', () => {
    for (const variant of [
      'type1-per-page',
      'type1v1-per-page',
      'iommufd-per-page',
      'compat-per-page',
      'split-atomic',
    ]) {
      const r = run(iommuSplit, variant, { pages: 3 });
      for (const p of r.properties)
        expect([variant, p.name, p.verdict]).toEqual([
          variant,
          p.name,
          p.kind === 'sometimes' ? 'reached' : 'holds',
        ]);
    }
    expect(verdict('split-bbm', 'no-dma-fault-on-shared', 3)).toBe('violated');
  });
});
