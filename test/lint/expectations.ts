// Lint trap: expectations that do not match the properties: one property has none (the
// check used to print '-' and exit 0), one expectation names no property.
import { defineModel } from '../../src/model.js';
import { alwaysEach, sometimes } from '../../src/property.js';
import { dmaPage } from './machines.js';

export default defineModel<never, 'fixed'>({
  id: 'lint-expectations',
  title: 'lint trap: a missing and a misspelt expectation',
  summary: 'One page, DMA-mapped and migrated with the check.',
  sources: ['test fixture'],
  params: {},
  variants: {
    fixed: {
      doc: 'migration refuses a DMA-mapped page',
      flaws: [],
      expect: { 'no-migrate-under-dmaa': 'holds' },
    },
  },
  properties: [
    alwaysEach(
      'no-migrate-under-dma',
      'no page is migrated while DMA-mapped',
      'page',
      (s) => !s.matches('corrupt'),
    ),
    sometimes('page-mapped', 'a page gets DMA-mapped', (w) => w.get('page0').matches('mapped')),
  ],
  build: () => ({
    machines: [{ id: 'page0', machine: dmaPage }],
    events: [
      { actor: 'vfio', type: 'map', args: {}, sync: [{ machine: 'page0', event: { type: 'dmaMap' } }] },
      {
        actor: 'migrator',
        type: 'migrate',
        args: {},
        sync: [{ machine: 'page0', event: { type: 'migrate', check: true } }],
      },
    ],
  }),
});
