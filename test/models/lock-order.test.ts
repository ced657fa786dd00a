// lock-order: the waits-for cycle is the catalogue's interleaving, every stuck state of the
// flawed orders has one, and the fixed orders have no stuck state at all (what the
// deadlock-free progress property will report once the graph judge is merged).
import { describe, expect, it } from 'vitest';
import model from '../../models/lock-order.js';
import { canReachStep, lockOrderDeadlockFree, noLockCycle } from '../../properties/lockOrder.js';
import { shortest } from './counterexamples.js';
import { run } from './flaw.js';
import type { WorldView } from '../../src/property.js';
import { judgeOnGraph, reachableGraph, stuckStates } from './graph.js';

const cycle = noLockCycle(['populate', 'faulter', 'munmap', 'prefault', 'deleter']);
/** The names of the properties judged in variant `v` only. */
const names = (v: keyof typeof model.variants): string[] =>
  (model.variants[v].properties ?? []).map((p) => p.name);
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

  it('progress properties on the explicit graph: each scenario judges its own thread', () => {
    const populate = canReachStep('populate-can-complete', 'populate', 'populating', 'populate finishing');
    const deleter = canReachStep(
      'delete-can-complete',
      'deleter',
      'synced',
      'the memslot deletion finishing',
    );
    const verdicts = Object.fromEntries(
      Object.keys(model.variants).map((v) => {
        const g = reachableGraph(model, v, { mmapWriters: 1 });
        const own = v.startsWith('populate') ? populate : deleter;
        return [v, [lockOrderDeadlockFree(), own].map((p) => judgeOnGraph(g, p)).join(',')];
      }),
    );
    expect(verdicts).toEqual({
      'populate-gup-under-lock': 'violated,violated',
      'populate-gup-first': 'holds,holds',
      'prefault-retry': 'violated,violated',
      'prefault-eagain': 'holds,holds',
    });
  });

  it('each progress property is judged only in the variants whose thread it names', () => {
    expect(names('populate-gup-under-lock')).toEqual(['populate-can-complete', 'populate-completes']);
    expect(names('prefault-eagain')).toEqual(['delete-can-complete', 'memslot-deleted']);
  });

  it('the fixed orders hold the cycle property with the threads contending (not vacuously)', () => {
    for (const v of ['populate-gup-first', 'prefault-eagain']) {
      const r = run(model, v);
      expect(r.properties.find((p) => p.name === 'no-lock-cycle')).toMatchObject({
        verdict: 'holds',
        premise: 'met',
      });
    }
  });

  it('every world event names the kernel function or lock it stands for', () => {
    for (const v of Object.keys(model.variants))
      for (const e of run(model, v).system.events) expect(e.kernel ?? '').not.toBe('');
  });

  it('without a queued mmap_lock writer the reader-reader orders cannot deadlock', () => {
    expect(shortest(model, 'populate-gup-under-lock', 'no-lock-cycle', { mmapWriters: 0 }).verdict).toBe(
      'holds',
    );
    expect(stuckStates(reachableGraph(model, 'populate-gup-under-lock', { mmapWriters: 0 }))).toEqual([]);
  });
});
