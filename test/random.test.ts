// Random walks and their generator: determinism by seed, bounded memory, valid findings.
import { describe, expect, it } from 'vitest';
import guestMemfd from '../models/guest-memfd-inplace.js';
import { randomWalks } from '../src/explore/random.js';
import { swarmJob } from '../src/explore/swarm.js';
import { PathFolder } from '../src/fold.js';
import { deriveSeed, makeRng } from '../src/rng.js';
import { compileSystem } from '../src/system.js';

const sys = compileSystem(guestMemfd, { folios: 2, pagesPerFolio: 1, converters: 1 }, 'no-pin-check');

/** 200 draws below 7 from a generator seeded with `seed`. */
function draw(seed: number): number[] {
  const rng = makeRng(seed);
  return Array.from({ length: 200 }, () => rng.below(7));
}

describe('rng', () => {
  it('is deterministic by seed, stays in range, and derived seeds differ per job', () => {
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    expect(draw(2 ** 40 + 3)).not.toEqual(draw(3));
    expect(draw(3).every((v) => v >= 0 && v < 7)).toBe(true);
    expect(new Set(draw(3)).size).toBe(7);
    const seeds = Array.from({ length: 16 }, (_, k) => deriveSeed(1, k));
    expect(new Set(seeds).size).toBe(16);
    expect(seeds.every((s) => Number.isSafeInteger(s) && s >= 0)).toBe(true);
    expect(deriveSeed(1, 5)).toBe(seeds[5]);
  });
});

describe('random walks', () => {
  const opts = { seed: 11, walks: 300, maxDepth: 40, engine: 'compiled' as const };

  it('the same seed gives the same result; every finding is a path along which its property fires', () => {
    const a = randomWalks(sys, opts);
    expect(randomWalks(sys, opts)).toEqual(a);
    const folder = new PathFolder(sys);
    const fired = a.found.flatMap((path, p) => (path === null ? [] : [[p, path] as const]));
    expect(fired.length).toBeGreaterThanOrEqual(4);
    for (const [p, path] of fired) expect(folder.firstFiring(p, path)).toBe(path.length);
  });

  it('continues in a fresh space past the reset bound, finding the same properties', () => {
    const small = randomWalks(sys, { ...opts, resetStates: 300 });
    const big = randomWalks(sys, opts);
    expect(big.states).toBeGreaterThan(300);
    // Fresh spaces rediscover states, so the stored total exceeds that of one space.
    expect(small.states).toBeGreaterThan(big.states);
    expect(small.found.map((f) => f !== null)).toEqual(big.found.map((f) => f !== null));
    const folder = new PathFolder(sys);
    const fired = small.found.flatMap((path, p) => (path === null ? [] : [[p, path] as const]));
    for (const [p, path] of fired) expect(folder.firstFiring(p, path)).toBe(path.length);
  });

  it('swarm job 0 takes every event; other jobs avoid some event types, deterministically', () => {
    const swarm = { seed: 5, jobs: 4, walks: 10, maxDepth: 20, engine: 'compiled' as const };
    expect(swarmJob(sys, swarm, 0).walk.avoid).toEqual([]);
    const types = new Set(sys.events.map((e) => e.type));
    for (let k = 1; k < 4; k++) {
      const job = swarmJob(sys, swarm, k);
      expect(job).toEqual(swarmJob(sys, swarm, k));
      expect(job.walk.seed).toBe(deriveSeed(5, k));
      expect((job.walk.avoid ?? []).length).toBeLessThan(types.size);
    }
  });
});
