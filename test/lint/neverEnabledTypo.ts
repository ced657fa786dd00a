// Lint trap: a neverEnabled declaration naming no world event (a misspelt type).
import { defineModel } from '../../src/model.js';
import { dmaPage } from './machines.js';
import { dmaEvents, noMigrateUnderDma } from './neverEnabledDeclared.js';

export default defineModel<never, 'no-map'>({
  id: 'lint-never-typo',
  title: 'lint trap: a never-enabled declaration that names no world event',
  summary: 'One page, never DMA-mapped, migrated with the check.',
  sources: ['test fixture'],
  params: {},
  variants: {
    'no-map': {
      doc: 'the device never maps the page',
      flaws: [],
      expect: { 'no-migrate-under-dma': 'holds' },
      neverEnabled: { 'vfio: unmapp': 'misspelt' },
    },
  },
  properties: [noMigrateUnderDma],
  build: () => ({ machines: [{ id: 'page0', machine: dmaPage }], events: dmaEvents(false) }),
});
