// Lint trap: a precondition written in one region of a parallel machine. The cache region
// accepts finishPunch only when the page cache is empty, but the punch region takes
// finishPunch too, so XState accepts it with the cache still present.
import { defineModel, type ModelDef } from '../../src/model.js';
import { alwaysEach } from '../../src/property.js';
import { cachePage } from './machines.js';

/**
 * `style` as in cachePage; 'requires' is the trap machine with the precondition stated on
 * the participant that sends finishPunch instead.
 */
export function preconditionModel(
  style: 'trap' | 'explicit' | 'independent' | 'requires',
): ModelDef<never, 'fixed'> {
  return defineModel<never, 'fixed'>({
    id: 'lint-precondition',
    title: 'lint trap: a precondition in one region of a parallel machine',
    summary: 'A hole punch finishes only once the page cache is empty.',
    sources: ['test fixture'],
    params: {},
    variants: {
      fixed: {
        doc: 'finishing the punch requires an empty cache',
        flaws: [],
        expect: { 'punch-empties-cache': 'holds' },
      },
    },
    properties: [
      alwaysEach(
        'punch-empties-cache',
        'a finished punch leaves no cached page',
        'cachePage',
        (s) => !s.matches({ cache: 'present', punch: 'done' }),
      ),
    ],
    build: () => ({
      machines: [{ id: 'page0', machine: cachePage(style === 'requires' ? 'trap' : style) }],
      events: ['beginPunch', 'evict', 'finishPunch'].map((type) => ({
        actor: 'fs',
        type,
        args: { page: 0 },
        sync: [
          style === 'requires' && type === 'finishPunch'
            ? { machine: 'page0', event: { type }, requires: 'cache.absent' }
            : { machine: 'page0', event: { type } },
        ],
      })),
    }),
  });
}

export default preconditionModel('trap');
