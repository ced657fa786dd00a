// Lint trap: a refusal on the parallel machine itself that a region shadows: converting a
// mapped page should answer EAGAIN, but the attr region takes every conversion.
import { defineModel } from '../../src/model.js';
import { sometimesStep } from '../../src/property.js';
import { shadowedPage } from './machines.js';

export default defineModel<never, 'fixed'>({
  id: 'lint-shadowed',
  title: 'lint trap: a parallel machine transition that a region shadows',
  summary: 'A page is mapped and converted; converting a mapped page is refused.',
  sources: ['test fixture'],
  params: {},
  variants: {
    fixed: {
      doc: 'conversion refuses a mapped page',
      flaws: [],
      expect: { 'mapped-conversion-refused': 'reached' },
    },
  },
  properties: [
    sometimesStep('mapped-conversion-refused', 'a conversion is refused', (s) => s.outcome === 'EAGAIN'),
  ],
  build: () => ({
    machines: [{ id: 'page0', machine: shadowedPage }],
    events: [
      { actor: 'vmm', type: 'map', args: {}, sync: [{ machine: 'page0', event: { type: 'map' } }] },
      { actor: 'vmm', type: 'convert', args: {}, sync: [{ machine: 'page0', event: { type: 'convert' } }] },
    ],
  }),
});
