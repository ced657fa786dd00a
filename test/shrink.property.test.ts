// The shrinker: fast-check properties (never grows a trace, never changes which property
// fires, the result still replays) and the argument simplification it promises.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import guestMemfd from '../models/guest-memfd-inplace.js';
import { checkRun } from '../src/check.js';
import type { AnyModel } from '../src/model.js';
import { isSafety } from '../src/property.js';
import { replay } from '../src/replay.js';
import { firstFiring, shrinkPath } from '../src/shrink.js';
import { compareValue } from '../src/simplify.js';
import { compileSystem, eventIdentity, type CompiledSystem } from '../src/system.js';
import { buildTrace } from '../src/trace.js';
import { PathFolder } from '../src/fold.js';
import { shortestCounterexample } from './helpers.js';

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

/** Variants with at least one safety property that can fire (flawed, or sometimes-properties). */
const systems: readonly CompiledSystem[] = models
  .filter((m) => m.id !== 'bench')
  .flatMap((m) => Object.keys(m.variants).map((v) => compileSystem(m, defaults(m), v)));

const folders = new Map(systems.map((s) => [s, new PathFolder(s)]));
const folderOf = (sys: CompiledSystem): PathFolder => folders.get(sys) ?? new PathFolder(sys);

/** A random walk over enabled events from state `from`: pick c chooses among them. */
function walk(sys: CompiledSystem, picks: readonly number[], from = 0): number[] {
  const folder = folderOf(sys);
  let cur = from;
  const path: number[] = [];
  for (const c of picks) {
    const { child } = folder.successors(cur);
    const enabled = [...child.keys()].filter((e) => (child[e] as number) >= 0);
    if (enabled.length === 0) break;
    const e = enabled[c % enabled.length] as number;
    cur = child[e] as number;
    path.push(e);
  }
  return path;
}

/** Safety properties that fire along the path (violated or witnessed somewhere on it). */
function firing(sys: CompiledSystem, path: readonly number[]): number[] {
  return sys.properties.flatMap((p, i) =>
    isSafety(p) && folderOf(sys).firstFiring(i, path) !== undefined ? [i] : [],
  );
}

describe('shrinking', () => {
  it('never grows a trace, keeps the same property firing at its end, and the result replays', () => {
    const input = fc.record({
      sys: fc.constantFrom(...systems),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
      which: fc.nat(),
    });
    fc.assert(
      fc.property(input, ({ sys, picks, which }) => {
        const path = walk(sys, picks);
        const props = firing(sys, path);
        fc.pre(props.length > 0);
        const p = props[which % props.length] as number;
        const result = shrinkPath(sys, p, path, undefined, folderOf(sys));
        expect(result.path.length).toBeLessThanOrEqual(path.length);
        expect(result.removed).toBe(path.length - result.path.length);
        expect(folderOf(sys).firstFiring(p, result.path)).toBe(result.path.length);
        // The interpreted reference agrees with the compiled fold.
        expect(firstFiring(sys, p, result.path)).toBe(result.path.length);
        const prop = sys.properties[p];
        const verdict = prop?.kind === 'always' ? 'violated' : 'reached';
        const trace = buildTrace(sys, { name: prop?.name ?? '', kind: prop?.kind ?? 'always', verdict }, [
          ...result.path,
        ]);
        const model = models.find((m) => m.id === sys.modelId) as AnyModel;
        expect(replay(model, trace, { force: false }).reproduced).toBe(true);
        expect(shrinkPath(sys, p, path, undefined, folderOf(sys))).toEqual(result);
      }),
      { numRuns: 20 },
    );
  });

  it('shrinks a padded counterexample back to the length of the shortest one', () => {
    const sys = compileSystem(guestMemfd, defaults(guestMemfd), 'no-pin-check');
    const folder = new PathFolder(sys);
    const run = checkRun(guestMemfd, defaults(guestMemfd), 'no-pin-check', {
      engine: 'compiled',
      strategy: 'bfs',
      symmetry: false,
      maxDepth: undefined,
      maxStates: undefined,
    });
    const p = sys.properties.findIndex((q) => q.name === 'no-pin-on-private');
    const shortest = run.properties[p]?.path ?? [];
    expect(shortest.length).toBeGreaterThan(2);
    // Walk noise first, then the shortest counterexample where it still folds.
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (noise) => {
        const padded = walk(sys, noise, 0);
        let cur = padded.reduce((i, e) => folder.successors(i).child[e] as number, 0);
        for (const e of shortest) {
          const child = folder.successors(cur).child[e] as number;
          if (child < 0) continue;
          cur = child;
          padded.push(e);
        }
        fc.pre(folder.firstFiring(p, padded) !== undefined);
        const result = shrinkPath(sys, p, padded, undefined, folder);
        expect(result.path.length).toBeLessThanOrEqual(Math.min(padded.length, shortest.length + 1));
      }),
      { numRuns: 25 },
    );
  });

  it('prefers the lowest page index: a race on page 1 becomes the same race on page 0', () => {
    const params = { ...defaults(guestMemfd), folios: 2 };
    const cx = shortestCounterexample(guestMemfd, params, 'check-before-unmap', 'no-host-map-of-private');
    const { sys, p, path: onPage0 } = cx;
    const onPage1 = onPage0.map((e) => {
      const ev = sys.events[e];
      if (ev === undefined || ev.args['page'] !== 0) return e;
      return sys.eventIndex.get(eventIdentity(ev.actor, ev.type, { ...ev.args, page: 1 })) as number;
    });
    expect(onPage1).not.toEqual(onPage0);
    expect(firstFiring(sys, p, onPage1)).toBe(onPage1.length);
    const result = shrinkPath(sys, p, onPage1);
    const pages = result.path.map((e) => sys.events[e]?.args['page']).filter((x) => x !== undefined);
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.every((x) => x === 0)).toBe(true);
    expect(result.simplified).toBeGreaterThan(0);
    expect(result.path.length).toBe(onPage0.length);
  });

  it('prefers the first of interchangeable actors: converter1 becomes converter0 in every step', () => {
    const params = { ...defaults(guestMemfd), converters: 2 };
    const cx = shortestCounterexample(guestMemfd, params, 'check-before-unmap', 'no-host-map-of-private');
    const { sys, p, path: byConverter0 } = cx;
    const byConverter1 = byConverter0.map((e) => {
      const ev = sys.events[e];
      if (ev?.actor !== 'converter0') return e;
      return sys.eventIndex.get(eventIdentity('converter1', ev.type, ev.args)) as number;
    });
    expect(byConverter1).not.toEqual(byConverter0);
    expect(firstFiring(sys, p, byConverter1)).toBe(byConverter1.length);
    const actors = shrinkPath(sys, p, byConverter1).path.map((e) => sys.events[e]?.actor);
    expect(actors).toContain('converter0');
    expect(actors).not.toContain('converter1');
  });

  it('orders argument values by simplicity', () => {
    expect([3, -1, 0, true, false, 'bb', 'a'].sort(compareValue)).toEqual([false, true, 0, -1, 3, 'a', 'bb']);
  });
});
