// Transition properties (neverTransition, sometimesTransition): judged per transition with
// the worlds before and after, in every space and strategy, under symmetry (concrete
// counterexamples), by the path folder and shrinker, and never by parallel workers.
import { describe, expect, it } from 'vitest';
import { checkRun, checkRunAsync } from '../src/check.js';
import { PathFolder } from '../src/fold.js';
import { neverTransition, sometimesTransition, type WorldView } from '../src/property.js';
import { replay } from '../src/replay.js';
import { firstFiring, shrinkPath } from '../src/shrink.js';
import { buildTrace } from '../src/trace.js';
import { agree, verdicts } from './fixtures/compare.js';
import { counterMachine, expecting, on, tinyModel } from './fixtures/apiModels.js';
import { worldEvent } from '../src/model.js';

const ids = ['c0', 'c1'];
const n = (w: WorldView, id: string): number => (w.get(id).context as { n: number }).n;

const model = tinyModel({
  id: 'jumps',
  machines: ids.map((id) => ({ id, machine: counterMachine })),
  events: (v) =>
    ids.flatMap((id, i) => [
      worldEvent('t', 'inc', { slot: i }, [on(id, 'inc')]),
      worldEvent('t', 'reset', { slot: i }, [on(id, 'reset')]),
      ...(v === 'jumpy' ? [worldEvent('t', 'double', { slot: i }, [on(id, 'inc'), on(id, 'inc')])] : []),
    ]),
  properties: [
    neverTransition('no-jump', 'no step raises a counter by more than one', (t) =>
      ids.some((id) => n(t.after, id) - n(t.before, id) > 1),
    ),
    sometimesTransition(
      'wraps',
      'some reset takes a full counter back to zero',
      (t) => t.type === 'reset' && ids.some((id) => n(t.before, id) === 3 && n(t.after, id) === 0),
    ),
  ],
  variants: {
    steady: expecting({ 'no-jump': 'holds', wraps: 'reached' }),
    jumpy: expecting({ 'no-jump': 'violated', wraps: 'reached' }),
  },
  symmetry: [['c0'], ['c1']],
});

describe('transition properties', () => {
  it('see the worlds before and after each step, in every engine and strategy', () => {
    expect(verdicts(agree(model, 'steady'))).toEqual({ 'no-jump': 'holds', wraps: 'reached' });
    const jumpy = agree(model, 'jumpy');
    expect(verdicts(jumpy)).toEqual({ 'no-jump': 'violated', wraps: 'reached' });
    const path = jumpy.properties[0]?.path ?? [];
    expect(path.map((e) => jumpy.system.events[e]?.type)).toEqual(['double']);
    expect(jumpy.properties[1]?.path?.map((e) => jumpy.system.events[e]?.type)).toEqual([
      'inc',
      'double',
      'reset',
    ]);
  });

  it('under symmetry the counterexample is a concrete run whose last transition fires', () => {
    for (const engine of ['compiled', 'interpret'] as const) {
      const r = checkRun(model, {}, 'jumpy', { engine, strategy: 'bfs', symmetry: true });
      expect(r.symmetry).toBe(true);
      r.properties.forEach((p, i) => {
        const path = p.path ?? [];
        expect(firstFiring(r.system, i, path)).toBe(path.length);
      });
    }
  });

  it('the path folder agrees with plain interpretation, and the shrinker keeps the firing step', () => {
    const r = checkRun(model, {}, 'jumpy', { engine: 'compiled', strategy: 'bfs', symmetry: false });
    const sys = r.system;
    const folder = new PathFolder(sys);
    const long = [0, 3, 1, 4, 3, 2];
    for (const p of [0, 1]) expect(folder.firstFiring(p, long)).toBe(firstFiring(sys, p, long));
    expect(firstFiring(sys, 0, long)).toBe(6);
    expect(shrinkPath(sys, 0, long).path.map((e) => sys.events[e]?.type)).toEqual(['double']);
  });

  it('a transition counterexample replays from its trace', () => {
    const r = checkRun(model, {}, 'jumpy', { engine: 'compiled', strategy: 'bfs', symmetry: true });
    const trace = buildTrace(
      r.system,
      { name: 'no-jump', kind: 'always', verdict: 'violated' },
      r.properties[0]?.path ?? [],
      null,
    );
    const rep = replay(model, trace, { force: false });
    expect(rep.reproduced).toBe(true);
    expect(rep.verdictMessage).toContain('on the last step');
    const clean = buildTrace(
      r.system,
      { name: 'no-jump', kind: 'always', verdict: 'violated' },
      [0, 0],
      null,
    );
    expect(replay(model, clean, { force: false }).reproduced).toBe(false);
  });

  it('parallel BFS falls back to one thread and gives the same verdicts', async () => {
    const seq = checkRun(model, {}, 'jumpy', { engine: 'compiled', strategy: 'bfs', symmetry: false });
    const par = await checkRunAsync(model, {}, 'jumpy', {
      engine: 'compiled',
      strategy: 'bfs',
      symmetry: false,
      workers: 2,
    });
    expect(par.workers).toBe(1);
    expect(verdicts(par)).toEqual(verdicts(seq));
    expect(par.properties.map((p) => p.path)).toEqual(seq.properties.map((p) => p.path));
  });
});
