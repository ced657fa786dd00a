// The fast path against the reference: the compiled engine and plain XState
// interpretation must agree on state counts, transitions, depth, verdicts and the very
// counterexamples, with and without symmetry, under BFS and DFS.
import { describe, expect, it } from 'vitest';
import bench from '../models/bench.js';
import { models } from '../models/index.js';
import { checkRun, type RunResult } from '../src/check.js';
import type { AnyModel } from '../src/model.js';

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

const summary = (r: RunResult): unknown => ({
  states: r.states,
  transitions: r.transitions,
  depth: r.depth,
  complete: r.complete,
  properties: r.properties.map((p) => [p.name, p.verdict, p.path]),
});

describe('compiled engine = plain interpretation', () => {
  for (const m of models) {
    const params = m.id === 'bench' ? { pages: 2, converters: 2 } : defaults(m);
    for (const variant of Object.keys(m.variants)) {
      for (const symmetry of [false, true]) {
        for (const strategy of ['bfs', 'dfs'] as const) {
          it(`${m.id}:${variant} symmetry=${symmetry} ${strategy}`, () => {
            const fast = checkRun(m, params, variant, { engine: 'compiled', strategy, symmetry });
            const ref = checkRun(m, params, variant, { engine: 'interpret', strategy, symmetry });
            expect(fast.engine).toBe('compiled');
            expect(ref.engine).toBe('interpret');
            expect(summary(fast)).toEqual(summary(ref));
          });
        }
      }
    }
  }
});

function run(pages: number, converters: number, symmetry: boolean): [number, number, number] {
  const r = checkRun(bench, { pages, converters }, 'spec', {
    engine: 'compiled',
    strategy: 'bfs',
    symmetry,
  });
  expect(r.properties.every((p) => p.verdict === 'holds')).toBe(true);
  return [r.states, r.transitions, r.depth];
}

describe('bench matches docs/bench.md', () => {
  it("N=1,K=1 has 22 states and N=2,K=1 has 435 (the spec's own check)", () => {
    expect(
      checkRun(bench, { pages: 1, converters: 1 }, 'spec', {
        engine: 'interpret',
        strategy: 'bfs',
        symmetry: false,
      }).states,
    ).toBe(22);
    expect(
      checkRun(bench, { pages: 2, converters: 1 }, 'spec', {
        engine: 'interpret',
        strategy: 'bfs',
        symmetry: false,
      }).states,
    ).toBe(435);
  });
  it('pins the compiled counts for larger sizes', () => {
    expect(run(3, 1, false)).toEqual([8100, 69120, 15]);
    expect(run(4, 1, false)).toEqual([145125, 1628100, 20]);
    expect(run(3, 2, false)).toEqual([17235, 157401, 15]);
    expect(run(3, 1, true)).toEqual([1520, 13120, 15]);
  });
  it('BFS and DFS visit the same states', () => {
    for (const symmetry of [false, true]) {
      const b = checkRun(bench, { pages: 3, converters: 2 }, 'spec', {
        engine: 'compiled',
        strategy: 'bfs',
        symmetry,
      });
      const d = checkRun(bench, { pages: 3, converters: 2 }, 'spec', {
        engine: 'compiled',
        strategy: 'dfs',
        symmetry,
      });
      expect([d.states, d.transitions]).toEqual([b.states, b.transitions]);
    }
  });
});
