// Lint trap: names that do not exist: a property over machine kind 'pgae' (for 'page')
// and a participant naming instance 'page1' where the system has only 'page0'.
import { defineModel } from '../../src/model.js';
import { alwaysEach } from '../../src/property.js';
import { dmaPage } from './machines.js';

export default defineModel<never, 'fixed'>({
  id: 'lint-names',
  title: 'lint trap: an unknown machine kind and instance id',
  summary: 'One page, DMA-mapped and migrated with the check.',
  sources: ['test fixture'],
  params: {},
  variants: {
    fixed: {
      doc: 'migration refuses a DMA-mapped page',
      flaws: [],
      expect: { 'no-migrate-under-dma': 'holds' },
    },
  },
  properties: [
    alwaysEach(
      'no-migrate-under-dma',
      'no page is migrated while DMA-mapped',
      'pgae',
      (s) => !s.matches('corrupt'),
    ),
  ],
  build: () => ({
    machines: [{ id: 'page0', machine: dmaPage }],
    events: [
      { actor: 'vfio', type: 'map', args: {}, sync: [{ machine: 'page0', event: { type: 'dmaMap' } }] },
      {
        actor: 'migrator',
        type: 'migrate',
        args: {},
        sync: [{ machine: 'page1', event: { type: 'migrate', check: true } }],
      },
    ],
  }),
});
