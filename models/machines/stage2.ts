// A guest stage-2 (secondary MMU) mapping of one page: what the hypervisor lets the
// guest reach. Sources: docs/designs-and-flaws.md D1 (Resource Manager memory parcels),
// D2 (fault-time sharing; MMU notifiers remove the mapping before core-mm moves the page).
//   unmapped | mapped
import { setup } from 'xstate';

export const stage2Machine = setup({
  types: { events: {} as { type: 'map' } | { type: 'unmap' } | { type: 'invalidate' } },
}).createMachine({
  id: 'stage2',
  initial: 'unmapped',
  states: {
    unmapped: { on: { map: 'mapped', invalidate: {} } },
    mapped: { on: { unmap: 'unmapped', invalidate: 'unmapped' } },
  },
});
