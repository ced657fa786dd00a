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
    const workers: number[] = [];
    for (const variant of ['no-pin-check', 'check-before-unmap']) {
      const opts = { engine: 'compiled', strategy: 'bfs', symmetry: false } as const;
      const seq = await checkRunAsync(gm, params, variant, opts);
      const par = await checkRunAsync(gm, params, variant, { ...opts, workers: 2 });
      // A variant with a transition property (no-pin-check's pin-refuses-conversion) runs on
      // one thread by design (docs/performance.md); the others on the two workers.
      const transitions = par.system.properties.some((p) => p.over === 'transition');
      expect([variant, par.workers]).toEqual([variant, transitions ? 1 : 2]);
      workers.push(par.workers);
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
    expect(workers).toContain(2);
  });

  it('judges progress properties on the graph the workers record: same verdicts and lassos', async () => {
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

/** Everything a run found, in a comparable form (no timings, no storage kind). */
const figures = (r: Awaited<ReturnType<typeof checkRunAsync>>): unknown => [
  r.states,
  r.transitions,
  r.depth,
  r.levels,
  r.complete,
  r.properties.map((p) => [p.name, p.verdict, p.path, p.loop]),
];

describe('parallel BFS over a shared state map (any compiled model)', () => {
  // Models with state-scope properties, symmetry, deadlock and AG EF properties at default
  // parameters (symmetry on, as the CLI runs), plus runs that grow the map inside a level.
  // (Models with transition properties run on one thread, so none is listed here.)
  const runs: [string, string, Record<string, number>, boolean][] = [
    ...[
      'direct-map-gup-fast',
      'guest-memfd-v1-binding',
      'gunyah-longterm-pin',
      'huge-folio-mixed',
      'lock-order',
      'snp-reclaim',
    ].map((id): [string, string, Record<string, number>, boolean] => {
      const m = model(id);
      const params = Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));
      return [id, Object.keys(m.variants).at(-1) as string, params, true];
    }),
    ['bench', 'spec', { pages: 4, converters: 2 }, true],
    ['guest-memfd-inplace', 'no-lru-drain', { folios: 2, pagesPerFolio: 2, converters: 1 }, false],
  ];
  it('numbers states as the sequential search does: equal counts, levels, verdicts, counterexamples, lassos', async () => {
    for (const [id, variant, params, symmetry] of runs) {
      const opts = { engine: 'compiled', strategy: 'bfs', symmetry } as const;
      const seq = await checkRunAsync(model(id), params, variant, opts);
      const par = await checkRunAsync(model(id), params, variant, { ...opts, workers: 2 });
      expect({ id, variant, workers: par.workers }).toEqual({
        id,
        variant,
        workers: seq.engine === 'compiled' ? 2 : 1,
      });
      expect({ id, variant, par: figures(par) }).toEqual({ id, variant, par: figures(seq) });
    }
  });

  it('stores two-word states exactly and agrees with the sequential search', async () => {
    const opts = { engine: 'compiled', strategy: 'bfs', symmetry: true, storage: 'wide' } as const;
    const gm = model('guest-memfd-inplace');
    const params = { folios: 2, pagesPerFolio: 1, converters: 2 };
    const seq = await checkRunAsync(gm, params, 'check-before-unmap', { ...opts, exact: true });
    const par = await checkRunAsync(gm, params, 'check-before-unmap', { ...opts, workers: 2 });
    expect([par.workers, par.storage]).toEqual([2, 'two words (exact)']);
    expect(figures(par)).toEqual(figures(seq));
  });

  it('a time limit pauses the workers inside a level; the figures are partial', async () => {
    const started = Date.now();
    const r = await checkRunAsync(
      model('guest-memfd-inplace'),
      { folios: 3, pagesPerFolio: 2, converters: 2 },
      'fixed',
      {
        engine: 'compiled',
        strategy: 'bfs',
        symmetry: true,
        workers: 2,
        shouldStop: () => (Date.now() - started > 1500 ? 'max-seconds' : undefined),
      },
    );
    expect([r.workers, r.stopReason, r.complete]).toEqual([2, 'max-seconds', false]);
    const progress = r.properties.filter((p) => p.kind === 'eventually');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.verdict === 'unknown')).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
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
