// Lint fixture: world events declared never enabled by design (VariantSpec.neverEnabled).
// 'no-map' declares the unmap that nothing can precede, so `check --strict` passes;
// 'stale' declares it although the map makes it fire, which is reported.
import { defineModel, type VariantSpec, type WorldEventSpec } from '../../src/model.js';
import { alwaysEach } from '../../src/property.js';
import { dmaPage } from './machines.js';

const expectations = { 'no-migrate-under-dma': 'holds' } as const;

/** The variants of this fixture; `typo` names no world event (a file of its own uses it). */
export const declaredVariants: Record<'no-map' | 'stale', VariantSpec> = {
  'no-map': {
    doc: 'the device never maps the page, so it never unmaps it either',
    flaws: [],
    expect: expectations,
    neverEnabled: { 'vfio: unmap': 'nothing maps the page in this design' },
  },
  stale: {
    doc: 'the device maps and unmaps the page; the declaration is stale',
    flaws: [],
    expect: expectations,
    neverEnabled: { unmap: 'stale: the map below enables it' },
  },
};

/** The world events: the map only where the variant maps. */
export function dmaEvents(maps: boolean): WorldEventSpec[] {
  return [
    ...(maps
      ? [{ actor: 'vfio', type: 'map', args: {}, sync: [{ machine: 'page0', event: { type: 'dmaMap' } }] }]
      : []),
    { actor: 'vfio', type: 'unmap', args: {}, sync: [{ machine: 'page0', event: { type: 'dmaUnmap' } }] },
    {
      actor: 'migrator',
      type: 'migrate',
      args: {},
      sync: [{ machine: 'page0', event: { type: 'migrate', check: true } }],
    },
  ];
}

export const noMigrateUnderDma = alwaysEach(
  'no-migrate-under-dma',
  'no page is migrated while DMA-mapped',
  'page',
  (s) => !s.matches('corrupt'),
);

export default defineModel<never, 'no-map' | 'stale'>({
  id: 'lint-never-declared',
  title: 'lint fixture: world events never enabled by design',
  summary: 'One page, DMA-mapped (or not) and migrated with the check.',
  sources: ['test fixture'],
  params: {},
  variants: declaredVariants,
  properties: [noMigrateUnderDma],
  build: (_params, variant) => ({
    machines: [{ id: 'page0', machine: dmaPage }],
    events: dmaEvents(variant === 'stale'),
  }),
});
