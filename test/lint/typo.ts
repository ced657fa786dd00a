// Lint trap: a participant event nobody handles. The VFIO map sends 'dmaMapp' (for
// 'dmaMap'), so the page is never DMA-mapped, the unchecked migration never meets a
// mapped page, and the invariant it should break "holds".
import { defineModel, type ModelDef } from '../../src/model.js';
import { alwaysEach } from '../../src/property.js';
import { dmaPage } from './machines.js';

export function typoModel(dmaEvent: string): ModelDef<never, 'checked' | 'unchecked'> {
  return defineModel<never, 'checked' | 'unchecked'>({
    id: 'lint-typo',
    title: 'lint trap: a misspelt participant event',
    summary: 'A page is DMA-mapped and migrated; the unchecked migration moves a mapped page.',
    sources: ['test fixture'],
    params: {},
    variants: {
      checked: {
        doc: 'migration refuses a DMA-mapped page',
        flaws: [],
        expect: { 'no-migrate-under-dma': 'holds' },
      },
      unchecked: {
        doc: 'migration does not look at DMA mappings',
        flaws: [],
        expect: { 'no-migrate-under-dma': 'violated' },
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
        {
          actor: 'vfio',
          type: 'map',
          args: { page: 0 },
          sync: [{ machine: 'page0', event: { type: dmaEvent } }],
        },
        {
          actor: 'vfio',
          type: 'unmap',
          args: { page: 0 },
          sync: [{ machine: 'page0', event: { type: 'dmaUnmap' } }],
        },
        {
          actor: 'migrator',
          type: 'migrate',
          args: { page: 0 },
          sync: [{ machine: 'page0', event: { type: 'migrate', check: variant === 'checked' } }],
        },
      ],
    }),
  });
}

export default typoModel('dmaMapp');
