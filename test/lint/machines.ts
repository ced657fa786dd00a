// Small machines for the lint's trap models: a DMA-mappable page, and a page whose cache
// and hole-punch are two regions of one parallel machine.
import { setup, stateIn, type AnyStateMachine } from 'xstate';
import { outcome, outcomeActions } from '../../src/outcome.js';

/**
 * A page that can be DMA-mapped and migrated. `migrate` with `check` refuses a mapped page
 * (EBUSY); without it the page is migrated under the device's feet ('corrupt').
 */
export const dmaPage = setup({
  types: { events: {} as { type: 'dmaMap' } | { type: 'dmaUnmap' } | { type: 'migrate'; check: boolean } },
  actions: { ...outcomeActions },
}).createMachine({
  id: 'page',
  initial: 'idle',
  states: {
    idle: { on: { dmaMap: 'mapped', migrate: {} } },
    mapped: {
      on: {
        dmaUnmap: 'idle',
        migrate: [{ guard: ({ event }) => event.check, actions: outcome('EBUSY') }, { target: 'corrupt' }],
      },
    },
    corrupt: {},
  },
});

/**
 * A page cache index with a hole punch in two steps. `finishPunch` should require the
 * cache to be empty: the `cache` region says so by accepting it only in `absent`, which
 * XState ignores whenever the `punch` region takes the event (`trap`); `explicit`
 * guards the punch region's transition with stateIn instead, and `independent` declares
 * that the regions react independently (so the lint accepts the trap as intended).
 */
export function cachePage(style: 'trap' | 'explicit' | 'independent'): AnyStateMachine {
  const finish = style === 'explicit' ? { guard: 'cacheEmpty' as const, target: 'done' } : { target: 'done' };
  return setup({
    types: { events: {} as { type: 'evict' } | { type: 'beginPunch' } | { type: 'finishPunch' } },
    guards: { cacheEmpty: stateIn('#cachePage.cache.absent') },
  }).createMachine({
    id: 'cachePage',
    type: 'parallel',
    ...(style === 'independent' ? { meta: { foliocheck: { independentEvents: ['finishPunch'] } } } : {}),
    states: {
      cache: {
        initial: 'present',
        states: {
          present: { on: { evict: 'absent' } },
          absent: { on: { finishPunch: {} } },
        },
      },
      punch: {
        initial: 'idle',
        states: {
          idle: { on: { beginPunch: 'punching' } },
          punching: { on: { finishPunch: finish } },
          done: {},
        },
      },
    },
  });
}

/**
 * A page whose conversion refusal is written on the parallel machine itself: XState
 * takes it only when no region takes `convert`, and the `attr` region always does.
 */
export const shadowedPage = setup({
  types: { events: {} as { type: 'map' } | { type: 'convert' } },
  actions: { ...outcomeActions },
  guards: { mapped: stateIn('#shadowedPage.host.mapped') },
}).createMachine({
  id: 'shadowedPage',
  type: 'parallel',
  on: { convert: { guard: 'mapped', actions: outcome('EAGAIN') } },
  states: {
    attr: {
      initial: 'shared',
      states: { shared: { on: { convert: 'private' } }, private: {} },
    },
    host: {
      initial: 'unmapped',
      states: { unmapped: { on: { map: 'mapped' } }, mapped: {} },
    },
  },
});
