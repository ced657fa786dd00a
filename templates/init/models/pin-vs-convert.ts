// pin-vs-convert: the guest converts a shared page to private while the VMM may pin it (GUP).
// Written by `foliocheck init` as a starting point: make it your own design.
// Rule under test: a conversion refuses (EAGAIN) while the page is pinned. check-then-commit
// checks the pins one step before the commit and trusts the check (flaw F6 of foliocheck's
// catalogue); fixed re-checks at commit. Same events in both: the explorer finds the race.
import { assign, setup } from 'xstate';
import { always, defineModel, outcome, outcomeActions, participant, sometimes, worldEvent } from 'foliocheck';

type PageEvent = { type: 'pin' } | { type: 'check' } | { type: 'commit'; recheck: boolean };

const page = setup({
  types: { context: {} as { pins: number }, events: {} as PageEvent },
  actions: outcomeActions,
}).createMachine({
  id: 'page',
  initial: 'shared',
  context: { pins: 0 },
  states: {
    shared: {
      on: {
        pin: { guard: ({ context }) => context.pins === 0, actions: assign({ pins: 1 }) },
        check: [{ guard: ({ context }) => context.pins > 0, actions: outcome('EAGAIN') }, {}],
        commit: [
          { guard: ({ context, event }) => event.recheck && context.pins > 0, actions: outcome('EAGAIN') },
          { target: 'private' },
        ],
      },
    },
    private: { on: { pin: { actions: outcome('EFAULT') } } },
  },
});

/** The converter: check, then commit; a refused check (`prior` is not 'ok') ends the attempt. */
const converter = setup({
  types: { events: {} as { type: 'check'; prior: string } | { type: 'commit' } },
}).createMachine({
  id: 'converter',
  initial: 'idle',
  states: {
    idle: { on: { check: [{ guard: ({ event }) => event.prior === 'ok', target: 'checked' }, {}] } },
    checked: { on: { commit: { target: 'idle' } } },
  },
});

const expect = (pin: 'holds' | 'violated') =>
  ({ 'no-pin-on-private': pin, 'page-converts': 'reached' }) as const;

export default defineModel({
  id: 'pin-vs-convert',
  title: 'Shared→private conversion racing a GUP pin',
  summary: 'A converter makes a shared page private while the VMM pins it. Explored exhaustively.',
  sources: ['foliocheck flaw catalogue F6 (conversion while a GUP pin exists)'],
  params: {},
  variants: {
    fixed: { doc: 'the commit re-checks the pins', flaws: [], expect: expect('holds') },
    'check-then-commit': {
      doc: 'the commit trusts a check made one step earlier',
      flaws: ['F6'],
      fixedBy: 'fixed',
      expect: expect('violated'),
    },
  },
  properties: [
    always(
      'no-pin-on-private',
      'a private page is never pinned',
      (w) => !(w.get('page').matches('private') && w.get('page').context.pins > 0),
      // What the invariant is about: a run with no private page would hold vacuously.
      { premise: (w) => w.get('page').matches('private') },
    ),
    sometimes('page-converts', 'the page can become private (the design does not block conversion)', (w) =>
      w.get('page').matches('private'),
    ),
  ],
  build(_params, variant) {
    return {
      machines: [
        { id: 'page', machine: page },
        { id: 'converter', machine: converter },
      ],
      events: [
        worldEvent('vmm', 'pin', {}, [participant('page', { type: 'pin' })]),
        worldEvent('converter', 'check', {}, [
          participant('page', { type: 'check' }),
          participant('converter', { type: 'check' }, 'prior'), // receives the page's answer
        ]),
        worldEvent('converter', 'commit', {}, [
          participant('converter', { type: 'commit' }),
          participant('page', { type: 'commit', recheck: variant === 'fixed' }),
        ]),
      ],
    };
  },
});
