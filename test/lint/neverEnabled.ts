// Lint trap: a world event that never fires. The unmap is sent before anything can map the
// page in this design (the map event is left out of the 'no-map' variant), so the
// exhaustive run never takes it: `check` lists it, `check --strict` fails.
import { defineModel } from '../../src/model.js';
import { alwaysEach } from '../../src/property.js';
import { dmaPage } from './machines.js';

export default defineModel<never, 'mapped' | 'no-map'>({
  id: 'lint-never',
  title: 'lint trap: a world event no reachable state enables',
  summary: 'One page, DMA-mapped (or not) and migrated with the check.',
  sources: ['test fixture'],
  params: {},
  variants: {
    mapped: {
      doc: 'the device maps and unmaps the page',
      flaws: [],
      expect: { 'no-migrate-under-dma': 'holds' },
    },
    'no-map': {
      doc: 'the device never maps the page',
      flaws: [],
      expect: { 'no-migrate-under-dma': 'holds' },
    },
  },
  properties: [
    alwaysEach(
      'no-migrate-under-dma',
      'no page is migrated while DMA-mapped',
      'page',
      (s) => !s.matches('corrupt'),
    ),
  ],
  build: (_params, variant) => ({
    machines: [{ id: 'page0', machine: dmaPage }],
    events: [
      ...(variant === 'mapped'
        ? [{ actor: 'vfio', type: 'map', args: {}, sync: [{ machine: 'page0', event: { type: 'dmaMap' } }] }]
        : []),
      { actor: 'vfio', type: 'unmap', args: {}, sync: [{ machine: 'page0', event: { type: 'dmaUnmap' } }] },
      {
        actor: 'migrator',
        type: 'migrate',
        args: {},
        sync: [{ machine: 'page0', event: { type: 'migrate', check: true } }],
      },
    ],
  }),
});
