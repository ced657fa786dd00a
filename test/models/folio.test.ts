// The refcounted folio of the machine library (models/machines/folio.ts): references
// belong to the folio, a referenced folio punched out of the file stays allocated until the
// last reference goes, split fails on an extra reference, merge refuses a transient one.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { refFolioMachine, type RefFolioContext, type RefFolioEvent } from '../../models/machines/folio.js';
import { outcomeOf } from '../../src/outcome.js';

/** Applies `events` in turn; returns the final snapshot and each step's outcome ('-' when not enabled). */
function apply(
  events: readonly RefFolioEvent[],
  input: { pages?: number; maxRefs?: number } = {},
): { s: AnyMachineSnapshot; outcomes: string[] } {
  let [s] = initialTransition(refFolioMachine, input);
  const outcomes = events.map((e) => {
    if (refFolioMachine.getTransitionData(s, e).length === 0) return '-';
    const [next, actions] = transition(refFolioMachine, s, e);
    s = next;
    return outcomeOf(actions);
  });
  return { s, outcomes };
}

const ctx = (s: AnyMachineSnapshot): RefFolioContext => s.context as RefFolioContext;

describe('refFolio', () => {
  it('truncate of a pinned folio leaves it allocated out of the file; the last unpin frees it', () => {
    const { s, outcomes } = apply([
      { type: 'alloc' },
      { type: 'map' },
      { type: 'pin' },
      { type: 'truncate' },
    ]);
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(s.value).toBe('truncated');
    expect(ctx(s)).toMatchObject({ pins: 1, maps: 0 });
    const [freed] = transition(refFolioMachine, s, { type: 'unpin' });
    expect(freed.value).toBe('free');
    // An unreferenced folio is freed by the truncate itself; a pin needs a mapping.
    expect(apply([{ type: 'alloc' }, { type: 'truncate' }]).s.value).toBe('free');
    expect(apply([{ type: 'alloc' }, { type: 'pin' }]).outcomes).toEqual(['ok', '-']);
  });

  it('a DMA mapping or a FOLL_GET reference keeps a truncated folio too; an untracked LRU batch does not', () => {
    const dma = apply([{ type: 'alloc' }, { type: 'map' }, { type: 'dmaMap' }, { type: 'truncate' }]);
    expect(dma.s.value).toBe('truncated');
    expect(apply([{ type: 'alloc' }, { type: 'get' }, { type: 'truncate' }]).s.value).toBe('truncated');
    const batch = [{ type: 'alloc' }, { type: 'lruAdd' }] as const;
    expect(apply([...batch, { type: 'truncate' }]).s.value).toBe('truncated');
    expect(apply([...batch, { type: 'truncate', untrackBatch: true }]).s.value).toBe('free');
    expect(apply([...batch, { type: 'truncate' }, { type: 'lruDrain' }]).s.value).toBe('free');
  });

  it('the reference check: refcount sees pins and undrained batches, mapcount sees mappings only', () => {
    const pinned = [{ type: 'alloc' }, { type: 'map' }, { type: 'pin' }, { type: 'unmap' }] as const;
    expect(apply([...pinned, { type: 'checkRefs', drain: true, sees: 'refcount' }]).outcomes.at(-1)).toBe(
      'EAGAIN',
    );
    expect(apply([...pinned, { type: 'checkRefs', drain: true, sees: 'mapcount' }]).outcomes.at(-1)).toBe(
      'ok',
    );
    const batched = [{ type: 'alloc' }, { type: 'lruAdd' }] as const;
    expect(apply([...batched, { type: 'checkRefs', drain: false, sees: 'refcount' }]).outcomes.at(-1)).toBe(
      'EAGAIN',
    );
    const drained = apply([...batched, { type: 'checkRefs', drain: true, sees: 'refcount' }]);
    expect(drained.outcomes.at(-1)).toBe('ok');
    expect(ctx(drained.s).transient).toBe(false);
  });

  it('split fails with EAGAIN on an extra reference and succeeds without; merge refuses a transient reference', () => {
    const large = { pages: 2 };
    expect(
      apply([{ type: 'alloc' }, { type: 'get' }, { type: 'split', keepMaps: 0 }], large).outcomes,
    ).toEqual(['ok', 'ok', 'EAGAIN']);
    const split = apply([{ type: 'alloc' }, { type: 'split', keepMaps: 0 }], large);
    expect(ctx(split.s).pages).toBe(1);
    expect(apply([{ type: 'split', keepMaps: 0 }]).outcomes).toEqual(['-']); // order-0: nothing to split
    const [tail] = transition(refFolioMachine, initialTransition(refFolioMachine)[0], {
      type: 'adopt',
      maps: 1,
    });
    expect(tail.value).toBe('cached');
    expect(ctx(tail)).toMatchObject({ pages: 1, maps: 1 });
    const [batched] = transition(refFolioMachine, split.s, { type: 'lruAdd' });
    expect(
      refFolioMachine.getTransitionData(batched as never, { type: 'merge', tailMaps: 1 } as never),
    ).toHaveLength(0);
    const [merged] = transition(refFolioMachine, split.s, { type: 'merge', tailMaps: 1 });
    expect(ctx(merged)).toMatchObject({ pages: 2, maps: 1 });
    const [gone] = transition(refFolioMachine, tail, { type: 'mergeTail' });
    expect(gone.value).toBe('free');
  });
});
