// Properties of the engine itself, checked with fast-check over every shipped model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import { bfs } from '../src/explore/bfs.js';
import { dfs } from '../src/explore/dfs.js';
import { makeSpace } from '../src/explore/index.js';
import { InterpretedSpace } from '../src/explore/interpretedSpace.js';
import { pathTo } from '../src/explore/space.js';
import { runSync } from '../src/explore/strategy.js';
import { PropertyTracker } from '../src/explore/tracker.js';
import type { AnyModel } from '../src/model.js';
import { compileSystem, type CompiledSystem } from '../src/system.js';
import { enabledEvents, initialWorld, stepWorld, worldKey, type World } from '../src/world.js';

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

const systems: readonly CompiledSystem[] = models.flatMap((m) =>
  Object.keys(m.variants).map((v) =>
    compileSystem(m, m.id === 'bench' ? { pages: 2, converters: 1 } : defaults(m), v),
  ),
);
const system = fc.constantFrom(...systems);
const choices = fc.array(fc.nat(), { maxLength: 25 });

/** Folds a random walk: choice c picks among the enabled events. */
function walk(
  sys: CompiledSystem,
  picks: readonly number[],
): { keys: string[]; outcomes: string[]; events: number[] } {
  let world: World = initialWorld(sys);
  const keys = [worldKey(world)];
  const outcomes: string[] = [];
  const events: number[] = [];
  for (const c of picks) {
    const enabled = enabledEvents(sys, world);
    if (enabled.length === 0) break;
    const e = enabled[c % enabled.length] as number;
    const step = stepWorld(sys, world, e);
    if (step === undefined) throw new Error('enabled event refused');
    world = step.world;
    keys.push(worldKey(world));
    outcomes.push(step.outcome);
    events.push(e);
  }
  return { keys, outcomes, events };
}

describe('engine properties', () => {
  it('the fold is deterministic: the same log gives the same worlds and outcomes', () => {
    fc.assert(
      fc.property(system, choices, (sys, picks) => {
        const a = walk(sys, picks);
        const b = walk(sys, picks);
        expect(b).toEqual(a);
      }),
      { numRuns: 60 },
    );
  });

  it('event enumeration order is deterministic on equal worlds', () => {
    fc.assert(
      fc.property(system, choices, (sys, picks) => {
        const { events } = walk(sys, picks);
        let w1: World = initialWorld(sys);
        let w2: World = initialWorld(sys);
        for (const e of events) {
          w1 = (stepWorld(sys, w1, e) as { world: World }).world;
          w2 = (stepWorld(sys, w2, e) as { world: World }).world;
        }
        expect(w1).not.toBe(w2);
        expect(enabledEvents(sys, w2)).toEqual(enabledEvents(sys, w1));
      }),
      { numRuns: 60 },
    );
  });

  it('BFS and DFS reach the same set of states and the same verdicts', () => {
    fc.assert(
      fc.property(system, fc.boolean(), (sys, symmetry) => {
        const keysAndVerdicts = (strategy: typeof bfs): [string[], string[]] => {
          const space = new InterpretedSpace(sys, symmetry);
          const tracker = new PropertyTracker(sys);
          runSync(strategy(space, tracker, {}));
          const keys = Array.from({ length: space.size }, (_, i) => worldKey(space.worldAt(i))).sort();
          return [keys, tracker.found.map((f) => (f === undefined ? 'open' : 'decided'))];
        };
        expect(keysAndVerdicts(dfs)).toEqual(keysAndVerdicts(bfs));
      }),
      { numRuns: 20 },
    );
  });

  it('replaying the path to any explored state reproduces that state', () => {
    fc.assert(
      fc.property(system, fc.boolean(), fc.nat(), (sys, symmetry, pick) => {
        const space = new InterpretedSpace(sys, symmetry);
        runSync(bfs(space, new PropertyTracker(sys), {}));
        const i = pick % space.size;
        let world: World = initialWorld(sys);
        for (const e of pathTo(space, i)) {
          const step = stepWorld(sys, world, e);
          expect(step).toBeDefined();
          world = space.canonical((step as { world: World }).world);
        }
        expect(worldKey(world)).toBe(worldKey(space.worldAt(i)));
      }),
      { numRuns: 60 },
    );
  });

  it('compiled and interpreted spaces store the same states in the same order', () => {
    fc.assert(
      fc.property(system, fc.boolean(), (sys, symmetry) => {
        const a = makeSpace(sys, 'compiled', { symmetry }).space;
        const b = makeSpace(sys, 'interpret', { symmetry }).space;
        runSync(bfs(a, new PropertyTracker(sys), {}));
        runSync(bfs(b, new PropertyTracker(sys), {}));
        expect(a.size).toBe(b.size);
        for (let i = 0; i < a.size; i++) {
          expect([a.parentOf(i), a.eventOf(i)]).toEqual([b.parentOf(i), b.eventOf(i)]);
        }
      }),
      { numRuns: 20 },
    );
  });
});
