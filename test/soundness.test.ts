// Soundness of the checker itself, on every shipped model variant (default parameters
// and the larger configurations pinned in test/models/pins/): the search order and the
// symmetry reduction must not change what is found. BFS and DFS agree on every verdict;
// symmetry on and off agree on every verdict and on the length of each shortest (BFS)
// counterexample; every counterexample, reduced or not, replays as a run of the model
// and reproduces its violation (on its last step for step and transition properties). The compiled engine is checked against plain
// interpretation in test/engines.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { models } from '../models/index.js';
import { checkSystem, type RunResult } from '../src/check.js';
import type { StrategyName } from '../src/explore/index.js';
import type { AnyModel } from '../src/model.js';
import { isSafety } from '../src/property.js';
import { compileSystem, type CompiledSystem } from '../src/system.js';
import { testAtPathEnd } from './replayJudge.js';

const defaults = (m: AnyModel): Record<string, number> =>
  Object.fromEntries(Object.entries(m.params).map(([k, p]) => [k, p.default]));

interface Config {
  readonly params: Record<string, number>;
  readonly variant: string;
}

/**
 * Every variant at default parameters, plus each pinned larger configuration (`large`:
 * DFS with symmetry is left out there, and DFS counterexamples are not replayed, as their
 * paths run to hundreds of events and XState interpretation takes milliseconds each).
 */
function configs(m: AnyModel): (Config & { large: boolean })[] {
  const pins = JSON.parse(
    readFileSync(join(import.meta.dirname, 'models', 'pins', `${m.id}.json`), 'utf8'),
  ) as { configs: Config[] };
  const base = Object.keys(m.variants).map((variant) => ({ params: defaults(m), variant, large: false }));
  const large = pins.configs.map((c) => ({
    params: { ...defaults(m), ...c.params },
    variant: c.variant,
    large: true,
  }));
  return [...base, ...large];
}

const run = (m: AnyModel, sys: CompiledSystem, strategy: StrategyName, symmetry: boolean): RunResult =>
  checkSystem(m, sys, { engine: 'compiled', strategy, symmetry });

const verdicts = (r: RunResult): string[] => r.properties.map((p) => `${p.name}=${p.verdict}`);

/** Each counterexample is a run of the model (every event enabled in turn) ending in its violation. */
function expectReplays(r: RunResult): void {
  const sys = r.system;
  r.properties.forEach((p, i) => {
    const prop = sys.properties[i];
    // Progress counterexamples (lassos) are checked by replay in traces.test.ts.
    if (p.verdict !== 'violated' || p.path === undefined || prop === undefined || !isSafety(prop)) return;
    expect([p.name, testAtPathEnd(sys, prop, p.path, p.name)]).toEqual([p.name, false]);
  });
}

for (const m of models) {
  describe(`${m.id}: search order and symmetry do not change verdicts`, () => {
    for (const c of configs(m)) {
      it(`${c.variant} ${JSON.stringify(c.params)}`, () => {
        const sys = compileSystem(m, c.params, c.variant);
        const bfsFull = run(m, sys, 'bfs', false);
        const bfsReduced = run(m, sys, 'bfs', true);
        const dfsFull = run(m, sys, 'dfs', false);
        const runs = [bfsFull, bfsReduced, dfsFull, ...(c.large ? [] : [run(m, sys, 'dfs', true)])];
        expect(bfsFull.complete).toBe(true);
        for (const r of runs) expect(verdicts(r)).toEqual(verdicts(bfsFull));
        expect(bfsReduced.properties.map((p) => p.path?.length)).toEqual(
          bfsFull.properties.map((p) => p.path?.length),
        );
        expect(bfsReduced.states).toBeLessThanOrEqual(bfsFull.states);
        for (const r of c.large ? [bfsFull, bfsReduced] : runs) expectReplays(r);
      });
    }
  });
}
