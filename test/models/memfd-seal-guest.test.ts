// memfd + F_SEAL_GUEST (D3): F23 and F4 are found within §3's bound and their fixes hold.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import model, { memfdMachine } from '../../models/memfd-seal-guest.js';
import { outcomeOf } from '../../src/outcome.js';
import { expectFlaw } from './flaw.js';

describe('memfd-seal-guest', () => {
  it('F23: a write that checked the seal before it was set lands in the sealed file', () => {
    expect(expectFlaw(model, 'unserialized-seal', 'seal-excludes-host-writes', 4)).toEqual([
      'writeCheck:ok',
      'seal:ok',
      'writeCommit:ok',
    ]);
  });

  it('F4: a partial punch whose split fails zeroes the private tail page (#MCE)', () => {
    expect(expectFlaw(model, 'zero-on-split-failure', 'no-kernel-access-to-private', 4)).toEqual([
      'seal:ok',
      'populate:ok',
      'getRef:ok',
      'punchTail:#MCE',
    ]);
  });

  it('F_SEAL_GUEST waits while a serialized writer holds inode_lock, and refuses a file with pages', () => {
    const seal = { type: 'seal', sizeCheck: true } as const;
    const [fresh] = initialTransition(memfdMachine);
    const [checked] = transition(memfdMachine, fresh, { type: 'writeCheck', locked: true });
    expect(memfdMachine.getTransitionData(checked, seal)).toHaveLength(0);
    const [written] = transition(memfdMachine, checked, { type: 'writeCommit', locked: true });
    const [, actions] = transition(memfdMachine, written, seal);
    expect(outcomeOf(actions)).toBe('EBUSY');
    const [, sealed] = transition(memfdMachine, fresh, seal);
    expect(outcomeOf(sealed)).toBe('ok');
  });
});
