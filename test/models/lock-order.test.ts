// lock-order: the waits-for cycle is the catalogue's interleaving, every stuck state of the
// flawed orders has one, and the fixed orders have no stuck state at all (what the
// deadlock-free progress property will report once the graph judge is merged).
import { describe, expect, it } from 'vitest';
import model from '../../models/lock-order.js';
import { canReachStep, lockOrderDeadlockFree, noLockCycle } from '../../properties/lockOrder.js';
import { shortest } from './counterexamples.js';
import type { WorldView } from '../../src/property.js';
import { judgeOnGraph, reachableGraph, stuckStates } from './graph.js';

const cycle = noLockCycle(['populate', 'faulter', 'munmap', 'prefault', 'deleter']);
const hasCycle = (v: WorldView | undefined): boolean =>
  v !== undefined && cycle.over === 'state' && !cycle.test(v);

describe('lock-order', () => {
  it('populate: AB-BA through a queued mmap_lock writer', () => {
    expect(shortest(model, 'populate-gup-under-lock', 'no-lock-cycle').path).toEqual([
      'populate: lockRequest()',
      'populate: lock()',
      'faulter: fault()',
      'munmap: mmapRequest()',
    ]);
  });

  it('prefault: the retry loop inside SRCU and synchronize_srcu wait for each other', () => {
    expect(shortest(model, 'prefault-retry', 'no-lock-cycle').path).toEqual([
      'prefault: srcuLock()',
      'deleter: markInvalid()',
      'deleter: syncBegin()',
    ]);
  });

  for (const [flawed, fixed] of [
    ['populate-gup-under-lock', 'populate-gup-first'],
    ['prefault-retry', 'prefault-eagain'],
  ] as const) {
    it(`${flawed}: stuck states exist and each is a lock cycle; ${fixed} has none`, () => {
      const g = reachableGraph(model, flawed, { mmapWriters: 1 });
      const stuck = stuckStates(g);
      expect(stuck.length).toBeGreaterThan(0);
      for (const i of stuck) expect(hasCycle(g.views[i])).toBe(true);
      expect(stuckStates(reachableGraph(model, fixed, { mmapWriters: 1 }))).toEqual([]);
    });
  }

  it('progress properties for the graph judge: expected verdicts on the explicit graph', () => {
    const props = [
      lockOrderDeadlockFree(),
      canReachStep('populate-can-complete', 'populate', 'populating', 'populate finishing'),
      canReachStep('delete-can-complete', 'deleter', 'synced', 'the memslot deletion finishing'),
    ];
    const verdicts = Object.fromEntries(
      Object.keys(model.variants).map((v) => {
        const g = reachableGraph(model, v, { mmapWriters: 1 });
        return [v, props.map((p) => judgeOnGraph(g, p)).join(',')];
      }),
    );
    expect(verdicts).toEqual({
      'populate-gup-under-lock': 'violated,violated,holds',
      'populate-gup-first': 'holds,holds,holds',
      'prefault-retry': 'violated,holds,violated',
      'prefault-eagain': 'holds,holds,holds',
    });
  });

  it('without a queued mmap_lock writer the reader-reader orders cannot deadlock', () => {
    expect(shortest(model, 'populate-gup-under-lock', 'no-lock-cycle', { mmapWriters: 0 }).verdict).toBe(
      'holds',
    );
    expect(stuckStates(reachableGraph(model, 'populate-gup-under-lock', { mmapWriters: 0 }))).toEqual([]);
  });
});
