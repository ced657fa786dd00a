// pin-vs-convert: the guest converts a shared page to private while the VMM may pin it with
// GUP. Written by `foliocheck init` as a starting point: make it your own design.
//
// The design rule under test: a conversion must refuse (-EAGAIN) while the page is pinned,
// checked atomically with the commit. In the flawed variant the converter checks the pin
// count in one step and commits in a later one, trusting the check; a pin taken between the
// two survives the conversion (flaw F6 of foliocheck's flaw catalogue). The fixed variant
// re-checks the pin count at commit. Both variants have the same events; only the rule
// differs, and the explorer finds the interleaving. Bound: exhaustive (two machines).
import { assign, setup } from 'xstate';
import { always, defineModel, outcome, outcomeActions, participant, sometimes } from 'foliocheck';

type PageEvent =
  { type: 'pin' } | { type: 'unpin' } | { type: 'check' } | { type: 'commit'; recheck: boolean };

/** One page: shared or private, with the count of GUP pins on it (at most one here). */
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
        unpin: { guard: ({ context }) => context.pins > 0, actions: assign({ pins: 0 }) },
        check: [{ guard: ({ context }) => context.pins > 0, actions: outcome('EAGAIN') }, {}],
        commit: [
          { guard: ({ context, event }) => event.recheck && context.pins > 0, actions: outcome('EAGAIN') },
          { target: 'private' },
        ],
      },
    },
    private: {
      on: {
        pin: { actions: outcome('EFAULT') },
        unpin: { guard: ({ context }) => context.pins > 0, actions: assign({ pins: 0 }) },
      },
    },
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

export default defineModel({
  id: 'pin-vs-convert',
  title: 'Shared→private conversion racing a GUP pin',
  summary:
    'A converter makes a shared page private while the VMM pins and unpins it. check-then-commit checks the pin count before the commit; fixed re-checks it at commit. Explored exhaustively.',
  sources: ['foliocheck flaw catalogue F6 (conversion while a GUP pin exists)'],
  params: {},
  variants: {
    fixed: {
      doc: 'the commit re-checks the pin count and refuses with EAGAIN',
      flaws: [],
      expect: { 'no-pin-on-private': 'holds', 'conversion-completes': 'reached' },
    },
    'check-then-commit': {
      doc: 'the pin count is checked one step before the commit, which trusts it',
      flaws: ['F6'],
      fixedBy: 'fixed',
      expect: { 'no-pin-on-private': 'violated', 'conversion-completes': 'reached' },
    },
  },
  properties: [
    always('no-pin-on-private', 'a private page is never pinned (the host could reach guest memory)', (w) => {
      const p = w.get('page');
      return !(p.matches('private') && p.context.pins > 0);
    }),
    sometimes('conversion-completes', 'the page can become private (the model is not vacuous)', (w) =>
      w.get('page').matches('private'),
    ),
  ],
  build(_params, variant) {
    const recheck = variant === 'fixed';
    return {
      machines: [
        { id: 'page', machine: page },
        { id: 'converter', machine: converter },
      ],
      events: [
        { actor: 'vmm', type: 'pin', args: {}, sync: [participant('page', { type: 'pin' })] },
        { actor: 'vmm', type: 'unpin', args: {}, sync: [participant('page', { type: 'unpin' })] },
        {
          actor: 'converter',
          type: 'check',
          args: {},
          sync: [
            participant('page', { type: 'check' }),
            participant('converter', { type: 'check' }, 'prior'),
          ],
        },
        {
          actor: 'converter',
          type: 'commit',
          args: {},
          sync: [
            participant('converter', { type: 'commit' }),
            participant('page', { type: 'commit', recheck }),
          ],
        },
      ],
    };
  },
});
