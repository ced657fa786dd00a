// memfd + F_SEAL_GUEST (D3): F23, F4 and F5 are found within §3's bound and their fixes hold.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import model, {
  AS_INACCESSIBLE,
  AS_UNEVICTABLE,
  memfdMachine,
  skipsZeroing,
} from '../../models/memfd-seal-guest.js';
import { outcomeOf } from '../../src/outcome.js';
import { expectFlaw, run } from './flaw.js';

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

  it('F5: the AS_INACCESSIBLE mask guard does not stop the zeroing; the bit test does', () => {
    expect(expectFlaw(model, 'inaccessible-mask', 'no-kernel-access-to-private', 4)).toEqual([
      'seal:ok',
      'populate:ok',
      'getRef:ok',
      'punchTail:#MCE',
    ]);
  });

  it('the mask reads bits 1 and 3: it skips zeroing only when AS_UNEVICTABLE happens to be set', () => {
    const inaccessible = 1 << AS_INACCESSIBLE;
    const unevictable = 1 << AS_UNEVICTABLE;
    expect([
      skipsZeroing('mask', inaccessible),
      skipsZeroing('mask', inaccessible | unevictable),
      skipsZeroing('bit', inaccessible),
      skipsZeroing('bit', unevictable),
      skipsZeroing('none', inaccessible),
    ]).toEqual([false, true, true, false, false]);
    const benign = run(model, 'inaccessible-mask', { unevictable: 1 });
    expect(benign.properties.find((p) => p.name === 'no-kernel-access-to-private')?.verdict).toBe('holds');
  });

  it('F_SEAL_GUEST waits while a serialized writer holds inode_lock, and refuses a file with pages', () => {
    const seal = { type: 'seal', sizeCheck: true, flags: 1 << AS_INACCESSIBLE } as const;
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
