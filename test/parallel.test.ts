// Parallel BFS against the sequential search: same states, transitions, depth and verdicts;
// counterexamples are equally short and replay to the same violation.
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import { checkRunAsync } from '../src/check.js';
import { buildTrace } from '../src/trace.js';
import { replay } from '../src/replay.js';
import type { AnyModel } from '../src/model.js';

const model = (id: string): AnyModel => models.find((m) => m.id === id) as AnyModel;

describe('parallel BFS', () => {
  it('explores bench with 2 workers to the same figures as 1', async () => {
    const opts = { engine: 'compiled', strategy: 'bfs', symmetry: false } as const;
    const seq = await checkRunAsync(model('bench'), { pages: 4, converters: 1 }, 'spec', opts);
    const par = await checkRunAsync(model('bench'), { pages: 4, converters: 1 }, 'spec', {
      ...opts,
      workers: 2,
    });
    expect(par.workers).toBe(2);
    expect([par.states, par.transitions, par.depth, par.levels]).toEqual([
      seq.states,
      seq.transitions,
      seq.depth,
      seq.levels,
    ]);
    expect(par.properties.map((p) => p.verdict)).toEqual(seq.properties.map((p) => p.verdict));
  });

  it('finds the same violations with shortest counterexamples that replay', async () => {
    const gm = model('guest-memfd-inplace');
    const params = { folios: 2, pagesPerFolio: 1, converters: 1 };
    for (const variant of ['no-pin-check', 'check-before-unmap']) {
      const opts = { engine: 'compiled', strategy: 'bfs', symmetry: false } as const;
      const seq = await checkRunAsync(gm, params, variant, opts);
      const par = await checkRunAsync(gm, params, variant, { ...opts, workers: 2 });
      expect(par.workers).toBe(2);
      expect(par.states).toBe(seq.states);
      for (const [i, p] of par.properties.entries()) {
        expect(p.verdict).toBe(seq.properties[i]?.verdict);
        expect(p.path?.length).toBe(seq.properties[i]?.path?.length);
        if (p.verdict !== 'violated') continue;
        const trace = buildTrace(
          par.system,
          { name: p.name, kind: p.kind, verdict: 'violated' },
          p.path ?? [],
        );
        expect(replay(gm, trace, { force: false }).reproduced).toBe(true);
      }
    }
  });

  it('falls back to one worker when the run needs symmetry reduction', async () => {
    const opts = { engine: 'compiled', strategy: 'bfs', symmetry: true, workers: 2 } as const;
    expect((await checkRunAsync(model('bench'), { pages: 2, converters: 1 }, 'spec', opts)).workers).toBe(1);
  });

  it('judges progress properties on a separate sequential graph run', async () => {
    const opts = { engine: 'compiled', strategy: 'bfs', symmetry: false } as const;
    const gm = model('guest-memfd-inplace');
    const params = { folios: 1, pagesPerFolio: 1, converters: 1 };
    const seq = await checkRunAsync(gm, params, 'no-lru-drain', opts);
    const par = await checkRunAsync(gm, params, 'no-lru-drain', { ...opts, workers: 2 });
    expect(par.workers).toBe(2);
    expect(par.properties.map((p) => [p.verdict, p.path, p.loop])).toEqual(
      seq.properties.map((p) => [p.verdict, p.path, p.loop]),
    );
  });
});

describe('parallel BFS stops inside a level', () => {
  it('a time limit stops the workers mid-level with partial figures', async () => {
    const started = Date.now();
    const r = await checkRunAsync(model('bench'), { pages: 6, converters: 1 }, 'spec', {
      engine: 'compiled',
      strategy: 'bfs',
      symmetry: false,
      workers: 2,
      shouldStop: () => (Date.now() - started > 1500 ? 'max-seconds' : undefined),
    });
    expect(r.workers).toBe(2);
    expect(r.stopReason).toBe('max-seconds');
    expect(r.complete).toBe(false);
    expect(r.properties.every((p) => p.verdict === 'unknown')).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
