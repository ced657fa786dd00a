// The two-word store (states wider than 53 bits): same states, transitions and verdicts as
// the packed and interpreted engines, with a collision estimate for fingerprints and none
// in exact mode.
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import { checkRun, type RunResult } from '../src/check.js';
import type { AnyModel } from '../src/model.js';

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

const figures = (r: RunResult): unknown => [
  r.states,
  r.transitions,
  r.depth,
  r.properties.map((p) => [p.verdict, p.path]),
];

describe('two-word store', () => {
  for (const m of models) {
    for (const variant of Object.keys(m.variants)) {
      it(`${m.id}:${variant} matches the packed engine (fingerprints and exact)`, () => {
        for (const symmetry of [false, true]) {
          const packed = checkRun(m, defaults(m), variant, { engine: 'compiled', strategy: 'bfs', symmetry });
          const wide = checkRun(m, defaults(m), variant, {
            engine: 'compiled',
            strategy: 'bfs',
            symmetry,
            storage: 'wide',
          });
          const exact = checkRun(m, defaults(m), variant, {
            engine: 'compiled',
            strategy: 'bfs',
            symmetry,
            storage: 'wide',
            exact: true,
          });
          expect(figures(wide)).toEqual(figures(packed));
          expect(figures(exact)).toEqual(figures(packed));
          expect(wide.collisionProbability > 0).toBe(wide.states > 1);
          expect(wide.collisionProbability).toBeLessThan(1e-9);
          expect(exact.collisionProbability).toBe(0);
          expect(exact.storage).toContain('exact');
        }
      });
    }
  }
  it('prints the collision estimate and how to avoid it', async () => {
    const { runCli } = await import('./helpers.js');
    const run = await runCli(['check', 'bench', '--storage', 'wide', '--set', 'pages=1']);
    expect(run.out).toMatch(
      /estimated probability that a collision hid a state: \d\.\de-\d+ \(--exact stores them exactly\)/,
    );
  });
});
