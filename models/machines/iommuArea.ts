// An IOVA range of `pages` 4 KiB pages as VFIO type1 or iommufd holds it (docs/designs-and-
// flaws.md D10; docs/kernel-semantics.md §2.14, §2.15, INV-14):
//   whole        one vfio_dma / one iopt_area, mapped with one large IOPTE
//   invalidated  a break-before-make split in progress: the large IOPTE is gone, the small
//                ones are not installed yet, so nothing translates
//   split        one mapping per page; `mapped` is a bitmask of the pages still mapped
// Sources: vfio_dma_do_unmap() (type1 v2: a request bisecting a vfio_dma → -EINVAL);
// iopt_area_split() (refused with -EINVAL while the area's domain may use large pages);
// Jason Gunthorpe (seed 004): "Hitless requires HW support, it is incompatible with HW
// requiring break-before-make."
import { assign, setup, type AnyStateMachine } from 'xstate';
import { outcome, outcomeActions } from '../../src/index.js';

export type IommuAreaEvent =
  /** VFIO_IOMMU_UNMAP_DMA of one page (type1 v2). */
  | { type: 'type1Unmap'; page: number }
  /** iopt_area_split() where the domain may hold large pages: refused. */
  | { type: 'splitRefused' }
  /** A split the IOMMU does atomically (large IOPTE cut into small ones, hitless). */
  | { type: 'splitAtomic'; pages: number }
  /** Break-before-make split, first half: invalidate the large IOPTE. */
  | { type: 'bbmInvalidate' }
  /** Break-before-make split, second half: install the small IOPTEs. */
  | { type: 'bbmInstall'; pages: number }
  /** Unmap of one page that is its own mapping (after a split). */
  | { type: 'unmap'; page: number }
  /** A device DMA to one page: IOMMU_FAULT when nothing translates it. */
  | { type: 'dma'; page: number };

const all = (pages: number): number => (1 << pages) - 1;
const bit = (page: number): number => 1 << page;

/**
 * The area with every page mapped: as one large mapping (`whole`), or from the start as one
 * mapping per page (`split`, the 4 KiB mapping of D9). Input: `{ pages }`.
 */
export const iommuAreaMachine = (initial: 'whole' | 'split'): AnyStateMachine =>
  setup({
    types: {
      context: {} as { mapped: number },
      events: {} as IommuAreaEvent,
      input: {} as { pages: number },
    },
    actions: { ...outcomeActions },
  }).createMachine({
    id: 'iommuArea',
    context: ({ input }) => ({ mapped: all(input.pages) }),
    initial,
    states: {
      whole: {
        on: {
          type1Unmap: { actions: outcome('EINVAL') },
          splitRefused: { actions: outcome('EINVAL') },
          splitAtomic: { target: 'split', actions: assign(({ event }) => ({ mapped: all(event.pages) })) },
          bbmInvalidate: { target: 'invalidated', actions: assign({ mapped: 0 }) },
          dma: {},
        },
      },
      invalidated: {
        on: {
          bbmInstall: { target: 'split', actions: assign(({ event }) => ({ mapped: all(event.pages) })) },
          dma: { actions: outcome('IOMMU_FAULT') },
        },
      },
      split: {
        on: {
          type1Unmap: {
            actions: assign(({ context, event }) => ({ mapped: context.mapped & ~bit(event.page) })),
          },
          unmap: { actions: assign(({ context, event }) => ({ mapped: context.mapped & ~bit(event.page) })) },
          splitAtomic: {},
          dma: [
            { guard: ({ context, event }) => (context.mapped & bit(event.page)) !== 0 },
            { actions: outcome('IOMMU_FAULT') },
          ],
        },
      },
    },
  });

/** True when page `page` has a translation in the area's current state. */
export function translates(state: { matches(v: string): boolean; context: unknown }, page: number): boolean {
  if (state.matches('whole')) return true;
  if (state.matches('invalidated')) return false;
  return ((state.context as { mapped: number }).mapped & bit(page)) !== 0;
}
